"""What audit's HTTP routes answer: one model per answer, so the OpenAPI document says what comes back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Entry(BaseModel):
    """One recorded message: the envelope as it was sent, or, when it was not one, its raw body as text."""

    seq: int
    exchange: str
    routing_key: str
    received_at: datetime
    dead_lettered: bool
    dead_letter_reason: str | None
    valid: bool = Field(description="whether the body is a CloudEvents envelope this system understands")
    flag: str | None = Field(description="wrong-account: a fact not sent by its owner's broker account; "
                                         "unknown-source: an event whose source is not one of the services")
    user_id: str | None = Field(None, description="the broker account that published it (AMQP user_id, "
                                                  "checked by RabbitMQ); none for entries recorded before")
    envelope: dict[str, Any] | None
    raw: str | None


class Trail(BaseModel):
    item_id: str
    events: list[Entry]


class EventPage(BaseModel):
    events: list[Entry]
    next_after_seq: int | None = Field(description="the after_seq of the next page; null on the last")


class Refusal(BaseModel):
    """A refused request or message: ``access.refused``, ``intake.rejected`` or ``publication_refused``."""

    seq: int
    type: str
    service: str | None = Field(description="the service that refused")
    via: Literal["http", "amqp"]
    what: str | None = Field(description="the route template or the message type refused")
    status: int | None
    reason: str | None
    person: str | None = Field(description="the authenticated person, when known")
    account: str | None = Field(description="the broker account a message came from, when known")
    item_id: str | None = Field(description="the item (or case, request) concerned")
    security: bool = Field(description="a forgery or an account's misuse, not a mistake")
    recorded_at: datetime
    entry: Entry


class RefusalPage(BaseModel):
    refusals: list[Refusal]
    next_after_seq: int | None


class RawEntry(BaseModel):
    seq: int
    body: str = Field(description="base64 of the exact bytes recorded")
    leaf_hash: str = Field(description="base64 SHA-256(0x00 ‖ body), as the tree recorded it")


class RawEntries(BaseModel):
    entries: list[RawEntry]
    next_after_seq: int | None


class Checkpoint(BaseModel):
    size: int
    root: str = Field(description="base64 RFC 6962 root hash")
    note: str = Field(description="the C2SP signed note")
    signed_at: datetime


class Checkpoints(BaseModel):
    checkpoints: list[Checkpoint]


class PublicKey(BaseModel):
    origin: str
    key: str = Field(description="<name>+<key id hex>+<base64(0x01 ‖ Ed25519 public key)>")


class InclusionProof(BaseModel):
    seq: int
    leaf_index: int
    size: int
    leaf_hash: str
    root: str
    proof: list[str] = Field(description="base64 hashes, leaf to root")


class ConsistencyProof(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    old: int = Field(alias="from")
    new: int = Field(alias="to")
    from_root: str
    to_root: str
    proof: list[str]


class UnitCounts(BaseModel):
    submitted: int
    approved: int
    rejected: int
    blocked: int
    withheld: dict[str, int] = Field(description="by legal reason")
    published: int
    updated: int
    published_on_time: int
    published_late: int
    withdrawn: int
    reminders: int
    escalations: int


class Statistics(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    since: date = Field(alias="from")
    until: date = Field(alias="to")
    units: dict[str, UnitCounts]
    total: UnitCounts


# ---- the annual report (国办公开办函〔2021〕30号) -----------------------------------------------


class ProactiveCounts(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    published: int = Field(alias="本年新公开")
    updated: int = Field(alias="本年更新")
    withdrawn: int = Field(alias="本年撤回")


class ProactiveRow(ProactiveCounts):
    category: str


class ProactiveTable(BaseModel):
    label: str
    rows: list[ProactiveRow]
    total: ProactiveCounts
    note: str


class Column(BaseModel):
    key: str
    label: str


class RequestRow(BaseModel):
    """One row of table 三: a count per applicant kind and the total."""

    model_config = ConfigDict(populate_by_name=True)

    key: str | None
    label: str
    natural_person: int = Field(alias="natural-person")
    commercial: int
    research: int
    social_welfare: int = Field(alias="social-welfare")
    legal_service: int = Field(alias="legal-service")
    other: int
    total: int


class RequestGroup(BaseModel):
    label: str
    rows: list[RequestRow]


class Balance(BaseModel):
    rule: str
    holds: bool
    unbalanced_columns: list[str]


class RequestsTable(BaseModel):
    columns: list[Column]
    new: RequestRow
    carried_over: RequestRow
    results: list[RequestRow | RequestGroup]
    handled_total: RequestRow
    carried_forward: RequestRow
    balance: Balance


class ChallengeRow(BaseModel):
    """One group of table 四 (行政复议, or a lawsuit with or without one before it): cases by where they stand."""

    key: str
    label: str
    upheld: int
    corrected: int
    other: int
    pending: int
    total: int


class ChallengesTable(BaseModel):
    label: str
    columns: list[Column]
    groups: list[ChallengeRow]


class AnnualReport(BaseModel):
    year: int
    format: str
    proactive: ProactiveTable
    requests: RequestsTable
    challenges: ChallengesTable


class ReportCheck(BaseModel):
    key: str
    rule: str
    holds: bool | None = Field(description="None: it cannot be told (and why says so)")
    why: str


class ReportFigureView(BaseModel):
    key: str
    label: str
    value: float | None
    shown: str
    source: str = Field(description="entered, events or missing")
    from_events: float | None
    note: str | None
    entered_by: str | None
    entered_at: str | None


class FullAnnualReport(BaseModel):
    """The annual report's six sections, every figure with where it comes from, and the consistency checks."""

    year: int
    format: str
    agency: str
    title: str
    headings: list[str]
    overview: dict[str, Any]
    proactive: dict[str, Any]
    requests: dict[str, Any]
    challenges: dict[str, Any]
    problems: dict[str, Any]
    other: dict[str, Any]
    figures: dict[str, ReportFigureView]
    checks: list[ReportCheck]
    ready: bool = Field(description="no check fails")
