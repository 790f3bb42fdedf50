"""SQL for the audit log; the only module of this service that speaks to the database."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Sequence
from datetime import date
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.db import any_of
from sqlalchemy import RowMapping, func, insert, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from .facts import fact_of
from .merkle import Frontier, Node, leaf_hash, root_nodes
from .record import Record
from .refusals import refusal_of
from .tables import checkpoints, events, facts, refusals, tree_nodes

APPEND_LOCK = "gongkai.audit.append"


async def lock_appends(session: AsyncSession) -> None:
    """One appender at a time, across replicas, until the transaction ends."""
    await session.execute(text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": APPEND_LOCK})


async def tree_size(session: AsyncSession) -> int:
    size: int = (await session.execute(select(func.coalesce(func.max(events.c.seq), 0)))).scalar_one()
    return size


async def nodes(session: AsyncSession, wanted: set[Node]) -> dict[Node, bytes]:
    """The stored subtrees ``wanted``, by primary key (one round trip); LookupError if any is missing."""
    if not wanted:
        return {}
    levels, indexes = zip(*sorted(wanted), strict=True)
    stmt = text("select n.level, n.index, n.hash from unnest(cast(:levels as smallint[]), cast(:indexes as bigint[]))"
                " as w(level, index) join audit.tree_nodes n on n.level = w.level and n.index = w.index")
    rows = (await session.execute(stmt, {"levels": list(levels), "indexes": list(indexes)})).all()
    found = {(level, index): bytes(digest) for level, index, digest in rows}
    if missing := wanted - found.keys():
        raise LookupError(f"the tree store lacks nodes {sorted(missing)[:5]}")
    return found


async def append_many(session: AsyncSession, records: list[Record]) -> list[bool]:
    """Append ``records`` in order; for each, False when this very message was recorded before.

    Appends are serialised by a transaction-level advisory lock: ``seq`` is max + 1 under the lock, so
    it is dense and in commit order, and the tree nodes and facts go in with the entry, in the same
    transaction, and so do the refusals. A different body under a key already recorded is kept too, under a key
    naming its body.
    """
    await lock_appends(session)
    candidates = [(record, record.with_distinct_key()) for record in records]
    keys = [candidate.record_key for pair in candidates for candidate in pair]
    stmt = select(events.c.record_key, events.c.body).where(any_of(events.c.record_key, keys))
    known: dict[str, bytes] = dict((await session.execute(stmt)).all())
    appended, chosen = [], []
    for pair in candidates:
        outcome = False
        for candidate in pair:
            body = known.get(candidate.record_key)
            if body is None:
                known[candidate.record_key] = candidate.body
                chosen.append(candidate)
                outcome = True
                break
            if body == candidate.body:
                break
        appended.append(outcome)
    if chosen:
        size = await tree_size(session)
        frontier = Frontier.at(size, await nodes(session, set(root_nodes(size))))
        rows, made, found, refused = [], [], [], []
        for seq, record in enumerate(chosen, start=size + 1):
            rows.append({**record.row(), "seq": seq})
            made += frontier.append(leaf_hash(record.body))
            if (fact := fact_of(record, seq)) is not None:
                found.append(fact)
            if (refusal := refusal_of(record, seq)) is not None:
                refused.append(refusal)
        await session.execute(insert(events), rows)
        await session.execute(insert(tree_nodes), [{"level": lv, "index": ix, "hash": h} for lv, ix, h in made])
        if found:
            await session.execute(insert(facts), found)
        if refused:
            await session.execute(insert(refusals), refused)
    return appended


# ---- checkpoints ----------------------------------------------------------------------------


async def latest_checkpoint(session: AsyncSession) -> RowMapping | None:
    return (await session.execute(select(checkpoints).order_by(checkpoints.c.size.desc()).limit(1))).mappings().first()


async def checkpoint_list(session: AsyncSession, *, after_size: int, limit: int) -> Sequence[RowMapping]:
    stmt = select(checkpoints).where(checkpoints.c.size > after_size).order_by(checkpoints.c.size).limit(limit)
    return (await session.execute(stmt)).mappings().all()


async def checkpoint_at(session: AsyncSession, size: int) -> RowMapping | None:
    return (await session.execute(select(checkpoints).where(checkpoints.c.size == size))).mappings().first()


async def grew_since(session: AsyncSession, size: int, ignore_type: str) -> bool:
    """Whether entries other than ``ignore_type`` (the log's own checkpoint events) came after ``size``."""
    stmt = select(events.c.seq).where(events.c.seq > size, events.c.type.is_distinct_from(ignore_type)).limit(1)
    return (await session.execute(stmt)).first() is not None


async def add_checkpoint(session: AsyncSession, size: int, root: bytes, note: str) -> None:
    await session.execute(insert(checkpoints).values(size=size, root=root, note=note))


# ---- reading the log ------------------------------------------------------------------------


async def entry(session: AsyncSession, seq: int) -> RowMapping | None:
    return (await session.execute(select(events).where(events.c.seq == seq))).mappings().first()


async def bodies(session: AsyncSession, *, after_seq: int, limit: int, up_to: int | None = None
                 ) -> Sequence[RowMapping]:
    """Entries with their leaf hash as the tree recorded it, in seq order."""
    stmt = (select(events.c.seq, events.c.body, tree_nodes.c.hash.label("leaf_hash"))
            .join(tree_nodes, (tree_nodes.c.level == 0) & (tree_nodes.c.index == events.c.seq - 1))
            .where(events.c.seq > after_seq).order_by(events.c.seq).limit(limit))
    if up_to is not None:
        stmt = stmt.where(events.c.seq <= up_to)
    return (await session.execute(stmt)).mappings().all()


async def trail(session: AsyncSession, item_id: str) -> Sequence[RowMapping]:
    """Records about ``item_id``, and the records of what caused them (the intake command), by seq."""
    causes = select(events.c.causation_id).where(events.c.subject == item_id, events.c.causation_id.is_not(None))
    stmt = (select(events).where((events.c.subject == item_id) | events.c.event_id.in_(causes))
            .order_by(events.c.seq))
    return (await session.execute(stmt)).mappings().all()


def _filtered(stmt: Any, filters: dict[str, Any]) -> Any:
    for name, column in (("type", events.c.type), ("actor", events.c.actor), ("item", events.c.subject),
                         ("unit", events.c.unit)):
        if filters.get(name) is not None:
            stmt = stmt.where(column == filters[name])
    if filters.get("since") is not None:
        stmt = stmt.where(events.c.received_at >= filters["since"])
    if filters.get("until") is not None:
        stmt = stmt.where(events.c.received_at < filters["until"])
    return stmt


async def page(session: AsyncSession, *, after_seq: int, limit: int, **filters: Any) -> Sequence[RowMapping]:
    stmt = _filtered(select(events).where(events.c.seq > after_seq), filters)
    return (await session.execute(stmt.order_by(events.c.seq).limit(limit))).mappings().all()


async def stream(session: AsyncSession, *, up_to: int, batch: int = 1000, **filters: Any
                 ) -> AsyncIterator[RowMapping]:
    """Every matching entry with ``seq ≤ up_to``, fetched ``batch`` at a time by seq."""
    after = 0
    while True:
        stmt = _filtered(select(events).where(events.c.seq > after, events.c.seq <= up_to), filters)
        rows = (await session.execute(stmt.order_by(events.c.seq).limit(batch))).mappings().all()
        for row in rows:
            yield row
        if len(rows) < batch:
            return
        after = rows[-1]["seq"]


async def refusal_page(session: AsyncSession, *, item: str | None, person: str | None, since: Any, until: Any,
                       after_seq: int, limit: int) -> Sequence[RowMapping]:
    """Refusals with ``seq > after_seq`` matching every filter given, in seq order, with their entries."""
    stmt = (select(refusals, events.c.exchange, events.c.routing_key, events.c.received_at, events.c.dead_lettered,
                   events.c.dead_letter_reason, events.c.valid, events.c.flag, events.c.body)
            .join(events, events.c.seq == refusals.c.seq).where(refusals.c.seq > after_seq))
    if item is not None:
        stmt = stmt.where(refusals.c.item_id == item)
    if person is not None:
        stmt = stmt.where(refusals.c.person == person)
    if since is not None:
        stmt = stmt.where(refusals.c.recorded_at >= since)
    if until is not None:
        stmt = stmt.where(refusals.c.recorded_at < until)
    return (await session.execute(stmt.order_by(refusals.c.seq).limit(limit))).mappings().all()


# ---- statistics -----------------------------------------------------------------------------


async def fact_counts(session: AsyncSession, *, since: date, until: date, unit: str | None
                      ) -> Sequence[RowMapping]:
    """Facts between ``since`` and ``until`` (inclusive), grouped by what the statistics distinguish."""
    columns = (facts.c.unit, facts.c.type, facts.c.action, facts.c.legal_reason, facts.c.rule, facts.c.late,
               facts.c.category, facts.c.category_group)
    stmt = (select(*columns, func.count().label("n"),
                   func.count(func.distinct(func.concat(facts.c.subject_id, literal_column("':'"),
                                                        facts.c.version))).label("distinct_versions"))
            .where(facts.c.on_date >= since, facts.c.on_date <= until).group_by(*columns))
    if unit is not None:
        stmt = stmt.where(facts.c.unit == unit)
    return (await session.execute(stmt)).mappings().all()


async def challenge_facts(session: AsyncSession, *, until: date) -> Sequence[RowMapping]:
    """Every reconsideration and lawsuit recorded up to ``until``, in log order: what table 四 counts."""
    stmt = (select(facts.c.subject_id, facts.c.on_date, facts.c.action, facts.c.outcome)
            .where(facts.c.type == c.REQUESTS_CHALLENGE_RECORDED, facts.c.on_date <= until)
            .order_by(facts.c.seq))
    return (await session.execute(stmt)).mappings().all()


async def request_facts(session: AsyncSession, *, until: date) -> Sequence[RowMapping]:
    """Every request received or answered up to ``until``: what table 三 of the annual report counts."""
    stmt = (select(facts.c.type, facts.c.subject_id, facts.c.on_date, facts.c.applicant_kind, facts.c.outcome)
            .where(facts.c.type.in_([c.REQUEST_RECEIVED, c.REQUEST_ANSWERED]), facts.c.on_date <= until)
            .order_by(facts.c.seq))
    return (await session.execute(stmt)).mappings().all()


async def event_data(session: AsyncSession, types: Sequence[str]) -> list[dict[str, Any]]:
    """The data of every valid, unflagged entry of ``types`` from the events exchange, in log order.

    What the annual report reads beyond the facts: the office's entered figures and texts, and the fees settled.
    """
    stmt = (select(events.c.type, events.c.body).where(
        events.c.type.in_(list(types)), events.c.valid.is_(True), events.c.flag.is_(None),
        events.c.dead_lettered.is_(False), events.c.exchange.like("%.events")).order_by(events.c.seq))
    out = []
    for kind, body in (await session.execute(stmt)).all():
        try:
            data = json.loads(bytes(body)).get("data")
        except (ValueError, RecursionError, AttributeError):
            continue
        if isinstance(data, dict):
            out.append({**data, "_type": kind})
    return out
