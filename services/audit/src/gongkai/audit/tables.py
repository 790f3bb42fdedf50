"""The audit schema: the append-only log, its Merkle tree, its signed checkpoints, its statistics facts and its
refusals.

Every table here is insert-only: triggers refuse UPDATE, DELETE and TRUNCATE, and the service's runtime
role (``gongkai_audit``) holds only INSERT and SELECT on them (see ``migrations/__init__.py``).
"""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
    func,
)

SCHEMA = "audit"
metadata = service_metadata(SCHEMA)

events = Table(
    "events", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False,
           comment="1, 2, 3 … without gaps, assigned under the append lock: leaf seq - 1 of the Merkle tree"),
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
    Column("unit", String(128), comment="the unit the entry is about: data.unit, else the actor's unit"),
    Column("flag", String(64), comment="wrong-account: a fact not sent by its owner's broker account; "
                                       "unknown-source: an event whose source is not one of the services"),
    Column("user_id", String(128), comment="the broker account that sent it (AMQP user_id, checked by RabbitMQ)"),
)
Index("ix_events_subject", events.c.subject)
Index("ix_events_event_id", events.c.event_id)
Index("ix_events_type_seq", events.c.type, events.c.seq)
Index("ix_events_actor_seq", events.c.actor, events.c.seq)
Index("ix_events_unit_seq", events.c.unit, events.c.seq)
Index("ix_events_received_at", events.c.received_at)

tree_nodes = Table(
    "tree_nodes", metadata,
    Column("level", SmallInteger, primary_key=True, autoincrement=False),
    Column("index", BigInteger, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary, nullable=False,
           comment="RFC 6962 hash of leaves [index·2^level, (index+1)·2^level); level 0: the leaf hashes"),
)

checkpoints = Table(
    "checkpoints", metadata,
    Column("size", BigInteger, primary_key=True, autoincrement=False),
    Column("root", LargeBinary, nullable=False),
    Column("note", Text, nullable=False, comment="the C2SP signed note, as published"),
    Column("signed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

facts = Table(
    "facts", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False, comment="the entry it was read from"),
    Column("type", String(128), nullable=False),
    Column("unit", String(128)),
    Column("category", String(32)),
    Column("category_group", String(100), comment="the catalogue's 一级事项 of the category, where the event says"),
    Column("subject_id", String(256), comment="the item or request id"),
    Column("version", Integer),
    Column("on_date", Date, nullable=False, comment="the day it happened (China Standard Time)"),
    Column("action", String(32)),
    Column("legal_reason", String(64)),
    Column("rule", String(64)),
    Column("late", Boolean),
    Column("applicant_kind", String(32)),
    Column("outcome", String(64)),
)
Index("ix_facts_type_on_date", facts.c.type, facts.c.on_date)

refusals = Table(
    "refusals", metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False, comment="the entry it was read from"),
    Column("type", String(128), nullable=False, comment="access.refused, intake.rejected or publication_refused"),
    Column("service", String(64), comment="the service that refused"),
    Column("via", String(8), nullable=False, comment="http or amqp"),
    Column("what", String(300), comment="the route template or the message type refused"),
    Column("status", Integer, comment="the HTTP status given, or the one the refusal stands for"),
    Column("reason", Text),
    Column("person", String(128), comment="the authenticated person, when known"),
    Column("account", String(128), comment="the broker account a message came from, when known"),
    Column("item_id", String(256), comment="the item (or case, request) concerned"),
    Column("security", Boolean, nullable=False, comment="a forgery or an account's misuse, not a mistake"),
    Column("recorded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_refusals_item_seq", refusals.c.item_id, refusals.c.seq)
Index("ix_refusals_person_seq", refusals.c.person, refusals.c.seq)
Index("ix_refusals_recorded_at", refusals.c.recorded_at)
