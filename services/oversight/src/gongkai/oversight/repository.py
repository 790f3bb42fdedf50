"""The oversight service's SQL."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import Inspection
from .tables import inspections, reports, unit_facts


def _row(inspection: Inspection) -> dict[str, Any]:
    return {"unit": inspection.unit, "kind": inspection.kind.value, "on": inspection.on,
            "state": inspection.state.value, "document": inspection.model_dump(mode="json")}


async def add(session: AsyncSession, inspection: Inspection) -> bool:
    done = await session.execute(insert(inspections).values(inspection_id=inspection.inspection_id, **_row(inspection))
                                 .on_conflict_do_nothing().returning(inspections.c.inspection_id))
    return done.scalar_one_or_none() is not None


async def get(session: AsyncSession, inspection_id: str, *, for_update: bool = False) -> Inspection | None:
    query = select(inspections.c.document).where(inspections.c.inspection_id == inspection_id)
    if for_update:
        query = query.with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    return Inspection.model_validate(found) if found is not None else None


async def save(session: AsyncSession, inspection: Inspection) -> None:
    await session.execute(update(inspections).where(inspections.c.inspection_id == inspection.inspection_id)
                          .values(**_row(inspection), updated_at=func.now()))


async def listed(session: AsyncSession, unit: str | None, state: str | None, limit: int) -> list[Inspection]:
    query = select(inspections.c.document).order_by(inspections.c.on.desc(), inspections.c.inspection_id).limit(limit)
    if unit:
        query = query.where(inspections.c.unit == unit)
    if state:
        query = query.where(inspections.c.state == state)
    return [Inspection.model_validate(d) for d in (await session.execute(query)).scalars()]


async def add_fact(session: AsyncSession, event_id: str, kind: str, unit: str | None, on: date, late: bool,
                   subject: str | None) -> None:
    await session.execute(insert(unit_facts).values(event_id=event_id, kind=kind, unit=unit or "-", on=on, late=late,
                                                    subject=subject).on_conflict_do_nothing())


async def fact_counts(session: AsyncSession, start: date | None = None, end: date | None = None
                      ) -> dict[str, dict[str, int]]:
    """Per unit: published, late, withdrawn, requests assigned, answered, answered late, from the facts kept."""
    f = unit_facts.c
    query = select(f.unit, f.kind, func.count(), func.sum(case((f.late, 1), else_=0))).group_by(f.unit, f.kind)
    if start is not None:
        query = query.where(f.on >= start)
    if end is not None:
        query = query.where(f.on <= end)
    out: dict[str, dict[str, int]] = {}
    for unit, kind, count, late in (await session.execute(query)).all():
        row = out.setdefault(unit, {})
        row[kind] = int(count)
        row[f"{kind}_late"] = int(late or 0)
    return out


# ---- reports ---------------------------------------------------------------------------------------------


async def add_report(session: AsyncSession, row: dict[str, Any]) -> bool:
    done = await session.execute(insert(reports).values(**row).on_conflict_do_nothing()
                                 .returning(reports.c.report_id))
    return done.scalar_one_or_none() is not None


async def get_report(session: AsyncSession, report_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    query = select(reports).where(reports.c.report_id == report_id)
    if for_update:
        query = query.with_for_update()
    found = (await session.execute(query)).mappings().one_or_none()
    return dict(found) if found is not None else None


async def update_report(session: AsyncSession, report_id: str, values: dict[str, Any]) -> None:
    await session.execute(update(reports).where(reports.c.report_id == report_id).values(**values))


async def due_for_delivery(session: AsyncSession, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Pending reports whose next attempt is due, locked; another replica skips them."""
    query = (select(reports).where(reports.c.state == "pending", reports.c.next_attempt_at <= now)
             .order_by(reports.c.next_attempt_at).limit(limit).with_for_update(skip_locked=True))
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def reports_listed(session: AsyncSession, limit: int) -> list[dict[str, Any]]:
    query = select(reports).order_by(reports.c.period_end.desc(), reports.c.schedule).limit(limit)
    return [dict(r) for r in (await session.execute(query)).mappings()]


async def figures(session: AsyncSession, start: date, end: date) -> tuple[dict[str, dict[str, int]], list[Inspection]]:
    """The unit facts of these days, and the inspections that took place on them."""
    facts = await fact_counts(session, start, end)
    query = select(inspections.c.document).where(inspections.c.on >= start, inspections.c.on <= end)
    return facts, [Inspection.model_validate(d) for d in (await session.execute(query)).scalars()]
