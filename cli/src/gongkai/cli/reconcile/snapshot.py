"""What ``gongkai reconcile`` reads: each service's rows, as that service's runtime role, in one snapshot.

Each schema is read with its own service's role (``Settings.database_url_for``: the database accounts file, or
``DATABASE_URL`` as it is), so the check needs no more than the services themselves have, and every service's
read is one repeatable-read transaction. The services keep running while it reads; what was written between two
schemas' reads is within the checks' grace. Nothing is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.accounts import SERVICES
from gongkai.shared.envelope import Envelope, MalformedEnvelope, parse
from gongkai.shared.settings import Settings
from gongkai.shared.topology import Topology
from sqlalchemy import Result, Row, Select, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, create_async_engine

# Announcements that carry a content hash: each needs review's signed approval of it (withdrawals carry none).
ANNOUNCEMENTS = frozenset({c.PUBLIC_DISCLOSURE_PUBLISHED, c.PUBLIC_DISCLOSURE_UPDATED,
                           c.STAFF_DISCLOSURE_PUBLISHED, c.STAFF_DISCLOSURE_UPDATED})
CHANNEL_EXCHANGES = ("public", "staff")
APPROVAL_KEY = c.REVIEW_APPROVED.removeprefix("gongkai.")
CHUNK = 5000  # event ids asked of the audit log at once
REPEATABLE_READ = text("set transaction isolation level repeatable read, read only")


@dataclass(frozen=True)
class VersionRow:
    item_id: str
    version: int
    state: str
    content_hash: str
    created_at: datetime
    submitted_at: datetime | None
    release_at: datetime | None
    published_at: datetime | None
    created_by: str
    submitted_by: str | None
    category: str

    @property
    def key(self) -> str:
        return f"{self.item_id}@{self.version}"


@dataclass(frozen=True)
class ItemRow:
    item_id: str
    category: str
    current_version: int
    public_version: int | None
    withdrawn_at: datetime | None


@dataclass(frozen=True)
class CaseRow:
    case_id: str
    item_id: str
    version: int
    state: str
    opened_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class DeadlineRow:
    deadline_id: str
    subject: str
    item_id: str
    version: int
    rule: str
    state: str
    opened_at: datetime


@dataclass(frozen=True)
class RequestRow:
    request_id: str
    answered_on: date | None


@dataclass(frozen=True)
class OutboxRow:
    service: str
    event_id: str
    exchange: str
    routing_key: str
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class Announcement:
    """A public or staff announcement of a version: from publishing's outbox or audit's record of it."""

    event_id: str
    type: str
    item_id: str
    version: int
    content_hash: str
    where: str  # "outbox" or "audit"
    at: datetime | None = None  # when it was written to the outbox, or received by audit


@dataclass
class Snapshot:
    items: dict[str, ItemRow] = field(default_factory=dict)
    versions: list[VersionRow] = field(default_factory=list)
    cases: list[CaseRow] = field(default_factory=list)
    deadlines: list[DeadlineRow] = field(default_factory=list)
    requests: dict[str, RequestRow] = field(default_factory=dict)
    outbox: list[OutboxRow] = field(default_factory=list)
    audited: set[str] = field(default_factory=set)  # event ids of the outbox rows audit has recorded
    announcements: dict[str, Announcement] = field(default_factory=dict)  # by event id
    approvals: list[Envelope] = field(default_factory=list)  # review.approved, from review's outbox and audit
    withdrawals: int = 0  # withdrawal notices on the channels (no content hash, no approval needed)


async def read(settings: Settings) -> Snapshot:
    """Every service's rows the checks need (the services' schemas read side by side)."""
    from gongkai.audit import tables as audit
    from gongkai.notification import tables as notification
    from gongkai.oversight import tables as oversight
    from gongkai.participation import tables as participation
    from gongkai.publishing import tables as publishing
    from gongkai.requests import tables as requests
    from gongkai.review import tables as review

    snapshot = Snapshot()
    topology = Topology(settings.namespace)
    outboxes = {"publishing": publishing.metadata, "review": review.metadata,
                "notification": notification.metadata, "audit": audit.metadata, "requests": requests.metadata,
                "participation": participation.metadata, "oversight": oversight.metadata}

    async def publishing_rows(db: AsyncConnection) -> None:
        for row in await _rows(db, select(publishing.items.c.item_id, publishing.items.c.category,
                                          publishing.items.c.current_version, publishing.items.c.public_version,
                                          publishing.items.c.withdrawn_at)):
            snapshot.items[row.item_id] = ItemRow(**row._mapping)
        v = publishing.versions.c
        snapshot.versions = [VersionRow(**row._mapping) for row in await _rows(db, select(
            v.item_id, v.version, v.state, v.content_hash, v.created_at, v.submitted_at, v.release_at,
            v.published_at, v.created_by, v.submitted_by, v.category))]
        out = outboxes["publishing"].tables["publishing.outbox"].c
        for row in await _rows(db, select(out.event_id, out.body, out.created_at).where(
                out.exchange.in_(CHANNEL_EXCHANGES))):
            _announcement(snapshot, row.body, "outbox", event_id=row.event_id, at=row.created_at)

    async def review_rows(db: AsyncConnection) -> None:
        k = review.cases.c
        snapshot.cases = [CaseRow(**row._mapping) for row in await _rows(db, select(
            k.case_id, k.item_id, k.version, k.state, k.opened_at, k.decided_at))]
        out = outboxes["review"].tables["review.outbox"].c
        # Approvals travel with their item's kind as a last word (``routes``); rows sent before that without it.
        approvals = (out.routing_key == APPROVAL_KEY) | out.routing_key.startswith(f"{APPROVAL_KEY}.")
        for row in await _rows(db, select(out.body).where(approvals)):
            _approval(snapshot, row.body)

    async def notification_rows(db: AsyncConnection) -> None:
        d = notification.deadlines.c
        snapshot.deadlines = [DeadlineRow(**row._mapping) for row in await _rows(db, select(
            d.deadline_id, d.subject, d.item_id, d.version, d.rule, d.state, d.opened_at))]
        r = notification.requests.c
        for row in await _rows(db, select(r.request_id, r.answered_on)):
            snapshot.requests[row.request_id] = RequestRow(**row._mapping)

    async def outbox_rows(service: str, db: AsyncConnection) -> None:
        out = outboxes[service].tables[f"{service}.outbox"].c
        snapshot.outbox.extend(OutboxRow(service=service, **row._mapping) for row in await _rows(db, select(
            out.event_id, out.exchange, out.routing_key, out.created_at, out.sent_at)))

    async def audit_rows(db: AsyncConnection) -> None:
        e = audit.events.c
        live = (e.dead_lettered.is_(False), e.valid.is_(True), e.flag.is_(None))
        channels = [topology.exchange(x) for x in CHANNEL_EXCHANGES]
        for row in await _rows(db, select(e.event_id, e.body, e.received_at).where(
                *live[:2], e.exchange.in_(channels), e.type.in_(sorted(ANNOUNCEMENTS | _WITHDRAWALS)))):
            _announcement(snapshot, row.body, "audit", event_id=row.event_id, at=row.received_at)
        for row in await _rows(db, select(e.body).where(*live, e.type == c.REVIEW_APPROVED)):
            _approval(snapshot, row.body)

    async def with_role(service: str, *work: Any) -> None:
        engine = create_async_engine(settings.database_url_for(service), pool_size=1, max_overflow=0)
        try:
            async with engine.connect() as db:
                await db.execute(REPEATABLE_READ)
                for step in work:
                    await step(db)
        finally:
            await engine.dispose()

    await asyncio.gather(
        with_role("publishing", publishing_rows, lambda db: outbox_rows("publishing", db)),
        with_role("review", review_rows, lambda db: outbox_rows("review", db)),
        with_role("notification", notification_rows, lambda db: outbox_rows("notification", db)),
        with_role("audit", audit_rows, lambda db: outbox_rows("audit", db)),
        with_role("requests", lambda db: outbox_rows("requests", db)),
        with_role("participation", lambda db: outbox_rows("participation", db)),
        with_role("oversight", lambda db: outbox_rows("oversight", db)))
    # Which outbox rows audit has recorded, asked by id (the log's event id index) once the outboxes are read.
    ids = [row.event_id for row in snapshot.outbox]

    async def recorded(db: AsyncConnection) -> None:
        e = audit.events.c
        for chunk in _chunks(ids, CHUNK):
            snapshot.audited.update(r.event_id for r in await _rows(db, select(e.event_id).where(
                e.event_id.in_(chunk), e.dead_lettered.is_(False))))

    await with_role("audit", recorded)
    assert set(SERVICES) == set(outboxes)
    return snapshot


_WITHDRAWALS = frozenset({c.PUBLIC_DISCLOSURE_WITHDRAWN, c.STAFF_DISCLOSURE_WITHDRAWN})


async def _rows(db: AsyncConnection, query: Select[Any]) -> Sequence[Row[Any]]:
    result: Result[Any] = await db.execute(query)
    return result.all()


def _chunks(values: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _parse(body: bytes) -> Envelope | None:
    try:
        return parse(bytes(body))
    except MalformedEnvelope:
        return None


def _announcement(snapshot: Snapshot, body: bytes, where: str, *, event_id: str, at: datetime | None) -> None:
    envelope = _parse(body)
    if envelope is None or event_id in snapshot.announcements:
        return
    if envelope.type in _WITHDRAWALS:
        snapshot.withdrawals += 1
        snapshot.announcements[event_id] = Announcement(event_id, envelope.type, str(envelope.data.get("item_id")),
                                                        -1, "", where, at)
        return
    if envelope.type not in ANNOUNCEMENTS:
        return
    data = envelope.data
    version = data.get("version")
    snapshot.announcements[event_id] = Announcement(
        event_id, envelope.type, str(data.get("item_id")), version if isinstance(version, int) else -1,
        str(data.get("content_hash") or ""), where, at)


def _approval(snapshot: Snapshot, body: bytes) -> None:
    envelope = _parse(body)
    if envelope is not None and envelope.type == c.REVIEW_APPROVED:
        snapshot.approvals.append(envelope)
