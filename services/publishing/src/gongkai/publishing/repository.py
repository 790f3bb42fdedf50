"""SQL for items and versions; the only module of this service that speaks to the database."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from gongkai.shared.contracts import Audience, Channel
from gongkai.shared.db import any_of
from gongkai.shared.writes import Writes
from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from . import search
from .domain import Item, State, Version
from .tables import items, search_index, versions

_ITEM_FIELDS = [f.name for f in fields(Item)]
LOCAL = ZoneInfo("Asia/Shanghai")  # a publication's year is the agency's calendar year


# ---- writes ----------------------------------------------------------------------------------
# Held back in the unit of work's ``Writes`` (``shared/writes.py``) and sent a table at a time.


def add_item(writes: Writes, item: Item) -> None:
    writes.insert(items, {"item_id": item.item_id}, _item_row(item))


def save_item(writes: Writes, item: Item, public: Version | None = None) -> None:
    """Store the item; with ``public``, the read side's title and search terms are those of that version.

    A withdrawn item keeps only its title in the search index: its text is no longer found.
    """
    writes.update(items, {"item_id": item.item_id}, _item_row(item))
    if public is not None:
        attachment_text = " ".join(a.get("text") or "" for a in public.attachments)
        parts = (public.title,) if item.withdrawn_at else (public.title, public.summary or "", public.body,
                                                           attachment_text)
        text = "\n".join(part for part in parts if part)
        row = {"title": search.normalise(public.title), "text": search.normalise(text), "terms": search.terms(text)}
        writes.upsert(search_index, {"item_id": item.item_id}, row)


def add_version(writes: Writes, version: Version) -> None:
    writes.insert(versions, {"item_id": version.item_id, "version": version.version}, _version_row(version))


def save_version(writes: Writes, version: Version) -> None:
    writes.update(versions, {"item_id": version.item_id, "version": version.version}, _version_row(version))


# ---- staff reads -----------------------------------------------------------------------------


async def item(session: AsyncSession, item_id: str, *, for_update: bool = False) -> Item | None:
    stmt = select(*[items.c[name] for name in _ITEM_FIELDS]).where(items.c.item_id == item_id)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().one_or_none()
    return _item(row) if row else None


async def item_with_history(session: AsyncSession, item_id: str) -> tuple[Item, list[Version]] | None:
    """The item and all its versions (oldest first), locked, in one statement; None when it has none."""
    stmt = (select(*[items.c[name] for name in _ITEM_FIELDS], *[c.label(f"v_{c.name}") for c in versions.c])
            .select_from(items.join(versions, versions.c.item_id == items.c.item_id))
            .where(items.c.item_id == item_id).order_by(versions.c.version).with_for_update())
    rows = (await session.execute(stmt)).mappings().all()
    if not rows:
        return None
    return _item(rows[0]), [_version({c.name: row[f"v_{c.name}"] for c in versions.c}) for row in rows]


async def items_with_history(session: AsyncSession, item_ids: list[str]) -> dict[str, tuple[Item, list[Version]]]:
    """``item_with_history`` of many items in one statement (locked in the order of their ids)."""
    stmt = (select(*[items.c[name] for name in _ITEM_FIELDS], *[c.label(f"v_{c.name}") for c in versions.c])
            .select_from(items.join(versions, versions.c.item_id == items.c.item_id))
            .where(any_of(items.c.item_id, item_ids)).order_by(items.c.item_id, versions.c.version).with_for_update())
    found: dict[str, tuple[Item, list[Version]]] = {}
    for row in (await session.execute(stmt)).mappings():
        if row["item_id"] not in found:
            found[row["item_id"]] = (_item(row), [])
        found[row["item_id"]][1].append(_version({c.name: row[f"v_{c.name}"] for c in versions.c}))
    return found


async def get(session: AsyncSession, item_id: str, version: int, *, for_update: bool = False) -> Version | None:
    stmt = select(versions).where(versions.c.item_id == item_id, versions.c.version == version)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().one_or_none()
    return _version(row) if row else None


async def history(session: AsyncSession, item_id: str, *, for_update: bool = False) -> list[Version]:
    stmt = select(versions).where(versions.c.item_id == item_id).order_by(versions.c.version)
    if for_update:
        stmt = stmt.with_for_update()
    return [_version(row) for row in (await session.execute(stmt)).mappings()]


async def awaiting_review(session: AsyncSession, item_id: str) -> bool:
    """Whether a version of the item is submitted or in review: its case is open to reviewers."""
    stmt = select(versions.c.version).where(versions.c.item_id == item_id,
                                            versions.c.state.in_([State.submitted.value, State.in_review.value]))
    return (await session.execute(stmt.limit(1))).first() is not None


@dataclass(frozen=True)
class UnitItem:
    item: Item
    current: Version


async def unit_items(session: AsyncSession, unit: str, *, state: str | None, limit: int, offset: int
                     ) -> tuple[int, list[UnitItem]]:
    join = items.join(versions, and_(versions.c.item_id == items.c.item_id,
                                     versions.c.version == items.c.current_version))
    where = [items.c.unit == unit]
    if state:
        where.append(versions.c.state == state)
    total = (await session.execute(select(func.count()).select_from(join).where(*where))).scalar_one()
    stmt = (select(*[items.c[name] for name in _ITEM_FIELDS], *[c.label(f"v_{c.name}") for c in versions.c])
            .select_from(join).where(*where).order_by(items.c.created_at.desc(), items.c.item_id)
            .limit(limit).offset(offset))
    rows = (await session.execute(stmt)).mappings().all()
    return total, [UnitItem(_item(row), _version({c.name: row[f"v_{c.name}"] for c in versions.c})) for row in rows]


async def counts(session: AsyncSession) -> list[dict[str, Any]]:
    """Versions by category, state and legal reason: non-disclosure (withheld) is counted here."""
    stmt = (select(versions.c.category, versions.c.state, versions.c.legal_reason, func.count().label("versions"))
            .group_by(versions.c.category, versions.c.state, versions.c.legal_reason)
            .order_by(versions.c.category, versions.c.state, versions.c.legal_reason))
    return [dict(row) for row in (await session.execute(stmt)).mappings()]


async def due_for_release(session: AsyncSession, now: datetime, limit: int) -> list[Version]:
    """Scheduled versions whose time has come, locked; another replica skips them (and takes others)."""
    stmt = (select(versions).where(versions.c.state == State.scheduled.value, versions.c.release_at <= now)
            .order_by(versions.c.release_at).limit(limit).with_for_update(skip_locked=True))
    return [_version(row) for row in (await session.execute(stmt)).mappings()]


# ---- the public read side --------------------------------------------------------------------

PUBLIC_ITEM = and_(items.c.audience == Audience.public.value, items.c.public_version.isnot(None))


@dataclass(frozen=True)
class Entry:
    """A public item as listed: its public version and whether it was withdrawn."""

    item_id: str
    version: int
    title: str
    summary: str | None
    body: str
    category: str
    unit: str
    first_published_at: datetime
    changed_at: datetime
    published_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


def _entries(keys: Any) -> Any:
    """The listed fields of the items in ``keys`` (a subquery of item ids, in page order)."""
    join = items.join(versions, and_(versions.c.item_id == items.c.item_id,
                                     versions.c.version == items.c.public_version))
    live = items.c.withdrawn_at.is_(None)  # a withdrawn item's text never leaves the database again
    return (select(items.c.item_id, versions.c.version, versions.c.title,
                   case((live, versions.c.summary)).label("summary"),
                   case((live, versions.c.body), else_=literal("")).label("body"), items.c.category, items.c.unit,
                   items.c.first_published_at, items.c.changed_at, versions.c.published_at, items.c.withdrawn_at,
                   items.c.withdrawal_reason)
            .select_from(join.join(keys, keys.c.item_id == items.c.item_id)).order_by(keys.c.rank))


def _filters(category: str | None, unit: str | None, year: int | None) -> list[Any]:
    where: list[Any] = []
    if category:
        where.append(items.c.category == category)
    if unit:
        where.append(items.c.unit == unit)
    if year:
        where.append(and_(items.c.first_published_at >= datetime(year, 1, 1, tzinfo=LOCAL),
                          items.c.first_published_at < datetime(year + 1, 1, 1, tzinfo=LOCAL)))
    return where


@dataclass(frozen=True)
class Page:
    total: int
    last_modified: datetime | None
    entries: list[Entry]


async def _page(session: AsyncSession, source: Any, where: list[Any], order: list[Any], limit: int,
                offset: int) -> Page:
    """Count and date the whole result, then fetch only the page's rows: the join is done for those alone."""
    total, last = (await session.execute(select(func.count(), func.max(items.c.changed_at)).select_from(source)
                                         .where(PUBLIC_ITEM, *where))).one()
    if total == 0:
        return Page(0, None, [])
    keys = (select(items.c.item_id, func.row_number().over(order_by=order).label("rank")).select_from(source)
            .where(PUBLIC_ITEM, *where).order_by(*order).limit(limit).offset(offset).subquery())
    return Page(total, last, [Entry(**row) for row in (await session.execute(_entries(keys))).mappings()])


async def catalogue_page(session: AsyncSession, *, category: str | None, unit: str | None, year: int | None,
                         limit: int, offset: int) -> Page:
    return await _page(session, items, _filters(category, unit, year),
                       [items.c.changed_at.desc(), items.c.item_id], limit, offset)


async def search_page(session: AsyncSession, query: str, *, category: str | None, limit: int, offset: int
                      ) -> Page:
    needed, phrases = search.query_terms(query)
    where = _filters(category, None, None)
    if not needed:
        where.append(literal(False))
    else:
        where.append(search_index.c.terms.contains(needed))
    # Characters and bigrams prove a phrase of up to two characters (or one word); a longer phrase is
    # checked in the text, so that its bigrams stand side by side.
    where.extend(func.strpos(search_index.c.text, phrase) > 0 for phrase in phrases
                 if len(search.query_terms(phrase)[0]) > 1)
    # A withdrawn item is found by its title alone, even where its index row predates the withdrawal.
    where.append(or_(items.c.withdrawn_at.is_(None),
                     and_(*[func.strpos(search_index.c.title, phrase) > 0 for phrase in phrases], literal(True))))
    in_title = or_(*[func.strpos(search_index.c.title, phrase) > 0 for phrase in phrases]) if phrases \
        else literal(False)
    source = items.join(search_index, search_index.c.item_id == items.c.item_id)
    return await _page(session, source, where, [in_title.desc(), items.c.changed_at.desc(), items.c.item_id],
                       limit, offset)


async def category_counts(session: AsyncSession) -> dict[str, int]:
    stmt = select(items.c.category, func.count()).where(PUBLIC_ITEM).group_by(items.c.category)
    return {code: n for code, n in (await session.execute(stmt)).all()}


async def public_item(session: AsyncSession, item_id: str) -> tuple[Item, list[Version]] | None:
    found = await item(session, item_id)
    if found is None or found.audience is not Audience.public or found.public_version is None:
        return None
    stmt = (select(versions).where(versions.c.item_id == item_id, versions.c.published_at.isnot(None))
            .order_by(versions.c.version.desc()))
    return found, [_version(row) for row in (await session.execute(stmt)).mappings()]


# ---- rows ------------------------------------------------------------------------------------


def _item_row(item: Item) -> dict[str, Any]:
    return {**{name: getattr(item, name) for name in _ITEM_FIELDS}, "audience": item.audience.value}


def _item(row: Any) -> Item:
    return Item(**{**{name: row[name] for name in _ITEM_FIELDS}, "audience": Audience(row["audience"])})


def _version_row(version: Version) -> dict[str, Any]:
    return {**version.__dict__, "audience": version.audience.value, "state": version.state.value,
            "channels": [c.value for c in version.channels], "attachments": list(version.attachments)}


def _version(row: Any) -> Version:
    return Version(**{**row, "audience": Audience(row["audience"]), "state": State(row["state"]),
                      "channels": tuple(Channel(c) for c in row["channels"]),
                      "attachments": tuple(row["attachments"] or ())})
