"""Which message travels where: the registry behind the AsyncAPI documents.

Each message type names its payload model, its exchange and routing key, and the services that send
it. Who receives it follows from the queue bindings in ``topology.QUEUES``. One module per domain.
"""

from __future__ import annotations

from . import (
    audit,
    deadlines,
    disclosure,
    intake,
    operations,
    oversight,
    participation,
    requests,
    requests_service,
    review,
    security,
)
from .spec import MessageSpec, topic_matches

MESSAGES: tuple[MessageSpec, ...] = (
    *intake.MESSAGES, *disclosure.MESSAGES, *review.MESSAGES, *deadlines.MESSAGES, *requests.MESSAGES,
    *requests_service.MESSAGES, *participation.MESSAGES, *oversight.MESSAGES, *audit.MESSAGES,
    *security.MESSAGES, *operations.MESSAGES,
)

__all__ = ["MESSAGES", "MessageSpec", "topic_matches"]
