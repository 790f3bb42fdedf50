"""Rules for disclosure items, free of I/O: what a submission becomes, and when a version may go out."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from gongkai.shared.contracts import Audience, Channel, PublicDisclosure, SubmitDisclosure, content_hash
from gongkai.shared.errors import Refused
from gongkai.shared.identity import Principal

from .catalogue import Catalogue, Category


class State(StrEnum):
    in_review = "in_review"
    published = "published"
    rejected = "rejected"
    blocked = "blocked"


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
    submitted_by: str
    submitted_at: datetime
    content_hash: str
    state: State = State.in_review
    published_at: datetime | None = None


def new_item(cmd: SubmitDisclosure, principal: Principal, catalogue: Catalogue, *, item_id: str,
             now: datetime) -> Version:
    category = catalogue.get(cmd.category)
    if category is None:
        raise Refused(f"unknown category {cmd.category!r}; known: {', '.join(catalogue.codes())}")
    audience = cmd.audience
    if category.audience is Audience.internal and audience is Audience.public:
        raise Refused(f"category {category.code} ({category.name}) is for internal staff only")
    channels = _channels(cmd, category, audience)
    return Version(
        item_id=item_id, version=1, title=cmd.title, body=cmd.body, category=category.code, audience=audience,
        channels=channels, unit=principal.unit, submitted_by=principal.id, submitted_at=now,
        content_hash=content_hash(cmd.title, cmd.body, category.code, audience.value, [c.value for c in channels]),
    )


def _channels(cmd: SubmitDisclosure, category: Category, audience: Audience) -> tuple[Channel, ...]:
    if audience is Audience.internal:
        if cmd.channels:
            raise Refused("an internal-audience item cannot go to public channels")
        return ()
    channels = tuple(dict.fromkeys(cmd.channels)) if cmd.channels else category.default_channels
    if not channels:
        raise Refused("a public item needs at least one channel")
    return channels


@dataclass(frozen=True)
class Publish:
    version: Version


@dataclass(frozen=True)
class RefusePublication:
    reason: str


@dataclass(frozen=True)
class AlreadyDecided:
    state: State


def on_approval(version: Version, approved_hash: str, now: datetime) -> Publish | RefusePublication | AlreadyDecided:
    """Fail closed: only an approval of exactly this content publishes it, and only once."""
    if version.state is not State.in_review:
        return AlreadyDecided(version.state)
    if approved_hash != version.content_hash:
        return RefusePublication(
            f"approval was for {approved_hash}, but version {version.version} has {version.content_hash}")
    return Publish(replace(version, state=State.published, published_at=now))


def public_announcements(version: Version, category_name: str) -> list[tuple[str, PublicDisclosure]]:
    """One public event per channel, with its routing key ``<channel>.<category>.published``."""
    if version.audience is not Audience.public or version.published_at is None:
        return []
    return [
        (f"{channel.value}.{version.category}.published",
         PublicDisclosure(item_id=version.item_id, version=version.version, title=version.title,
                          body=version.body, category=version.category, category_name=category_name,
                          channel=channel, published_at=version.published_at,
                          content_hash=version.content_hash))
        for channel in version.channels
    ]
