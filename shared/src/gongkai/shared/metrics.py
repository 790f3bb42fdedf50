"""What each service counts for Prometheus (``GET /metrics``).

Counted as it happens: every delivery's outcome per queue (handled, parked, failed and requeued), how long
each batch took and how big it was. Read at scrape time: whether a consumer is paused (and so not taking
deliveries), the outbox's pending and failing rows, the messages waiting in the parking queues, and
whatever the service adds with ``Service.gauge`` (notification: open deadlines). ``deploy/prometheus``
has alert rules on these names.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from .outbox import outbox_health

if TYPE_CHECKING:
    from .service import Service

REGISTRY = CollectorRegistry(auto_describe=True)

MESSAGES = Counter("gongkai_messages_total", "Deliveries by queue and outcome (done, parked, failed: requeued)",
                   ["service", "queue", "outcome"], registry=REGISTRY)
BATCH_SECONDS = Histogram("gongkai_batch_seconds", "Time to handle one batch of deliveries, commit included",
                          ["service", "queue"], registry=REGISTRY,
                          buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
BATCH_SIZE = Histogram("gongkai_batch_size", "Deliveries handled in one transaction", ["service", "queue"],
                       registry=REGISTRY, buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500))
PAUSED = Gauge("gongkai_consumer_paused", "1 while a consumer waits for the database or the broker",
               ["service", "queue"], registry=REGISTRY)
OUTBOX_PENDING = Gauge("gongkai_outbox_pending", "Outbox rows not yet confirmed by the broker", ["service"],
                       registry=REGISTRY)
OUTBOX_FAILING = Gauge("gongkai_outbox_failing", "Pending outbox rows that failed at least once (unroutable, "
                       "refused, broker down)", ["service"], registry=REGISTRY)
PARKED = Gauge("gongkai_parked_messages", "Messages waiting in a parking queue for an operator", ["queue"],
               registry=REGISTRY)
VALUE = Gauge("gongkai_value", "A service's own figure (e.g. open deadlines)", ["service", "name"], registry=REGISTRY)

PARKING_QUEUES = ("parking", "audit.parking")

GaugeReader = Callable[[], Awaitable[float]]


async def exposition(service: Service) -> bytes:
    """The registry in Prometheus' text format, with the figures read at scrape time brought up to date."""
    for consumer in service.consumers:
        PAUSED.labels(service.name, consumer.queue).set(1 if consumer.batcher.paused else 0)
    try:
        health = await outbox_health(service.sessions, service.outbox)
        OUTBOX_PENDING.labels(service.name).set(health["pending"])
        OUTBOX_FAILING.labels(service.name).set(health["failing"])
    except Exception:  # the database is away: the paused consumers say so; keep the last figures
        pass
    for queue, count in (await service.relay.queue_depths([service.topology.queue(q) for q in PARKING_QUEUES])
                         ).items():
        PARKED.labels(queue).set(count)
    for name, read in service.gauges.items():
        try:
            VALUE.labels(service.name, name).set(await read())
        except Exception:
            pass
    return generate_latest(REGISTRY)
