"""Rules for review cases, free of I/O: what a submission becomes, and who may decide what."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gongkai.shared.contracts import DecideReview, Decision, DisclosureSubmitted, Finding
from gongkai.shared.errors import Conflict, Forbidden, NotFound, Refused
from gongkai.shared.identity import Principal, Role

from . import screening


class State(StrEnum):
    open = "open"
    approved = "approved"
    rejected = "rejected"
    blocked = "blocked"


@dataclass(frozen=True)
class Case:
    case_id: str
    item_id: str
    version: int
    content_hash: str
    title: str
    body: str
    category: str
    unit: str | None
    submitted_by: str
    findings: tuple[Finding, ...]
    state: State
    opened_at: datetime
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None


def open_case(submitted: DisclosureSubmitted, findings: list[Finding], *, case_id: str, now: datetime) -> Case:
    """A case for one submitted version; fail closed: any blocking finding blocks it for good."""
    blocked = any(f.severity == "blocked" for f in findings)
    return Case(
        case_id=case_id, item_id=submitted.item_id, version=submitted.version,
        content_hash=submitted.content_hash, title=submitted.title, body=submitted.body,
        category=submitted.category, unit=submitted.unit, submitted_by=submitted.submitted_by,
        findings=tuple(findings), state=State.blocked if blocked else State.open, opened_at=now,
        decided_at=now if blocked else None, reason=screening.summary(findings) if blocked else None,
    )


def decide(case: Case | None, command: DecideReview, principal: Principal, now: datetime) -> Case:
    """A reviewer's decision on exactly the content they saw, or the reason it is refused."""
    principal.require(Role.reviewer)
    if case is None:
        raise NotFound(f"no review case {command.case_id}")
    if case.state is not State.open:
        raise Conflict(f"case {case.case_id} is already {case.state.value}; only an open case can be decided")
    if command.content_hash != case.content_hash:
        raise Conflict(f"stale content hash: the decision is for {command.content_hash}, but the case holds "
                       f"{case.content_hash} (the content changed, or the hash was copied wrong)")
    if principal.id == case.submitted_by:
        raise Forbidden(f"{principal.id} submitted this item and cannot review it")
    reason = command.reason.strip() if command.reason else None
    if command.decision is Decision.reject and not reason:
        raise Refused("a rejection needs a reason")
    state = State.approved if command.decision is Decision.approve else State.rejected
    return replace(case, state=state, decided_by=principal.id, decided_at=now, reason=reason)
