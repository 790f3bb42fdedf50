"""What notification does with each event: open, meet or cancel an item's deadline."""

from __future__ import annotations

import uuid

from gongkai.shared.contracts import (
    DEADLINE_CANCELLED,
    DEADLINE_MET,
    DEADLINE_OPENED,
    REVIEW_BLOCKED,
    DeadlineClosed,
    DeadlineOpened,
    DisclosurePublished,
    DisclosureSubmitted,
    ReviewBlocked,
    ReviewDecided,
)
from gongkai.shared.envelope import Envelope
from gongkai.shared.service import Service, payload
from gongkai.shared.unit_of_work import UnitOfWork

from . import domain, repository
from .domain import PUBLISH, State


class Notification:
    def __init__(self, service: Service) -> None:
        self.service = service

    async def on_submitted(self, event: Envelope, uow: UnitOfWork) -> None:
        submitted = payload(DisclosureSubmitted, event.data)
        await repository.lock_item(uow.session, submitted.item_id)
        current = await repository.open_deadline(uow.session, submitted.item_id, PUBLISH)
        known = await repository.version_known(uow.session, submitted.item_id, submitted.version, PUBLISH)
        deadline = domain.on_submitted(
            current, known, deadline_id=str(uuid.uuid4()), item_id=submitted.item_id, version=submitted.version,
            rule=PUBLISH, at=event.time, days=self.service.settings.publish_deadline_days)
        if deadline is None:
            return
        await repository.add(uow.session, deadline)
        opened = DeadlineOpened(deadline_id=deadline.deadline_id, item_id=deadline.item_id, rule=deadline.rule,
                                opened_on=deadline.opened_on, due_on=deadline.due_on)
        uow.emit(self.service.event(DEADLINE_OPENED, opened, subject=deadline.item_id, cause=event))

    async def on_published(self, event: Envelope, uow: UnitOfWork) -> None:
        published = payload(DisclosurePublished, event.data)
        await self._close(event, uow, published.item_id, published.version, State.met, "published")

    async def on_stopped(self, event: Envelope, uow: UnitOfWork) -> None:
        """A rejection or a screening block: the version will not be published, so nothing is due."""
        stopped = payload(ReviewBlocked if event.type == REVIEW_BLOCKED else ReviewDecided, event.data)
        outcome = "blocked" if event.type == REVIEW_BLOCKED else "rejected"
        await self._close(event, uow, stopped.item_id, stopped.version, State.cancelled, outcome)

    async def _close(self, event: Envelope, uow: UnitOfWork, item_id: str, version: int, state: State,
                     outcome: str) -> None:
        await repository.lock_item(uow.session, item_id)
        current = await repository.open_deadline(uow.session, item_id, PUBLISH)
        closed = domain.on_outcome(current, version, state, event.time)
        if closed is None:
            # Events may arrive out of order: remember the outcome so a late submission opens nothing.
            await repository.remember_outcome(uow.session, item_id, version, outcome, event.time)
            return
        await repository.save_closure(uow.session, closed)
        assert closed.closed_at is not None and closed.late is not None
        data = DeadlineClosed(deadline_id=closed.deadline_id, item_id=closed.item_id, rule=closed.rule,
                              due_on=closed.due_on, closed_at=closed.closed_at, late=closed.late)
        kind = DEADLINE_MET if state is State.met else DEADLINE_CANCELLED
        uow.emit(self.service.event(kind, data, subject=closed.item_id, cause=event))

    async def deadlines(self, *, item_id: str | None, state: State | None, limit: int) -> list[domain.Deadline]:
        async with self.service.sessions() as session:
            return await repository.find(session, item_id=item_id, state=state, limit=limit)
