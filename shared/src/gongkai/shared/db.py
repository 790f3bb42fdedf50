"""Database plumbing: one engine per process, one schema per service.

Every service's schema holds, beside its own tables, an ``outbox`` (events to publish, written in
the same transaction as the state they describe) and an ``inbox`` (ids of messages already
handled, written in the same transaction as their effect).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    any_,
    bindparam,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.sql.elements import ColumnElement

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def service_metadata(schema: str) -> MetaData:
    metadata = MetaData(schema=schema, naming_convention=NAMING)
    messaging_tables(metadata)
    return metadata


def messaging_tables(metadata: MetaData) -> tuple[Table, Table]:
    outbox = Table(
        "outbox", metadata,
        Column("seq", BigInteger, Identity(), primary_key=True),
        Column("event_id", String(128), nullable=False, unique=True),
        Column("exchange", String(32), nullable=False, comment="logical exchange: events, public, intake"),
        Column("routing_key", String(256), nullable=False),
        Column("body", LargeBinary, nullable=False),
        Column("correlation_id", String(128)),
        Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("next_attempt_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("attempts", Integer, nullable=False, server_default=text("0")),
        Column("last_error", Text),
        Column("sent_at", DateTime(timezone=True)),
        Column("reply_to", String(256), comment="the reply queue of the staff tool whose command this event answers"),
    )
    Index("ix_outbox_pending", outbox.c.next_attempt_at, outbox.c.seq,
          postgresql_where=outbox.c.sent_at.is_(None))
    inbox = Table(
        "inbox", metadata,
        Column("message_id", String(300), primary_key=True),
        Column("consumer", String(64), nullable=False),
        Column("handled_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
        Column("result", JSONB, comment="the answer given the first time, replayed to a retried command"),
    )
    return outbox, inbox


def create_engine(database_url: str, *, pool_size: int = 5) -> AsyncEngine:
    return create_async_engine(database_url, pool_size=pool_size, max_overflow=5, pool_pre_ping=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def any_of(column: Column[Any] | Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column = ANY(:values)``, one array parameter: the same statement text whatever the number of values.

    An ``IN`` list is a statement of its own for each length, so a batch's reads (a new length nearly every batch)
    each made PostgreSQL prepare a statement again, one round trip more, and pushed others out of the
    connection's prepared-statement cache.
    """
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
