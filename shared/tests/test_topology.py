"""Topology: quorum queues with a delivery limit and dead-lettering, declared on the real broker."""

from __future__ import annotations

import aio_pika
from gongkai.shared.testing import get_eventually
from gongkai.shared.topology import DELIVERY_LIMIT, Topology


def test_every_queue_is_quorum_and_all_but_parking_dead_letter_after_a_delivery_limit():
    topology = Topology("gongkai")
    for name, arguments, _ in topology.all_queues():
        assert arguments["x-queue-type"] == "quorum"
        if name.endswith("parking"):
            continue
        assert arguments["x-delivery-limit"] == DELIVERY_LIMIT
        assert arguments["x-dead-letter-strategy"] == "at-least-once"
        assert "x-dead-letter-exchange" in arguments


def test_audit_queues_do_not_dead_letter_into_the_exchange_they_read():
    topology = Topology("gongkai")
    rows = {name: (arguments, bindings) for name, arguments, bindings in topology.all_queues()}
    arguments, bindings = rows["gongkai.audit.dead-letters"]
    assert ("dlx", "#") in bindings
    assert arguments["x-dead-letter-exchange"] == ""
    assert arguments["x-dead-letter-routing-key"] == "gongkai.audit.parking"


def test_only_approved_public_content_is_bound_to_the_public_exchange():
    consumers = {name for name, _, bindings in Topology("gongkai").all_queues()
                 if any(exchange == "public" for exchange, _ in bindings)}
    assert consumers == {"gongkai.audit.record"}


async def test_a_message_that_keeps_failing_is_parked_after_the_delivery_limit(settings):
    topology = Topology(settings.namespace)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        events = await channel.get_exchange(topology.exchange("events"))
        await events.publish(aio_pika.Message(b"poison", message_id="m-1"), routing_key="review.approved.v1")
        queue = await channel.get_queue(topology.queue("publishing.reviews"))
        parking = await channel.get_queue(topology.queue("parking"))
        for _ in range(DELIVERY_LIMIT + 1):
            message = await get_eventually(queue)
            await message.nack(requeue=True)
        parked = await get_eventually(parking)
        assert parked.body == b"poison"
        assert parked.headers["x-death"][0]["reason"] == "delivery_limit"
        assert await queue.get(fail=False) is None
