"""Every service parks an event that breaks its contract on its first delivery, for every type it consumes.

Counted by deliveries, not seconds: a message rejected at once reaches the parking queue with ``x-death``
reason ``rejected`` and count 1; one that was retried until the queue's delivery limit would carry
``delivery_limit``. Each service's /metrics counts it as parked.
"""

from __future__ import annotations

import uuid

import aio_pika
from gongkai.notification.app import create_app as notification_app
from gongkai.publishing.app import create_app as publishing_app
from gongkai.review.app import create_app as review_app
from gongkai.shared.envelope import new_event
from gongkai.shared.messages import MESSAGES
from gongkai.shared.testing import get_eventually, migrate, publish, running
from gongkai.shared.topology import Topology
from prometheus_client.parser import text_string_to_metric_families

APPS = {"publishing": publishing_app, "review": review_app, "notification": notification_app}
EXCHANGE_OF = {spec.type: spec.exchange for spec in MESSAGES}


def parked_count(metrics_text: str, service: str, queue: str) -> float:
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "gongkai_messages_total" and sample.labels == {
                    "service": service, "queue": queue, "outcome": "parked"}:
                return sample.value
    return 0.0


async def test_a_broken_event_of_every_consumed_type_is_parked_at_its_first_delivery(settings):
    await migrate(settings, tuple(APPS))
    topology = Topology(settings.namespace)
    admin = await aio_pika.connect(settings.amqp_url)
    async with admin:
        channel = await admin.channel()
        parking = await channel.declare_queue(topology.queue("parking"), passive=True)
        deaths: dict[tuple[str, str], tuple[str, int]] = {}
        for name, create_app in APPS.items():
            app = create_app(settings)
            async with running(app) as client:
                service = app.state.service
                consumed = [(consumer.queue, kind) for consumer in service.consumers
                            if type(consumer).__name__ == "EventConsumer" for kind in consumer.handlers]
                assert consumed, f"{name} consumes no events?"
                before = (await client.get("/metrics")).text
                for queue, kind in consumed:
                    broken = new_event(kind, {"item_id": 12, "broken": "yes"}, source=f"/gongkai/{name}-test",
                                       actor="test", subject=str(uuid.uuid4()))
                    await publish(settings, EXCHANGE_OF[kind], broken)
                    # Other services' queues hold copies too (they are parked when those services run).
                    wanted = (broken.id, topology.queue(queue))
                    while wanted not in deaths:
                        dead = await get_eventually(parking, timeout=30)
                        await dead.ack()
                        death = dead.headers["x-death"][0]
                        deaths[dead.message_id, death["queue"]] = (death["reason"], death["count"])
                    assert deaths[wanted] == ("rejected", 1), (name, kind, deaths[wanted])
                after = (await client.get("/metrics")).text
                for queue in {q for q, _ in consumed}:
                    grew = parked_count(after, name, queue) - parked_count(before, name, queue)
                    assert grew == sum(1 for q, _ in consumed if q == queue), (name, queue)
