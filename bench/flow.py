"""Benchmark: N items through the whole system, beside a raw publish-and-consume figure.

    make bench            # or: .venv/bin/python bench/flow.py --items 1000

Starts the four services as separate processes in a namespace and database of their own, submits
N items through the intake exchange, approves each case with an automatic reviewer (through the
intake exchange, as a staff tool would), and waits for every public event. Prints items/s and the
p50/p99 latency from submission to the public event, then the broker's raw figure for comparison.
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

import aio_pika

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from gongkai.shared.envelope import parse
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, delete_topology, drop_database
from gongkai.shared.topology import Topology
from gongkai_system import AutoReviewer, System, submit_commands


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


async def flow(settings: Settings, count: int, log_dir: Path) -> tuple[float, list[float]]:
    system = System(settings, log_dir)
    system.migrate()
    system.start()
    try:
        items = [{"title": f"工作计划（第{n}号）", "body": "本局2027年度工作计划如下。" * 20, "category": "S03"}
                 for n in range(count)]
        arrived: dict[str, float] = {}
        all_in = asyncio.Event()
        connection = await aio_pika.connect(settings.amqp_url)
        async with connection, AutoReviewer(settings):
            channel = await connection.channel()
            public = await channel.get_exchange(Topology(settings.namespace).exchange("public"), ensure=False)
            queue = await channel.declare_queue(exclusive=True, auto_delete=True)
            await queue.bind(public, routing_key="#")

            async def on_public(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                arrived.setdefault(parse(message.body).correlationid, time.monotonic())
                if len(arrived) >= count:
                    all_in.set()

            await queue.consume(on_public, no_ack=True)
            started = time.monotonic()
            sent = await submit_commands(settings, items)
            await asyncio.wait_for(all_in.wait(), timeout=max(120, count / 5))
        elapsed = max(arrived.values()) - started
        latencies = sorted((arrived[cid] - t) * 1000 for cid, t in sent.items())
        return count / elapsed, latencies
    finally:
        system.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=1000)
    args = parser.parse_args()
    amqp_url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/gongkai")
    server = server.replace("+asyncpg", "").rsplit("/", 1)[0] + "/postgres"
    database_url = await create_database(server)
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    settings = Settings(amqp_url=amqp_url, database_url=database_url, namespace=namespace)
    try:
        with tempfile.TemporaryDirectory() as logs:
            rate, latencies = await flow(settings, args.items, Path(logs))
        raw = await raw_broker(amqp_url, args.items * 5)
    finally:
        await delete_topology(amqp_url, namespace)
        await drop_database(server, database_url)
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(f"items through the whole flow : {args.items}")
    print(f"throughput                   : {rate:,.0f} items/s (submission to public event, 4 services)")
    print(f"latency submit -> public     : p50 {p50:,.0f} ms, p99 {p99:,.0f} ms")
    print(f"raw broker, same run         : {raw:,.0f} msg/s (persistent, quorum queue, publish + consume)")


if __name__ == "__main__":
    asyncio.run(main())
