"""Confidentiality review (保密审查): reviewers' commands and the review service's facts.

Publishing relies on: ``review.approved`` (publish exactly ``content_hash``), ``review.rejected``,
``review.blocked``, ``review.redaction_requested`` (make a redacted version) and ``review.withheld``
(record 不予公开). Every decision names the content hash it was made on and is signed by review;
publishing acts on none whose signature does not verify (``gongkai.shared.decisions``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ._base import MAX_BODY, ContentHash, Count, ItemId, Line, Moment, Payload, Text, VersionNo, is_content_hash
from .disclosure import WithholdingReason

Risk = Literal["blocked", "high", "medium", "low", "none"]
Severity = Literal["blocked", "high", "medium", "low"]

# ---- commands (gongkai.intake, routing key review.*) ------------------------------------------

DECIDE_REVIEW = "gongkai.review.decide.v1"


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"
    redact = "redact"        # request a version with these spans removed
    withhold = "withhold"    # 不予公开, with a legal reason


class Span(Payload):
    """Characters ``start``..``end`` (Python string offsets) of one field of the version."""

    field: str = Field(pattern=r"^(title|summary|body|attachments\[\d{1,3}\]\.text)$", examples=["body"])
    start: int = Field(ge=0, le=MAX_BODY)
    end: int = Field(ge=1, le=MAX_BODY)

    @model_validator(mode="after")
    def _ordered(self) -> Span:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class DecideReview(Payload):
    """A reviewer's decision on exactly the content with ``content_hash``."""

    case_id: Line = Field(min_length=1, max_length=64)
    decision: Decision
    content_hash: Line = Field(examples=["sha256:" + "0" * 64])
    reason: Text | None = Field(None, max_length=2000)
    spans: list[Span] = Field([], max_length=500, description="with redact: what to remove")
    legal_reason: WithholdingReason | None = Field(None, description="with withhold: the legal ground")

    _hash = field_validator("content_hash")(is_content_hash)

    @model_validator(mode="after")
    def _complete(self) -> DecideReview:
        if self.decision is Decision.redact and not self.spans:
            raise ValueError("a redaction names the spans to remove")
        if self.decision is Decision.withhold and self.legal_reason is None:
            raise ValueError("withholding needs a legal_reason")
        if self.legal_reason is WithholdingReason.other and not (self.reason or "").strip():
            raise ValueError("legal_reason 'other' needs the reason in words")
        return self


# ---- events (gongkai.events) ------------------------------------------------------------------

REVIEW_CASE_OPENED = "gongkai.review.case_opened.v1"
REVIEW_BLOCKED = "gongkai.review.blocked.v1"
REVIEW_APPROVAL_RECORDED = "gongkai.review.approval_recorded.v1"
REVIEW_APPROVED = "gongkai.review.approved.v1"
REVIEW_REJECTED = "gongkai.review.rejected.v1"
REVIEW_REDACTION_REQUESTED = "gongkai.review.redaction_requested.v1"
REVIEW_WITHHELD = "gongkai.review.withheld.v1"
REVIEW_CASE_VOIDED = "gongkai.review.case_voided.v1"


class Finding(Payload):
    detector: Line
    severity: Severity
    reason: Text
    field: Line
    start: Count
    end: Count
    text: Text


class ReviewCaseOpened(Payload):
    case_id: Line
    item_id: ItemId
    version: VersionNo
    content_hash: ContentHash
    findings: list[Finding] = Field(default_factory=list)
    risk: Risk = "none"
    required_approvals: Count = 1
    unit: Line | None = None
    category: Line | None = None
    submitted_by: Line | None = None


AUTOMATIC_REVIEWER = "service:review"
# The fewest approvals each risk needs, whatever a review policy says: publishing refuses fewer. A blocked
# version is never approved; only a version of risk none or low may be approved by the review service alone.
MIN_APPROVALS: dict[Risk, int] = {"none": 1, "low": 1, "medium": 1, "high": 2}
AUTOMATIC_RISKS = frozenset({"none", "low"})


class DecisionSignature(Payload):
    """Review's Ed25519 signature over the decision's statement (see ``gongkai.shared.decisions``)."""

    key: Line = Field(max_length=200, description="the signing key's name and id, <name>+<key id hex>",
                      examples=["gongkai-review+1a2b3c4d"])
    value: Line = Field(max_length=200, description="base64 of the 64-byte Ed25519 signature")


class SignedDecision(Payload):
    """What every decision of review states and signs: exactly what was decided, on what, by whom, when.

    ``reviewers`` are the approvers in the order they approved; ``reviewer`` the person (or
    ``service:review``) whose act closed or advanced the case. A consumer acts on a decision only when
    ``signature`` verifies with one of review's keys.
    """

    case_id: Line
    item_id: ItemId
    version: VersionNo
    content_hash: ContentHash
    reviewer: Line
    reviewers: list[Line] = Field(default_factory=list, max_length=50, description="the approvals so far, in order")
    risk: Risk | None = None
    required_approvals: Count | None = Field(None, description="approvals by different reviewers the risk needs")
    decided_at: Moment | None = None
    reason: Text | None = None
    unit: Line | None = None
    category: Line | None = None
    signature: DecisionSignature | None = None


class ReviewBlocked(SignedDecision):
    """Screening found something that is never published (a classification marking): closed at once."""

    findings: list[Finding]
    reason: Text
    reviewer: Line = AUTOMATIC_REVIEWER


class ReviewDecided(SignedDecision):
    """A decision that closes a case (approved / rejected), or one approval of two."""


class RedactionRequested(SignedDecision):
    spans: list[Span]
    reason: Text


class ReviewWithheld(SignedDecision):
    legal_reason: WithholdingReason


class CaseVoided(Payload):
    """An open case closed without a decision: a newer version of the item replaced it."""

    case_id: Line
    item_id: ItemId
    version: VersionNo
    superseded_by: Count
    content_hash: ContentHash | None = None
    reviewers: list[Line] = Field(default_factory=list, description="approvals voided with the case")
    unit: Line | None = None
    category: Line | None = None
