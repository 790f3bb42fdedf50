"""What review's handlers need of storage, as small protocols, and the unit of work that carries them.

``ReviewWork`` is a handler's whole view of its unit of work: the cases, and ``emit``. The real one is
``ReviewUnitOfWork`` (one transaction, SQL through ``repository``); tests hand the handlers an in-memory one
(``services/review/tests/test_handler_rules.py``), so every rule runs without a database or a broker.
"""

from __future__ import annotations

from typing import Any, Protocol

from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope
from gongkai.shared.unit_of_work import UnitOfWork
from gongkai.shared.writes import Writes
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .domain import Case, State


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
    """``CaseStore`` on one session: the cases table through ``repository``.

    The cases of an item locked with ``lock_item`` are read once, all of them and locked (``newest_version``),
    and kept while the unit of work writes them: ``open_before`` answers from them, and so does ``add`` whether the
    version has a case already. Its writes are held back in ``writes`` until the batch's end; before a statement
    of its own it sends them, so that every read sees them.
    """

    def __init__(self, session: AsyncSession, writes: Writes) -> None:
        self._session = session
        self._writes = writes
        self._held: set[str] = set()  # items whose advisory lock this transaction holds
        self._complete: set[str] = set()  # items whose cases were all read while their lock was held
        self._of_item: dict[str, dict[int, Case]] = {}  # item id -> its cases by version, as this unit knows them
        self._locked: dict[str, Case] = {}  # cases read locked for a batch of decisions (``read_cases``), by id

    async def _db(self) -> AsyncSession:
        """The session, once the writes held back are sent."""
        await self._writes.flush(self._session)
        return self._session

    async def lock_item(self, item_id: str) -> None:
        if item_id not in self._held:
            await repository.lock_item(self._session, item_id)
            self._held.add(item_id)

    async def read_ahead(self, item_ids: set[str]) -> None:
        """The locks a batch's submissions will ask for, in one statement; then their items' cases, in one."""
        if wanted := item_ids - self._held:
            await repository.lock_items(self._session, sorted(wanted))
            self._held |= wanted
        if unknown := sorted(item_ids - self._of_item.keys()):
            for item_id in unknown:
                self._of_item[item_id] = {}
            for case in await repository.of_items(await self._db(), unknown):
                self._of_item[case.item_id][case.version] = case
            self._complete.update(unknown)

    async def read_cases(self, case_ids: set[str]) -> None:
        """The cases a batch's decisions are about, locked, in one statement."""
        if unknown := sorted(case_ids - self._locked.keys()):
            for case in await repository.by_ids(await self._db(), unknown):
                self._locked[case.case_id] = case

    async def _cases_of(self, item_id: str) -> dict[int, Case]:
        known = self._of_item.get(item_id)
        if known is None:
            cases = await repository.of_item(await self._db(), item_id)
            known = self._of_item[item_id] = {case.version: case for case in cases}
            if item_id in self._held:
                self._complete.add(item_id)
        return known

    async def newest_version(self, item_id: str) -> int | None:
        return max(await self._cases_of(item_id), default=None)

    async def add(self, case: Case) -> bool:
        if case.item_id in self._complete:  # under the item's lock every case of it is known: no conflict to ask
            known = self._of_item[case.item_id]
            if case.version in known:
                return False
            repository.add_held(self._writes, case)
            known[case.version] = case
            return True
        added = await repository.add(await self._db(), case)
        if added and case.item_id in self._of_item:
            self._of_item[case.item_id][case.version] = case
        return added

    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        if case_id in self._locked:
            return self._locked[case_id]
        return await repository.get(await self._db(), case_id, for_update=for_update)

    async def open_before(self, item_id: str, version: int) -> list[Case]:
        return [case for number, case in sorted((await self._cases_of(item_id)).items())
                if number < version and case.state is State.open]

    async def save(self, case: Case) -> None:
        repository.save(self._writes, case)
        known = self._of_item.get(case.item_id)
        if known is not None:
            known[case.version] = case
        if case.case_id in self._locked:
            self._locked[case.case_id] = case


class ReviewUnitOfWork(UnitOfWork):
    """The runtime's unit of work with review's cases on it."""

    cases: CaseStore

    async def __aenter__(self) -> ReviewUnitOfWork:
        await super().__aenter__()
        self._cases = SqlCases(self.session, self.writes)
        self.cases = self._cases
        return self

    async def prepare(self, messages: list[tuple[Envelope, Any]]) -> None:
        """For a batch: the item locks and cases of its submissions, and the cases of its decisions, each in one
        statement instead of one a message."""
        items = {data.item_id for envelope, data in messages if envelope.type in SUBMISSIONS}
        if items:
            await self._cases.read_ahead(items)
        decided = {data.case_id for envelope, data in messages if envelope.type == c.DECIDE_REVIEW}
        if decided:
            await self._cases.read_cases(decided)


SUBMISSIONS = frozenset({c.DISCLOSURE_SUBMITTED, c.REQUESTS_REPLY_SUBMITTED})
