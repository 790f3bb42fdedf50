"""Pytest plugin: real RabbitMQ and PostgreSQL, with isolated state per test.

``AMQP_URL`` / ``DATABASE_URL`` (administrators) are used when set; otherwise a container is started with
testcontainers. A missing broker or database fails the tests that need it; none is skipped.

Each session makes its own broker accounts (``gkt<8 hex>-publishing`` …, permitted on this session's
namespaces only) and database roles (``gkt<8 hex>_publishing`` …), with random passwords in accounts
files, through the same code as ``gongkai broker setup`` and ``gongkai migrate``; it removes them at the
end. Each test that asks for ``settings`` gets its own database and its own topology namespace, declared
by the administrator as the operator's set-up would, so tests can run in any order against one broker
and one server, beside other sessions.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from .accounts import SERVICES, STAFF_TOOL
from .envelope import CONTENT_TYPE, Envelope, parse
from .messages import MESSAGES
from .migrations import upgrade
from .roles import roles_of
from .session_accounts import SessionAccounts, SessionRoles
from .settings import Settings
from .topology import Topology

if TYPE_CHECKING:  # imported only when a container is needed
    from pamqp.common import FieldValue
    from testcontainers.postgres import PostgresContainer
    from testcontainers.rabbitmq import RabbitMqContainer


T = TypeVar("T")


def _container_or_fail(kind: str, start: Callable[[], T]) -> T:
    """A test that needs the broker or the database fails without one: it is never skipped."""
    try:
        return start()
    except Exception as exc:
        pytest.fail(f"no {kind}: set AMQP_URL / DATABASE_URL, or run a Docker engine for testcontainers ({exc})")


@pytest.fixture(scope="session")
def broker() -> Iterator[tuple[str, str | None]]:
    """An administrator's AMQP URL, and the management API's URL when the broker is not on this machine."""
    if url := os.environ.get("AMQP_URL"):
        yield url, os.environ.get("GONGKAI_BROKER_MANAGEMENT_URL") or None
        return

    def start() -> RabbitMqContainer:
        from testcontainers.rabbitmq import RabbitMqContainer

        return RabbitMqContainer("rabbitmq:3.13-management").with_exposed_ports(15672).start()

    container = _container_or_fail("RabbitMQ", start)
    params = container.get_connection_params()
    management = f"http://guest:guest@{params.host}:{container.get_exposed_port(15672)}/"
    yield f"amqp://guest:guest@{params.host}:{params.port}/", management
    container.stop()


@pytest.fixture(scope="session")
def amqp_url(broker: tuple[str, str | None]) -> str:
    return broker[0]


@pytest.fixture(scope="session")
def database_server_url() -> Iterator[str]:
    """A URL to the server's ``postgres`` database; tests create their own databases beside it."""
    if url := os.environ.get("DATABASE_URL"):
        yield urlunsplit(urlsplit(url.replace("+asyncpg", ""))._replace(path="/postgres"))
        return

    def start() -> PostgresContainer:
        from testcontainers.postgres import PostgresContainer

        return PostgresContainer("postgres:15", driver=None).start()

    container = _container_or_fail("PostgreSQL", start)
    yield urlunsplit(urlsplit(container.get_connection_url())._replace(path="/postgres"))
    container.stop()


# ---- the session's accounts ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def broker_accounts(broker: tuple[str, str | None], tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[SessionAccounts]:
    accounts = SessionAccounts(*broker, tmp_path_factory.mktemp("accounts") / "broker-accounts.json").create()
    yield accounts
    accounts.delete()


@pytest.fixture(scope="session")
async def database_roles(database_server_url: str, tmp_path_factory: pytest.TempPathFactory
                         ) -> AsyncIterator[SessionRoles]:
    roles = await SessionRoles(database_server_url,
                               tmp_path_factory.mktemp("accounts") / "database-accounts.json").create()
    yield roles
    await roles.drop()


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


async def declare_topology(amqp_url: str, namespace: str) -> None:
    """What ``gongkai broker setup`` does for a namespace, without the accounts: as the administrator."""
    connection = await aio_pika.connect(amqp_url)
    try:
        await Topology(namespace).declare(await connection.channel())
    finally:
        await connection.close()


async def delete_topology(amqp_url: str, namespace: str) -> None:
    connection = await aio_pika.connect(amqp_url)
    try:
        await Topology(namespace).delete(await connection.channel())
    finally:
        await connection.close()


@pytest.fixture
async def settings(amqp_url: str, database_server_url: str, broker_accounts: SessionAccounts,
                   database_roles: SessionRoles) -> AsyncIterator[Settings]:
    """Settings for one test: a database and a broker namespace of its own, both removed after.

    ``amqp_url`` and ``database_url`` are the administrators'; services connect as their own accounts.
    """
    namespace = await asyncio.to_thread(broker_accounts.namespace)
    database_url, _ = await asyncio.gather(create_database(database_server_url), declare_topology(amqp_url, namespace))
    yield Settings(amqp_url=amqp_url, database_url=database_url, namespace=namespace, relay_idle_seconds=0.1,
                   **broker_accounts.settings(), **database_roles.settings())
    await asyncio.gather(delete_topology(amqp_url, namespace), drop_database(database_server_url, database_url))


def environment(settings: Settings) -> dict[str, str]:
    """The environment that gives a ``gongkai`` process these settings."""
    env = {"AMQP_URL": settings.amqp_url, "DATABASE_URL": settings.database_url,
           "GONGKAI_NAMESPACE": settings.namespace, "GONGKAI_BROKER_PREFIX": settings.broker_prefix,
           "GONGKAI_DATABASE_ROLE_PREFIX": settings.database_role_prefix,
           "GONGKAI_RELAY_IDLE_SECONDS": str(settings.relay_idle_seconds)}
    for name, value in (("GONGKAI_BROKER_ACCOUNTS_FILE", settings.broker_accounts_file),
                        ("GONGKAI_DATABASE_ACCOUNTS_FILE", settings.database_accounts_file),
                        ("GONGKAI_BROKER_MANAGEMENT_URL", settings.broker_management_url),
                        ("GONGKAI_AMQP_ADDRESSES", settings.amqp_addresses)):
        if value:
            env[name] = str(value)
    return env


async def migrate(settings: Settings, services: tuple[str, ...] = SERVICES) -> None:
    for service in services:
        await asyncio.to_thread(upgrade, service, settings.database_url, roles=roles_of(settings, service))


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """Start a service app (its lifespan: topology, relay, consumers) and give an HTTP client to it."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as client:
            yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def connect_as(settings: Settings, party: str | None) -> aio_pika.abc.AbstractConnection:
    """A broker connection as ``party``'s account (``staff-tool``, ``review`` …), or with None as the
    administrator of ``AMQP_URL`` (tests observing what no party may see)."""
    return await aio_pika.connect(settings.amqp_url_for(party) if party else settings.amqp_url)


def sender_of(exchange: str, type: str) -> str | None:
    """Whose account sends ``type`` on ``exchange``: the staff tool for commands, else its first sender."""
    if exchange == "intake":
        return STAFF_TOOL
    return next((spec.senders[0] for spec in MESSAGES if spec.type == type and spec.exchange == exchange
                 and spec.senders[0] in SERVICES), None)


class _Default(Enum):
    """The type of ``_DEFAULT``: an argument not given, where None means something (the administrator)."""

    not_given = "not given"


_DEFAULT = _Default.not_given


async def publish(settings: Settings, exchange: str, envelope: Envelope, *, routing_key: str | None = None,
                  headers: Mapping[str, FieldValue] | None = None, body: bytes | None = None,
                  account: str | _Default | None = _DEFAULT, user_id: str | _Default | None = _DEFAULT) -> None:
    """Publish one message the way its producer would (confirmed, mandatory): as the account that sends
    it (``sender_of``; the administrator for a type no one sends), with that account as ``user_id``.

    A forger's message: give ``account`` (a party, or None for the administrator) and ``user_id``.
    """
    party = sender_of(exchange, envelope.type) if account is _DEFAULT else account
    if user_id is _DEFAULT:
        user_id = settings.broker_account(party) if party else None
    connection = await connect_as(settings, party)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        target = await channel.get_exchange(Topology(settings.namespace).exchange(exchange), ensure=False)
        message = aio_pika.Message(body if body is not None else envelope.to_bytes(), message_id=envelope.id,
                                   content_type=CONTENT_TYPE, delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                   headers=dict(headers or {}), user_id=user_id)
        await target.publish(message, routing_key=routing_key or envelope.routing_key, mandatory=True)
    finally:
        await connection.close()


class Tap:
    """Listens on an exchange like an outside consumer and keeps every message it sees.

    On the public exchange it listens as the public site; elsewhere (where no party may listen) as the
    administrator. Open it (``async with Tap(...)``) before the messages are sent: a topic exchange keeps
    nothing.
    """

    def __init__(self, settings: Settings, exchange: str, binding: str = "#",
                 account: str | _Default | None = _DEFAULT) -> None:
        self._settings = settings
        self._exchange = exchange
        self._binding = binding
        self._account = ("public-site" if exchange == "public" else None) if account is _DEFAULT else account
        self.messages: list[tuple[str, Envelope]] = []
        self.deliveries: list[aio_pika.abc.AbstractIncomingMessage] = []
        self._arrived = asyncio.Condition()

    async def __aenter__(self) -> Tap:
        self._connection = await connect_as(self._settings, self._account)
        channel = await self._connection.channel()
        topology = Topology(self._settings.namespace)
        exchange = await channel.get_exchange(topology.exchange(self._exchange), ensure=False)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key=self._binding)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._connection.close()

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with self._arrived:
            self.messages.append((message.routing_key or "", parse(message.body)))
            self.deliveries.append(message)
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


# ---- a real browser ------------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
async def chromium() -> AsyncIterator[Any]:
    """Debian's chromium driven by Playwright (no browser download). A page test fails without it."""
    from playwright.async_api import async_playwright

    if not await asyncio.to_thread(os.path.exists, CHROMIUM):
        pytest.fail(f"no browser at {CHROMIUM}: run `make browser` (apt-get install chromium fonts-noto-cjk)")
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
async def page(chromium: Any) -> AsyncIterator[Any]:
    """A fresh page in a context of its own (cookies and storage start empty), Chinese and a phone-sized
    viewport unless a test sets its own."""
    context = await chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai")
    page = await context.new_page()
    yield page
    await context.close()


# ---- test tiers ---------------------------------------------------------------------------------------

# A test that asks (directly or through another fixture) for one of these needs the real broker, database or
# browser: it is an integration test. One under the top-level tests/ runs the services as processes: a system
# test. Every other test is a unit test and runs with nothing but Python (``make unit``).
INFRASTRUCTURE = frozenset({"broker", "amqp_url", "database_server_url", "broker_accounts", "database_roles",
                            "settings", "chromium", "page"})
TIERS = {"unit": "no broker, database or browser: every rule, in seconds",
         "integration": "the real broker, database or browser",
         "system": "the services as processes, driven from outside"}


def pytest_configure(config: pytest.Config) -> None:
    for tier, meaning in TIERS.items():
        config.addinivalue_line("markers", f"{tier}: {meaning}")


def tier_of(item: pytest.Item) -> str:
    if not INFRASTRUCTURE.intersection(getattr(item, "fixturenames", ())):
        return "unit"
    try:
        top_level = item.path.relative_to(item.config.rootpath).parts[0] == "tests"
    except ValueError:
        top_level = False
    return "system" if top_level else "integration"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if not any(item.get_closest_marker(tier) for tier in TIERS):
            item.add_marker(getattr(pytest.mark, tier_of(item)))
