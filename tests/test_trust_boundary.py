"""The review gate through the real broker, as a hostile client tries it: a forged approval — from any
source, from review's own source, sent with the staff-tool, public-site or another service's account, or a
genuine approval replayed for another item — never publishes, and audit records every attempt; a real
approval, decided by two reviewers in the review service, still publishes."""

from __future__ import annotations

import asyncio

import aio_pika
import aiormq
import pytest
from gongkai.audit.app import create_app as create_audit
from gongkai.audit.config import AuditConfig
from gongkai.publishing.app import create_app as create_publishing
from gongkai.review.app import create_app as create_review
from gongkai.shared import contracts as c
from gongkai.shared.envelope import CONTENT_TYPE, Envelope
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, connect_as, migrate, publish, running
from review_decisions import decision, signed, unsigned

SUBMITTER, AUDITOR = bearer("dev-submitter-token"), bearer("dev-auditor-token")
ZHAO, CHEN = bearer("dev-reviewer-token"), bearer("dev-reviewer2-token")
NOTICE = {"title": "关于调整城区公交线路的公告", "body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}
OTHER = {"title": "关于公交站点迁移的公告", "body": "5路公交车站点迁移。", "category": "S07"}


@pytest.fixture
async def system(settings: Settings):
    await migrate(settings, ("publishing", "review", "audit"))
    async with running(create_publishing(settings)) as publishing, running(create_review(settings)) as review, \
            running(create_audit(settings, AuditConfig(checkpoint_interval_seconds=3600))) as audit:
        yield publishing, review, audit


async def submit(publishing, events: Tap, item: dict) -> Envelope:
    item_id = (await publishing.post("/items", json=item, headers=SUBMITTER)).json()["item_id"]
    return await events.wait_for(c.REVIEW_CASE_OPENED, lambda e: e.subject == item_id)


async def refused_by_the_broker(settings: Settings, party: str, forged: Envelope) -> str:
    """A publish the broker itself refuses (the account may not write there): the channel is closed."""
    try:
        await publish(settings, "events", forged, account=party)
    except aiormq.exceptions.ChannelAccessRefused as exc:
        return str(exc)
    raise AssertionError(f"{party} published on the events exchange")


async def into_publishing(settings: Settings, party: str, forged: Envelope) -> None:
    connection = await connect_as(settings, party)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.default_exchange.publish(
            aio_pika.Message(forged.to_bytes(), message_id=forged.id, content_type=CONTENT_TYPE,
                             user_id=settings.broker_account(party)),
            routing_key=f"{settings.namespace}.publishing.reviews", mandatory=True)


async def refusals(audit, item_id: str, at_least: int) -> list[dict]:
    async with asyncio.timeout(30):
        while True:
            found = (await audit.get("/refusals", params={"item": item_id}, headers=AUDITOR)).json()["refusals"]
            if len(found) >= at_least:
                return found
            await asyncio.sleep(0.2)


async def test_no_forged_approval_publishes_and_audit_records_every_attempt(settings, system):
    publishing, review, audit = system
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        opened = await submit(publishing, events, NOTICE)
        item_id = opened.subject
        as_review = decision(c.REVIEW_APPROVED, opened, reviewers=("zhao.lei",), case_id=opened.data["case_id"])

        # The staff tool's and the public site's accounts may not write facts at all, and another service's
        # account may not write review's routing keys: the broker says no.
        for party in ("staff-tool", "public-site", "notification"):
            refusal = await refused_by_the_broker(settings, party, signed(c.REVIEW_APPROVED, as_review))
            assert "ACCESS_REFUSED" in refusal and settings.broker_account(party) in refusal
        # Another service's account, straight into publishing's queue through the default exchange (which a
        # service may write, to answer staff tools), with review's source and a plausible reviewer: parked.
        await into_publishing(settings, "notification", signed(c.REVIEW_APPROVED, as_review))
        # Review's own account without review's key: the signature is refused.
        await publish(settings, "events", unsigned(c.REVIEW_APPROVED, as_review))
        # A genuine approval of another item, relabelled for this one: the signature no longer matches.
        other = await submit(publishing, events, OTHER)
        genuine = signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, other, reviewers=("zhao.lei",)))
        relabelled = c.ReviewDecided.model_validate({**genuine.data, "item_id": item_id,
                                                     "content_hash": opened.data["content_hash"]})
        await publish(settings, "events", unsigned(c.REVIEW_APPROVED, relabelled))

        found = await refusals(audit, item_id, at_least=5)
        assert public.of_type(c.PUBLIC_DISCLOSURE_PUBLISHED) == []

        # The real thing: two reviewers decide in the review service; publishing verifies and publishes.
        url = f"/cases/{opened.data['case_id']}/decision"
        for who in (ZHAO, CHEN):
            answer = await review.post(url, headers=who, json={"decision": "approve",
                                                               "content_hash": opened.data["content_hash"]})
            assert answer.status_code == 200, answer.text
            if answer.json()["state"] == "approved":
                break
        published = await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.subject == item_id)
    assert published.data["content_hash"] == opened.data["content_hash"]

    security = [(r["type"], r["service"], r["account"]) for r in found if r["security"]]
    wrong_account = settings.broker_account("notification")
    assert (c.ACCESS_REFUSED, "publishing", wrong_account) in security  # the other service's account
    assert sum(1 for kind, _, _ in security if kind == c.DISCLOSURE_PUBLICATION_REFUSED) == 2  # key, replay
    reasons = " | ".join(r["reason"] or "" for r in found)
    assert "not signed by review" in reasons and "signature does not match" in reasons
    entries = (await audit.get("/events", params={"item": item_id, "type": c.REVIEW_APPROVED},
                               headers=AUDITOR)).json()["events"]
    # It never passed an exchange audit reads, so audit has it from the parking it went to: under the account
    # that really sent it.
    parked = [e["user_id"] for e in entries if e["dead_lettered"]]
    assert parked == [wrong_account]
