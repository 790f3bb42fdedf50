"""The audit schema: one append-only table of every message seen on every exchange."""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from sqlalchemy import BigInteger, Boolean, Column, DateTime, Identity, Index, LargeBinary, String, Table, Text, func

SCHEMA = "audit"
metadata = service_metadata(SCHEMA)

events = Table(
    "events", metadata,
    Column("seq", BigInteger, Identity(always=True), primary_key=True,
           comment="order of recording; appends are serialised, so it is also commit order"),
    Column("record_key", Text, nullable=False, unique=True,
           comment="<exchange>:<message id>, or dlx:<queue>:<message id> for a dead letter"),
    Column("event_id", String(128)),
    Column("type", String(128)),
    Column("source", String(256)),
    Column("subject", String(256)),
    Column("actor", String(128)),
    Column("actorunit", String(128)),
    Column("correlation_id", String(128)),
    Column("causation_id", String(128)),
    Column("event_time", DateTime(timezone=True)),
    Column("exchange", Text, nullable=False),
    Column("routing_key", Text, nullable=False),
    Column("dead_lettered", Boolean, nullable=False),
    Column("dead_letter_reason", Text),
    Column("received_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("valid", Boolean, nullable=False, comment="false: the body is not a CloudEvents envelope"),
    Column("body", LargeBinary, nullable=False, comment="the message body, byte for byte"),
)
Index("ix_events_subject", events.c.subject)
Index("ix_events_event_id", events.c.event_id)
Index("ix_events_type_seq", events.c.type, events.c.seq)
Index("ix_events_actor_seq", events.c.actor, events.c.seq)
