"""Payloads of Gongkai's events and commands, versioned in their CloudEvents ``type``.

Events are facts, named in the past tense; commands (on the intake exchange) are imperative.
Consumers ignore fields they do not know, so adding an optional field is not a new version.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

CONTENT_HASH = re.compile(r"sha256:[0-9a-f]{64}")
MAX_TITLE = 500
MAX_BODY = 1_000_000


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Audience(StrEnum):
    public = "public"
    internal = "internal"


class Channel(StrEnum):
    """The plan's forms of disclosure (四(一) 1–5)."""

    portal = "portal"                    # 门户网站
    bulletin = "bulletin"                # 公开栏、公告栏、电子屏幕
    media = "media"                      # 广播、电视、报刊
    press_conference = "press-conference"  # 新闻发布会、通气会
    other = "other"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty or only whitespace")
    return value


# ---- commands (gongkai.intake) -------------------------------------------------------------

SUBMIT_DISCLOSURE = "gongkai.disclosure.submit.v1"
DECIDE_REVIEW = "gongkai.review.decide.v1"


class SubmitDisclosure(Payload):
    """Staff submit a disclosure item; it is stored as version 1 and sent to review."""

    title: str = Field(min_length=1, max_length=MAX_TITLE, examples=["2026年度道路运输行政许可事项目录"])
    body: str = Field(min_length=1, max_length=MAX_BODY)
    category: str = Field(min_length=1, max_length=32, examples=["S05"])
    audience: Audience = Audience.public
    channels: list[Channel] | None = Field(None, max_length=5, description="defaults to the category's")

    _title_not_blank = field_validator("title", "body")(_not_blank)


class Decision(StrEnum):
    approve = "approve"
    reject = "reject"


class DecideReview(Payload):
    """A reviewer approves or rejects exactly the content with ``content_hash``."""

    case_id: str = Field(min_length=1, max_length=64)
    decision: Decision
    content_hash: str = Field(examples=["sha256:" + "0" * 64])
    reason: str | None = Field(None, max_length=2000)

    @field_validator("content_hash")
    @classmethod
    def _is_a_content_hash(cls, value: str) -> str:
        if not CONTENT_HASH.fullmatch(value):
            raise ValueError("must be 'sha256:' followed by 64 lower-case hex digits, as the case shows it")
        return value


# ---- events (gongkai.events) ---------------------------------------------------------------

DISCLOSURE_SUBMITTED = "gongkai.disclosure.submitted.v1"
DISCLOSURE_PUBLISHED = "gongkai.disclosure.published.v1"
DISCLOSURE_PUBLICATION_REFUSED = "gongkai.disclosure.publication_refused.v1"
REVIEW_CASE_OPENED = "gongkai.review.case_opened.v1"
REVIEW_BLOCKED = "gongkai.review.blocked.v1"
REVIEW_APPROVED = "gongkai.review.approved.v1"
REVIEW_REJECTED = "gongkai.review.rejected.v1"
DEADLINE_OPENED = "gongkai.deadline.opened.v1"
DEADLINE_MET = "gongkai.deadline.met.v1"
DEADLINE_CANCELLED = "gongkai.deadline.cancelled.v1"
INTAKE_REJECTED = "gongkai.intake.rejected.v1"

# ---- public events (gongkai.public) --------------------------------------------------------

PUBLIC_DISCLOSURE_PUBLISHED = "gongkai.public.disclosure.published.v1"


class DisclosureSubmitted(Payload):
    item_id: str
    version: int = Field(ge=1)
    title: str
    body: str
    category: str
    audience: Audience
    channels: list[Channel]
    unit: str | None = None
    submitted_by: str
    content_hash: str


class Finding(Payload):
    detector: str
    severity: Literal["blocked", "high", "medium", "low"]
    reason: str
    field: Literal["title", "body"]
    start: int
    end: int
    text: str


class ReviewCaseOpened(Payload):
    case_id: str
    item_id: str
    version: int
    content_hash: str
    findings: list[Finding] = []


class ReviewBlocked(Payload):
    case_id: str
    item_id: str
    version: int
    content_hash: str
    findings: list[Finding]
    reason: str


class ReviewDecided(Payload):
    case_id: str
    item_id: str
    version: int
    content_hash: str
    reviewer: str
    reason: str | None = None


class DisclosurePublished(Payload):
    item_id: str
    version: int
    content_hash: str
    audience: Audience
    channels: list[Channel]
    category: str
    published_at: datetime


class PublicationRefused(Payload):
    item_id: str
    version: int
    reason: str


class PublicDisclosure(Payload):
    """What the public sees: nothing internal (no unit contacts, no reviewer, no findings)."""

    item_id: str
    version: int
    title: str
    body: str
    category: str
    category_name: str
    channel: Channel
    action: Literal["published"] = "published"
    published_at: datetime
    content_hash: str


class DeadlineOpened(Payload):
    deadline_id: str
    item_id: str
    rule: str
    opened_on: date
    due_on: date


class DeadlineClosed(Payload):
    deadline_id: str
    item_id: str
    rule: str
    due_on: date
    closed_at: datetime
    late: bool = False


class IntakeRejected(Payload):
    """A command from a staff tool that changed nothing, and why."""

    command_id: str
    command_type: str | None = None
    status: int
    reason: str


def content_hash(title: str, body: str, category: str, audience: str, channels: list[str]) -> str:
    """The hash a review decision is bound to: every field that is published, canonically encoded."""
    canonical = json.dumps(
        {"audience": audience, "body": body, "category": category, "channels": sorted(channels), "title": title},
        ensure_ascii=False, separators=(",", ":"), sort_keys=True,
    ).encode()
    return "sha256:" + hashlib.sha256(canonical).hexdigest()
