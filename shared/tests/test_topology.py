"""Topology: quorum queues with a delivery limit and dead-lettering, declared on the real broker."""

from __future__ import annotations

import aio_pika
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
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
        await events.publish(aio_pika.Message(b"poison", message_id="m-1"), routing_key="review.approved.v1.disclosure")
        queue = await channel.get_queue(topology.queue("publishing.reviews"))
        parking = await channel.get_queue(topology.queue("parking"))
        for _ in range(DELIVERY_LIMIT + 1):
            message = await get_eventually(queue)
            await message.nack(requeue=True)
        parked = await get_eventually(parking)
        assert parked.body == b"poison"
        assert parked.headers["x-death"][0]["reason"] == "delivery_limit"
        assert await queue.get(fail=False) is None


async def test_deadlines_and_decisions_reach_only_the_queues_that_handle_their_rule_or_kind(settings):
    """A deadline event carries its rule and a review decision the kind of item it decides as the routing key's last
    word: requests gets the reply clocks and the replies' decisions, participation the opinion box's, oversight the
    publications met; notification and audit get every one."""
    topology = Topology(settings.namespace)
    sent = [
        new_event(c.DEADLINE_OPENED, {"rule": c.RULE_PROACTIVE_PUBLICATION}, source="/t", actor="t"),
        new_event(c.DEADLINE_OPENED, {"rule": c.RULE_REQUEST_REPLY}, source="/t", actor="t"),
        new_event(c.DEADLINE_RECOMPUTED, {"rule": c.RULE_OPINION_REPLY}, source="/t", actor="t"),
        new_event(c.DEADLINE_MET, {"rule": c.RULE_REVIEW}, source="/t", actor="t"),
        new_event(c.DEADLINE_MET, {"rule": c.RULE_CHANGE_PUBLICATION}, source="/t", actor="t"),
        new_event(c.REVIEW_APPROVED, {"item_id": "itm-1"}, source="/t", actor="t"),
        new_event(c.REVIEW_APPROVED, {"item_id": f"{c.REPLY_ITEM_PREFIX}r-1"}, source="/t", actor="t"),
        new_event(c.REVIEW_REJECTED, {"item_id": f"{c.OPINION_ITEM_PREFIX}o-1"}, source="/t", actor="t"),
    ]
    assert [event.routing_key for event in sent] == [
        "deadline.opened.v1.proactive-publication", "deadline.opened.v1.request-reply",
        "deadline.recomputed.v1.opinion-reply", "deadline.met.v1.review-sla", "deadline.met.v1.change-publication",
        "review.approved.v1.disclosure", "review.approved.v1.reply", "review.rejected.v1.participation"]
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        events = await channel.get_exchange(topology.exchange("events"))
        for event in sent:
            await events.publish(aio_pika.Message(event.to_bytes(), message_id=event.id),
                                 routing_key=event.routing_key)

        async def arrived(queue: str) -> list[str]:
            declared = await channel.get_queue(topology.queue(queue))
            found = []
            while (message := await declared.get(fail=False, no_ack=True)) is not None:
                found.append(message.routing_key)
            return found

        assert await arrived("requests.clocks") == ["deadline.opened.v1.request-reply"]
        assert await arrived("participation.clocks") == ["deadline.recomputed.v1.opinion-reply"]
        assert await arrived("oversight.facts") == ["deadline.met.v1.change-publication"]
        assert await arrived("requests.reviews") == ["review.approved.v1.reply"]
        assert await arrived("participation.reviews") == ["review.rejected.v1.participation"]
        assert await arrived("publishing.reviews") == [
            "review.approved.v1.disclosure", "review.approved.v1.reply", "review.rejected.v1.participation"]
        assert len(await arrived("audit.record")) == len(sent)
