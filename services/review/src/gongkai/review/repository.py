"""SQL for review cases; the only module of this service that speaks to the database."""

from __future__ import annotations

from typing import Any

from gongkai.shared.contracts import Finding, Span
from gongkai.shared.db import any_of
from gongkai.shared.writes import Writes
from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import Approval, Case, State
from .tables import cases


async def lock_item(session: AsyncSession, item_id: str) -> None:
    """Serialise the cases of one item (versions arriving at two replicas at once) until commit."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('review.item'), hashtext(:item))"),
                          {"item": item_id})


async def lock_items(session: AsyncSession, item_ids: list[str]) -> None:
    """``lock_item`` of many items in one statement, in the order of their ids."""
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext('review.item'), hashtext(item)) "
                               "FROM (SELECT item FROM unnest(cast(:items as text[])) AS item ORDER BY item) AS o"),
                          {"items": sorted(item_ids)})


async def of_item(session: AsyncSession, item_id: str) -> list[Case]:
    """Every case of an item, oldest version first, locked."""
    stmt = select(cases).where(cases.c.item_id == item_id).order_by(cases.c.version).with_for_update()
    return [_case(row) for row in (await session.execute(stmt)).mappings()]


async def of_items(session: AsyncSession, item_ids: list[str]) -> list[Case]:
    """``of_item`` of many items in one statement."""
    stmt = (select(cases).where(any_of(cases.c.item_id, item_ids)).order_by(cases.c.item_id, cases.c.version)
            .with_for_update())
    return [_case(row) for row in (await session.execute(stmt)).mappings()]


async def by_ids(session: AsyncSession, case_ids: list[str]) -> list[Case]:
    """Cases by id, locked in the order of their ids."""
    stmt = select(cases).where(any_of(cases.c.case_id, case_ids)).order_by(cases.c.case_id).with_for_update()
    return [_case(row) for row in (await session.execute(stmt)).mappings()]


async def newest_version(session: AsyncSession, item_id: str) -> int | None:
    version: int | None = (await session.execute(select(func.max(cases.c.version))
                                                 .where(cases.c.item_id == item_id))).scalar()
    return version


async def add(session: AsyncSession, case: Case) -> bool:
    """Store a new case; False when this item version already has one (nothing is changed then)."""
    stmt = (insert(cases).values(**_row(case))
            .on_conflict_do_nothing(index_elements=["item_id", "version"]).returning(cases.c.case_id))
    return (await session.execute(stmt)).scalar_one_or_none() is not None


def add_held(writes: Writes, case: Case) -> None:
    """Store a new case at the batch's end: its caller knows, under the item's lock, that the version has none."""
    writes.insert(cases, {"case_id": case.case_id}, _row(case))


async def get(session: AsyncSession, case_id: str, *, for_update: bool = False) -> Case | None:
    stmt = select(cases).where(cases.c.case_id == case_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().one_or_none()
    return _case(row) if row else None


async def open_before(session: AsyncSession, item_id: str, version: int) -> list[Case]:
    """Open cases of earlier versions of an item, locked."""
    stmt = (select(cases).where(cases.c.item_id == item_id, cases.c.version < version,
                                cases.c.state == State.open.value)
            .order_by(cases.c.version).with_for_update())
    return [_case(row) for row in (await session.execute(stmt)).mappings()]


async def find(session: AsyncSession, *, state: State | None, item_id: str | None, limit: int) -> list[Case]:
    stmt = select(cases).order_by(cases.c.opened_at, cases.c.case_id).limit(limit)
    if state is not None:
        stmt = stmt.where(cases.c.state == state.value)
    if item_id is not None:
        stmt = stmt.where(cases.c.item_id == item_id)
    return [_case(row) for row in (await session.execute(stmt)).mappings()]


CHANGED = ("state", "decided_by", "decided_at", "reason", "approvals", "legal_reason", "spans", "superseded_by")


def save(writes: Writes, case: Case) -> None:
    """Write what a decision or a voiding changes (at the batch's end, or into the case's insert held with it)."""
    row = _row(case)
    writes.update(cases, {"case_id": case.case_id}, {k: row[k] for k in CHANGED})


def _row(case: Case) -> dict[str, Any]:
    return {**case.__dict__, "state": case.state.value, "attachments": list(case.attachments),
            "findings": [f.model_dump(mode="json") for f in case.findings],
            "approvals": [a.as_json() for a in case.approvals], "authors": list(case.authors),
            "spans": [s.model_dump(mode="json") for s in case.spans]}


def _case(row: Any) -> Case:
    return Case(**{**row, "state": State(row["state"]),
                   "findings": tuple(Finding.model_validate(f) for f in row["findings"]),
                   "attachments": tuple(row["attachments"]),
                   "approvals": tuple(Approval.from_json(a) for a in row["approvals"]),
                   "authors": tuple(row["authors"]),
                   "spans": tuple(Span.model_validate(s) for s in row["spans"])})
