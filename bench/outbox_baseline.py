"""The floor to compare the system with: a plain transactional-outbox round trip, nothing else.

One producer writes an effect and an outbox row per item in one transaction (asyncpg); a relay publishes the
rows with pipelined confirms to one quorum queue and marks them sent; a consumer, in one transaction per
message, records the delivery in an inbox and writes its effect, then acks. Items/s from the first write to
the last ack. The system does this four times per item (publishing, review, publishing again, notification,
audit beside), with validation, screening and signatures on top.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import aio_pika
import asyncpg

SCHEMA = "bench_outbox"


async def round_trip(amqp_url: str, database_url: str, count: int) -> float:
    name = f"bench.outbox.{uuid.uuid4().hex[:8]}"
    pool = await asyncpg.create_pool(database_url.replace("+asyncpg", ""), min_size=4, max_size=8)
    try:
        async with pool.acquire() as db:
            await db.execute(f"""
                drop schema if exists {SCHEMA} cascade; create schema {SCHEMA};
                create table {SCHEMA}.effects (id text primary key, body text not null);
                create table {SCHEMA}.outbox (seq bigserial primary key, id text unique, body bytea not null,
                                              sent_at timestamptz);
                create table {SCHEMA}.inbox (id text primary key);
                create table {SCHEMA}.received (id text primary key)""")
        connection = await aio_pika.connect(amqp_url)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            await channel.set_qos(prefetch_count=100)
            queue = await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
            done = asyncio.Event()
            received = 0

            async def consume(message: aio_pika.abc.AbstractIncomingMessage) -> None:
                nonlocal received
                async with pool.acquire() as db, db.transaction():
                    if await db.fetchval(f"insert into {SCHEMA}.inbox values ($1) on conflict do nothing "
                                         "returning id", message.message_id):
                        await db.execute(f"insert into {SCHEMA}.received values ($1)", message.message_id)
                await message.ack()
                received += 1
                if received == count:
                    done.set()

            async def relay() -> None:
                while not done.is_set():
                    async with pool.acquire() as db, db.transaction():
                        rows = await db.fetch(f"select seq, id, body from {SCHEMA}.outbox where sent_at is null "
                                              "order by seq limit 200 for update skip locked")
                        if rows:
                            await asyncio.gather(*(channel.default_exchange.publish(
                                aio_pika.Message(r["body"], message_id=r["id"],
                                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                                routing_key=name) for r in rows))
                            await db.execute(f"update {SCHEMA}.outbox set sent_at = now() where seq = any($1)",
                                             [r["seq"] for r in rows])
                    if not rows:
                        await asyncio.sleep(0.005)

            async def produce(n: int) -> None:
                item = uuid.uuid4().hex
                async with pool.acquire() as db, db.transaction():
                    await db.execute(f"insert into {SCHEMA}.effects values ($1, $2)", item, "本局工作计划" * 20)
                    await db.execute(f"insert into {SCHEMA}.outbox (id, body) values ($1, $2)", item, b"x" * 600)

            await queue.consume(consume)
            started = time.monotonic()
            relaying = asyncio.create_task(relay())
            for offset in range(0, count, 8):
                await asyncio.gather(*(produce(n) for n in range(offset, min(count, offset + 8))))
            await done.wait()
            elapsed = time.monotonic() - started
            await relaying
            await channel.queue_delete(name, if_unused=False, if_empty=False)
        async with pool.acquire() as db:
            await db.execute(f"drop schema {SCHEMA} cascade")
    finally:
        await pool.close()
    return count / elapsed
