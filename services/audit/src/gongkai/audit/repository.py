"""SQL for the audit log; the only module of this service that speaks to the database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .record import Record
from .tables import events

APPEND_LOCK = "gongkai.audit.append"


async def append(session: AsyncSession, record: Record) -> int | None:
    """Append ``record``; its ``seq``, or None when this very message was recorded before.

    Appends are serialised by a transaction-level advisory lock, so ``seq`` order is commit order
    (a reader paging by ``seq`` never skips a row committed late) and a duplicate burns no ``seq``.
    A different body under a key already recorded is kept too, under a key naming its body hash.
    """
    await session.execute(text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": APPEND_LOCK})
    for candidate in (record, record.with_distinct_key()):
        stored = select(events.c.body).where(events.c.record_key == candidate.record_key)
        body = (await session.execute(stored)).scalar_one_or_none()
        if body is None:
            insert = (pg_insert(events).values(**candidate.row())
                      .on_conflict_do_nothing(index_elements=["record_key"]).returning(events.c.seq))
            return (await session.execute(insert)).scalar_one_or_none()
        if body == candidate.body:
            return None
    return None


async def trail(session: AsyncSession, item_id: str) -> Sequence[RowMapping]:
    """Records about ``item_id``, and the records of what caused them (the intake command), by seq."""
    causes = select(events.c.causation_id).where(events.c.subject == item_id, events.c.causation_id.is_not(None))
    stmt = (select(events).where((events.c.subject == item_id) | events.c.event_id.in_(causes))
            .order_by(events.c.seq))
    return (await session.execute(stmt)).mappings().all()


async def page(session: AsyncSession, *, type: str | None, actor: str | None, after_seq: int,
               limit: int) -> Sequence[RowMapping]:
    stmt = select(events).where(events.c.seq > after_seq)
    if type is not None:
        stmt = stmt.where(events.c.type == type)
    if actor is not None:
        stmt = stmt.where(events.c.actor == actor)
    return (await session.execute(stmt.order_by(events.c.seq).limit(limit))).mappings().all()
