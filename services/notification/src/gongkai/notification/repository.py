"""SQL for deadlines, reminders, calendar years, requests and deliveries; the only module of this service
that speaks to the database."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from gongkai.shared.db import any_of
from gongkai.shared.writes import Writes
from sqlalchemy import and_, delete, exists, func, insert, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import LIVE, Deadline, State
from .tables import calendar_alerts, calendar_years, deadlines, deliveries, early_outcomes, reminders, requests

LIVE_STATES = [s.value for s in LIVE]


# ---- deadlines ----------------------------------------------------------------------------------

async def lock(session: AsyncSession, key: str) -> None:
    """Serialise the events of one item (or request, or the calendar) across consumers and replicas until
    the transaction ends."""
    await session.execute(text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                          {"key": f"gongkai.notification:{key}"})


async def lock_all(session: AsyncSession, keys: list[str]) -> None:
    """``lock`` of many keys in one statement, in the order of their keys (two batches never wait on each other
    in a circle)."""
    await session.execute(
        text("select pg_advisory_xact_lock(hashtextextended(k, 0)) "
             "from (select k from unnest(cast(:keys as text[])) as k order by k) as ordered"),
        {"keys": sorted(f"gongkai.notification:{key}" for key in keys)})


async def of_subjects(session: AsyncSession, subjects: list[str]) -> list[Deadline]:
    """Every deadline of these subjects, whatever its state, locked."""
    stmt = select(deadlines).where(any_of(deadlines.c.subject, subjects)).order_by(deadlines.c.deadline_id)
    return [_deadline(row) for row in (await session.execute(stmt.with_for_update())).mappings()]


async def early_outcomes_of(session: AsyncSession, item_ids: list[str]) -> list[tuple[str, int, str, datetime]]:
    stmt = select(early_outcomes.c.item_id, early_outcomes.c.version, early_outcomes.c.outcome,
                  early_outcomes.c.at).where(any_of(early_outcomes.c.item_id, item_ids))
    return [(row.item_id, row.version, row.outcome, row.at) for row in (await session.execute(stmt)).all()]


async def live_deadline(session: AsyncSession, subject: str, rule: str) -> Deadline | None:
    stmt = (select(deadlines)
            .where(deadlines.c.subject == subject, deadlines.c.rule == rule, deadlines.c.state.in_(LIVE_STATES))
            .with_for_update())
    row = (await session.execute(stmt)).mappings().one_or_none()
    return _deadline(row) if row else None


async def live_of_category(session: AsyncSession, rule: str, category: str) -> list[Deadline]:
    """Live deadlines of ``rule`` (the annual ones), which a publication in ``category`` meets."""
    stmt = (select(deadlines).where(deadlines.c.rule == rule, deadlines.c.state.in_(LIVE_STATES))
            .order_by(deadlines.c.due_on).with_for_update())
    return [_deadline(r) for r in (await session.execute(stmt)).mappings()]


async def ever_opened(session: AsyncSession, subject: str, rule: str) -> bool:
    stmt = select(exists().where(deadlines.c.subject == subject, deadlines.c.rule == rule))
    return bool((await session.execute(stmt)).scalar())


def _row(deadline: Deadline) -> dict[str, Any]:
    return {**deadline.__dict__, "state": deadline.state.value}


async def add(session: AsyncSession, deadline: Deadline) -> bool:
    """Insert; False when it exists already (a replica opened it first)."""
    stmt = pg_insert(deadlines).values(**_row(deadline)).on_conflict_do_nothing().returning(deadlines.c.deadline_id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


def add_held(writes: Writes, deadline: Deadline) -> None:
    """Insert at the batch's end: its caller knows, under the subject's lock, that no key refuses it."""
    writes.insert(deadlines, {"deadline_id": deadline.deadline_id}, _row(deadline))


def save(writes: Writes, deadline: Deadline) -> None:
    """Write the deadline at the batch's end (into its insert, when that is held too)."""
    writes.update(deadlines, {"deadline_id": deadline.deadline_id}, _row(deadline))


def remember_outcome(writes: Writes, item_id: str, version: int, outcome: str, at: datetime) -> None:
    """The first outcome of an item version stays (the table's key), written at the batch's end."""
    writes.insert_ignore(early_outcomes, {"item_id": item_id, "version": version}, {"outcome": outcome, "at": at})


async def early_outcome(session: AsyncSession, item_id: str, version: int) -> tuple[str, datetime] | None:
    """The outcome (and its time) that came before the deadline it closes was opened, if one did."""
    stmt = select(early_outcomes.c.outcome, early_outcomes.c.at).where(early_outcomes.c.item_id == item_id,
                                                                       early_outcomes.c.version == version)
    row = (await session.execute(stmt)).one_or_none()
    return (row.outcome, row.at) if row else None


async def find(session: AsyncSession, *, item_id: str | None, state: State | None, rule: str | None = None,
               limit: int = 100) -> list[Deadline]:
    stmt = select(deadlines).order_by(deadlines.c.opened_at, deadlines.c.deadline_id).limit(limit)
    if item_id is not None:
        stmt = stmt.where(deadlines.c.item_id == item_id)
    if state is not None:
        stmt = stmt.where(deadlines.c.state == state.value)
    if rule is not None:
        stmt = stmt.where(deadlines.c.rule == rule)
    return [_deadline(row) for row in (await session.execute(stmt)).mappings()]


async def due_for_check(session: AsyncSession, today: date, limit: int) -> list[Deadline]:
    """Open deadlines with a reminder due by ``today``, locked; those another replica holds are skipped."""
    stmt = (select(deadlines)
            .where(deadlines.c.state == State.open.value, deadlines.c.next_check_on <= today)
            .order_by(deadlines.c.next_check_on).limit(limit).with_for_update(skip_locked=True))
    return [_deadline(row) for row in (await session.execute(stmt)).mappings()]


async def sent_reminders(session: AsyncSession, deadline_ids: list[str]) -> dict[tuple[str, date], set[str]]:
    stmt = select(reminders.c.deadline_id, reminders.c.due_on, reminders.c.key).where(
        reminders.c.deadline_id.in_(deadline_ids))
    out: dict[tuple[str, date], set[str]] = {}
    for deadline_id, due_on, key in (await session.execute(stmt)).all():
        out.setdefault((deadline_id, due_on), set()).add(key)
    return out


async def record_reminders(session: AsyncSession, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """Claim reminders in one statement: the (deadline_id, key) pairs that were not claimed before."""
    if not rows:
        return set()
    stmt = text(
        "insert into notification.reminders (deadline_id, key, due_on, sent_at, skipped, event_id) "
        "select * from unnest(cast(:ids as text[]), cast(:keys as text[]), cast(:dues as date[]), "
        "cast(:ats as timestamptz[]), cast(:skipped as boolean[]), cast(:events as text[])) "
        "on conflict do nothing returning deadline_id, key")
    params = {"ids": [r["deadline_id"] for r in rows], "keys": [r["key"] for r in rows],
              "dues": [r["due_on"] for r in rows], "ats": [r["sent_at"] for r in rows],
              "skipped": [r["skipped"] for r in rows], "events": [r["event_id"] for r in rows]}
    return {(deadline_id, key) for deadline_id, key in (await session.execute(stmt, params)).all()}


async def set_next_checks(session: AsyncSession, days: list[tuple[str, date | None]]) -> None:
    """Set each deadline's next check day in one statement."""
    if not days:
        return
    await session.execute(
        text("update notification.deadlines d set next_check_on = v.day "
             "from unnest(cast(:ids as text[]), cast(:days as date[])) as v(id, day) where d.deadline_id = v.id"),
        {"ids": [d for d, _ in days], "days": [day for _, day in days]})


async def live_touching(session: AsyncSession, year: int) -> list[Deadline]:
    """Live deadlines whose span (from the start of the clock to the due date) reaches into ``year``."""
    stmt = (select(deadlines)
            .where(deadlines.c.state.in_(LIVE_STATES),
                   or_(deadlines.c.provisional,
                       and_(deadlines.c.opened_on <= date(year, 12, 31), deadlines.c.due_on >= date(year, 1, 1))))
            .order_by(deadlines.c.deadline_id).with_for_update())
    return [_deadline(row) for row in (await session.execute(stmt)).mappings()]


def _deadline(row: Any) -> Deadline:
    return Deadline(**{**row, "state": State(row["state"])})


# ---- calendar -----------------------------------------------------------------------------------

async def calendar_data(session: AsyncSession) -> list[dict[str, Any]]:
    return list((await session.execute(select(calendar_years.c.data).order_by(calendar_years.c.year))).scalars())


async def store_year(session: AsyncSession, year: int, data: dict[str, Any], reference: str, by: str) -> bool:
    """Store or replace a year; True when it replaced earlier data."""
    had = (await session.execute(select(exists().where(calendar_years.c.year == year)))).scalar()
    stmt = pg_insert(calendar_years).values(year=year, data=data, reference=reference, loaded_by=by)
    await session.execute(stmt.on_conflict_do_update(
        index_elements=["year"], set_={"data": data, "reference": reference, "loaded_by": by,
                                       "loaded_at": func.now()}))
    await session.execute(delete(calendar_alerts).where(calendar_alerts.c.year == year))
    return bool(had)


async def claim_year_alert(session: AsyncSession, year: int) -> bool:
    """True the first time a missing ``year`` is alerted (until the year is loaded)."""
    stmt = pg_insert(calendar_alerts).values(year=year).on_conflict_do_nothing().returning(calendar_alerts.c.year)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


# ---- requests -----------------------------------------------------------------------------------

async def add_request(session: AsyncSession, **values: Any) -> bool:
    stmt = pg_insert(requests).values(**values).on_conflict_do_nothing().returning(requests.c.request_id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def request(session: AsyncSession, request_id: str) -> dict[str, Any] | None:
    stmt = select(requests).where(requests.c.request_id == request_id).with_for_update()
    row = (await session.execute(stmt)).mappings().one_or_none()
    return dict(row) if row else None


async def update_request(session: AsyncSession, request_id: str, **values: Any) -> None:
    await session.execute(update(requests).where(requests.c.request_id == request_id).values(**values))


# ---- deliveries ---------------------------------------------------------------------------------

def add_deliveries(writes: Writes, rows: list[dict[str, Any]]) -> None:
    """One row per (event, channel, recipient), at the batch's end; a row that exists already is left alone."""
    for row in rows:
        writes.insert_ignore(deliveries, {"delivery_id": row["delivery_id"]}, row)


async def claim_deliveries(session: AsyncSession, now: datetime, limit: int) -> list[dict[str, Any]]:
    """Pending deliveries due by ``now``, locked for this transaction; another replica skips them."""
    stmt = (select(deliveries)
            .where(deliveries.c.state == "pending", deliveries.c.next_attempt_at <= now)
            .order_by(deliveries.c.next_attempt_at).limit(limit).with_for_update(skip_locked=True))
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def mark_delivery(session: AsyncSession, delivery_id: str, **values: Any) -> None:
    await session.execute(update(deliveries).where(deliveries.c.delivery_id == delivery_id).values(**values))


async def find_deliveries(session: AsyncSession, *, state: str | None = None, channel: str | None = None,
                          recipient: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    stmt = select(deliveries).order_by(deliveries.c.created_at.desc(), deliveries.c.delivery_id).limit(limit)
    if state:
        stmt = stmt.where(deliveries.c.state == state)
    if channel:
        stmt = stmt.where(deliveries.c.channel == channel)
    if recipient:
        stmt = stmt.where(deliveries.c.recipient == recipient)
    return [dict(r) for r in (await session.execute(stmt)).mappings()]


async def mark_read(session: AsyncSession, recipient: str, delivery_id: str, at: datetime) -> bool:
    """Mark one of ``recipient``'s inbox messages read; False when it is not theirs (or not there)."""
    stmt = (update(deliveries)
            .where(deliveries.c.delivery_id == delivery_id, deliveries.c.channel == "inbox",
                   deliveries.c.recipient == recipient)
            .values(read_at=func.coalesce(deliveries.c.read_at, at)).returning(deliveries.c.delivery_id))
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def insert_many(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """(benchmarks) insert deadlines in bulk."""
    await session.execute(insert(deadlines), rows)


async def count_live(session: AsyncSession) -> int:
    """Deadlines still running (open or paused), for /metrics."""
    stmt = select(func.count()).select_from(deadlines).where(deadlines.c.state.in_([s.value for s in LIVE]))
    return int((await session.execute(stmt)).scalar_one())
