"""Direct consumers against the real broker: prefetch bounds what is in hand, and a stop lets it finish."""

from __future__ import annotations

import asyncio
import uuid

import aio_pika
from gongkai.shared.direct import DirectConsumers


async def test_a_stop_takes_no_more_deliveries_and_lets_those_in_hand_finish(amqp_url):
    name = f"test.direct.{uuid.uuid4().hex[:8]}"
    admin = await aio_pika.connect(amqp_url)
    try:
        channel = await admin.channel()
        await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
        for n in range(40):
            await channel.default_exchange.publish(aio_pika.Message(str(n).encode()), routing_key=name)

        started: list[int] = []
        finished: list[int] = []
        release = asyncio.Event()

        async def handle(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            started.append(int(message.body))
            await release.wait()
            await message.ack()
            finished.append(int(message.body))

        consumers = DirectConsumers()
        consumers.add(name, handle, prefetch=5)
        await consumers.start([amqp_url])
        async with asyncio.timeout(10):
            while len(started) < 5:
                await asyncio.sleep(0.02)
        await asyncio.sleep(0.2)
        assert len(started) == 5  # the prefetch: no more in hand until these are acked

        stopping = asyncio.create_task(consumers.stop(timeout=10))
        await asyncio.sleep(0.2)
        assert not stopping.done()  # it waits for the deliveries in hand
        release.set()
        await stopping
        await consumers.close()
        assert sorted(finished) == sorted(started) and len(started) == 5

        declared = await channel.declare_queue(name, passive=True)
        assert declared.declaration_result.message_count == 40 - len(finished)  # the rest stayed in the queue
    finally:
        channel = await admin.channel()
        await channel.queue_delete(name)
        await admin.close()
