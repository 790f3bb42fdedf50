"""Benchmark: items through the whole system, beside a plain outbox round trip measured in the same run.

    make bench-flow       # or: .venv/bin/python bench/flow.py --items 2000 [--replicas 2]

Starts the services as separate processes (``--replicas`` of each: competing consumers) in a namespace
and database of their own; submits items through the intake exchange and approves each case with an
automatic reviewer (through the intake exchange, as a staff tool would). Three stages: items one at a time
(the latency a clerk sees), an offered load of ``--rate`` items/s for ``--seconds`` (latency under a steady
flow), then a burst of ``--items`` at once (throughput). Prints items/s and p50/p99 from submission to the
public event, then the same machine's floor: a plain transactional-outbox round trip (asyncpg + aio-pika,
one quorum queue; ``outbox_baseline.py``) and raw broker throughput, and the ratio of the system to the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import aio_pika

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from gongkai.shared.envelope import parse
from gongkai.shared.session_accounts import SessionAccounts, SessionRoles
from gongkai.shared.settings import Settings
from gongkai.shared.testing import connect_as, create_database, declare_topology, delete_topology, drop_database
from gongkai.shared.topology import Topology
from gongkai_system import AutoReviewer, System, submit_commands
from hops import hop_latencies, summary
from outbox_baseline import round_trip


async def raw_broker(amqp_url: str, count: int) -> float:
    """Persistent messages through one quorum queue: pipelined confirms, consumed with manual acks."""
    name = f"bench.raw.{uuid.uuid4().hex[:8]}"
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=200)
        queue = await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
        done = asyncio.Event()
        received = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal received
            await message.ack()
            received += 1
            if received == count:
                done.set()

        await queue.consume(on_message)
        started = time.monotonic()
        body = b"x" * 600
        for offset in range(0, count, 500):
            await asyncio.gather(*(channel.default_exchange.publish(
                aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=name)
                for _ in range(min(500, count - offset))))
        await done.wait()
        elapsed = time.monotonic() - started
        await channel.queue_delete(name, if_unused=False, if_empty=False)
    return count / elapsed


class PublicFeed:
    """Notes when the first public event of each submission (by correlation id) arrives."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self._changed = asyncio.Event()

    async def on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.arrived.setdefault(parse(message.body).correlationid, time.monotonic())
        self._changed.set()

    async def wait_for(self, correlation_ids: set[str] | list[str], timeout: float) -> None:
        async with asyncio.timeout(timeout):
            while not set(correlation_ids) <= self.arrived.keys():
                await self._changed.wait()
                self._changed.clear()


async def flow(settings: Settings, sequential: int, rate: float, seconds: float, burst: int, log_dir: Path,
               replicas: int) -> dict[str, object]:
    system = System(settings, log_dir, replicas=replicas)
    system.migrate()
    system.start()
    try:
        feed = PublicFeed()
        connection = await connect_as(settings, "public-site")
        async with connection, AutoReviewer(settings):
            channel = await connection.channel()
            public = await channel.get_exchange(Topology(settings.namespace).exchange("public"), ensure=False)
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            await queue.bind(public, routing_key="#")
            await queue.consume(feed.on_message, no_ack=True)

            one_at_a_time: list[float] = []
            for n in range(sequential):
                sent = await submit_commands(settings, [notice(n)])
                await feed.wait_for(sent.keys(), timeout=30)
                one_at_a_time += [(feed.arrived[cid] - t) * 1000 for cid, t in sent.items()]
            sequential_hops = await hop_latencies(settings.database_url, list(feed.arrived))

            offered: dict[str, float] = {}
            began = time.monotonic()
            for n in range(int(rate * seconds)):
                await asyncio.sleep(max(0.0, began + n / rate - time.monotonic()))
                offered.update(await submit_commands(settings, [notice(n)]))
            await feed.wait_for(offered.keys(), timeout=120)
            offered_hops = await hop_latencies(settings.database_url, offered.keys())

            cpu_before, servers_before = cpu_seconds(system), servers_cpu()
            started = time.monotonic()
            sent = await submit_commands(settings, [notice(n) for n in range(burst)])
            await feed.wait_for(sent.keys(), timeout=max(120, burst / 5))
            cpu = await settled_cpu(system, cpu_before)
            servers = {name: seconds - servers_before.get(name, 0.0) for name, seconds in servers_cpu().items()}
        elapsed = max(feed.arrived[cid] for cid in sent) - started
        return {"sequential": sorted(one_at_a_time), "rate": burst / elapsed,
                "cpu_ms": {name: 1000 * seconds / burst for name, seconds in cpu.items()},
                "servers_cpu_ms": {name: 1000 * seconds / burst for name, seconds in servers.items()},
                "offered": sorted((feed.arrived[cid] - t) * 1000 for cid, t in offered.items()),
                "offered_hops": offered_hops, "sequential_hops": sequential_hops,
                "burst": sorted((feed.arrived[cid] - t) * 1000 for cid, t in sent.items())}
    finally:
        system.stop()


def cpu_seconds(system: System) -> dict[str, float]:
    """CPU time (user + system) each service has used so far, its replicas summed."""
    used: dict[str, float] = {}
    for key, process in system.processes.items():
        service = key.split("-")[0]
        used[service] = used.get(service, 0.0) + process_cpu(process.pid)
    return used


def process_cpu(pid: int) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone meanwhile
        return 0.0
    return (int(fields[11]) + int(fields[12])) / tick


def servers_cpu() -> dict[str, float]:
    """CPU time the broker (beam.smp) and the database (every postgres process) have used so far, if this
    machine runs them (``{}`` when neither is a local process). A backend that ended meanwhile is not counted."""
    used: dict[str, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "comm").read_text().strip()
        except OSError:
            continue
        server = {"beam.smp": "broker", "postgres": "database"}.get(command)
        if server:
            used[server] = used.get(server, 0.0) + process_cpu(int(entry.name))
    return used


async def settled_cpu(system: System, before: dict[str, float]) -> dict[str, float]:
    """CPU each service spent since ``before``, once they have finished what the burst left (audit's records,
    deadlines): read when no service used more than 5% of a core over the last second."""
    last = cpu_seconds(system)
    for _ in range(120):
        await asyncio.sleep(1.0)
        now = cpu_seconds(system)
        busy = max(now[name] - last.get(name, 0.0) for name in now)
        last = now
        if busy < 0.05:
            break
    return {name: last[name] - before.get(name, 0.0) for name in last}


def notice(n: int) -> dict[str, str]:
    return {"title": f"工作计划（第{n}号）", "body": "本局2027年度工作计划如下。" * 20, "category": "S03"}


def percentiles(latencies: list[float]) -> str:
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return f"p50 {statistics.median(latencies):,.0f} ms, p99 {p99:,.0f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=2000, help="items in the burst")
    parser.add_argument("--sequential", type=int, default=100, help="items sent one at a time first")
    parser.add_argument("--rate", type=float, default=20.0, help="offered load, items per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the offered load lasts")
    parser.add_argument("--replicas", type=int, default=1, help="processes of each service")
    parser.add_argument("--logs", type=Path, help="keep the services' logs in this directory")
    args = parser.parse_args()
    amqp_url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/gongkai")
    server = urlunsplit(urlsplit(server.replace("+asyncpg", ""))._replace(path="/postgres"))
    database_url = await create_database(server)
    with tempfile.TemporaryDirectory() as scratch:
        # Accounts and roles of its own, as a test session makes them: the services run as they would.
        accounts = SessionAccounts(amqp_url, os.environ.get("GONGKAI_BROKER_MANAGEMENT_URL") or None,
                                   Path(scratch) / "broker-accounts.json").create()
        roles = await SessionRoles(server, Path(scratch) / "database-accounts.json").create()
        namespace = accounts.namespace()
        await declare_topology(amqp_url, namespace)
        settings = Settings(amqp_url=amqp_url, database_url=database_url, namespace=namespace,
                            **accounts.settings(), **roles.settings())
        try:
            logs = args.logs or Path(scratch)
            logs.mkdir(parents=True, exist_ok=True)
            figures = await flow(settings, args.sequential, args.rate, args.seconds, args.items, logs, args.replicas)
            floor = await round_trip(amqp_url, database_url, args.items)
            raw = await raw_broker(amqp_url, args.items * 5)
        finally:
            await delete_topology(amqp_url, namespace)
            await drop_database(server, database_url)
            await roles.drop()
            accounts.delete()
    replicas = f", {args.replicas} replicas of each" if args.replicas > 1 else ""
    print(f"one item at a time ({args.sequential:>5})   : submit -> public {percentiles(figures['sequential'])}")
    hops = figures["sequential_hops"]
    assert isinstance(hops, dict)
    print("\n".join(summary(hops)))
    print(f"offered {args.rate:g} items/s for {args.seconds:g} s: submit -> public {percentiles(figures['offered'])}")
    hops = figures["offered_hops"]
    assert isinstance(hops, dict)
    print("\n".join(summary(hops)))
    print(f"burst of {args.items:<6} items       : {figures['rate']:,.0f} items/s through the services{replicas}, "
          f"submit -> public {percentiles(figures['burst'])}")
    cpu = figures["cpu_ms"]
    assert isinstance(cpu, dict)
    print("CPU per item in the burst      : " + ", ".join(f"{name} {ms:.1f} ms" for name, ms in sorted(cpu.items()))
          + f" (total {sum(cpu.values()):.1f} ms)")
    servers = figures["servers_cpu_ms"]
    assert isinstance(servers, dict)
    if servers:
        print("  and the servers, same burst  : "
              + ", ".join(f"{name} {ms:.1f} ms" for name, ms in sorted(servers.items())))
    print(f"plain outbox round trip, same run: {floor:,.0f} items/s (asyncpg + aio-pika, one quorum queue); "
          f"the system moves {figures['rate'] / floor:.0%} of it")
    print(f"raw broker, same run          : {raw:,.0f} msg/s (persistent, quorum queue, publish + consume)")

if __name__ == "__main__":
    asyncio.run(main())
