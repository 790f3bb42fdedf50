"""Rules for review cases, free of I/O: what a submission becomes, and who may decide what."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from gongkai.shared.contracts import AUTOMATIC_REVIEWER, DecideReview, Decision, DisclosureSubmitted, Finding, Span
from gongkai.shared.errors import Conflict, Forbidden, NotFound, Refused
from gongkai.shared.identity import Principal, Role

from . import screening
from .policy import Policy, Risk, risk_of

AUTO_REVIEWER = AUTOMATIC_REVIEWER


class State(StrEnum):
    open = "open"
    approved = "approved"
    rejected = "rejected"
    blocked = "blocked"
    redaction_requested = "redaction_requested"
    withheld = "withheld"
    voided = "voided"


class Outcome(StrEnum):
    """What a decision did to its case; each is one event."""

    approval_recorded = "approval_recorded"  # one approval of several: the case stays open
    approved = "approved"
    rejected = "rejected"
    redaction_requested = "redaction_requested"
    withheld = "withheld"


@dataclass(frozen=True)
class Approval:
    reviewer: str
    at: datetime

    def as_json(self) -> dict[str, str]:
        return {"reviewer": self.reviewer, "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, str]) -> Approval:
        return cls(reviewer=data["reviewer"], at=datetime.fromisoformat(data["at"]))


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
    summary: str | None = None
    attachments: tuple[dict[str, Any], ...] = ()
    risk: Risk = "none"
    required_approvals: int = 1
    approvals: tuple[Approval, ...] = ()
    legal_reason: str | None = None
    spans: tuple[Span, ...] = ()
    superseded_by: int | None = None
    authors: tuple[str, ...] = ()
    redaction_requested_by: str | None = None

    @property
    def reviewers(self) -> list[str]:
        return [a.reviewer for a in self.approvals]

    def may_not_decide(self, person: str) -> str | None:
        """Why ``person`` may not decide this case: they wrote or submitted the item (separation of duties)."""
        if person == self.submitted_by:
            return f"{person} submitted this item and cannot review it"
        if person in self.authors:
            return f"{person} wrote a version of this item and cannot review it"
        return None

    def complete_with(self, approvals: tuple[Approval, ...]) -> bool:
        """Enough different approvers, and not only the reviewer who asked for this redacted version."""
        approvers = {a.reviewer for a in approvals}
        return len(approvers) >= self.required_approvals and bool(approvers - {self.redaction_requested_by})

    def text_of(self, field: str) -> str | None:
        """The text of a field a span may point into (title, summary, body, attachments[i].text)."""
        if field == "title":
            return self.title
        if field == "body":
            return self.body
        if field == "summary":
            return self.summary
        match = re.fullmatch(r"attachments\[(\d+)\]\.text", field)
        if match and int(match.group(1)) < len(self.attachments):
            return self.attachments[int(match.group(1))].get("text")
        return None


def open_case(submitted: DisclosureSubmitted, findings: list[Finding], policy: Policy, *, case_id: str,
              now: datetime, newest_version: int | None = None, redaction_of: Case | None = None) -> Case:
    """A case for one submitted version. Fail closed: a blocking finding rejects it for good.

    A version older than one already under review is void at once; low risk in a category the policy
    names is approved without a reviewer. A redacted version (``redaction_of``: the case that asked for
    it) needs at least the approvals its original needed, one of them by someone other than the reviewer
    who asked, and is never approved automatically.
    """
    risk = risk_of(findings)
    required = 0 if policy.rejects(risk) else policy.approvals(risk)
    if redaction_of is not None and not policy.rejects(risk):
        required = max(required, redaction_of.required_approvals)
    case = Case(
        case_id=case_id, item_id=submitted.item_id, version=submitted.version,
        content_hash=submitted.content_hash, title=submitted.title, body=submitted.body,
        category=submitted.category, unit=submitted.unit, submitted_by=submitted.submitted_by,
        findings=tuple(findings), state=State.open, opened_at=now, summary=submitted.summary,
        attachments=tuple(a.model_dump(mode="json") for a in submitted.attachments), risk=risk,
        required_approvals=required, authors=tuple(dict.fromkeys([*submitted.authors, submitted.submitted_by])),
        redaction_requested_by=redaction_of.decided_by if redaction_of is not None else None)
    if policy.rejects(risk):
        return replace(case, state=State.blocked, decided_at=now, reason=screening.summary(findings))
    if newest_version is not None and newest_version > submitted.version:
        return void(case, newest_version, now)
    if redaction_of is None and policy.auto_approves(risk, submitted.category):
        return replace(case, state=State.approved, decided_by=AUTO_REVIEWER, decided_at=now,
                       approvals=(Approval(AUTO_REVIEWER, now),),
                       reason=f"低风险（{risk}），类别 {submitted.category} 按审查策略自动通过 / auto-approved")
    return case


def void(case: Case, superseded_by: int, now: datetime) -> Case:
    """An open case closed without a decision because a newer version replaced it (its approvals go too)."""
    return replace(case, state=State.voided, decided_at=now, superseded_by=superseded_by,
                   reason=f"version {superseded_by} replaced version {case.version}")


def decide(case: Case | None, command: DecideReview, principal: Principal,
           now: datetime) -> tuple[Case, Outcome]:
    """A reviewer's decision on exactly the content they saw, or the reason it is refused."""
    principal.require(Role.reviewer)
    if case is None:
        raise NotFound(f"no review case {command.case_id}")
    if case.state is not State.open:
        raise Conflict(f"case {case.case_id} is already {case.state.value}; only an open case can be decided")
    if command.content_hash != case.content_hash:
        raise Conflict(f"stale content hash: the decision is for {command.content_hash}, but the case holds "
                       f"{case.content_hash} (the content changed, or the hash was copied wrong)")
    if (duty := case.may_not_decide(principal.id)) is not None:
        raise Forbidden(duty)
    reason = command.reason.strip() if command.reason else None
    closed = replace(case, decided_by=principal.id, decided_at=now, reason=reason)
    if command.decision is Decision.approve:
        return _approve(case, principal, now, reason)
    if command.decision is Decision.reject:
        if not reason:
            raise Refused("a rejection needs a reason")
        return replace(closed, state=State.rejected), Outcome.rejected
    if command.decision is Decision.redact:
        spans = check_spans(case, command.spans)
        return replace(closed, state=State.redaction_requested, spans=spans,
                       reason=reason or "请删除所列内容后重新提交 / remove the marked text and submit again"
                       ), Outcome.redaction_requested
    assert command.legal_reason is not None  # the contract requires it with withhold
    return replace(closed, state=State.withheld, legal_reason=command.legal_reason.value), Outcome.withheld


def _approve(case: Case, principal: Principal, now: datetime, reason: str | None) -> tuple[Case, Outcome]:
    if principal.id in case.reviewers:
        raise Conflict(f"{principal.id} has already approved case {case.case_id}; risk {case.risk} needs "
                       f"{case.required_approvals} approvals by different reviewers")
    approvals = (*case.approvals, Approval(principal.id, now))
    if not case.complete_with(approvals):
        return replace(case, approvals=approvals), Outcome.approval_recorded
    return replace(case, approvals=approvals, state=State.approved, decided_by=principal.id, decided_at=now,
                   reason=reason), Outcome.approved


def check_spans(case: Case, spans: list[Span]) -> tuple[Span, ...]:
    """The spans to remove, each inside its field and none overlapping another; else 422, naming the span."""
    by_field: dict[str, list[Span]] = {}
    for span in spans:
        text = case.text_of(span.field)
        if text is None:
            raise Refused(f"span {span.field} {span.start}-{span.end}: the version has no field {span.field}")
        if span.end > len(text):
            raise Refused(f"span {span.field} {span.start}-{span.end} is outside the text "
                          f"({span.field} has {len(text)} characters)")
        by_field.setdefault(span.field, []).append(span)
    for field, group in by_field.items():
        group.sort(key=lambda s: s.start)
        for before, after in pairwise(group):
            if after.start < before.end:
                raise Refused(f"spans {field} {before.start}-{before.end} and {after.start}-{after.end} overlap")
    return tuple(spans)


def context(text: str, start: int, end: int, width: int = 30) -> dict[str, str]:
    """The text around a finding, for the reviewer's queue."""
    return {"before": text[max(0, start - width):start], "after": text[end:end + width]}
