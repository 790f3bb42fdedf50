"""Rules for disclosure items, free of I/O: what a command makes of an item, and when a version may go out.

An item has immutable versions. Each version moves through an explicit state machine (``TRANSITIONS``);
anything else is refused with 409 and the current state. Only the item's current version can be
published, and only when an approval names exactly its content hash.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from gongkai.shared.contracts import (
    AUTOMATIC_REVIEWER,
    AUTOMATIC_RISKS,
    MIN_APPROVALS,
    Attachment,
    Audience,
    Channel,
    PublicAttachment,
    PublicDisclosure,
    PublicWithdrawal,
    ReviewDecided,
    Span,
    StaffDisclosure,
    StaffWithdrawal,
    SubmitDisclosure,
    content_hash,
)
from gongkai.shared.errors import Conflict, Forbidden, Hidden, Refused
from gongkai.shared.identity import Principal, Role

from .catalogue import INTERNAL_CHANNELS, Catalogue, Category

REDACTED = "×××"


class State(StrEnum):
    draft = "draft"
    submitted = "submitted"
    in_review = "in_review"
    approved = "approved"
    rejected = "rejected"
    changes_requested = "changes_requested"
    blocked = "blocked"
    withheld = "withheld"
    scheduled = "scheduled"
    published = "published"
    superseded = "superseded"
    withdrawn = "withdrawn"


S = State
TRANSITIONS: dict[State, frozenset[State]] = {
    S.draft: frozenset({S.submitted, S.superseded}),
    S.submitted: frozenset({S.in_review, S.approved, S.rejected, S.changes_requested, S.blocked, S.withheld,
                            S.superseded}),
    S.in_review: frozenset({S.approved, S.rejected, S.changes_requested, S.blocked, S.withheld, S.superseded}),
    S.approved: frozenset({S.scheduled, S.published, S.superseded}),
    S.scheduled: frozenset({S.published, S.superseded}),
    S.published: frozenset({S.superseded, S.withdrawn}),
    S.rejected: frozenset(), S.changes_requested: frozenset(), S.blocked: frozenset(), S.withheld: frozenset(),
    S.superseded: frozenset(), S.withdrawn: frozenset(),
}
# States in which a version still waits for something: a newer version replaces it.
PENDING = frozenset({S.draft, S.submitted, S.in_review, S.approved, S.scheduled})


@dataclass(frozen=True)
class Content:
    """What a version says and where it goes: everything the content hash covers."""

    title: str
    body: str
    summary: str | None
    category: str
    audience: Audience
    channels: tuple[Channel, ...]
    attachments: tuple[dict[str, Any], ...] = ()

    @property
    def hash(self) -> str:
        return content_hash(self.title, self.body, self.category, self.audience.value,
                            [c.value for c in self.channels], summary=self.summary, attachments=self.attachments)


@dataclass(frozen=True)
class Version:
    item_id: str
    version: int
    title: str
    body: str
    category: str
    audience: Audience
    channels: tuple[Channel, ...]
    unit: str
    created_by: str
    created_at: datetime
    content_hash: str
    summary: str | None = None
    attachments: tuple[dict[str, Any], ...] = ()
    contact: str | None = None
    formed_on: date | None = None
    release_at: datetime | None = None
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    state: State = State.draft
    decided_at: datetime | None = None
    published_at: datetime | None = None
    action: str | None = None
    reason: str | None = None
    legal_reason: str | None = None

    @property
    def content(self) -> Content:
        return Content(self.title, self.body, self.summary, self.category, self.audience, self.channels,
                       self.attachments)

    def to(self, state: State, **changes: Any) -> Version:
        """This version in ``state``; an illegal transition is refused with the current state."""
        if state not in TRANSITIONS[self.state]:
            raise Conflict(f"version {self.version} of item {self.item_id} is {self.state.value}; "
                           f"it cannot become {state.value}")
        return replace(self, state=state, **changes)


@dataclass(frozen=True)
class Item:
    item_id: str
    category: str
    audience: Audience
    unit: str
    created_by: str
    created_at: datetime
    current_version: int = 1
    public_version: int | None = None
    first_published_at: datetime | None = None
    changed_at: datetime | None = None
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None
    withdrawn_by: str | None = None


# ---- making versions -------------------------------------------------------------------------


def content_of(cmd: Any, category: Category, audience: Audience, now: datetime) -> Content:
    """Check a command's content against the catalogue and the clock; the channels default to the category's."""
    if category.audience is Audience.internal and audience is Audience.public:
        raise Refused(f"category {category.code} ({category.name}) is for internal staff only")
    channels = tuple(dict.fromkeys(cmd.channels)) if cmd.channels else category.default_channels
    if audience is Audience.internal and (public := [c.value for c in channels if c not in INTERNAL_CHANNELS]):
        raise Refused(f"an internal-audience item cannot go to public channels {public}; "
                      f"staff channels are {sorted(c.value for c in INTERNAL_CHANNELS)}")
    if stray := [c.value for c in channels if c not in category.channels]:
        raise Refused(f"category {category.code} does not allow the channels {stray}; "
                      f"allowed: {[c.value for c in category.channels]}")
    check_release(cmd.release_at, now)
    summary = cmd.summary if cmd.summary and cmd.summary.strip() else None
    attachments = tuple(a.model_dump() for a in cmd.attachments)
    return Content(cmd.title, cmd.body, summary, category.code, audience, channels, attachments)


def check_release(release_at: datetime | None, now: datetime) -> None:
    if release_at is None:
        return
    if release_at.tzinfo is None:
        raise Refused("release_at needs a time zone (e.g. 2026-12-01T09:00:00+08:00)")
    if release_at <= now:
        raise Refused(f"release_at {release_at.isoformat()} is in the past")


def category_of(catalogue: Catalogue, code: str) -> Category:
    category = catalogue.get(code)
    if category is None:
        raise Refused(f"unknown category {code!r}; known: {', '.join(catalogue.codes())}")
    return category


def new_item(cmd: SubmitDisclosure, principal: Principal, catalogue: Catalogue, *, item_id: str,
             now: datetime) -> tuple[Item, Version]:
    principal.require(Role.submitter)
    category = category_of(catalogue, cmd.category)
    content = content_of(cmd, category, cmd.audience, now)
    item = Item(item_id=item_id, category=category.code, audience=content.audience, unit=principal.unit,
                created_by=principal.id, created_at=now)
    return item, _version(item, 1, content, cmd, principal, now)


def next_version(item: Item, cmd: Any, principal: Principal, catalogue: Catalogue, now: datetime) -> Version:
    may_change(item, principal)
    content = content_of(cmd, category_of(catalogue, item.category), item.audience, now)
    return _version(item, item.current_version + 1, content, cmd, principal, now)


def _version(item: Item, number: int, content: Content, cmd: Any, principal: Principal, now: datetime) -> Version:
    return Version(
        item_id=item.item_id, version=number, title=content.title, body=content.body, summary=content.summary,
        category=content.category, audience=content.audience, channels=content.channels,
        attachments=content.attachments, contact=cmd.contact, formed_on=cmd.formed_on, release_at=cmd.release_at,
        unit=item.unit, created_by=principal.id, created_at=now, content_hash=content.hash)


def may_read(item: Item, principal: Principal, *, awaiting_review: bool) -> None:
    """Staff read their own unit's items, reviewers the items awaiting review, auditors every item.

    Anyone else is told there is no such item (404, not 403), so that item ids and units do not leak.
    """
    if principal.unit == item.unit or Role.auditor in principal.roles:
        return
    if Role.reviewer in principal.roles and awaiting_review:
        return
    raise Hidden(f"no item {item.item_id}",
                 why=f"item {item.item_id} belongs to {item.unit}; {principal.id} of {principal.unit} may not see it")


def may_change(item: Item, principal: Principal) -> None:
    """Staff of the item's unit change it: a submitter of that unit, or its publisher."""
    if Role.submitter not in principal.roles and Role.publisher not in principal.roles:
        raise Forbidden(f"{principal.id} lacks the role submitter")
    if principal.unit != item.unit:
        raise Forbidden(f"item {item.item_id} belongs to {item.unit}, not to {principal.unit}")


def submit(version: Version, by: str, now: datetime) -> Version:
    return version.to(State.submitted, submitted_by=by, submitted_at=now)


def supersede_pending(versions: list[Version]) -> list[Version]:
    """A new version replaces those still waiting (a draft, a review, a release); published ones stay."""
    return [v.to(State.superseded) for v in versions if v.state in PENDING]


# ---- review outcomes -------------------------------------------------------------------------


@dataclass(frozen=True)
class Publish:
    version: Version


@dataclass(frozen=True)
class Schedule:
    version: Version


@dataclass(frozen=True)
class RefusePublication:
    reason: str


@dataclass(frozen=True)
class AlreadyDecided:
    state: State


AWAITING_REVIEW = frozenset({State.submitted, State.in_review})


def on_approval(item: Item, version: Version, approved_hash: str, now: datetime
                ) -> Publish | Schedule | RefusePublication | AlreadyDecided:
    """Fail closed: only an approval of exactly the current version's content publishes it, and only once."""
    if version.state in (State.approved, State.scheduled, State.published, State.withdrawn):
        return AlreadyDecided(version.state)
    if version.version != item.current_version:
        return RefusePublication(f"version {version.version} is no longer current "
                                 f"(the item is at version {item.current_version})")
    if version.state not in AWAITING_REVIEW:
        return RefusePublication(f"version {version.version} is {version.state.value}, not awaiting review")
    if approved_hash != version.content_hash:
        return RefusePublication(
            f"approval was for {approved_hash}, but version {version.version} has {version.content_hash}")
    approved = version.to(State.approved, decided_at=now)
    if version.release_at is not None and version.release_at > now:
        return Schedule(approved.to(State.scheduled))
    return Publish(approved)


def authors(versions: list[Version]) -> set[str]:
    """Everyone who created, wrote or submitted a version of the item: none of them may approve it."""
    return {v.created_by for v in versions} | {v.submitted_by for v in versions if v.submitted_by}


def approval_problem(approval: ReviewDecided, item_authors: set[str]) -> str | None:
    """Why an approval signed by review must still not publish: it breaks a rule review itself must keep."""
    approvers = approval.reviewers
    if not approvers:
        return "the approval names no approver"
    if len(set(approvers)) != len(approvers):
        return f"the approvers {approvers} are not different people"
    if wrote := sorted(set(approvers) & item_authors):
        return f"{', '.join(wrote)} wrote or submitted this item and cannot approve it"
    risk = approval.risk
    if risk not in MIN_APPROVALS:
        return f"an approval of risk {risk!r} cannot publish"
    if AUTOMATIC_REVIEWER in approvers and (risk not in AUTOMATIC_RISKS or len(approvers) != 1):
        return f"risk {risk} needs a person's approval; it was approved by {AUTOMATIC_REVIEWER}"
    needed = max(MIN_APPROVALS[risk], approval.required_approvals or 0)
    if len(approvers) < needed:
        return f"risk {risk} needs {needed} approvals by different reviewers; the approval has {len(approvers)}"
    return None


def publish(item: Item, version: Version, now: datetime) -> tuple[Item, Version]:
    """"The item with ``version`` public (the caller supersedes the version public before)."""
    action = "updated" if item.first_published_at is not None else "published"
    published = version.to(State.published, published_at=now, action=action)
    return replace(item, public_version=version.version, first_published_at=item.first_published_at or now,
                   changed_at=now, withdrawn_at=None, withdrawal_reason=None, withdrawn_by=None), published


def withdraw(item: Item, version: Version | None, principal: Principal, reason: str,
             now: datetime) -> tuple[Item, Version]:
    may_change(item, principal)
    if version is None or version.state is not State.published:
        state = "was withdrawn already" if item.withdrawn_at else "has never been published"
        raise Conflict(f"item {item.item_id} {state}; only a published item can be withdrawn")
    withdrawn = version.to(State.withdrawn, reason=reason)
    return replace(item, withdrawn_at=now, withdrawal_reason=reason, withdrawn_by=principal.id,
                   changed_at=now), withdrawn


def redacted(version: Version, spans: list[Span], number: int, now: datetime) -> Version:
    """The next version with every span replaced by ``×××``, submitted for the original submitter."""
    fields: dict[str, str | None] = {"title": version.title, "summary": version.summary, "body": version.body}
    attachments = [dict(a) for a in version.attachments]
    for span in sorted(spans, key=lambda s: s.start, reverse=True):  # from the end, so offsets hold
        if span.field.startswith("attachments["):
            index = int(span.field[len("attachments["):span.field.index("]")])
            if index >= len(attachments) or attachments[index].get("text") is None:
                raise Refused(f"span on {span.field}, which the version does not have")
            attachments[index]["text"] = _cut(attachments[index]["text"], span)
        else:
            text = fields.get(span.field)
            if text is None:
                raise Refused(f"span on {span.field}, which the version does not have")
            fields[span.field] = _cut(text, span)
    content = Content(fields["title"] or "", fields["body"] or "", fields["summary"], version.category,
                      version.audience, version.channels, tuple(attachments))
    return replace(version, version=number, title=content.title, body=content.body, summary=content.summary,
                   attachments=content.attachments, content_hash=content.hash, created_by=version.submitted_by
                   or version.created_by, created_at=now, submitted_at=now, state=State.submitted,
                   decided_at=None, published_at=None, action=None, reason=None, legal_reason=None)


def _cut(text: str, span: Span) -> str:
    if span.end > len(text):
        raise Refused(f"span {span.start}..{span.end} of {span.field} is beyond its {len(text)} characters")
    return text[:span.start] + REDACTED + text[span.end:]


# ---- what the channels carry ----------------------------------------------------------------


def announcements(version: Version, category_name: str, due_on: date | None = None
                  ) -> list[tuple[str, PublicDisclosure]]:
    """One event per channel, routing key ``<channel>.<category>.<action>``: public fields only.
    Internal-audience items become staff events (the caller sends them to the staff exchange)."""
    if version.published_at is None or version.action is None:
        return []
    model = PublicDisclosure if version.audience is Audience.public else StaffDisclosure
    extra = {} if version.audience is Audience.public else {"unit": version.unit}
    files = [PublicAttachment(**{k: a[k] for k in ("name", "media_type", "size", "sha256")})
             for a in version.attachments]
    return [
        (f"{channel.value}.{version.category}.{version.action}",
         model(item_id=version.item_id, version=version.version, title=version.title, body=version.body,
               summary=version.summary, category=version.category, category_name=category_name, channel=channel,
               action=version.action, published_at=version.published_at, content_hash=version.content_hash,
               attachments=files, due_on=due_on, **extra))
        for channel in version.channels
    ]


def withdrawal_notices(item: Item, version: Version, category_name: str) -> list[tuple[str, PublicWithdrawal]]:
    assert item.withdrawn_at is not None and item.withdrawal_reason is not None
    model = PublicWithdrawal if version.audience is Audience.public else StaffWithdrawal
    extra = {} if version.audience is Audience.public else {"unit": version.unit}
    return [
        (f"{channel.value}.{version.category}.withdrawn",
         model(item_id=item.item_id, version=version.version, title=version.title, category=version.category,
               category_name=category_name, channel=channel, reason=item.withdrawal_reason,
               withdrawn_at=item.withdrawn_at, **extra))
        for channel in version.channels
    ]


def attachment_models(version: Version) -> list[Attachment]:
    return [Attachment.model_validate(a) for a in version.attachments]
