"""The operator's handling of dead letters (the parking queues), as facts for the audit log.

``parking.replayed`` and ``parking.dropped`` say what an operator did with ``gongkai parking replay`` and
``drop``. Each is sent by the service that owns the parked fact, from its outbox, in the transaction that queues
the replay there; a command, a forgery or a body that is not an envelope has no owner, and audit sends the fact.
``parking.waiting`` is notification's: messages wait in a parking queue, and the administrators were told.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from ._base import Count, Line, Payload, Text, not_blank

PARKING_REPLAYED = "gongkai.parking.replayed.v1"
PARKING_DROPPED = "gongkai.parking.dropped.v1"
PARKING_WAITING = "gongkai.parking.waiting.v1"


class ParkedCopy(Payload):
    """One parked copy of a message: where it waited, and the dead-lettering that put it there (``x-death``)."""

    parked_in: Line = Field(max_length=256, description="the parking queue", examples=["gongkai.parking"])
    queue: Line = Field(max_length=256, description="the queue it died in", examples=["gongkai.review.submissions"])
    reason: Line = Field(max_length=64, description="RabbitMQ's reason: rejected, delivery_limit, expired, maxlen",
                         examples=["delivery_limit"])
    count: Count = Field(description="how many times it died in that queue")
    died_at: datetime | None = Field(None, description="when it was dead-lettered there")


class ParkingAction(Payload):
    """A parked message an operator acted on: what it was, where it was first sent, and its parked copies."""

    message_id: Line = Field(max_length=300, description="the AMQP message id (the envelope's id)")
    message_type: Line | None = Field(None, max_length=128, description="the envelope's type; none when the body "
                                                                       "is not an envelope")
    account: Line | None = Field(None, max_length=128, description="the broker account it was sent from (user_id)")
    exchange: Line = Field(max_length=256, description="the exchange it was first published to",
                           examples=["gongkai.events"])
    routing_key: Line = Field(max_length=256, examples=["disclosure.submitted.v1"])
    copies: list[ParkedCopy] = Field(min_length=1, max_length=1000, description="the parked copies removed")
    operator: Line = Field(min_length=1, max_length=128, description="who ran the command")
    reason: Text | None = Field(None, max_length=2000)


class ParkingReplayed(ParkingAction):
    """A parked message was put back on the exchange and routing key it was first sent with, same id and body."""

    via: Literal["outbox", "intake"] = Field(description="outbox: a fact, sent again by its owner's outbox relay "
                                                         "as its account; intake: a command, published again by "
                                                         "the operator")
    sent_by: Line = Field(max_length=128, description="the service whose outbox sends it, or the operator's "
                                                      "broker account")


class ParkingDropped(ParkingAction):
    """A parked message was removed for good, for the reason given."""

    reason: Text = Field(min_length=1, max_length=2000)

    _reason_not_blank = field_validator("reason")(not_blank)


class ParkingWaiting(Payload):
    """Messages wait in the parking queues for an operator; the administrators were told (at most once an hour)."""

    queues: dict[str, Count] = Field(description="parking queue → messages waiting in it")
    total: Count
