"""What notification's handlers need of storage, as small protocols, and the unit of work that carries them.

``NotificationWork`` is a handler's whole view of its unit of work: the deadlines (with the calendar years and
the order-independence records), the requests, the deliveries, and ``emit``. The real one is
``NotificationUnitOfWork`` (one transaction, SQL through ``repository``); tests hand the handlers an in-memory
one (``services/notification/tests/test_handler_rules.py``), so the deadline rules run without a database or a
broker.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime
from typing import Any, Protocol, TypeAlias

from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope
from gongkai.shared.unit_of_work import UnitOfWork
from gongkai.shared.writes import Writes
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .domain import LIVE, Deadline


class DeadlineStore(Protocol):
    async def lock(self, key: str) -> None:
        """Serialise the events of one item (or case, request, the calendar) until the unit of work ends."""

    async def live_deadline(self, subject: str, rule: str) -> Deadline | None:
        """The open or paused deadline of ``subject`` and ``rule`` (locked), if any."""

    async def live_of_category(self, rule: str, category: str) -> list[Deadline]:
        """Live deadlines of ``rule`` (the annual ones) that a publication in ``category`` meets."""

    async def ever_opened(self, subject: str, rule: str) -> bool: ...

    async def early_outcome(self, item_id: str, version: int) -> tuple[str, datetime] | None:
        """The outcome that came before its deadline was opened, and when."""

    async def remember_outcome(self, item_id: str, version: int, outcome: str, at: datetime) -> None:
        """An outcome that came before its deadline (events out of order): a late opening opens nothing."""

    async def add(self, deadline: Deadline) -> bool:
        """Insert; False when it exists already (a replica opened it first)."""

    async def save(self, deadline: Deadline) -> None: ...

    async def live_touching(self, year: int) -> list[Deadline]:
        """Live deadlines whose span reaches into ``year`` (or that are provisional), locked."""

    async def due_for_check(self, today: date, limit: int) -> list[Deadline]:
        """Open deadlines with a reminder due by ``today``, locked; those another replica holds are skipped."""

    async def sent_reminders(self, deadline_ids: list[str]) -> dict[tuple[str, date], set[str]]: ...

    async def record_reminders(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        """Claim reminders: the (deadline_id, key) pairs that were not claimed before."""

    async def set_next_checks(self, days: list[tuple[str, date | None]]) -> None: ...

    async def calendar_data(self) -> list[dict[str, Any]]:
        """The calendar years loaded into the service, as stored."""

    async def store_year(self, year: int, data: dict[str, Any], reference: str, by: str) -> bool:
        """Store or replace a year; True when it replaced earlier data."""

    async def claim_year_alert(self, year: int) -> bool:
        """True the first time a missing ``year`` is alerted (until the year is loaded)."""


class RequestStore(Protocol):
    async def add(self, **values: Any) -> bool:
        """Register a request; False when it is registered already."""

    async def get(self, request_id: str) -> dict[str, Any] | None: ...

    async def update(self, request_id: str, **values: Any) -> None: ...


class DeliveryStore(Protocol):
    async def add(self, rows: list[dict[str, Any]]) -> None:
        """One row per (event, channel, recipient); a row that exists already is left alone."""

    async def claim(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Pending deliveries due by ``now``, locked; another replica skips them."""

    async def mark(self, delivery_id: str, **values: Any) -> None: ...


class NotificationWork(Protocol):
    deadlines: DeadlineStore
    requests: RequestStore
    deliveries: DeliveryStore

    def emit(self, event: Envelope, exchange: str = "events", routing_key: str | None = None,
             reply_to: str | None = None) -> None: ...

    async def claim(self, key: str, consumer: str) -> bool: ...

    async def commit(self) -> None: ...


# What the background loops (monitor, sender, parking alert) start a unit of work with: ``service.uow``.
Works: TypeAlias = Callable[[], AbstractAsyncContextManager[NotificationWork]]


class SqlDeadlines:
    """``DeadlineStore`` on one session: deadlines, reminders, calendar years through ``repository``.

    Its deadline writes and early outcomes are held back in ``writes`` until the batch's end; before a statement of
    its own it sends them, so that every read sees them. A deadline of a subject read ahead is added from what is
    known of the subject (under its lock) without asking the database whether it exists.
    """

    def __init__(self, session: AsyncSession, writes: Writes) -> None:
        self._session = session
        self._writes = writes
        self._calendar_data: list[dict[str, Any]] | None = None
        self._held: set[str] = set()  # advisory locks this transaction holds already
        # Subjects whose deadlines and early outcomes were read ahead for a batch (``read_ahead``), as this unit of
        # work knows them while it writes them here: the handlers' reads of those subjects ask nothing more.
        self._known: dict[str, dict[str, Deadline]] = {}  # subject -> its deadlines by id
        self._early: dict[str, dict[int, tuple[str, datetime]]] = {}  # item (or case) -> version -> outcome

    async def _db(self) -> AsyncSession:
        """The session, once the writes held back are sent."""
        await self._writes.flush(self._session)
        return self._session

    async def lock(self, key: str) -> None:
        if key not in self._held:
            await repository.lock(self._session, key)
            self._held.add(key)

    async def read_ahead(self, subjects: set[str]) -> None:
        """Before a batch's events of these subjects: their locks in one statement, then all their deadlines
        (locked) and early outcomes in one statement each, instead of a few statements an event. Only what holds
        a subject's lock writes its deadlines and outcomes, so what is read stays true while this unit of work
        keeps it up to date with its own writes."""
        if wanted := subjects - self._held:
            await repository.lock_all(self._session, sorted(wanted))
            self._held |= wanted
        unknown = sorted(subject for subject in subjects if subject not in self._known)
        if not unknown:
            return
        for subject in unknown:
            self._known[subject], self._early[subject] = {}, {}
        for deadline in await repository.of_subjects(await self._db(), unknown):
            self._known[deadline.subject][deadline.deadline_id] = deadline
        for item_id, version, outcome, at in await repository.early_outcomes_of(await self._db(), unknown):
            self._early[item_id][version] = (outcome, at)

    async def live_deadline(self, subject: str, rule: str) -> Deadline | None:
        if (known := self._known.get(subject)) is not None:
            return next((d for _, d in sorted(known.items()) if d.rule == rule and d.state in LIVE), None)
        return await repository.live_deadline(await self._db(), subject, rule)

    async def live_of_category(self, rule: str, category: str) -> list[Deadline]:
        return await repository.live_of_category(await self._db(), rule, category)

    async def ever_opened(self, subject: str, rule: str) -> bool:
        if (known := self._known.get(subject)) is not None:
            return any(d.rule == rule for d in known.values())
        return await repository.ever_opened(await self._db(), subject, rule)

    async def early_outcome(self, item_id: str, version: int) -> tuple[str, datetime] | None:
        if (early := self._early.get(item_id)) is not None:
            return early.get(version)
        return await repository.early_outcome(await self._db(), item_id, version)

    async def remember_outcome(self, item_id: str, version: int, outcome: str, at: datetime) -> None:
        repository.remember_outcome(self._writes, item_id, version, outcome, at)
        if (early := self._early.get(item_id)) is not None:
            early.setdefault(version, (outcome, at))  # the first outcome stays, as in the table

    async def add(self, deadline: Deadline) -> bool:
        if (known := self._known.get(deadline.subject)) is not None:
            # Every deadline of the subject is known (read under its lock): the same id, or a live one of the rule
            # while this one is live, is what the table's keys would refuse.
            if deadline.deadline_id in known or (deadline.state in LIVE and any(
                    d.rule == deadline.rule and d.state in LIVE for d in known.values())):
                return False
            repository.add_held(self._writes, deadline)
            known[deadline.deadline_id] = deadline
            return True
        added = await repository.add(await self._db(), deadline)
        if added and (known := self._known.get(deadline.subject)) is not None:
            known[deadline.deadline_id] = deadline
        return added

    async def save(self, deadline: Deadline) -> None:
        repository.save(self._writes, deadline)
        if (known := self._known.get(deadline.subject)) is not None:
            known[deadline.deadline_id] = deadline

    async def live_touching(self, year: int) -> list[Deadline]:
        return await repository.live_touching(await self._db(), year)

    async def due_for_check(self, today: date, limit: int) -> list[Deadline]:
        return await repository.due_for_check(await self._db(), today, limit)

    async def sent_reminders(self, deadline_ids: list[str]) -> dict[tuple[str, date], set[str]]:
        return await repository.sent_reminders(await self._db(), deadline_ids)

    async def record_reminders(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return await repository.record_reminders(await self._db(), rows)

    async def set_next_checks(self, days: list[tuple[str, date | None]]) -> None:
        await repository.set_next_checks(await self._db(), days)
        self._known.clear()  # written past ``save``: what was read ahead is read again when asked

    async def calendar_data(self) -> list[dict[str, Any]]:
        """The loaded years, read once a transaction (a batch opens many deadlines with the same calendar)."""
        if self._calendar_data is None:
            self._calendar_data = await repository.calendar_data(await self._db())
        return self._calendar_data

    async def store_year(self, year: int, data: dict[str, Any], reference: str, by: str) -> bool:
        self._calendar_data = None
        return await repository.store_year(await self._db(), year, data, reference, by)

    async def claim_year_alert(self, year: int) -> bool:
        return await repository.claim_year_alert(await self._db(), year)


class SqlRequests:
    """``RequestStore`` on one session; it sends the writes held back before each statement of its own."""

    def __init__(self, session: AsyncSession, writes: Writes) -> None:
        self._session = session
        self._writes = writes

    async def _db(self) -> AsyncSession:
        await self._writes.flush(self._session)
        return self._session

    async def add(self, **values: Any) -> bool:
        return await repository.add_request(await self._db(), **values)

    async def get(self, request_id: str) -> dict[str, Any] | None:
        return await repository.request(await self._db(), request_id)

    async def update(self, request_id: str, **values: Any) -> None:
        await repository.update_request(await self._db(), request_id, **values)


class SqlDeliveries:
    """``DeliveryStore`` on one session: the deliveries of a batch's events are held back and written together."""

    def __init__(self, session: AsyncSession, writes: Writes) -> None:
        self._session = session
        self._writes = writes

    async def _db(self) -> AsyncSession:
        await self._writes.flush(self._session)
        return self._session

    async def add(self, rows: list[dict[str, Any]]) -> None:
        repository.add_deliveries(self._writes, rows)

    async def claim(self, now: datetime, limit: int) -> list[dict[str, Any]]:
        return await repository.claim_deliveries(await self._db(), now, limit)

    async def mark(self, delivery_id: str, **values: Any) -> None:
        await repository.mark_delivery(await self._db(), delivery_id, **values)


def lock_key(message_type: str, data: object) -> str | None:
    """The key a deadline handler serialises an event of ``message_type`` by (``Notification``'s handlers): the
    case of a review fact, the item of a disclosure fact; None for the others (their handlers lock alone)."""
    if message_type in CASE_FACTS:
        return getattr(data, "case_id", None)
    if message_type in ITEM_FACTS:
        return getattr(data, "item_id", None)
    return None


ITEM_FACTS = frozenset({c.DISCLOSURE_SUBMITTED, c.DISCLOSURE_INFORMATION_CHANGED, c.DISCLOSURE_PUBLISHED,
                        c.DISCLOSURE_WITHHELD, c.DISCLOSURE_WITHDRAWN})
CASE_FACTS = frozenset({c.REVIEW_CASE_OPENED, c.REVIEW_APPROVED, c.REVIEW_REJECTED, c.REVIEW_BLOCKED,
                        c.REVIEW_REDACTION_REQUESTED, c.REVIEW_WITHHELD, c.REVIEW_CASE_VOIDED})


class NotificationUnitOfWork(UnitOfWork):
    """The runtime's unit of work with notification's deadlines, requests and deliveries on it."""

    deadlines: DeadlineStore
    requests: RequestStore
    deliveries: DeliveryStore

    async def __aenter__(self) -> NotificationUnitOfWork:
        await super().__aenter__()
        self._deadlines = SqlDeadlines(self.session, self.writes)
        self.deadlines = self._deadlines
        self.requests = SqlRequests(self.session, self.writes)
        self.deliveries = SqlDeliveries(self.session, self.writes)
        return self

    async def prepare(self, messages: list[tuple[Envelope, Any]]) -> None:
        """The locks, deadlines and early outcomes of a batch's items and cases, read once for the batch."""
        keys = {key for envelope, data in messages if (key := lock_key(envelope.type, data)) is not None}
        if keys:
            await self._deadlines.read_ahead(keys)
