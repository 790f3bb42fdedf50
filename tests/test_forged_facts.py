"""A fact from the wrong broker account: the consumer parks it and records a security refusal; audit flags it."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from gongkai.audit.app import create_app as create_audit
from gongkai.audit.config import AuditConfig
from gongkai.publishing.app import create_app as create_publishing
from gongkai.shared import contracts as c
from gongkai.shared.envelope import CONTENT_TYPE, Envelope
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, connect_as, get_eventually, migrate, publish, running
from review_decisions import review_event

SUBMITTER, AUDITOR = bearer("dev-submitter-token"), bearer("dev-auditor-token")
ITEM = {"title": "2026年道路运输行政许可事项公告", "body": "现将许可事项公告如下。", "category": "S05"}


@pytest.fixture
async def services(settings: Settings):
    await migrate(settings, ("publishing", "audit"))
    async with running(create_publishing(settings)) as publishing, \
            running(create_audit(settings, AuditConfig(checkpoint_interval_seconds=3600))) as audit:
        yield publishing, audit


async def submitted_item(settings: Settings, publishing) -> Envelope:
    async with Tap(settings, "events", "disclosure.submitted.v1") as events:
        response = await publishing.post("/items", json=ITEM, headers=SUBMITTER)
        assert response.status_code == 201, response.text
        return await events.wait_for(c.DISCLOSURE_SUBMITTED)


def approval_of(submitted: Envelope) -> Envelope:
    """An approval exactly as review writes it, signed with review's key: only the account it comes from is wrong
    (or right) in these tests."""
    return review_event(c.REVIEW_APPROVED, submitted)


async def audit_entries(audit, type: str, count: int) -> list[dict]:
    async with asyncio.timeout(15):
        while True:
            response = await audit.get("/events", params={"type": type}, headers=AUDITOR)
            assert response.status_code == 200, response.text
            if len(entries := response.json()["events"]) >= count:
                return entries
            await asyncio.sleep(0.1)


async def test_an_approval_sent_by_another_services_account_is_parked_recorded_and_publishes_nothing(
        settings, services):
    publishing, audit = services
    submitted = await submitted_item(settings, publishing)
    forged = approval_of(submitted)
    async with Tap(settings, "events", "access.refused.v1") as refusals, Tap(settings, "public") as public:
        # notification's account may write the default exchange (for its answers): straight into publishing's queue
        connection = await connect_as(settings, "notification")
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            await channel.default_exchange.publish(
                aio_pika.Message(forged.to_bytes(), message_id=forged.id, content_type=CONTENT_TYPE,
                                 user_id=settings.broker_account("notification")),
                routing_key=f"{settings.namespace}.publishing.reviews", mandatory=True)
        refused = await refusals.wait_for(c.ACCESS_REFUSED)
        await asyncio.sleep(0.5)
        assert public.messages == []

    assert refused.data["reason"].endswith(f"this one came from {settings.broker_account('notification')} (user_id)")
    assert {k: v for k, v in refused.data.items() if k != "reason"} == {
        "service": "publishing", "via": "amqp", "what": c.REVIEW_APPROVED, "status": 403, "person": None,
        "account": settings.broker_account("notification"), "item_id": submitted.subject, "security": True}
    assert refused.causationid == forged.id
    item = (await publishing.get(f"/items/{submitted.subject}", headers=SUBMITTER)).json()
    assert item["versions"][0]["state"] != "published"
    admin = await connect_as(settings, None)
    async with admin:
        parked = await get_eventually(await (await admin.channel()).get_queue(f"{settings.namespace}.parking"))
    assert parked.message_id == forged.id and parked.headers["x-death"][0]["reason"] == "rejected"
    (recorded,) = await audit_entries(audit, c.ACCESS_REFUSED, 1)
    assert recorded["user_id"] == settings.broker_account("publishing") and recorded["flag"] is None


async def test_a_fact_on_the_events_exchange_without_its_owners_account_is_refused_and_flagged_by_audit(
        settings, services):
    publishing, audit = services
    submitted = await submitted_item(settings, publishing)
    forged = approval_of(submitted)
    async with Tap(settings, "events", "access.refused.v1") as refusals:
        await publish(settings, "events", forged, account=None, user_id=None)  # the administrator, no user_id
        refused = await refusals.wait_for(c.ACCESS_REFUSED)
    assert refused.data["account"] is None and "came from no account" in refused.data["reason"]

    (entry,) = [e for e in await audit_entries(audit, c.REVIEW_APPROVED, 1) if not e["dead_lettered"]]
    assert (entry["flag"], entry["user_id"]) == ("wrong-account", None)
    (own,) = [e for e in await audit_entries(audit, c.DISCLOSURE_SUBMITTED, 1) if e["envelope"]["id"] == submitted.id]
    assert (own["flag"], own["user_id"]) == (None, settings.broker_account("publishing"))
    genuine = approval_of(submitted).model_copy(update={"id": "genuine-approval"})
    async with Tap(settings, "public") as public:
        await publish(settings, "events", genuine)  # as review's account: the real one still publishes
        await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED)
