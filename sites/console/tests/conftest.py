"""The console against the real system: the four services as processes (their own database and broker
namespace for this module), and the console as a process in front of them, as `gongkai run all` runs it."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, declare_topology, delete_topology, drop_database
from gongkai_system import SERVICES, System, free_port

SCREENSHOTS = os.environ.get("GONGKAI_SCREENSHOTS")  # a folder: the page tests save their screenshots there too


class Console:
    """``gongkai run console`` in front of a running system."""

    def __init__(self, system: System, log_dir: Path, **env: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        settings = {f"GONGKAI_CONSOLE_{name.upper()}_URL": system.url(name) for name in SERVICES}
        log = open(log_dir / f"console-{self.port}.log", "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gongkai.cli.main", "run", "console", "--port", str(self.port)],
            env={**os.environ, **settings, **env}, stdout=log, stderr=subprocess.STDOUT)
        self._log = log_dir / f"console-{self.port}.log"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the console exited: {self._log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the console did not answer /health")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


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
