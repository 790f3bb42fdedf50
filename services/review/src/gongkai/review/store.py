"""What review's handlers need of storage, as small protocols, and the unit of work that carries them.

``ReviewWork`` is a handler's whole view of its unit of work: the cases, and ``emit``. The real one is
``ReviewUnitOfWork`` (one transaction, SQL through ``repository``); tests hand the handlers an in-memory one
(``services/review/tests/test_handler_rules.py``), so every rule runs without a database or a broker.
"""

from __future__ import annotations

from typing import Protocol

from gongkai.shared.envelope import Envelope
from gongkai.shared.unit_of_work import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .domain import Case


class CaseStore(Protocol):
    async def lock_item(self, item_id: str) -> None:
        """Serialise the cases of one item until the unit of work ends."""

    async def newest_version(self, item_id: str) -> int | None: ...

    async def add(self, case: Case) -> bool:
        """Store a new case; False when this item version already has one."""

    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None: ...

    async def open_before(self, item_id: str, version: int) -> list[Case]:
        """Open cases of earlier versions of the item."""

    async def save(self, case: Case) -> None: ...


class ReviewWork(Protocol):
    cases: CaseStore

    def emit(self, event: Envelope, exchange: str = "events", routing_key: str | None = None,
             reply_to: str | None = None) -> None: ...


class SqlCases:
    """``CaseStore`` on one session: the cases table through ``repository``."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def lock_item(self, item_id: str) -> None:
        await repository.lock_item(self._session, item_id)

    async def newest_version(self, item_id: str) -> int | None:
        return await repository.newest_version(self._session, item_id)

    async def add(self, case: Case) -> bool:
        return await repository.add(self._session, case)

    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        return await repository.get(self._session, case_id, for_update=for_update)

    async def open_before(self, item_id: str, version: int) -> list[Case]:
        return await repository.open_before(self._session, item_id, version)

    async def save(self, case: Case) -> None:
        await repository.save(self._session, case)


class ReviewUnitOfWork(UnitOfWork):
    """The runtime's unit of work with review's cases on it."""

    cases: CaseStore

    async def __aenter__(self) -> ReviewUnitOfWork:
        await super().__aenter__()
        self.cases = SqlCases(self.session)
        return self
