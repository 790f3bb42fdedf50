"""Pytest plugin: real RabbitMQ and PostgreSQL, with isolated state per test.

``AMQP_URL`` / ``DATABASE_URL`` are used when set; otherwise a container is started with
testcontainers. A missing broker or database fails the tests that need it; none is skipped.
Each test that asks for ``settings`` gets its own database and its own topology namespace, so tests
can run in any order and in parallel against one broker and one server.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from .envelope import CONTENT_TYPE, Envelope, parse
from .migrations import SERVICES, upgrade
from .settings import Settings
from .topology import Topology


def _container_or_fail(kind: str, start):
    """A test that needs the broker or the database fails without one: it is never skipped."""
    try:
        return start()
    except Exception as exc:
        pytest.fail(f"no {kind}: set AMQP_URL / DATABASE_URL, or run a Docker engine for testcontainers ({exc})")


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


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Start a service app (its lifespan: topology, relay, consumers) and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def publish(settings: Settings, exchange: str, envelope: Envelope, *, routing_key: str | None = None,
                  headers: dict[str, str] | None = None, body: bytes | None = None) -> None:
    """Publish one message the way a producer or staff tool would (confirmed, mandatory)."""
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        target = await channel.get_exchange(Topology(settings.namespace).exchange(exchange), ensure=False)
        message = aio_pika.Message(body if body is not None else envelope.to_bytes(), message_id=envelope.id,
                                   content_type=CONTENT_TYPE, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                   headers=headers or {})
        await target.publish(message, routing_key=routing_key or envelope.routing_key, mandatory=True)
    finally:
        await connection.close()


class Tap:
    """Listens on an exchange like an outside consumer and keeps every message it sees.

    Declare (``async with Tap(...)``) before the messages are sent: a topic exchange keeps nothing.
    """

    def __init__(self, settings: Settings, exchange: str, binding: str = "#") -> None:
        self._settings = settings
        self._exchange = exchange
        self._binding = binding
        self.messages: list[tuple[str, Envelope]] = []
        self._arrived = asyncio.Condition()

    async def __aenter__(self) -> Tap:
        self._connection = await aio_pika.connect(self._settings.amqp_url)
        channel = await self._connection.channel()
        topology = Topology(self._settings.namespace)
        await topology.declare(channel)
        exchange = await channel.get_exchange(topology.exchange(self._exchange), ensure=False)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=self._binding)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._connection.close()

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with self._arrived:
            self.messages.append((message.routing_key or "", parse(message.body)))
            self._arrived.notify_all()

    def of_type(self, type: str) -> list[Envelope]:
        return [envelope for _, envelope in self.messages if envelope.type == type]

    async def wait_for(self, type: str, predicate: Callable[[Envelope], bool] = lambda _: True,
                       timeout: float = 15.0) -> Envelope:
        """The first message of ``type`` matching ``predicate``, waiting up to ``timeout`` seconds."""

        def found() -> Envelope | None:
            return next((e for e in self.of_type(type) if predicate(e)), None)

        async with asyncio.timeout(timeout), self._arrived:
            await self._arrived.wait_for(lambda: found() is not None)
        envelope = found()
        assert envelope is not None
        return envelope


async def get_eventually(queue: aio_pika.abc.AbstractQueue, timeout: float = 10.0
                         ) -> aio_pika.abc.AbstractIncomingMessage:
    """The next message of ``queue``, polling until one arrives (``queue.get`` does not wait)."""
    async with asyncio.timeout(timeout):
        while (message := await queue.get(fail=False)) is None:
            await asyncio.sleep(0.05)
    return message
