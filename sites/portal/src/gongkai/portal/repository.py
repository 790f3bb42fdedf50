"""The portal's SQL: merge a fact into an item under a lock, and the pages' queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from gongkai.shared import search
from sqlalchemy import CursorResult, delete, func, null, or_, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession

from . import domain
from .tables import items, versions


async def merge(session: AsyncSession, fact: domain.Fact) -> domain.Item:
    """Apply ``fact`` to its item, in the caller's transaction. Two facts of one item (two channels) may be
    handled at once: a transaction-scoped advisory lock per item makes them take turns."""
    await session.execute(text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                          {"key": f"portal.item.{fact.item_id}"})
    before = await load(session, fact.item_id)
    after = domain.apply(before, fact)
    if after != before:
        await save(session, after)
    return after


async def load(session: AsyncSession, item_id: str) -> domain.Item | None:
    row = (await session.execute(select(items).where(items.c.item_id == item_id))).mappings().one_or_none()
    if row is None:
        return None
    history = (await session.execute(select(versions).where(versions.c.item_id == item_id)
                                     .order_by(versions.c.version.desc()))).mappings().all()
    return _item(row, history)


async def save(session: AsyncSession, item: domain.Item) -> None:
    row, history = rows(item)
    await session.execute(pg_insert(items).values(row).on_conflict_do_update(
        index_elements=[items.c.item_id], set_={k: v for k, v in row.items() if k != "item_id"}))
    if history:
        await session.execute(pg_insert(versions).values(history).on_conflict_do_nothing())


def rows(item: domain.Item) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The item's row and its history's rows, with the columns derived from it (state, order, search terms)."""
    title, whole = domain.search_text(item)
    content = item.content
    row = {
        "item_id": item.item_id, "category": item.category, "category_name": item.category_name,
        "version": item.version, "title": item.title, "published_at": item.published_at,
        "channels": sorted(item.channels), "body": content.body if content else None,
        "summary": content.summary if content else None, "content_hash": content.content_hash if content else None,
        "attachments": list(content.attachments) if content else [],
        "first_published_at": item.first_published_at, "withdrawn_version": item.withdrawn_version,
        "withdrawn_title": item.withdrawn_title, "withdrawn_at": item.withdrawn_at,
        "withdrawal_reason": item.withdrawal_reason, "live": item.live, "shown_title": item.shown_title,
        "changed_at": item.changed_at, "year": item.year, "search_title": search.normalise(title),
        "search_text": search.normalise(whole), "terms": search.terms(whole), "due_on": item.due_on,
        "late": item.late,
    }
    history = [{"item_id": item.item_id, "version": h.version, "title": h.title, "action": h.action,
                "published_at": h.published_at} for h in item.history]
    return row, history


async def clear(session: AsyncSession) -> int:
    """Empty the store (the first step of a rebuild); returns how many items it held."""
    await session.execute(delete(versions))
    # AsyncSession.execute is typed as returning a Result; a DELETE's is a CursorResult, which has the rowcount.
    deleted = cast("CursorResult[Any]", await session.execute(delete(items)))
    return deleted.rowcount or 0


def _item(row: Any, history: Any) -> domain.Item:
    content = None
    if row["body"] is not None:
        content = domain.Content(body=row["body"], summary=row["summary"], content_hash=row["content_hash"],
                                 attachments=tuple(row["attachments"] or ()))
    return domain.Item(
        item_id=row["item_id"], category=row["category"], category_name=row["category_name"],
        version=row["version"], title=row["title"], published_at=row["published_at"],
        channels=frozenset(row["channels"]), content=content, first_published_at=row["first_published_at"],
        withdrawn_version=row["withdrawn_version"], withdrawn_title=row["withdrawn_title"],
        withdrawn_at=row["withdrawn_at"], withdrawal_reason=row["withdrawal_reason"], due_on=row["due_on"],
        history=tuple(domain.HistoryLine(h["version"], h["title"], h["action"], h["published_at"]) for h in history))


# ---- pages ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """An item as a list shows it: a withdrawn one has no summary."""

    item_id: str
    version: int | None
    title: str
    summary: str | None
    body: str | None
    category: str
    category_name: str
    live: bool
    first_published_at: datetime | None
    published_at: datetime | None
    changed_at: datetime
    withdrawn_at: datetime | None
    withdrawal_reason: str | None


@dataclass(frozen=True)
class Page:
    total: int
    entries: list[Entry]


_LISTED = (items.c.item_id, items.c.version, items.c.shown_title.label("title"), items.c.summary, items.c.body,
           items.c.category, items.c.category_name, items.c.live, items.c.first_published_at, items.c.published_at,
           items.c.changed_at, items.c.withdrawn_at, items.c.withdrawal_reason)


async def _page(session: AsyncSession, where: list[Any], order: list[Any], limit: int, offset: int,
                with_body: bool = False) -> Page:
    total = (await session.execute(select(func.count()).select_from(items).where(*where))).scalar_one()
    if total == 0:
        return Page(0, [])
    columns = _LISTED if with_body else tuple(c if c.name != "body" else null().label("body") for c in _LISTED)
    stmt = select(*columns).where(*where).order_by(*order).limit(limit).offset(offset)
    return Page(total, [Entry(**row) for row in (await session.execute(stmt)).mappings()])


NEWEST = [items.c.changed_at.desc(), items.c.item_id]


async def catalogue_page(session: AsyncSession, *, category: str | None = None, year: int | None = None,
                         live_only: bool = False, limit: int, offset: int = 0, with_body: bool = False) -> Page:
    where: list[Any] = []
    if category:
        where.append(items.c.category == category)
    if year:
        where.append(items.c.year == year)
    if live_only:
        where.append(items.c.live)
    return await _page(session, where, NEWEST, limit, offset, with_body)


async def search_page(session: AsyncSession, query: str, *, limit: int, offset: int) -> Page:
    """Items holding every term of ``query``; a phrase longer than two characters must stand whole in the text.
    Hits in the title first, then the newest. A withdrawn item's row holds its title alone."""
    needed, phrases = search.query_terms(query)
    if not needed:
        return Page(0, [])
    where: list[Any] = [items.c.terms.contains(needed)]
    where.extend(func.strpos(items.c.search_text, phrase) > 0 for phrase in phrases
                 if len(search.query_terms(phrase)[0]) > 1)
    in_title = or_(*[func.strpos(items.c.search_title, phrase) > 0 for phrase in phrases])
    return await _page(session, where, [in_title.desc(), *NEWEST], limit, offset)


@dataclass(frozen=True)
class Facet:
    key: str
    label: str
    count: int


async def categories(session: AsyncSession) -> list[Facet]:
    """Every category the portal has items of, with the name its events gave it, by code."""
    stmt = (select(items.c.category, func.max(items.c.category_name), func.count())
            .group_by(items.c.category).order_by(items.c.category))
    return [Facet(code, name, n) for code, name, n in (await session.execute(stmt)).all()]


async def years(session: AsyncSession) -> list[Facet]:
    stmt = select(items.c.year, func.count()).group_by(items.c.year).order_by(items.c.year.desc())
    return [Facet(str(year), f"{year}年", n) for year, n in (await session.execute(stmt)).all()]


async def category_name(session: AsyncSession, code: str) -> str | None:
    name: str | None = (await session.execute(select(func.max(items.c.category_name))
                                              .where(items.c.category == code))).scalar_one_or_none()
    return name


async def last_change(session: AsyncSession, category: str | None = None) -> datetime | None:
    where = [items.c.category == category] if category else []
    changed: datetime | None = (await session.execute(select(func.max(items.c.changed_at)).where(*where))).scalar_one()
    return changed


# ---- what was published late -------------------------------------------------------------------


@dataclass(frozen=True)
class Timeliness:
    """A category's first publications with a due date, and how many of them came after it."""

    category: str
    category_name: str
    with_due_date: int
    late: int


@dataclass(frozen=True)
class LateItem:
    item_id: str
    title: str
    category: str
    category_name: str
    due_on: Any
    first_published_at: datetime
    live: bool


async def timeliness(session: AsyncSession) -> list[Timeliness]:
    stmt = (select(items.c.category, func.max(items.c.category_name), func.count(),
                   func.count().filter(items.c.late.is_(True)))
            .where(items.c.due_on.isnot(None)).group_by(items.c.category).order_by(items.c.category))
    return [Timeliness(code, name, n, late) for code, name, n, late in (await session.execute(stmt)).all()]


async def late_items(session: AsyncSession, category: str | None, limit: int) -> list[LateItem]:
    where = [items.c.late.is_(True)] + ([items.c.category == category] if category else [])
    stmt = (select(items.c.item_id, items.c.shown_title, items.c.category, items.c.category_name, items.c.due_on,
                   items.c.first_published_at, items.c.live)
            .where(*where).order_by(items.c.first_published_at.desc(), items.c.item_id).limit(limit))
    return [LateItem(*row) for row in (await session.execute(stmt)).all()]
