"""Pytest plugin: real RabbitMQ and PostgreSQL, with isolated state per test.

``AMQP_URL`` / ``DATABASE_URL`` are used when set; otherwise a container is started with
testcontainers. When ``CI`` is set, a missing broker or database fails the run instead of skipping.
Each test that asks for ``settings`` gets its own database and its own topology namespace, so tests
can run in any order and in parallel against one broker and one server.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg
import pytest

from .migrations import SERVICES, upgrade
from .settings import Settings
from .topology import Topology


def _container_or_fail(kind: str, start):
    try:
        return start()
    except Exception as exc:
        message = f"no {kind}: set the URL or run a Docker engine for testcontainers ({exc})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="session")
def amqp_url() -> Iterator[str]:
    if url := os.environ.get("AMQP_URL"):
        yield url
        return

    def start():
        from testcontainers.rabbitmq import RabbitMqContainer

        return RabbitMqContainer("rabbitmq:3.13-management").start()

    container = _container_or_fail("RabbitMQ", start)
    params = container.get_connection_params()
    yield f"amqp://guest:guest@{params.host}:{params.port}/"
    container.stop()


@pytest.fixture(scope="session")
def database_server_url() -> Iterator[str]:
    """A URL to the server's ``postgres`` database; tests create their own databases beside it."""
    if url := os.environ.get("DATABASE_URL"):
        yield urlunsplit(urlsplit(url.replace("+asyncpg", ""))._replace(path="/postgres"))
        return

    def start():
        from testcontainers.postgres import PostgresContainer

        return PostgresContainer("postgres:15", driver=None).start()

    container = _container_or_fail("PostgreSQL", start)
    yield urlunsplit(urlsplit(container.get_connection_url())._replace(path="/postgres"))
    container.stop()


async def create_database(server_url: str) -> str:
    name = f"gk_test_{uuid.uuid4().hex[:12]}"
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'create database "{name}"')
    finally:
        await connection.close()
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))


async def drop_database(server_url: str, database_url: str) -> None:
    name = urlsplit(database_url).path.lstrip("/")
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(f'drop database if exists "{name}" with (force)')
    finally:
        await connection.close()


async def delete_topology(amqp_url: str, namespace: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        await Topology(namespace).delete(await connection.channel())
    finally:
        await connection.close()


@pytest.fixture
async def settings(amqp_url: str, database_server_url: str) -> AsyncIterator[Settings]:
    """Settings for one test: a database and a broker namespace of its own, both removed after."""
    database_url = await create_database(database_server_url)
    namespace = f"t{uuid.uuid4().hex[:10]}"
    yield Settings(amqp_url=amqp_url, database_url=database_url, namespace=namespace, relay_idle_seconds=0.1)
    await delete_topology(amqp_url, namespace)
    await drop_database(database_server_url, database_url)


async def migrate(settings: Settings, services: tuple[str, ...] = SERVICES) -> None:
    for service in services:
        await asyncio.to_thread(upgrade, service, settings.database_url)
