"""Rebuild the store from nothing, from publishing's public read side (``GET /public/items`` and
``/public/items/{id}``, the public contract over HTTP).

Run it with the portal's queue declared (``rebuild`` does that first): events published while it runs wait in
the queue, and since the merge ends the same in any order, the store converges on what publishing shows. Paging
newest change first misses nothing: a change only moves an item to the front, so an item can be read twice
(harmless), never skipped.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import facts, repository

log = logging.getLogger("gongkai.portal")

PER_PAGE = 100


@dataclass(frozen=True)
class Rebuilt:
    removed: int  # items the store held before
    items: int
    withdrawn: int


class SourceError(RuntimeError):
    """The public read side did not answer as the contract says."""


async def rebuild(sessions: async_sessionmaker[AsyncSession], source: httpx.AsyncClient, *,
                  clear: bool = True) -> Rebuilt:
    """Empty the store (unless ``clear`` is false) and merge every public item ``source`` (a client whose base
    URL is publishing's) shows."""
    removed = 0
    if clear:
        async with sessions() as session, session.begin():
            removed = await repository.clear(session)
        log.info("portal store emptied for a rebuild", extra={"removed": removed})
    seen: set[str] = set()
    withdrawn = 0
    page = 1
    while True:
        listing = await _get(source, "/public/items", params={"page": page, "per_page": PER_PAGE})
        for entry in listing["items"]:
            if entry["item_id"] in seen:
                continue
            seen.add(entry["item_id"])
            try:
                item_page = await _get(source, f"/public/items/{entry['item_id']}")
            except LookupError:
                log.warning("listed item no longer public; skipped", extra={"item_id": entry["item_id"]})
                continue
            async with sessions() as session, session.begin():
                item = None
                for fact in facts.from_item_page(item_page):
                    item = await repository.merge(session, fact)
            withdrawn += bool(item is not None and not item.live)
        if page * PER_PAGE >= listing["total"] or not listing["items"]:
            break
        page += 1
    log.info("portal store rebuilt", extra={"items": len(seen), "withdrawn": withdrawn})
    return Rebuilt(removed=removed, items=len(seen), withdrawn=withdrawn)


async def _get(source: httpx.AsyncClient, path: str, params: dict[str, int] | None = None) -> dict[str, Any]:
    try:
        response = await source.get(path, params=params)
    except httpx.HTTPError as exc:
        raise SourceError(f"GET {path}: {exc}") from exc
    if response.status_code == 404 and path != "/public/items":
        raise LookupError(path)
    if response.status_code != 200:
        raise SourceError(f"GET {path} answered {response.status_code}: {response.text[:300]}")
    body: dict[str, Any] = response.json()
    return body
