"""What publishing's HTTP routes answer: one model per answer, so the OpenAPI document says what comes back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from gongkai.shared.contracts import Audience, Channel, WithholdingReason
from pydantic import BaseModel, Field

from .domain import State

# ---- staff ----------------------------------------------------------------------------------


class VersionSummary(BaseModel):
    """A version as a staff command leaves it (also replayed to a retried request)."""

    item_id: str
    version: int
    state: State
    content_hash: str
    release_at: datetime | None = None


class ChangeRecorded(BaseModel):
    item_id: str
    changed_on: date
    due_on: date | None = Field(None, description="indicative: weekdays only; notification keeps the real clock")


class UnitItem(BaseModel):
    item_id: str
    category: str
    title: str
    version: int = Field(description="the current version")
    state: State
    audience: Audience
    formed_on: date | None
    release_at: datetime | None
    due_on: date | None = Field(description="indicative publication due date")
    public_version: int | None
    withdrawn_at: datetime | None


class UnitItems(BaseModel):
    unit: str
    total: int
    page: int
    per_page: int
    items: list[UnitItem]


class AttachmentView(BaseModel):
    name: str
    media_type: str
    size: int
    sha256: str


class StaffVersion(BaseModel):
    version: int
    state: State
    title: str
    summary: str | None
    body: str = Field(description="the version's text, as submitted (what an edit starts from)")
    category: str
    audience: Audience
    channels: list[Channel]
    unit: str
    contact: str | None
    formed_on: date | None
    release_at: datetime | None
    attachments: list[AttachmentView]
    created_by: str
    submitted_by: str | None
    submitted_at: datetime | None
    content_hash: str
    decided_at: datetime | None
    published_at: datetime | None
    action: Literal["published", "updated"] | None
    reason: str | None = Field(description="rejection, withholding or withdrawal reason")
    legal_reason: WithholdingReason | None


class StaffItem(BaseModel):
    item_id: str
    category: str
    audience: Audience
    unit: str
    current_version: int
    public_version: int | None
    withdrawn_at: datetime | None
    withdrawal_reason: str | None
    versions: list[StaffVersion]


class StateCount(BaseModel):
    category: str
    state: State
    legal_reason: WithholdingReason | None
    versions: int


class Statistics(BaseModel):
    counts: list[StateCount]


# ---- public ---------------------------------------------------------------------------------


class PublicDeadline(BaseModel):
    """A category's time limit: within ``working_days`` of the information being formed, or by ``due``
    (MM-DD) each year."""

    rule: str = Field(examples=["proactive-publication"])
    working_days: int | None = None
    due: str | None = Field(None, examples=["01-31"])


class PublicCategory(BaseModel):
    code: str
    name: str
    content: str | None
    legal_basis: str
    channels: list[Channel]
    deadline: PublicDeadline | None = Field(description="null: published when ready, no deadline")
    proactive: bool
    responsible: str | None
    group: str | None = Field(None, description="一级事项, when the catalogue has two levels")
    subjects: str = Field("全社会", description="公开对象")
    levels: list[str] = Field(default_factory=list, description="公开层级")
    items: int = Field(description="published items")


class PublicCatalogue(BaseModel):
    agency: str | None
    categories: list[PublicCategory]


class Withdrawn(BaseModel):
    at: datetime
    reason: str | None


class PublicEntry(BaseModel):
    """An item as a list shows it; a withdrawn one keeps only its title, category, dates and reason."""

    item_id: str
    version: int
    title: str
    summary: str | None = Field(description="null once the item is withdrawn")
    category: str
    unit: str
    first_published_at: datetime
    published_at: datetime
    url: str
    withdrawn: Withdrawn | None


class PublicPage(BaseModel):
    total: int
    page: int
    per_page: int
    items: list[PublicEntry]


class SearchPage(PublicPage):
    q: str


class PublicHistory(BaseModel):
    version: int
    title: str
    action: str | None
    published_at: datetime | None
    state: State


class PublicItem(BaseModel):
    """One published item; once withdrawn, a tombstone: no body, summary, attachments or content hash."""

    item_id: str
    category: str
    category_name: str
    unit: str
    version: int
    title: str
    summary: str | None
    body: str | None = Field(description="null once the item is withdrawn")
    channels: list[Channel]
    attachments: list[AttachmentView] = Field(description="empty once the item is withdrawn")
    content_hash: str | None = Field(description="null once the item is withdrawn")
    first_published_at: datetime
    published_at: datetime | None
    withdrawn: Withdrawn | None
    history: list[PublicHistory]


class FeedAuthor(BaseModel):
    name: str


class FeedItem(BaseModel):
    id: str
    url: str
    title: str
    content_text: str
    summary: str | None = None
    date_published: datetime
    date_modified: datetime
    tags: list[str]
    authors: list[FeedAuthor]


class JsonFeed(BaseModel):
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""

    version: str
    title: str
    home_page_url: str
    feed_url: str
    language: str
    items: list[FeedItem]
