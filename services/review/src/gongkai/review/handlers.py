"""What review does with each event and command. HTTP and AMQP intake reach the same ``decide``."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

from gongkai.shared import decisions
from gongkai.shared.contracts import (
    REVIEW_APPROVAL_RECORDED,
    REVIEW_APPROVED,
    REVIEW_BLOCKED,
    REVIEW_CASE_OPENED,
    REVIEW_CASE_VOIDED,
    REVIEW_REDACTION_REQUESTED,
    REVIEW_REJECTED,
    REVIEW_WITHHELD,
    CaseVoided,
    DecideReview,
    DisclosureSubmitted,
    RedactionRequested,
    ReviewBlocked,
    ReviewCaseOpened,
    ReviewDecided,
    ReviewWithheld,
    SignedDecision,
)
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Refused
from gongkai.shared.identity import Principal, Role
from gongkai.shared.keys import Signer
from gongkai.shared.origin import Origin
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import domain, repository
from .domain import AUTO_REVIEWER, Outcome, State
from .screening import Screener
from .store import ReviewWork

log = logging.getLogger("gongkai.review")

EXCERPT = 200
EVENT_OF = {Outcome.approval_recorded: REVIEW_APPROVAL_RECORDED, Outcome.approved: REVIEW_APPROVED,
            Outcome.rejected: REVIEW_REJECTED, Outcome.redaction_requested: REVIEW_REDACTION_REQUESTED,
            Outcome.withheld: REVIEW_WITHHELD}


class Review:
    """The service's handlers: they need an origin for their events, the screener and the signing key."""

    def __init__(self, origin: Origin, screener: Screener, signer: Signer) -> None:
        self.origin = origin
        self.screener = screener
        self.signer = signer

    async def on_submitted(self, submitted: DisclosureSubmitted, event: Envelope, uow: ReviewWork) -> None:
        findings = self.screener.screen(submitted.title, submitted.body, submitted.summary, submitted.attachments)
        now = datetime.now(UTC)
        await uow.cases.lock_item(submitted.item_id)
        newest = await uow.cases.newest_version(submitted.item_id)
        case = domain.open_case(submitted, findings, self.screener.policy, case_id=str(uuid.uuid4()), now=now,
                                newest_version=newest, redaction_of=await self._redaction_of(uow, submitted))
        if not await uow.cases.add(case):
            log.info("item version already has a case", extra={"item_id": case.item_id, "version": case.version})
            return
        for earlier in await uow.cases.open_before(case.item_id, case.version):
            voided = domain.void(earlier, case.version, now)
            await uow.cases.save(voided)
            self._emit(uow, REVIEW_CASE_VOIDED, _voided(voided), voided, event)
        if case.state is State.blocked:
            assert case.reason is not None
            blocked = ReviewBlocked(**_common(case, AUTO_REVIEWER, now), findings=list(findings), reason=case.reason)
            self._emit(uow, REVIEW_BLOCKED, self._signed(REVIEW_BLOCKED, blocked), case, event)
            return
        if case.state is State.voided:
            self._emit(uow, REVIEW_CASE_VOIDED, _voided(case), case, event)
            return
        self._emit(uow, REVIEW_CASE_OPENED, ReviewCaseOpened(
            case_id=case.case_id, item_id=case.item_id, version=case.version, content_hash=case.content_hash,
            findings=list(findings), risk=case.risk, required_approvals=case.required_approvals,
            unit=case.unit, category=case.category, submitted_by=case.submitted_by), case, event)
        if case.state is State.approved:  # auto-approved by the policy
            approved = ReviewDecided(**_common(case, AUTO_REVIEWER, now), reason=case.reason)
            self._emit(uow, REVIEW_APPROVED, self._signed(REVIEW_APPROVED, approved), case, event)

    async def _redaction_of(self, uow: ReviewWork, submitted: DisclosureSubmitted) -> domain.Case | None:
        """The case that asked for this redacted version, when it is one (its rules carry over)."""
        if submitted.redaction_of_case is None:
            return None
        case = await uow.cases.get(submitted.redaction_of_case)
        if case is None or case.item_id != submitted.item_id or case.state is not State.redaction_requested:
            log.warning("redacted version names a case that did not ask for it",
                        extra={"item_id": submitted.item_id, "case_id": submitted.redaction_of_case})
            return None
        return case

    def _emit(self, uow: ReviewWork, kind: str, data: BaseModel, case: domain.Case, cause: Envelope) -> None:
        uow.emit(self.origin.event(kind, data, subject=case.item_id, cause=cause))

    def _signed(self, kind: str, decision: SignedDecision) -> SignedDecision:
        return decisions.sign(kind, decision, self.signer)

    async def decide(self, cmd: DecideReview, command: Envelope, principal: Principal, uow: ReviewWork
                     ) -> dict[str, Any]:
        principal.require(Role.reviewer)
        # The row lock makes racing reviewers take turns: the second one finds the case changed.
        current = await uow.cases.get(cmd.case_id, for_update=True)
        now = datetime.now(UTC)
        try:
            case, outcome = domain.decide(current, cmd, principal, now)
        except Refused as refused:
            refused.subject = current.item_id if current else None  # its record names the item, not the case
            raise
        await uow.cases.save(case)
        kind = EVENT_OF[outcome]
        data = self._signed(kind, _decision_event(case, outcome, principal.id, now))
        uow.emit(command.caused(kind, data, source=self.origin.source, actor=principal.id,
                                actorunit=principal.unit, subject=case.item_id))
        return summary(case)



class Cases:
    """The reviewers' reads (queue, one case): sessions of their own, no unit of work."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def cases(self, *, state: State | None, item_id: str | None, limit: int) -> list[domain.Case]:
        async with self._sessions() as session:
            return await repository.find(session, state=state, item_id=item_id, limit=limit)

    async def case(self, case_id: str) -> domain.Case | None:
        async with self._sessions() as session:
            return await repository.get(session, case_id)


def _common(case: domain.Case, reviewer: str, at: datetime) -> dict[str, Any]:
    """What every decision event states about its case (and review signs)."""
    return {"case_id": case.case_id, "item_id": case.item_id, "version": case.version,
            "content_hash": case.content_hash, "reviewer": reviewer, "reviewers": case.reviewers,
            "risk": case.risk, "required_approvals": case.required_approvals, "decided_at": case.decided_at or at,
            "unit": case.unit, "category": case.category}


def _decision_event(case: domain.Case, outcome: Outcome, reviewer: str, at: datetime) -> SignedDecision:
    common = _common(case, reviewer, at)
    if outcome is Outcome.redaction_requested:
        return RedactionRequested(**common, spans=list(case.spans), reason=case.reason or "")
    if outcome is Outcome.withheld:
        assert case.legal_reason is not None
        return ReviewWithheld(**common, legal_reason=case.legal_reason, reason=case.reason)
    return ReviewDecided(**common, reason=case.reason)


def _voided(case: domain.Case) -> CaseVoided:
    assert case.superseded_by is not None
    return CaseVoided(case_id=case.case_id, item_id=case.item_id, version=case.version,
                      superseded_by=case.superseded_by, content_hash=case.content_hash, reviewers=case.reviewers,
                      unit=case.unit, category=case.category)


def summary(case: domain.Case, *, with_context: bool = False) -> dict[str, Any]:
    """A case as JSON values (it is also stored as the answer replayed to a retried request)."""
    findings = []
    for finding in case.findings:
        item = finding.model_dump(mode="json")
        text = case.text_of(finding.field) if with_context else None
        if text is not None:
            item["context"] = domain.context(text, finding.start, finding.end)
        findings.append(item)
    return {
        "case_id": case.case_id, "item_id": case.item_id, "version": case.version, "state": case.state.value,
        "content_hash": case.content_hash, "title": case.title, "excerpt": case.body[:EXCERPT],
        "category": case.category, "unit": case.unit, "submitted_by": case.submitted_by,
        "risk": case.risk, "required_approvals": case.required_approvals, "approvals": case.reviewers,
        "findings": findings, "opened_at": case.opened_at.isoformat(),
        "decided_by": case.decided_by, "decided_at": case.decided_at.isoformat() if case.decided_at else None,
        "reason": case.reason, "legal_reason": case.legal_reason,
        "spans": [s.model_dump(mode="json") for s in case.spans], "superseded_by": case.superseded_by,
        "authors": list(case.authors), "redaction_requested_by": case.redaction_requested_by,
    }
