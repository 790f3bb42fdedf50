"""Publishing's reads: sessions of their own, no unit of work, apart from the handlers that change items.

``ItemReads`` answers staff (an item, the unit's items, the statistics); ``PublicReads`` the public read side
(catalogue, pages, search, one item, feeds), with the catalogue and deadline rules it describes categories by.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from gongkai.shared.errors import NotFound
from gongkai.shared.identity import Principal
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import domain, repository
from .catalogue import Catalogue
from .deadlines import Deadlines
from .domain import Item, Version


class ItemReads:
    """What staff read of items: each read on a session of its own."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], catalogue: Catalogue, deadlines: Deadlines
                 ) -> None:
        self._sessions = sessions
        self.catalogue = catalogue
        self.deadlines = deadlines

    async def item(self, item_id: str, principal: Principal) -> tuple[Item, list[Version]]:
        """An item and its versions, for those who may see it (``domain.may_read``); else 404."""
        async with self._sessions() as session:
            found = await repository.item(session, item_id)
            if found is None:
                raise NotFound(f"no item {item_id}")
            versions = await repository.history(session, item_id)
        domain.may_read(found, principal, awaiting_review=any(v.state in domain.AWAITING_REVIEW for v in versions))
        return found, versions

    async def unit_items(self, principal: Principal, *, state: str | None, page: int, per_page: int
                         ) -> dict[str, Any]:
        async with self._sessions() as session:
            total, rows = await repository.unit_items(session, principal.unit, state=state, limit=per_page,
                                                      offset=(page - 1) * per_page)
        return {"unit": principal.unit, "total": total, "page": page, "per_page": per_page, "items": [
            {"item_id": r.item.item_id, "category": r.item.category, "title": r.current.title,
             "version": r.current.version, "state": r.current.state.value, "audience": r.item.audience.value,
             "formed_on": _iso(r.current.formed_on), "release_at": r.current.release_at,
             "due_on": _iso(self._due_on(r.item.category, r.current.formed_on or r.item.created_at.date())),
             "public_version": r.item.public_version, "withdrawn_at": r.item.withdrawn_at}
            for r in rows]}

    async def counts(self) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            return await repository.counts(session)

    def _due_on(self, code: str, formed_on: date | None) -> date | None:
        """The date notification will enforce for an item of category ``code`` formed on ``formed_on``."""
        category = self.catalogue.get(code)
        due = self.deadlines.publication(category, formed_on) if category and formed_on else None
        return due.on if due else None


class PublicReads:
    """The public read side's queries, and the catalogue and deadline rules its categories are described by."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], catalogue: Catalogue, deadlines: Deadlines
                 ) -> None:
        self._sessions = sessions
        self.catalogue = catalogue
        self.deadlines = deadlines

    async def category_counts(self) -> dict[str, int]:
        async with self._sessions() as session:
            return await repository.category_counts(session)

    async def catalogue_page(self, *, category: str | None, unit: str | None, year: int | None, limit: int,
                             offset: int) -> repository.Page:
        async with self._sessions() as session:
            return await repository.catalogue_page(session, category=category, unit=unit, year=year, limit=limit,
                                                   offset=offset)

    async def search_page(self, query: str, *, category: str | None, limit: int, offset: int) -> repository.Page:
        async with self._sessions() as session:
            return await repository.search_page(session, query, category=category, limit=limit, offset=offset)

    async def public_item(self, item_id: str) -> tuple[Item, list[Version]] | None:
        async with self._sessions() as session:
            return await repository.public_item(session, item_id)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
