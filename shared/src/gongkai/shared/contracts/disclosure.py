"""Disclosure items (publishing): staff commands, internal facts, and what the public and staff channels carry.

Other services rely on: ``disclosure.submitted`` (review screens it; notification opens clocks),
``disclosure.information_changed`` (opens the 15-working-day clock), ``disclosure.published`` /
``disclosure.withdrawn`` / ``disclosure.withheld`` (notification closes clocks; audit counts them).
Every item event carries the item's ``unit`` and ``category`` so statistics need no other source.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator

from ._base import MAX_ATTACHMENTS, MAX_BODY, MAX_SUMMARY, MAX_TITLE, Attachment, Audience, Channel, Payload, not_blank

# ---- commands (gongkai.intake, routing key disclosure.*) --------------------------------------

SUBMIT_DISCLOSURE = "gongkai.disclosure.submit.v1"


class SubmitDisclosure(Payload):
    """Staff submit a disclosure item; it is stored as version 1 and sent to review."""

    title: str = Field(min_length=1, max_length=MAX_TITLE, examples=["2026年度道路运输行政许可事项目录"])
    body: str = Field(min_length=1, max_length=MAX_BODY)
    summary: str | None = Field(None, max_length=MAX_SUMMARY)
    category: str = Field(min_length=1, max_length=32, examples=["S05"])
    audience: Audience = Audience.public
    channels: list[Channel] | None = Field(None, max_length=5, description="defaults to the category's")
    contact: str | None = Field(None, max_length=200, description="responsible unit's contact (never public)")
    formed_on: date | None = Field(None, description="date the information was formed; starts the clock")
    attachments: list[Attachment] = Field([], max_length=MAX_ATTACHMENTS)
    release_at: datetime | None = Field(None, description="publish at this time once approved (UTC or offset)")

    _title_not_blank = field_validator("title", "body")(not_blank)


CREATE_DISCLOSURE = "gongkai.disclosure.create.v1"
EDIT_DISCLOSURE = "gongkai.disclosure.edit.v1"
SUBMIT_VERSION = "gongkai.disclosure.submit_version.v1"
MARK_INFORMATION_CHANGED = "gongkai.disclosure.mark_changed.v1"
SCHEDULE_RELEASE = "gongkai.disclosure.schedule.v1"
WITHDRAW_DISCLOSURE = "gongkai.disclosure.withdraw.v1"


class CreateDisclosure(SubmitDisclosure):
    """Staff create a disclosure item as a draft (version 1); it goes to review only when submitted."""


class EditDisclosure(Payload):
    """A new version of an item (its category and audience stay); a draft unless ``submit`` is true."""

    item_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    body: str = Field(min_length=1, max_length=MAX_BODY)
    summary: str | None = Field(None, max_length=MAX_SUMMARY)
    channels: list[Channel] | None = Field(None, max_length=5, description="defaults to the category's")
    contact: str | None = Field(None, max_length=200)
    formed_on: date | None = Field(None, description="date the information was formed or changed")
    attachments: list[Attachment] = Field([], max_length=MAX_ATTACHMENTS)
    release_at: datetime | None = None
    submit: bool = Field(False, description="submit the new version for review at once")

    _title_not_blank = field_validator("title", "body")(not_blank)


class SubmitVersion(Payload):
    """Send the item's current draft to review."""

    item_id: str = Field(min_length=1, max_length=64)
    version: int | None = Field(None, ge=1, description="the draft to submit; the current version if omitted")


class MarkInformationChanged(Payload):
    """The facts behind a published item changed: an updated version is due (15 working days)."""

    item_id: str = Field(min_length=1, max_length=64)
    changed_on: date
    note: str | None = Field(None, max_length=2000)


class ScheduleRelease(Payload):
    """Publish a version at ``release_at`` once it is approved (or at once if it already is)."""

    item_id: str = Field(min_length=1, max_length=64)
    version: int | None = Field(None, ge=1, description="the current version if omitted")
    release_at: datetime


class WithdrawDisclosure(Payload):
    """Take a published item down; the public read side keeps saying it was withdrawn, when and why."""

    item_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=2000)

    _reason_not_blank = field_validator("reason")(not_blank)


# ---- events (gongkai.events) ------------------------------------------------------------------

DISCLOSURE_SUBMITTED = "gongkai.disclosure.submitted.v1"
DISCLOSURE_INFORMATION_CHANGED = "gongkai.disclosure.information_changed.v1"
DISCLOSURE_PUBLISHED = "gongkai.disclosure.published.v1"
DISCLOSURE_PUBLICATION_REFUSED = "gongkai.disclosure.publication_refused.v1"
DISCLOSURE_WITHDRAWN = "gongkai.disclosure.withdrawn.v1"
DISCLOSURE_WITHHELD = "gongkai.disclosure.withheld.v1"
DISCLOSURE_SCHEDULED = "gongkai.disclosure.scheduled.v1"


class DisclosureSubmitted(Payload):
    """A version was stored and goes to review; ``content_hash`` binds any decision to exactly this."""

    item_id: str
    version: int = Field(ge=1)
    title: str
    body: str
    summary: str | None = None
    category: str
    audience: Audience
    channels: list[Channel]
    unit: str | None = None
    submitted_by: str
    content_hash: str
    attachments: list[Attachment] = Field(default_factory=list)
    formed_on: date | None = None
    release_at: datetime | None = None
    authors: list[str] = Field(default_factory=list, description="everyone who created, wrote or submitted a "
                               "version of the item: none of them may review it")
    redaction_of_case: str | None = Field(None, description="the review case whose redaction this version is")
    deadline_rule: str | None = Field("proactive-publication", description="the deadline rule the item's "
                                      "category names (the catalogue's); null: no publication deadline",
                                      examples=["proactive-publication"])
    deadline_days: int | None = Field(None, ge=1, le=20, description="the category's own time limit in working "
                                      "days, in place of the rule's")


class InformationChanged(Payload):
    """Staff marked a published item's facts as changed: the update is due in 15 working days."""

    item_id: str
    unit: str | None = None
    category: str
    changed_on: date
    marked_by: str
    note: str | None = None


class PublicationAction(StrEnum):
    published = "published"
    updated = "updated"
    withdrawn = "withdrawn"


class DisclosurePublished(Payload):
    """A version was published (internal record, for public and internal-audience items)."""

    item_id: str
    version: int
    content_hash: str
    audience: Audience
    channels: list[Channel]
    category: str
    unit: str | None = None
    action: Literal["published", "updated"] = "published"
    published_at: datetime


class PublicationRefused(Payload):
    """Publishing did not act on a review decision, and why; ``security`` when it was forged or broke the rules
    of review itself (a signature that does not verify, an approver who wrote the item, too few approvers)."""

    item_id: str
    version: int
    reason: str
    unit: str | None = None
    category: str | None = None
    decision: str | None = Field(None, description="the type of the decision refused")
    security: bool = False


class DisclosureScheduled(Payload):
    """An approved version waits for its release time."""

    item_id: str
    version: int
    category: str
    unit: str | None = None
    content_hash: str
    release_at: datetime


class DisclosureWithdrawn(Payload):
    item_id: str
    version: int
    category: str
    unit: str | None = None
    audience: Audience
    channels: list[Channel]
    reason: str
    withdrawn_by: str
    withdrawn_at: datetime


class WithholdingReason(StrEnum):
    """Legal grounds for non-disclosure (不予公开)."""

    state_secret = "state-secret"              # 国家秘密
    commercial_secret = "commercial-secret"    # 商业秘密
    personal_privacy = "personal-privacy"      # 个人隐私
    internal_process = "internal-process"      # 内部事务、过程性信息
    other = "other"                            # 其他（须写明理由）


class DisclosureWithheld(Payload):
    """A version will not be disclosed (不予公开), on a recorded legal ground; it is never published."""

    item_id: str
    version: int
    category: str
    unit: str | None = None
    legal_reason: WithholdingReason
    reason: str | None = None
    decided_by: str


# ---- public facts (gongkai.public) and staff-only facts (gongkai.staff) -----------------------
# Routing key {channel}.{category}.{action}: bind e.g. "portal.#", "*.S05.*" or "#.withdrawn".

PUBLIC_DISCLOSURE_PUBLISHED = "gongkai.public.disclosure.published.v1"
PUBLIC_DISCLOSURE_UPDATED = "gongkai.public.disclosure.updated.v1"
PUBLIC_DISCLOSURE_WITHDRAWN = "gongkai.public.disclosure.withdrawn.v1"
STAFF_DISCLOSURE_PUBLISHED = "gongkai.staff.disclosure.published.v1"
STAFF_DISCLOSURE_UPDATED = "gongkai.staff.disclosure.updated.v1"
STAFF_DISCLOSURE_WITHDRAWN = "gongkai.staff.disclosure.withdrawn.v1"


class PublicAttachment(Payload):
    """An attachment as the public sees it: its metadata and digest."""

    name: str
    media_type: str
    size: int
    sha256: str


class PublicDisclosure(Payload):
    """What the public sees: nothing internal (no unit contacts, no reviewer, no findings).

    ``action`` is ``updated`` for a later version of an item that was published before.
    """

    item_id: str
    version: int
    title: str
    body: str
    summary: str | None = None
    category: str
    category_name: str
    channel: Channel
    action: Literal["published", "updated"] = "published"
    published_at: datetime
    content_hash: str
    attachments: list[PublicAttachment] = Field(default_factory=list)


class PublicWithdrawal(Payload):
    """A published item was taken down, with the reason the public is given."""

    item_id: str
    version: int
    title: str
    category: str
    category_name: str
    channel: Channel
    action: Literal["withdrawn"] = "withdrawn"
    reason: str
    withdrawn_at: datetime


class StaffDisclosure(PublicDisclosure):
    """An internal-audience item on a staff channel (exchange ``staff``), with its unit."""

    unit: str | None = None


class StaffWithdrawal(PublicWithdrawal):
    unit: str | None = None
