"""What review's HTTP routes answer: one model per answer, so the OpenAPI document says what comes back."""

from __future__ import annotations

from datetime import datetime

from gongkai.shared.contracts import Finding, Risk, Span, WithholdingReason
from pydantic import BaseModel, Field

from .domain import State


class Context(BaseModel):
    before: str = Field(description="up to 30 characters before the finding")
    after: str = Field(description="up to 30 characters after it")


class FindingInContext(Finding):
    context: Context | None = None


class CaseSummary(BaseModel):
    """A case as the queue shows it (and as a decision leaves it)."""

    case_id: str
    item_id: str
    version: int
    state: State
    content_hash: str
    title: str
    excerpt: str = Field(description="the first 200 characters of the body")
    category: str
    unit: str | None
    submitted_by: str
    risk: Risk
    required_approvals: int
    approvals: list[str] = Field(description="the reviewers who approved so far")
    findings: list[FindingInContext]
    opened_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None
    legal_reason: WithholdingReason | None
    spans: list[Span]
    superseded_by: int | None
    authors: list[str] = Field(description="who created, wrote or submitted a version of the item: none of "
                               "them may decide the case")
    redaction_requested_by: str | None = Field(description="a redacted version: the reviewer who asked for "
                                               "it, who is not enough alone to approve it")


class CaseAttachment(BaseModel):
    name: str
    media_type: str
    size: int
    sha256: str
    text: str | None = None


class CaseDetail(CaseSummary):
    body: str
    summary: str | None
    attachments: list[CaseAttachment]


class Screening(BaseModel):
    risk: Risk
    blocked: bool
    required_approvals: int
    findings: list[Finding]
