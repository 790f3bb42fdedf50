"""What review does with each event and command. HTTP and AMQP intake reach the same ``decide``."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from gongkai.shared.contracts import (
    REVIEW_APPROVED,
    REVIEW_BLOCKED,
    REVIEW_CASE_OPENED,
    REVIEW_REJECTED,
    DecideReview,
    DisclosureSubmitted,
    ReviewBlocked,
    ReviewCaseOpened,
    ReviewDecided,
)
from gongkai.shared.envelope import Envelope
from gongkai.shared.identity import Principal, Role
from gongkai.shared.service import Service, payload
from gongkai.shared.unit_of_work import UnitOfWork

from . import domain, repository, screening

log = logging.getLogger("gongkai.review")

EXCERPT = 200


class Review:
    def __init__(self, service: Service) -> None:
        self.service = service

    async def on_submitted(self, event: Envelope, uow: UnitOfWork) -> None:
        submitted = DisclosureSubmitted.model_validate(event.data)
        findings = screening.screen(submitted.title, submitted.body)
        case = domain.open_case(submitted, findings, case_id=str(uuid.uuid4()), now=datetime.now(UTC))
        if not await repository.add(uow.session, case):
            log.info("item version already has a case", extra={"item_id": case.item_id, "version": case.version})
            return
        if case.state is domain.State.blocked:
            assert case.reason is not None
            blocked = ReviewBlocked(case_id=case.case_id, item_id=case.item_id, version=case.version,
                                    content_hash=case.content_hash, findings=list(findings), reason=case.reason)
            uow.emit(self.service.event(REVIEW_BLOCKED, blocked, subject=case.item_id, cause=event))
        else:
            opened = ReviewCaseOpened(case_id=case.case_id, item_id=case.item_id, version=case.version,
                                      content_hash=case.content_hash, findings=list(findings))
            uow.emit(self.service.event(REVIEW_CASE_OPENED, opened, subject=case.item_id, cause=event))

    async def decide(self, command: Envelope, principal: Principal, uow: UnitOfWork) -> dict[str, Any]:
        principal.require(Role.reviewer)
        cmd = payload(DecideReview, command.data)
        # The row lock makes racing reviewers take turns: the second one finds the case decided (409).
        current = await repository.get(uow.session, cmd.case_id, for_update=True)
        case = domain.decide(current, cmd, principal, datetime.now(UTC))
        await repository.save_decision(uow.session, case)
        decided = ReviewDecided(case_id=case.case_id, item_id=case.item_id, version=case.version,
                                content_hash=case.content_hash, reviewer=principal.id, reason=case.reason)
        kind = REVIEW_APPROVED if case.state is domain.State.approved else REVIEW_REJECTED
        uow.emit(command.caused(kind, decided, source=self.service.source, actor=principal.id,
                                actorunit=principal.unit, subject=case.item_id))
        return summary(case)

    async def cases(self, *, state: domain.State | None, item_id: str | None, limit: int) -> list[domain.Case]:
        async with self.service.sessions() as session:
            return await repository.find(session, state=state, item_id=item_id, limit=limit)

    async def case(self, case_id: str) -> domain.Case | None:
        async with self.service.sessions() as session:
            return await repository.get(session, case_id)


def summary(case: domain.Case) -> dict[str, Any]:
    """A case as JSON values (it is also stored as the answer replayed to a retried request)."""
    return {
        "case_id": case.case_id, "item_id": case.item_id, "version": case.version, "state": case.state.value,
        "content_hash": case.content_hash, "title": case.title, "excerpt": case.body[:EXCERPT],
        "category": case.category, "unit": case.unit, "submitted_by": case.submitted_by,
        "findings": [f.model_dump(mode="json") for f in case.findings],
        "opened_at": case.opened_at.isoformat(),
        "decided_by": case.decided_by, "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "reason": case.reason,
    }
