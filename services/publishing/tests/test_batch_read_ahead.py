"""A batch of review outcomes reads its items with their versions once (``PublishingUnitOfWork.prepare``); what
the handlers then do is what they do one event at a time: the case opened and the approval of one item in the
same batch publish it once, a copy of an approval or a second one changes nothing, and another item's approval in
the batch publishes that one."""

from __future__ import annotations

import asyncpg
import pytest
from gongkai.publishing.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.consumers import EventWork, decode
from gongkai.shared.envelope import Envelope
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, running
from review_decisions import review_event

SUBMITTER = bearer("dev-submitter-token")
ITEM = {"title": "2026年道路运输行政许可事项公告", "body": "根据《道路运输条例》，现将许可事项公告如下。",
        "category": "S05"}


@pytest.fixture
async def publishing(settings: Settings):
    await migrate(settings, ("publishing",))
    app = create_app(settings)
    async with running(app) as client:
        client.app = app
        yield client


async def publications(settings: Settings, item_id: str) -> int:
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        return await connection.fetchval("select count(*) from publishing.outbox where routing_key = $1 "
                                         "and convert_from(body, 'UTF8')::jsonb ->> 'subject' = $2",
                                         c.DISCLOSURE_PUBLISHED.removeprefix("gongkai."), item_id)
    finally:
        await connection.close()


def works(consumer, *events: Envelope) -> list[EventWork]:
    return [EventWork(e, decode(e), consumer.handlers[e.type]) for e in events]


async def test_one_batch_of_outcomes_publishes_each_approved_item_once(settings, publishing):
    [consumer] = [x for x in publishing.app.state.service.consumers if x.queue == "publishing.reviews"]
    async with Tap(settings, "events") as events:
        for _ in range(2):
            assert (await publishing.post("/items", json=ITEM, headers=SUBMITTER)).status_code == 201
        first = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        second = await events.wait_for(c.DISCLOSURE_SUBMITTED, lambda e: e.subject != first.subject)
    approved = review_event(c.REVIEW_APPROVED, first)
    batch = [review_event(c.REVIEW_CASE_OPENED, first), approved, approved,  # a copy of one delivery
             review_event(c.REVIEW_APPROVED, first),  # a second approval: the version is published already
             review_event(c.REVIEW_CASE_OPENED, second), review_event(c.REVIEW_APPROVED, second)]
    outcomes = await consumer.run_batch(works(consumer, *batch))
    assert [o.value for o in outcomes] == ["done"] * len(batch)
    for submitted in (first, second):
        item = (await publishing.get(f"/items/{submitted.subject}", headers=SUBMITTER)).json()
        assert [v["state"] for v in item["versions"]] == ["published"]
        assert await publications(settings, submitted.subject) == 1
    # The same outcomes again, in a batch of their own: everything was decided, nothing changes.
    await consumer.run_batch(works(consumer, review_event(c.REVIEW_APPROVED, first),
                                   review_event(c.REVIEW_CASE_OPENED, second)))
    for submitted in (first, second):
        item = (await publishing.get(f"/items/{submitted.subject}", headers=SUBMITTER)).json()
        assert [v["state"] for v in item["versions"]] == ["published"]
        assert await publications(settings, submitted.subject) == 1
