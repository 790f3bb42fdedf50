"""What publishing's handlers need of storage, as small protocols, and the unit of work that carries them.

``PublishingWork`` is a handler's whole view of its unit of work: the items, and ``emit``. The real one is
``PublishingUnitOfWork`` (one transaction, SQL through ``repository``); tests hand the handlers an in-memory one
(``services/publishing/tests/test_handler_rules.py``), so every rule runs without a database or a broker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope
from gongkai.shared.service import Service
from gongkai.shared.unit_of_work import UnitOfWork
from gongkai.shared.writes import Writes
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .domain import AWAITING_REVIEW, Item, Version


class ItemStore(Protocol):
    """Items and their versions. ``for_update`` locks the row until the unit of work ends (the item first)."""

    async def add_item(self, item: Item) -> None: ...

    async def save_item(self, item: Item, public: Version | None = None) -> None:
        """Store the item; with ``public``, the read side (title, search text) is that version's."""

    async def add_version(self, version: Version) -> None: ...

    async def save_version(self, version: Version) -> None: ...

    async def item(self, item_id: str, *, for_update: bool = False) -> Item | None: ...

    async def get(self, item_id: str, version: int, *, for_update: bool = False) -> Version | None: ...

    async def history(self, item_id: str, *, for_update: bool = False) -> list[Version]:
        """All versions of the item, oldest first."""

    async def awaiting_review(self, item_id: str) -> bool:
        """Whether a version of the item is submitted or in review."""

    async def due_for_release(self, now: datetime, limit: int) -> list[Version]:
        """Scheduled versions whose time has come, locked (another replica takes others)."""


class PublishingWork(Protocol):
    items: ItemStore

    def emit(self, event: Envelope, exchange: str = "events", routing_key: str | None = None,
             reply_to: str | None = None) -> None: ...


class SqlItems:
    """``ItemStore`` on one session: the items, versions and search index through ``repository``.

    An item locked by this unit of work (``item(…, for_update=True)``) is read with all its versions in one
    statement, and an item created here is known from the start; while the unit of work writes them through this
    store, their versions (``get``, ``history``, ``awaiting_review``) are answered from what it knows, without
    asking again. Its writes are held back in ``writes`` until the batch's end; before a statement of its own it
    sends them, so that every read sees them.
    """

    def __init__(self, session: AsyncSession, writes: Writes) -> None:
        self._session = session
        self._writes = writes
        self._items: dict[str, Item] = {}  # locked (or created) by this unit of work
        self._versions: dict[str, dict[int, Version]] = {}  # all the versions of those items, by number

    async def _db(self) -> AsyncSession:
        """The session, once the writes held back are sent."""
        await self._writes.flush(self._session)
        return self._session

    async def add_item(self, item: Item) -> None:
        repository.add_item(self._writes, item)
        self._items[item.item_id] = item
        self._versions[item.item_id] = {}

    async def save_item(self, item: Item, public: Version | None = None) -> None:
        repository.save_item(self._writes, item, public=public)
        if item.item_id in self._items:
            self._items[item.item_id] = item

    async def add_version(self, version: Version) -> None:
        repository.add_version(self._writes, version)
        if (known := self._versions.get(version.item_id)) is not None:
            known[version.version] = version

    async def save_version(self, version: Version) -> None:
        repository.save_version(self._writes, version)
        if (known := self._versions.get(version.item_id)) is not None:
            known[version.version] = version

    async def item(self, item_id: str, *, for_update: bool = False) -> Item | None:
        if item_id in self._items:
            return self._items[item_id]
        if not for_update:
            return await repository.item(await self._db(), item_id)
        found = await repository.item_with_history(await self._db(), item_id)
        if found is None:  # no version (or no item): the item alone
            return await repository.item(self._session, item_id, for_update=True)
        item, history = found
        self._items[item_id] = item
        self._versions[item_id] = {version.version: version for version in history}
        return item

    async def read_ahead(self, item_ids: set[str]) -> None:
        """Lock and read the items a batch's review outcomes are about, with their versions, in one statement."""
        if unknown := sorted(item_ids - self._items.keys()):
            for item_id, (item, history) in (await repository.items_with_history(await self._db(), unknown)).items():
                self._items[item_id] = item
                self._versions[item_id] = {version.version: version for version in history}

    async def get(self, item_id: str, version: int, *, for_update: bool = False) -> Version | None:
        if (known := self._versions.get(item_id)) is not None:
            return known.get(version)
        return await repository.get(await self._db(), item_id, version, for_update=for_update)

    async def history(self, item_id: str, *, for_update: bool = False) -> list[Version]:
        if (known := self._versions.get(item_id)) is not None:
            return [known[number] for number in sorted(known)]
        return await repository.history(await self._db(), item_id, for_update=for_update)

    async def awaiting_review(self, item_id: str) -> bool:
        if (known := self._versions.get(item_id)) is not None:
            return any(version.state in AWAITING_REVIEW for version in known.values())
        return await repository.awaiting_review(await self._db(), item_id)

    async def due_for_release(self, now: datetime, limit: int) -> list[Version]:
        return await repository.due_for_release(await self._db(), now, limit)


class PublishingUnitOfWork(UnitOfWork):
    """The runtime's unit of work with publishing's items on it."""

    items: ItemStore

    async def __aenter__(self) -> PublishingUnitOfWork:
        await super().__aenter__()
        self._items = SqlItems(self.session, self.writes)
        self.items = self._items
        return self

    async def prepare(self, messages: list[tuple[Envelope, Any]]) -> None:
        """The items of a batch's review outcomes, locked and read with their versions in one statement."""
        item_ids = {data.item_id for envelope, data in messages if envelope.type in REVIEW_OUTCOMES}
        if item_ids:
            await self._items.read_ahead(item_ids)


REVIEW_OUTCOMES = frozenset({c.REVIEW_CASE_OPENED, c.REVIEW_APPROVED, c.REVIEW_REJECTED, c.REVIEW_BLOCKED,
                             c.REVIEW_REDACTION_REQUESTED, c.REVIEW_WITHHELD})


def units_of(service: Service) -> Callable[[], PublishingUnitOfWork]:
    """``service.uow`` as the publishing unit of work it makes (``Service(unit_of_work=PublishingUnitOfWork)``)."""

    def unit() -> PublishingUnitOfWork:
        uow = service.uow()
        if not isinstance(uow, PublishingUnitOfWork):
            raise TypeError(f"service {service.name} makes {type(uow).__name__}, not PublishingUnitOfWork")
        return uow

    return unit
