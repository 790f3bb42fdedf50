"""What the portal knows of an item, and how a public fact changes it: no I/O.

Public events may arrive twice (once per channel, and again after a redelivery) and in any order, and a
rebuild feeds the same facts from publishing's public read side. So an item is not a log of what arrived but
a merge that ends the same whatever the order (``apply`` is commutative and idempotent):

- the highest published version seen is the item's content; an older one arriving late adds only its line to
  the version history;
- the highest withdrawn version seen is the item's withdrawal; a withdrawal of version N takes the item down
  while no version above N was published, so a late publication of N itself cannot undo it, and a later
  version (N + 1, reviewed and approved) puts it back;
- while the item is down, its body, summary, attachments and content hash are not kept at all (the
  ``PublicWithdrawal`` contract: take it down from pages, search and caches), only its title, category,
  dates and the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

LOCAL = ZoneInfo("Asia/Shanghai")  # a publication's year is the agency's calendar year


@dataclass(frozen=True)
class Content:
    """A version's public text: immutable, so two copies of one version are the same."""

    body: str
    summary: str | None
    content_hash: str
    attachments: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Publication:
    """A version went public (``published`` or ``updated``) on ``channels``; ``content`` is None when the
    source no longer shows it (a backfilled older version, or a withdrawn one)."""

    item_id: str
    version: int
    title: str
    category: str
    category_name: str
    action: str
    published_at: datetime
    channels: frozenset[str]
    content: Content | None
    due_on: date | None = None  # a first publication's due date, when its category has a time limit


@dataclass(frozen=True)
class Withdrawal:
    item_id: str
    version: int
    title: str
    category: str
    category_name: str
    reason: str
    withdrawn_at: datetime


Fact = Publication | Withdrawal


@dataclass(frozen=True)
class HistoryLine:
    version: int
    title: str
    action: str
    published_at: datetime


@dataclass(frozen=True)
class Item:
    item_id: str
    category: str
    category_name: str
    version: int | None = None  # the highest published version seen
    title: str | None = None  # that version's
    published_at: datetime | None = None
    channels: frozenset[str] = frozenset()
    content: Content | None = None
    first_published_at: datetime | None = None
    withdrawn_version: int | None = None
    withdrawn_title: str | None = None
    withdrawn_at: datetime | None = None
    withdrawal_reason: str | None = None
    history: tuple[HistoryLine, ...] = field(default=())  # newest version first
    due_on: date | None = None  # when its first publication was due

    @property
    def late(self) -> bool | None:
        """Its first publication came after its due date; None when no due date is known."""
        if self.due_on is None or self.first_published_at is None:
            return None
        return self.first_published_at.astimezone(LOCAL).date() > self.due_on

    @property
    def live(self) -> bool:
        """Shown with its text: no withdrawal, or a version published above the one withdrawn."""
        if self.withdrawn_version is None:
            return True
        return self.version is not None and self.version > self.withdrawn_version

    @property
    def shown_title(self) -> str:
        if self.live or self.withdrawn_title is None:
            return self.title or self.withdrawn_title or ""
        return self.withdrawn_title

    @property
    def changed_at(self) -> datetime:
        """The last publication or, while it is down, the withdrawal: what lists and feeds sort by."""
        moment = (self.published_at if self.live else self.withdrawn_at) or self.withdrawn_at or self.published_at
        assert moment is not None, "an item is stored from a publication or a withdrawal: it has one of the two"
        return moment

    @property
    def listed_at(self) -> datetime:
        """The date an item is filed under (its year): its first publication, else its withdrawal."""
        return self.first_published_at or self.changed_at

    @property
    def year(self) -> int:
        return self.listed_at.astimezone(LOCAL).year


def apply(item: Item | None, fact: Fact) -> Item:
    """``item`` with ``fact`` merged in. Commutative and idempotent: any order of the same facts, each any
    number of times, gives the same item."""
    if item is None:
        item = Item(item_id=fact.item_id, category=fact.category, category_name=fact.category_name)
    if isinstance(fact, Publication):
        item = _published(item, fact)
    else:
        item = _withdrawn(item, fact)
    if not item.live:
        item = replace(item, content=None)
    return item


def _published(item: Item, p: Publication) -> Item:
    history = {line.version: line for line in item.history}
    history.setdefault(p.version, HistoryLine(p.version, p.title, p.action, p.published_at))
    first = min(filter(None, (item.first_published_at, p.published_at)))
    changes: dict[str, Any] = {"history": tuple(sorted(history.values(), key=lambda h: -h.version)),
                               "first_published_at": first}
    if p.action == "published" and p.due_on is not None:  # the earliest due date stated: the same in any order
        changes["due_on"] = min(filter(None, (item.due_on, p.due_on)))
    if item.version is None or p.version > item.version:
        changes.update(version=p.version, title=p.title, published_at=p.published_at, channels=p.channels,
                       content=p.content)
    elif p.version == item.version:
        # The same version on another channel: the channels add up; its content is the same wherever it is known.
        changes.update(channels=item.channels | p.channels, content=item.content or p.content)
    return replace(item, **changes)


def _withdrawn(item: Item, w: Withdrawal) -> Item:
    if item.withdrawn_version is not None and w.version <= item.withdrawn_version:
        return item
    return replace(item, withdrawn_version=w.version, withdrawn_title=w.title, withdrawn_at=w.withdrawn_at,
                   withdrawal_reason=w.reason)


def search_text(item: Item) -> tuple[str, str]:
    """(title, text) the search index holds: a withdrawn item is found by its title alone."""
    title = item.shown_title
    if not item.live or item.content is None:
        return title, title
    names = " ".join(str(a.get("name", "")) for a in item.content.attachments)
    return title, "\n".join(part for part in (title, item.content.summary or "", item.content.body, names) if part)
