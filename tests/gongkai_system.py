"""The whole system as an operator runs it: four service processes, started, killed and restarted.

Also an automatic reviewer for load runs, acting like a staff tool: it approves every case that
opens by sending review commands through the intake exchange.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import aio_pika
import httpx
from gongkai.shared import contracts as c
from gongkai.shared.accounts import STAFF_TOOL
from gongkai.shared.envelope import CONTENT_TYPE, new_event, parse
from gongkai.shared.settings import Settings
from gongkai.shared.testing import connect_as, environment
from gongkai.shared.topology import Topology

SERVICES = ("publishing", "review", "notification", "audit", "requests", "participation", "oversight")
PORTAL_CALLS = ("requests", "participation")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class System:
    """The services as processes; with ``replicas`` > 1, that many of each (``publishing``, ``publishing-2`` …),
    competing consumers of the same queues."""

    def __init__(self, settings: Settings, log_dir: Path, replicas: int = 1) -> None:
        self.settings = settings
        self.log_dir = log_dir
        self.replicas = replicas
        self.ports = {key: free_port() for name in SERVICES for key in self.instances(name)}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.env = {**os.environ, **environment(settings)}

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def migrate(self) -> None:
        subprocess.run([sys.executable, "-m", "gongkai.cli.main", "migrate"], env=self.env, check=True,
                       capture_output=True)

    def instances(self, name: str) -> list[str]:
        return [name] + [f"{name}-{n}" for n in range(2, self.replicas + 1)]

    def start(self, *services: str) -> None:
        keys = [key for name in services or SERVICES for key in self.instances(name)]
        for key in keys:
            log = open(self.log_dir / f"{key}.log", "ab")
            self.processes[key] = subprocess.Popen(
                [sys.executable, "-m", "gongkai.cli.main", "run", key.split("-")[0], "--port", str(self.ports[key])],
                env=self.env, stdout=log, stderr=subprocess.STDOUT)
        for key in keys:
            self.wait_ready(key)

    def wait_ready(self, name: str, timeout: float = 120.0) -> None:
        """Four interpreters starting at once on a busy 2-core machine can take a while."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.processes[name].poll() is not None:
                raise RuntimeError(f"{name} exited: {self.log(name)[-2000:]}")
            try:
                if httpx.get(f"{self.url(name)}/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"{name} not ready after {timeout}s: {self.log(name)[-2000:]}")

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown of any kind, as in a crash or a pulled plug."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def terminate(self, name: str) -> int:
        process = self.processes.pop(name)
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            raise

    def stop(self) -> None:
        for name in list(self.processes):
            try:
                self.terminate(name)
            except subprocess.TimeoutExpired:
                pass  # killed; the test that needed a clean stop asserts it itself

    def log(self, name: str) -> str:
        return (self.log_dir / f"{name}.log").read_text(errors="replace")


class Site:
    """``gongkai run <site>`` as its own process beside a running system, ready once ``probe`` answers 200."""

    def __init__(self, site: str, env: dict[str, str], log_dir: Path, probe: str, timeout: float = 60.0) -> None:
        self.site = site
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log_dir / f"{site}-{self.port}.log"
        with open(self._log, "ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gongkai.cli.main", "run", site, "--port", str(self.port)],
                env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the {site} exited: {self.log()[-2000:]}")
            try:
                if httpx.get(f"{self.url}{probe}", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the {site} did not answer {probe} within {timeout}s: {self.log()[-2000:]}")

    def log(self) -> str:
        return self._log.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Console(Site):
    """``gongkai run console`` in front of a running system: a client of its services' HTTP APIs, with no broker
    account and no database role."""

    def __init__(self, system: System, log_dir: Path, **env: str) -> None:
        services = {f"GONGKAI_CONSOLE_{name.upper()}_URL": system.url(name) for name in SERVICES}
        super().__init__("console", {**os.environ, **services, **env}, log_dir, "/health")


class Portal(Site):
    """``gongkai run portal`` beside a running system: it reads the public exchange as the public site's account
    (from the session's accounts file) into its own schema (``gongkai migrate`` made it), ready once it consumes
    its queue."""

    def __init__(self, system: System, log_dir: Path, **env: str) -> None:
        forms = {f"GONGKAI_PORTAL_{name.upper()}_URL": system.url(name) for name in PORTAL_CALLS
                 if name in system.ports}  # the form pages call these services' public routes
        super().__init__("portal", {**system.env, **forms, **env}, log_dir, "/ready")


@contextmanager
def started_system(settings: Settings, log_dir: Path) -> Iterator[System]:
    """Migrate and start the four services; every process that started is stopped, even when another fails."""
    system = System(settings, log_dir)
    system.migrate()
    try:
        system.start()
        yield system
    finally:
        system.stop()


class AutoReviewer:
    """Approves every case that opens, as the reviewer ``bench.bot``, through AMQP intake commands.

    A case that needs two approvals (high risk) gets the second from ``second_token``'s reviewer. It
    sends as the staff tool; it learns of open cases as the administrator (no party may read the events
    exchange: a real reviewer's tool asks review's HTTP API).
    """

    def __init__(self, settings: Settings, token: str = "dev-bench-token",
                 second_token: str = "dev-reviewer-token") -> None:
        self.settings = settings
        self.token = token
        self.second_token = second_token
        self.decided = 0

    async def __aenter__(self) -> AutoReviewer:
        topology = Topology(self.settings.namespace)
        self._staff_tool = await connect_as(self.settings, STAFF_TOOL)
        sending = await self._staff_tool.channel(publisher_confirms=True, on_return_raises=True)
        self._intake = await sending.get_exchange(topology.exchange("intake"), ensure=False)
        self._observer = await connect_as(self.settings, None)
        channel = await self._observer.channel()
        await channel.set_qos(prefetch_count=200)
        events = await channel.get_exchange(topology.exchange("events"), ensure=False)
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(events, routing_key="review.case_opened.v1")
        await queue.consume(self._on_case_opened)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._observer.close()
        await self._staff_tool.close()

    async def _on_case_opened(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        opened = parse(message.body)
        decision = c.DecideReview(case_id=opened.data["case_id"], decision=c.Decision.approve,
                                  content_hash=opened.data["content_hash"])
        tokens = [self.token] if opened.data.get("required_approvals", 1) < 2 else [self.token, self.second_token]
        for token in tokens:
            command = new_event(c.DECIDE_REVIEW, decision, source="/bench/reviewer", actor="bench.bot",
                                subject=opened.subject, correlationid=opened.correlationid, causationid=opened.id)
            await self._intake.publish(
                aio_pika.Message(command.to_bytes(), message_id=command.id, content_type=CONTENT_TYPE,
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                 headers={"authorization": f"Bearer {token}"}),
                routing_key=command.routing_key, mandatory=True)
        await message.ack()
        self.decided += 1


async def submit_commands(settings: Settings, items: list[dict], token: str = "dev-submitter-token"
                          ) -> dict[str, float]:
    """Send submit commands through intake as the staff tool; returns command id → time sent (monotonic)."""
    topology = Topology(settings.namespace)
    sent: dict[str, float] = {}
    connection = await connect_as(settings, STAFF_TOOL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        intake = await channel.get_exchange(topology.exchange("intake"), ensure=False)
        pending = []
        for item in items:
            command = new_event(c.SUBMIT_DISCLOSURE, item, source="/bench/staff-tool", actor="staff-tool")
            sent[command.id] = time.monotonic()
            pending.append(intake.publish(
                aio_pika.Message(command.to_bytes(), message_id=command.id, content_type=CONTENT_TYPE,
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                 headers={"authorization": f"Bearer {token}"}),
                routing_key=command.routing_key, mandatory=True))
            if len(pending) >= 200:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
    return sent
