"""The two audit consumers: raw subscribers, because audit keeps every message, even a malformed one.

``Service.on_events`` parks a malformed envelope; audit must record it instead, so it reads the delivery itself
(bytes, exchange, routing key, x-death). It takes every copy of every event, so its queues are consumed straight
on aio-pika (``Service.subscribe_direct``), without FastStream's cost per delivery.
"""

from __future__ import annotations

import logging

from aio_pika.abc import AbstractIncomingMessage
from gongkai.shared import metrics
from gongkai.shared.logs import log_context
from gongkai.shared.service import Service

from .handlers import Audit
from .record import from_message

log = logging.getLogger("gongkai.audit")

RECORD_QUEUE = "audit.record"
DEAD_LETTER_QUEUE = "audit.dead-letters"
PREFETCH = 300  # deliveries in flight, so that appends can be batched (see batching.py)


def subscribe(service: Service, audit: Audit, queue: str, *, dead_lettered: bool) -> None:
    async def consume(message: AbstractIncomingMessage) -> None:
        record = from_message(message.body, exchange=message.exchange or "", routing_key=message.routing_key or "",
                              message_id=message.message_id, headers=message.headers, dead_lettered=dead_lettered,
                              known_source_prefix=audit.config.known_source_prefix, user_id=message.user_id,
                              owners=service.owners)
        with log_context(record_key=record.record_key, event_id=record.event_id,
                         correlation_id=record.correlation_id, type=record.type):
            appended = await audit.record(record)
            metrics.MESSAGES.labels(service.name, queue, "done").inc()
            if not appended:
                log.info("duplicate message ignored")
            elif record.flag:
                log.warning("event recorded, flagged", extra={"flag": record.flag, "source": record.source,
                                                              "account": record.user_id})
            elif not record.valid:
                log.warning("malformed message recorded", extra={"exchange": record.exchange,
                                                                  "routing_key": record.routing_key})

    service.subscribe_direct(queue, consume, prefetch=max(service.settings.prefetch, PREFETCH))
