"""Notification against the real broker and database: deadlines opened, met and cancelled by events."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from gongkai.notification.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running

STAFF = bearer("dev-submitter-token")
HASH = "sha256:" + "a" * 64
SUBMITTED_AT = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 2026-10-01 01:00 in Shanghai


@pytest.fixture
async def notification(settings: Settings):
    await migrate(settings, ("notification",))
    async with running(create_app(settings)) as client:
        yield client


def at(event: Envelope, moment: datetime) -> Envelope:
    return event.model_copy(update={"time": moment})


def submitted(item_id: str, moment: datetime = SUBMITTED_AT) -> Envelope:
    data = c.DisclosureSubmitted(item_id=item_id, version=1, title="2026年道路运输行政许可事项公告", body="公告如下。",
                                 category="S05", audience=c.Audience.public, channels=[c.Channel.portal],
                                 unit="办公室", submitted_by="li.na", content_hash=HASH)
    return at(new_event(c.DISCLOSURE_SUBMITTED, data, source="/gongkai/publishing", actor="li.na", subject=item_id),
              moment)


def published(item_id: str, moment: datetime) -> Envelope:
    data = c.DisclosurePublished(item_id=item_id, version=1, content_hash=HASH, audience=c.Audience.public,
                                 channels=[c.Channel.portal], category="S05", published_at=moment)
    return at(new_event(c.DISCLOSURE_PUBLISHED, data, source="/gongkai/publishing", actor="service:publishing",
                        subject=item_id), moment)


def stopped(type: str, item_id: str) -> Envelope:
    if type == c.REVIEW_BLOCKED:
        data = c.ReviewBlocked(case_id="case-1", item_id=item_id, version=1, content_hash=HASH, findings=[],
                               reason="classification marking 机密")
    else:
        data = c.ReviewDecided(case_id="case-1", item_id=item_id, version=1, content_hash=HASH, reviewer="zhao.lei",
                               reason="不予公开")
    return new_event(type, data, source="/gongkai/review", actor="zhao.lei", subject=item_id)


def new_item() -> str:
    return str(uuid.uuid4())


async def handled(settings: Settings, *events: Envelope, timeout: float = 15.0) -> None:
    """Wait until the service's inbox holds every event: it was handled, whether or not it emitted anything."""
    keys = [f"notification.deadlines:{e.id}" for e in events]
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        async with asyncio.timeout(timeout):
            query = "select count(*) from notification.inbox where message_id = any($1::text[])"
            while await connection.fetchval(query, keys) < len(keys):
                await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def deadlines_of(client, item_id: str) -> list[dict]:
    response = await client.get("/deadlines", params={"item_id": item_id}, headers=STAFF)
    assert response.status_code == 200, response.text
    return response.json()["deadlines"]


async def test_a_submission_opens_a_publish_deadline_due_15_days_after_the_shanghai_date(settings, notification):
    item = new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        event = submitted(item)
        await publish(settings, "events", event)
        opened = await events.wait_for(c.DEADLINE_OPENED)
    assert opened.subject == item and opened.causationid == event.id and opened.actor == "service:notification"
    assert opened.data["rule"] == "publish" and opened.data["item_id"] == item
    assert (opened.data["opened_on"], opened.data["due_on"]) == ("2026-10-01", "2026-10-16")
    [deadline] = await deadlines_of(notification, item)
    assert deadline["deadline_id"] == opened.data["deadline_id"]
    assert (deadline["state"], deadline["closed_at"], deadline["late"]) == ("open", None, None)


@pytest.mark.parametrize(("published_at", "late"), [
    (datetime(2026, 10, 16, 15, 59, tzinfo=UTC), False),  # 23:59 on the due day in Shanghai
    (datetime(2026, 10, 16, 16, 0, tzinfo=UTC), True),    # 00:00 the day after, in Shanghai
])
async def test_publication_meets_the_open_deadline_and_says_whether_it_was_late(settings, notification,
                                                                                 published_at, late):
    item = new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", submitted(item))
        opened = await events.wait_for(c.DEADLINE_OPENED)
        await publish(settings, "events", published(item, published_at))
        met = await events.wait_for(c.DEADLINE_MET)
    assert met.subject == item and met.data["deadline_id"] == opened.data["deadline_id"]
    assert met.data["late"] is late and met.data["due_on"] == "2026-10-16"
    assert datetime.fromisoformat(met.data["closed_at"]) == published_at
    [deadline] = await deadlines_of(notification, item)
    assert (deadline["state"], deadline["late"]) == ("met", late)
    open_ones = (await notification.get("/deadlines", params={"state": "open"}, headers=STAFF)).json()["deadlines"]
    assert item not in [d["item_id"] for d in open_ones]


@pytest.mark.parametrize("stop", [c.REVIEW_REJECTED, c.REVIEW_BLOCKED])
async def test_a_rejection_or_a_block_cancels_the_open_deadline(settings, notification, stop):
    item = new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", submitted(item))
        opened = await events.wait_for(c.DEADLINE_OPENED)
        await publish(settings, "events", stopped(stop, item))
        cancelled = await events.wait_for(c.DEADLINE_CANCELLED)
    assert cancelled.data["deadline_id"] == opened.data["deadline_id"] and cancelled.data["late"] is False
    [deadline] = await deadlines_of(notification, item)
    assert deadline["state"] == "cancelled" and deadline["closed_at"] is not None
    cancelled_ones = await notification.get("/deadlines", params={"state": "cancelled"}, headers=STAFF)
    assert [d["item_id"] for d in cancelled_ones.json()["deadlines"]] == [item]


async def test_a_duplicated_or_repeated_submission_opens_one_deadline(settings, notification):
    item = new_item()
    first, repeated = submitted(item), submitted(item)
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", first)
        await publish(settings, "events", first)
        await publish(settings, "events", repeated)
        await handled(settings, first, repeated)
        await publish(settings, "events", published(item, datetime(2026, 10, 2, tzinfo=UTC)))
        await events.wait_for(c.DEADLINE_MET)  # emitted after every opened event, so they have all arrived
    assert len(events.of_type(c.DEADLINE_OPENED)) == 1
    assert len(await deadlines_of(notification, item)) == 1


async def test_a_publication_before_its_submission_leaves_no_open_deadline(settings, notification):
    item, other = new_item(), new_item()
    early, late_submission = published(item, datetime(2026, 10, 2, tzinfo=UTC)), submitted(item)
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", early)
        await handled(settings, early)
        await publish(settings, "events", late_submission)
        await handled(settings, late_submission)
        await publish(settings, "events", submitted(other))
        await events.wait_for(c.DEADLINE_OPENED, lambda e: e.subject == other)  # emitted after anything for item
    assert [e for _, e in events.messages if e.subject == item] == []
    assert await deadlines_of(notification, item) == []


async def test_deadlines_are_read_by_any_authenticated_staff_member_only(notification):
    assert (await notification.get("/deadlines")).status_code == 401
    assert (await notification.get("/deadlines", headers=bearer("no-such-token"))).status_code == 401
    for token in ("dev-submitter-token", "dev-reviewer-token", "dev-auditor-token"):
        response = await notification.get("/deadlines", headers=bearer(token))
        assert response.status_code == 200 and response.json() == {"deadlines": []}
    bad_state = await notification.get("/deadlines", params={"state": "late"}, headers=STAFF)
    assert bad_state.status_code == 422


async def test_a_submission_and_its_publication_handled_at_once_never_leave_an_open_deadline(settings, notification):
    items = [new_item() for _ in range(20)]
    pairs = [(submitted(item), published(item, datetime(2026, 10, 2, tzinfo=UTC))) for item in items]
    await asyncio.gather(*(publish(settings, "events", event) for pair in pairs for event in pair))
    await handled(settings, *(event for pair in pairs for event in pair))
    open_ones = (await notification.get("/deadlines", params={"state": "open"}, headers=STAFF)).json()["deadlines"]
    assert open_ones == []
