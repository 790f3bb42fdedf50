"""The console against the real system: the four services as processes (their own database and broker
namespace for this module), and the console as a process in front of them, as `gongkai run all` runs it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, declare_topology, delete_topology, drop_database
from gongkai_system import Console, System

SCREENSHOTS = os.environ.get("GONGKAI_SCREENSHOTS")  # a folder: the page tests save their screenshots there too


@pytest.fixture(scope="module")
async def module_settings(amqp_url, database_server_url, broker_accounts, database_roles) -> AsyncIterator[Settings]:
    """The ``settings`` fixture for a whole module: one system serves every page test in it."""
    namespace = await asyncio.to_thread(broker_accounts.namespace)
    database_url, _ = await asyncio.gather(create_database(database_server_url), declare_topology(amqp_url, namespace))
    yield Settings(amqp_url=amqp_url, database_url=database_url, namespace=namespace, relay_idle_seconds=0.1,
                   **broker_accounts.settings(), **database_roles.settings())
    await asyncio.gather(delete_topology(amqp_url, namespace), drop_database(database_server_url, database_url))


@pytest.fixture(scope="module")
def system(module_settings, tmp_path_factory) -> Iterator[System]:
    system = System(module_settings, tmp_path_factory.mktemp("system"))
    # Reminders at once: an item formed long ago is overdue, and its clerk finds the reminder in the inbox.
    system.env["GONGKAI_NOTIFICATION_MONITOR_INTERVAL"] = "1"
    system.migrate()
    try:
        system.start()
        yield system
    finally:
        system.stop()


@pytest.fixture(scope="module")
def console(system, tmp_path_factory) -> Iterator[Console]:
    running = Console(system, tmp_path_factory.mktemp("console"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def short_console(system, tmp_path_factory) -> Iterator[Console]:
    """A console whose sessions end after three idle seconds."""
    running = Console(system, tmp_path_factory.mktemp("console"), GONGKAI_CONSOLE_SESSION_IDLE_SECONDS="3")
    yield running
    running.stop()


@pytest.fixture
def screenshot(tmp_path):
    """``await screenshot(page, "queue")``: docs/screenshots/console-queue.png when GONGKAI_SCREENSHOTS is set."""

    async def take(page, name: str) -> Path:
        path = tmp_path / f"console-{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        await asyncio.to_thread(_keep, path)
        return path

    return take


def _keep(path: Path) -> None:
    shot = path.read_bytes()
    assert shot[:8] == b"\x89PNG\r\n\x1a\n"
    if SCREENSHOTS:
        Path(SCREENSHOTS, path.name).write_bytes(shot)
