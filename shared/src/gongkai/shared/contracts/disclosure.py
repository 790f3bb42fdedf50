"""Disclosure items (publishing): staff commands, internal facts, and what the public and staff channels carry.

Other services rely on: ``disclosure.submitted`` (review screens it; notification opens clocks),
``disclosure.information_changed`` (opens the 15-working-day clock), ``disclosure.published`` /
``disclosure.withdrawn`` / ``disclosure.withheld`` (notification closes clocks; audit counts them).
Every item event carries the item's ``unit`` and ``category`` so statistics need no other source.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, field_validator

from ._base import (
    MAX_ATTACHMENTS,
    MAX_BODY,
    MAX_SUMMARY,
    MAX_TITLE,
    Attachment,
    Audience,
    Channel,
    ContentHash,
    Day,
    ItemId,
    Line,
    Moment,
    Payload,
    Text,
    VersionNo,
    not_blank,
)

# ---- commands (gongkai.intake, routing key disclosure.*) --------------------------------------

SUBMIT_DISCLOSURE = "gongkai.disclosure.submit.v1"


class SubmitDisclosure(Payload):
    """Staff submit a disclosure item; it is stored as version 1 and sent to review."""

    title: Line = Field(min_length=1, max_length=MAX_TITLE, examples=["2026年度道路运输行政许可事项目录"])
    body: Text = Field(min_length=1, max_length=MAX_BODY)
    summary: Text | None = Field(None, max_length=MAX_SUMMARY)
    category: Line = Field(min_length=1, max_length=32, examples=["S05"])
    audience: Audience = Audience.public
    channels: list[Channel] | None = Field(None, max_length=5, description="defaults to the category's")
    contact: Line | None = Field(None, max_length=200, description="responsible unit's contact (never public)")
    formed_on: Day | None = Field(None, description="date the information was formed (1949-10-01 to a year "
                                                    "ahead); starts the clock")
    attachments: list[Attachment] = Field([], max_length=MAX_ATTACHMENTS)
    release_at: Moment | None = Field(None, description="publish at this time once approved (with its offset, "
                                                          "within five years)")

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

    item_id: ItemId
    title: Line = Field(min_length=1, max_length=MAX_TITLE)
    body: Text = Field(min_length=1, max_length=MAX_BODY)
    summary: Text | None = Field(None, max_length=MAX_SUMMARY)
    channels: list[Channel] | None = Field(None, max_length=5, description="defaults to the category's")
    contact: Line | None = Field(None, max_length=200)
    formed_on: Day | None = Field(None, description="date the information was formed or changed")
    attachments: list[Attachment] = Field([], max_length=MAX_ATTACHMENTS)
    release_at: Moment | None = None
    submit: bool = Field(False, description="submit the new version for review at once")

    _title_not_blank = field_validator("title", "body")(not_blank)


class SubmitVersion(Payload):
    """Send the item's current draft to review."""

    item_id: ItemId
    version: VersionNo | None = Field(None, description="the draft to submit; the current version if omitted")


class MarkInformationChanged(Payload):
    """The facts behind a published item changed: an updated version is due (15 working days)."""

    item_id: ItemId
    changed_on: Day
    note: Text | None = Field(None, max_length=2000)


class ScheduleRelease(Payload):
    """Publish a version at ``release_at`` once it is approved (or at once if it already is)."""

    item_id: ItemId
    version: VersionNo | None = Field(None, description="the current version if omitted")
    release_at: Moment


class WithdrawDisclosure(Payload):
    """Take a published item down; the public read side keeps saying it was withdrawn, when and why."""

    item_id: ItemId
    reason: Text = Field(min_length=1, max_length=2000)

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

    item_id: ItemId
    version: VersionNo = Field(ge=1)
    title: Line
    body: Text
    summary: Text | None = None
    category: Line
    audience: Audience
    channels: list[Channel]
    unit: Line | None = None
    submitted_by: Line
    content_hash: ContentHash
    attachments: list[Attachment] = Field(default_factory=list)
    formed_on: Day | None = None
    release_at: Moment | None = None
    authors: list[Line] = Field(default_factory=list, max_length=500, description="everyone who created, "
                                "wrote or submitted a version of the item: none of them may review it")
    redaction_of_case: Line | None = Field(None, description="the review case whose redaction this version is")
    deadline_rule: Line | None = Field("proactive-publication", description="the deadline rule the item's "
                                       "category names (the catalogue's); null: no publication deadline",
                                       examples=["proactive-publication"])
    deadline_days: int | None = Field(None, ge=1, le=20, description="the category's own time limit in working "
                                      "days, in place of the rule's")


class InformationChanged(Payload):
    """Staff marked a published item's facts as changed: the update is due in 15 working days."""

    item_id: ItemId
    unit: Line | None = None
    category: Line
    changed_on: Day
    marked_by: Line
    note: Text | None = None


class PublicationAction(StrEnum):
    published = "published"
    updated = "updated"
    withdrawn = "withdrawn"


class DisclosurePublished(Payload):
    """A version was published (internal record, for public and internal-audience items)."""

    item_id: ItemId
    version: VersionNo
    content_hash: ContentHash
    audience: Audience
    channels: list[Channel]
    category: Line
    group: Line | None = Field(None, max_length=100, description="the catalogue's 一级事项 the category sits in "
                               "(行政许可, 行政处罚 …), which the annual report's table 二 counts by")
    unit: Line | None = None
    action: Literal["published", "updated"] = "published"
    published_at: Moment


class PublicationRefused(Payload):
    """Publishing did not act on a review decision, and why; ``security`` when it was forged or broke the rules
    of review itself (a signature that does not verify, an approver who wrote the item, too few approvers)."""

    item_id: ItemId
    version: VersionNo
    reason: Text
    unit: Line | None = None
    category: Line | None = None
    decision: Line | None = Field(None, description="the type of the decision refused")
    security: bool = False


class DisclosureScheduled(Payload):
    """An approved version waits for its release time."""

    item_id: ItemId
    version: VersionNo
    category: Line
    unit: Line | None = None
    content_hash: ContentHash
    release_at: Moment


class DisclosureWithdrawn(Payload):
    item_id: ItemId
    version: VersionNo
    category: Line
    unit: Line | None = None
    audience: Audience
    channels: list[Channel]
    reason: Text
    withdrawn_by: Line
    withdrawn_at: Moment


class WithholdingReason(StrEnum):
    """Legal grounds for non-disclosure (不予公开)."""

    state_secret = "state-secret"              # 国家秘密
    commercial_secret = "commercial-secret"    # 商业秘密
    personal_privacy = "personal-privacy"      # 个人隐私
    internal_process = "internal-process"      # 内部事务、过程性信息
    other = "other"                            # 其他（须写明理由）


class DisclosureWithheld(Payload):
    """A version will not be disclosed (不予公开), on a recorded legal ground; it is never published."""

    item_id: ItemId
    version: VersionNo
    category: Line
    unit: Line | None = None
    legal_reason: WithholdingReason
    reason: Text | None = None
    decided_by: Line


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

    name: Line
    media_type: Line
    size: int
    sha256: Line


class PublicDisclosure(Payload):
    """What the public sees: nothing internal (no unit contacts, no reviewer, no findings).

    ``action`` is ``updated`` for a later version of an item that was published before.
    """

    item_id: ItemId
    version: VersionNo
    title: Line
    body: Text
    summary: Text | None = None
    category: Line
    category_name: Line
    channel: Channel
    action: Literal["published", "updated"] = "published"
    published_at: Moment
    content_hash: ContentHash
    attachments: list[PublicAttachment] = Field(default_factory=list)
    due_on: Day | None = Field(None, description="a first publication's due date under its category's time limit "
                                                 "(the one notification enforces); null for an update or no limit")


class PublicWithdrawal(Payload):
    """A published item was taken down, with the reason the public is given.

    A site that shows the item must take it down: remove its body, summary and attachments from its pages,
    its search and its caches, and keep at most a notice with the title, category, dates and this reason.
    Publishing's own read side does the same. A later ``published``/``updated`` event of the item (a new
    approved version) puts it back.
    """

    item_id: ItemId
    version: VersionNo
    title: Line
    category: Line
    category_name: Line
    channel: Channel
    action: Literal["withdrawn"] = "withdrawn"
    reason: Text
    withdrawn_at: Moment


class StaffDisclosure(PublicDisclosure):
    """An internal-audience item on a staff channel (exchange ``staff``), with its unit."""

    unit: Line | None = None


class StaffWithdrawal(PublicWithdrawal):
    unit: Line | None = None
