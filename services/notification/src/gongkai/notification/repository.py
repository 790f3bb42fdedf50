"""SQL for deadlines; the only module of this service that speaks to the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import Deadline, State
from .tables import deadlines, early_outcomes


async def lock_item(session: AsyncSession, item_id: str) -> None:
    """Serialise the events of one item across consumers and replicas until the transaction ends."""
    await session.execute(text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                          {"key": f"gongkai.notification.item:{item_id}"})


async def open_deadline(session: AsyncSession, item_id: str, rule: str) -> Deadline | None:
    stmt = (select(deadlines)
            .where(deadlines.c.item_id == item_id, deadlines.c.rule == rule, deadlines.c.state == State.open.value)
            .with_for_update())
    row = (await session.execute(stmt)).mappings().one_or_none()
    return _deadline(row) if row else None


async def version_known(session: AsyncSession, item_id: str, version: int, rule: str) -> bool:
    """A deadline was opened for this version, or an outcome of it came before any deadline."""
    had_deadline = exists().where(deadlines.c.item_id == item_id, deadlines.c.version == version,
                                  deadlines.c.rule == rule)
    had_outcome = exists().where(early_outcomes.c.item_id == item_id, early_outcomes.c.version == version)
    return bool((await session.execute(select(or_(had_deadline, had_outcome)))).scalar())


async def add(session: AsyncSession, deadline: Deadline) -> None:
    await session.execute(insert(deadlines).values(**{**deadline.__dict__, "state": deadline.state.value}))


async def save_closure(session: AsyncSession, deadline: Deadline) -> None:
    await session.execute(
        update(deadlines).where(deadlines.c.deadline_id == deadline.deadline_id)
        .values(state=deadline.state.value, closed_at=deadline.closed_at, late=deadline.late))


async def remember_outcome(session: AsyncSession, item_id: str, version: int, outcome: str, at: datetime) -> None:
    await session.execute(pg_insert(early_outcomes).values(item_id=item_id, version=version, outcome=outcome, at=at)
                          .on_conflict_do_nothing(index_elements=["item_id", "version"]))


async def find(session: AsyncSession, *, item_id: str | None, state: State | None, limit: int) -> list[Deadline]:
    stmt = select(deadlines).order_by(deadlines.c.opened_at, deadlines.c.deadline_id).limit(limit)
    if item_id is not None:
        stmt = stmt.where(deadlines.c.item_id == item_id)
    if state is not None:
        stmt = stmt.where(deadlines.c.state == state.value)
    return [_deadline(row) for row in (await session.execute(stmt)).mappings()]


def _deadline(row: dict) -> Deadline:
    return Deadline(**{**row, "state": State(row["state"])})
