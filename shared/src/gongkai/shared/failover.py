"""Broker connections over a list of addresses: the nodes of a RabbitMQ cluster, tried in turn.

``AMQP_URL`` names the first node (its credentials and vhost are every node's); ``GONGKAI_AMQP_ADDRESSES``
(``host:port,host:port``) names the others. A robust connection that loses its node, or fails to reach it,
takes the next address at its next attempt; its channels, consumers and declarations are restored there as
aio-pika restores them on one node. Quorum queues keep their messages on the surviving nodes, so a
consumer carries on where the node it lost left off.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractRobustConnection
from yarl import URL

log = logging.getLogger("gongkai.broker")

# A node that is down or not there; a refused login is not one (every node has the same accounts).
UNREACHABLE = (ConnectionError, OSError, aio_pika.exceptions.AMQPConnectionError)


def urls(url: str, addresses: Sequence[str]) -> list[str]:
    """``url`` and the same URL at each other ``host:port`` of ``addresses`` (credentials and vhost kept)."""
    first = URL(url)
    found = [url]
    for address in addresses:
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise ValueError(f"a broker address is host:port, not {address!r}")
        other = str(first.with_host(host).with_port(int(port)))
        if other not in found and URL(other) != first:
            found.append(other)
    return found


class FailoverConnection(aio_pika.RobustConnection):
    """A robust connection that tries the next address at every connection attempt after its first."""

    ADDRESSES: tuple[URL, ...] = ()

    def __init__(self, url: URL, loop: asyncio.AbstractEventLoop | None = None, **kwargs: Any) -> None:
        self._turn = 0
        self._attempts = 0
        super().__init__(url, loop=loop, **kwargs)

    @property
    def url(self) -> URL:
        """The address of this connection attempt: aio-pika reads it once for each (and ``__str__`` does not)."""
        if not self.ADDRESSES:
            return self._url
        if getattr(self, "connected", None) is not None:  # not while ``__init__`` reads the URL's options
            if self._attempts:
                self._turn += 1
                log.warning("broker connection tries the next node", extra={"address": _shown(self.current)})
            self._attempts += 1
        return self.current

    @url.setter
    def url(self, value: URL) -> None:
        self._url = value

    @property
    def current(self) -> URL:
        """The address this connection is on (or last tried)."""
        return self.ADDRESSES[self._turn % len(self.ADDRESSES)] if self.ADDRESSES else self._url

    def __str__(self) -> str:
        return _shown(self.current)


def _shown(url: URL) -> str:
    return str(url.with_password("******") if url.password else url)


def connection_class(addresses: Sequence[str]) -> type[FailoverConnection]:
    """A ``FailoverConnection`` over ``addresses`` (full AMQP URLs), for ``connect_robust(connection_class=…)``."""
    return type("FailoverConnection", (FailoverConnection,),
                {"ADDRESSES": tuple(URL(address) for address in addresses)})


def starting_at(addresses: Sequence[str], first: str) -> list[str]:
    """``addresses`` in their order, beginning with ``first`` (the node found up)."""
    at = list(addresses).index(first)
    return [*addresses[at:], *addresses[:at]]


async def first_reachable(addresses: Sequence[str]) -> str:
    """The first of ``addresses`` that accepts a connection (the last failure if none does)."""
    failure: BaseException | None = None
    for address in addresses:
        try:
            connection = await aio_pika.connect(address)
        except UNREACHABLE as exc:
            failure = exc
            continue
        await connection.close()
        return address
    assert failure is not None
    raise failure


async def connect_robust(addresses: Sequence[str], **kwargs: Any) -> AbstractRobustConnection:
    """A robust connection to the first node that answers, moving to another whenever it loses its node.

    aio-pika fails at once when its first attempt does (``fail_fast``): the nodes are tried in turn for it.
    """
    if len(addresses) == 1:
        single: AbstractRobustConnection = await aio_pika.connect_robust(addresses[0], **kwargs)
        return single
    failure: BaseException | None = None
    for address in addresses:
        ordered = starting_at(addresses, address)
        try:
            connection: AbstractRobustConnection = await aio_pika.connect_robust(
                ordered[0], connection_class=connection_class(ordered), **kwargs)
            return connection
        except UNREACHABLE as exc:
            failure = exc
    assert failure is not None
    raise failure


async def connect(addresses: Sequence[str], **kwargs: Any) -> AbstractConnection:
    """A plain connection to the first of ``addresses`` that answers (the last failure if none does)."""
    failure: BaseException | None = None
    for address in addresses:
        try:
            connection: AbstractConnection = await aio_pika.connect(address, **kwargs)
            return connection
        except UNREACHABLE as exc:
            failure = exc
    assert failure is not None
    raise failure
