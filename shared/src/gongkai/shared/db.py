"""Database plumbing: one engine per process, one schema per service.

Every service's schema holds, beside its own tables, an ``outbox`` (events to publish, written in
the same transaction as the state they describe) and an ``inbox`` (ids of messages already
handled, written in the same transaction as their effect).
"""

from __future__ import annotations

import time
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
    event,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry
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


# A connection idle this long is pinged before it is handed out again; one in steady use is not.
PING_AFTER_IDLE_SECONDS = 1.0


# Planned for its own parameters and the table as it is now (``create_engine(plan_each=True)``). A prepared
# statement's generic plan is made once per connection and kept until the table is next analysed: made while a table
# was small, it scans the whole table for ever after. In a 2,000-item burst on a fresh database audit looked its
# entries and tree nodes up by sequential scans, a cost growing with the log (PostgreSQL's CPU per item 9.8 ms;
# 4.5 ms with custom plans, in the same day's runs). Planning every statement costs CPU on every message at a low
# rate, though, so only a store whose tables grow fast in a burst asks for it (audit), where its effect was measured.
PLAN_EACH = {"plan_cache_mode": "force_custom_plan"}


def create_engine(database_url: str, *, pool_size: int = 5, plan_each: bool = False) -> AsyncEngine:
    engine = create_async_engine(database_url, pool_size=pool_size, max_overflow=5,
                                 connect_args={"server_settings": PLAN_EACH} if plan_each else {})
    ping_when_idle(engine)
    return engine


def ping_when_idle(engine: AsyncEngine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Ping a pooled connection before use only when it has been idle for ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout, and with asyncpg a ping is three round trips
    (BEGIN, an empty query, ROLLBACK): at a steady low load, where nearly every message is a transaction of its
    own, that was as many round trips again as the message's own work. A connection that went stale while idle
    (the server restarted) is still found before use and replaced; one that breaks while in steady use fails
    its transaction, which SQLAlchemy reports as a disconnect: the pool then replaces every connection it holds,
    and the runtime treats the failure as transient (a consumer pauses and retries, ``shared/transient.py``).
    """
    pool = engine.sync_engine

    @event.listens_for(pool, "checkin")
    def returned(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def taken(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            dbapi_connection.ping()
        except Exception as stale:  # the pool discards this connection and checks out a new one
            raise DisconnectionError(f"stale connection: {type(stale).__name__}") from stale


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def any_of(column: Column[Any] | Any, values: Sequence[Any]) -> ColumnElement[bool]:
    """``column = ANY(:values)``, one array parameter: the same statement text whatever the number of values.

    An ``IN`` list is a statement of its own for each length, so a batch's reads (a new length nearly every batch)
    each made PostgreSQL prepare a statement again, one round trip more, and pushed others out of the
    connection's prepared-statement cache.
    """
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))
