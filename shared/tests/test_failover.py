"""Broker addresses: the cluster's nodes as URLs, and a connection that moves along them."""

from __future__ import annotations

import socket

import aio_pika
import pytest
from gongkai.shared import failover
from gongkai.shared.settings import Settings
from yarl import URL


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once it is closed


def test_each_node_gets_the_first_urls_credentials_and_vhost():
    urls = failover.urls("amqp://u:p%40ss@10.0.0.1:5672/bureau", ["10.0.0.2:5673", " 10.0.0.3:5674", "10.0.0.1:5672"])
    assert urls == ["amqp://u:p%40ss@10.0.0.1:5672/bureau", "amqp://u:p%40ss@10.0.0.2:5673/bureau",
                    "amqp://u:p%40ss@10.0.0.3:5674/bureau"]


@pytest.mark.parametrize("bad", ["10.0.0.2", "10.0.0.2:", ":5672", "host:port"])
def test_an_address_without_host_and_port_is_refused(bad):
    with pytest.raises(ValueError, match="host:port"):
        failover.urls("amqp://u:p@h:5672/", [bad])


def test_settings_give_every_party_the_same_nodes(monkeypatch):
    monkeypatch.setenv("GONGKAI_AMQP_ADDRESSES", "127.0.0.1:5682,127.0.0.1:5683")
    urls = Settings().amqp_urls_for("publishing")
    assert [URL(u).port for u in urls] == [5672, 5682, 5683]
    assert {URL(u).user for u in urls} == {"gongkai-publishing"}
    monkeypatch.setenv("GONGKAI_AMQP_ADDRESSES", "127.0.0.1:5682;rm -rf")
    with pytest.raises(ValueError):
        Settings()


def test_the_order_begins_with_the_node_found_up():
    assert failover.starting_at(["a", "b", "c"], "b") == ["b", "c", "a"]


async def test_every_attempt_after_the_first_takes_the_next_address_and_logging_it_moves_nothing():
    kind = failover.connection_class(["amqp://u:secret@h1:1/", "amqp://u:secret@h2:2/", "amqp://u:secret@h3:3/"])
    connection = kind(URL("amqp://u:secret@h1:1/"))
    assert str(connection) == "amqp://u:******@h1:1/" and str(connection) == "amqp://u:******@h1:1/"
    ports = [connection.url.port for _ in range(5)]
    assert ports == [1, 2, 3, 1, 2]
    assert "secret" not in str(connection)


async def test_a_node_that_is_down_is_passed_over_for_one_that_is_up(amqp_url):
    down = str(URL(amqp_url).with_port(closed_port()))
    connection = await failover.connect_robust([down, amqp_url])
    try:
        channel = await connection.channel()
        assert not channel.is_closed
        assert await failover.first_reachable([down, amqp_url]) == amqp_url
    finally:
        await connection.close()
    with pytest.raises(aio_pika.exceptions.AMQPConnectionError):
        await failover.connect([down])
