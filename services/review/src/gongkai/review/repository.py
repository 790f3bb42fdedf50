"""SQL for review cases; the only module of this service that speaks to the database."""

from __future__ import annotations

from gongkai.shared.contracts import Finding
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import Case, State
from .tables import cases


async def add(session: AsyncSession, case: Case) -> bool:
    """Store a new case; False when this item version already has one (nothing is changed then)."""
    row = {**case.__dict__, "state": case.state.value,
           "findings": [f.model_dump(mode="json") for f in case.findings]}
    stmt = (insert(cases).values(**row)
            .on_conflict_do_nothing(index_elements=["item_id", "version"]).returning(cases.c.case_id))
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def get(session: AsyncSession, case_id: str, *, for_update: bool = False) -> Case | None:
    stmt = select(cases).where(cases.c.case_id == case_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().one_or_none()
    return _case(row) if row else None


async def find(session: AsyncSession, *, state: State | None, item_id: str | None, limit: int) -> list[Case]:
    stmt = select(cases).order_by(cases.c.opened_at, cases.c.case_id).limit(limit)
    if state is not None:
        stmt = stmt.where(cases.c.state == state.value)
    if item_id is not None:
        stmt = stmt.where(cases.c.item_id == item_id)
    return [_case(row) for row in (await session.execute(stmt)).mappings()]


async def save_decision(session: AsyncSession, case: Case) -> None:
    await session.execute(update(cases).where(cases.c.case_id == case.case_id).values(
        state=case.state.value, decided_by=case.decided_by, decided_at=case.decided_at, reason=case.reason))


def _case(row: dict) -> Case:
    return Case(**{**row, "state": State(row["state"]),
                   "findings": tuple(Finding.model_validate(f) for f in row["findings"])})
