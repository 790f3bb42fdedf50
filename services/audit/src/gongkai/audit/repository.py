"""SQL for the audit log; the only module of this service that speaks to the database."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import RowMapping, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from .record import Record
from .tables import events

APPEND_LOCK = "gongkai.audit.append"


async def append_many(session: AsyncSession, records: list[Record]) -> list[bool]:
    """Append ``records`` in order; for each, False when this very message was recorded before.

    Appends are serialised by a transaction-level advisory lock, so ``seq`` order is commit order
    (a reader paging by ``seq`` never skips a row committed late) and a duplicate burns no ``seq``.
    A different body under a key already recorded is kept too, under a key naming its body hash.
    """
    await session.execute(text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": APPEND_LOCK})
    candidates = [(record, record.with_distinct_key()) for record in records]
    keys = [c.record_key for pair in candidates for c in pair]
    known: dict[str, bytes] = dict(
        (await session.execute(select(events.c.record_key, events.c.body).where(events.c.record_key.in_(keys)))).all())
    appended, rows = [], []
    for pair in candidates:
        outcome = False
        for candidate in pair:
            body = known.get(candidate.record_key)
            if body is None:
                known[candidate.record_key] = candidate.body
                rows.append(candidate.row())
                outcome = True
                break
            if body == candidate.body:
                break
        appended.append(outcome)
    if rows:
        await session.execute(insert(events), rows)
    return appended


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
