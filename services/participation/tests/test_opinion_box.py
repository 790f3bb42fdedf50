"""The opinion box through the HTTP API on the real broker and database: the public form with its limits, staff
entry, routing, the reply, moderation, publication on review's signed approval, and the statistics. Each bad
input is refused with its reason, changes nothing, and its refusal is recorded."""

from __future__ import annotations

import pytest
from gongkai.participation.app import ParticipationSettings, create_app
from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.testing import Tap, bearer, migrate, publish, running
from review_decisions import decision, signed

CLERK, HEAD, AUDITOR = bearer("dev-submitter-token"), bearer("dev-publisher-token"), bearer("dev-auditor-token")
FORM = {"title": "建议增开夜间公交", "text": "希望3路公交车延长末班车时间到23点。", "topic": "public-transport",
        "name": "张三", "contact": {"phone": "13800138000"}, "wants_reply": True, "may_publish": True}


@pytest.fixture
async def app(settings):
    await migrate(settings, ("participation",))
    own = ParticipationSettings(form_per_address=1000, form_per_contact=3)
    async with running(create_app(settings, own)) as client:
        yield client


def today() -> str:
    from datetime import UTC, datetime

    return local_date(datetime.now(UTC)).isoformat()


async def opinion(app, headers=None, **changes):
    return await app.post("/public/opinions", json={**FORM, **changes}, headers=headers or {})


async def test_an_opinion_is_routed_answered_published_after_approval_and_counted(settings, app):
    async with Tap(settings, "events", "participation.#") as events, Tap(settings, "public") as public:
        made = await opinion(app)
        assert made.status_code == 201, made.text
        oid, secret = made.json()["opinion_id"], made.json()["secret"]
        await events.wait_for(c.OPINION_RECEIVED, lambda e: e.subject == oid)

        status = await app.post("/public/opinions/status", json={"opinion_id": oid, "secret": secret})
        assert status.status_code == 200 and status.json()["state_name"] == "已收到"
        assert (await app.post("/public/opinions/status", json={"opinion_id": oid, "secret": "x"})).status_code == 404

        routed = await app.post(f"/opinions/{oid}/routing", json={"unit": "运输管理科", "on": today()}, headers=HEAD)
        assert routed.status_code == 200, routed.text
        empty = await app.post(f"/opinions/{oid}/reply", json={"text": "  ", "answered_on": today()}, headers=CLERK)
        assert empty.status_code == 422 and "needs its text" in empty.json()["detail"]
        assert (await app.get(f"/opinions/{oid}", headers=CLERK)).json()["state"] == "routed"
        replied = await app.post(f"/opinions/{oid}/reply", json={"text": "已协调公交公司，12月起末班车延至23点。",
                                                                 "answered_on": today()}, headers=CLERK)
        assert replied.status_code == 200 and replied.json()["state"] == "answered", replied.text
        status = await app.post("/public/opinions/status", json={"opinion_id": oid, "secret": secret})
        assert "末班车延至23点" in status.json()["reply"]

        asked = await app.post(f"/opinions/{oid}/publication", json={"opinion_text": "希望延长3路末班车时间。"},
                               headers=HEAD)
        assert asked.status_code == 200 and asked.json()["review"] == "pending", asked.text
        submitted = await events.wait_for(c.PUBLICATION_SUBMITTED, lambda e: e.subject == f"opinion:{oid}")
        assert (await app.get(f"/public/opinions/{oid}")).status_code == 404  # not before approval

        await publish(settings, "events", signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted)))
        shown = await public.wait_for(c.PUBLIC_OPINION_PUBLISHED, lambda e: e.data["opinion_id"] == oid)
        assert shown.data["content_hash"] == submitted.data["content_hash"]
        assert "13800138000" not in shown.data["body"] and "张三" not in shown.data["body"]
        page = await app.get(f"/public/opinions/{oid}")
        assert page.status_code == 200 and page.json()["body"] == submitted.data["body"]
        assert [o["opinion_id"] for o in (await app.get("/public/opinions")).json()] == [oid]

        stats = (await app.get("/statistics", headers=AUDITOR)).json()["opinions"]
        assert (stats["total"]["received"], stats["total"]["answered"], stats["total"]["published"]) == (1, 1, 1)
        assert [r["received"] for r in stats["by_unit"] if r["key"] == "运输管理科"] == [1]

        hidden = await app.post(f"/opinions/{oid}/hiding", json={"reason": "当事人要求撤下"}, headers=HEAD)
        assert hidden.status_code == 200, hidden.text
        await public.wait_for(c.PUBLIC_OPINION_WITHDRAWN, lambda e: e.data["opinion_id"] == oid)
        assert (await app.get(f"/public/opinions/{oid}")).status_code == 404
        kept = (await app.get(f"/opinions/{oid}", headers=AUDITOR)).json()
        assert kept["hidden_reason"] == "当事人要求撤下" and kept["text"] == FORM["text"]  # never deleted


BAD = [
    ("asks for a reply with no contact", {"contact": {}}, 422, "no way to reach the person"),
    ("a honeypot filled", {"website": "http://spam.example"}, 400, "not accepted"),
    ("a text over the limit", {"text": "长" * 4001}, 422, "text"),
    ("an unknown topic", {"topic": "weather"}, 422, "topics"),
]


@pytest.mark.parametrize(("what", "changes", "status", "reason"), BAD, ids=[b[0] for b in BAD])
async def test_a_bad_opinion_is_refused_with_its_reason_and_nothing_is_stored(app, what, changes, status, reason):
    refused = await opinion(app, **changes)
    assert refused.status_code == status and reason in refused.json()["detail"]
    assert (await app.get("/opinions", headers=CLERK)).json() == []


async def test_duplicates_and_too_many_from_one_contact_are_refused(settings, app):
    async with Tap(settings, "events", "access.#") as refusals:
        assert (await opinion(app)).status_code == 201
        again = await opinion(app, text="希望3路公交车，延长末班车时间到23点")
        assert again.status_code == 409 and "same opinion" in again.json()["detail"]
        other = await opinion(app, text="道路坑洼请修补")  # the third this day from this contact: the duplicate counted
        assert other.status_code == 201
        fourth = await opinion(app, text="第四条")
        assert fourth.status_code == 429 and int(fourth.headers["retry-after"]) > 0
        await refusals.wait_for(c.ACCESS_REFUSED, lambda e: e.data["status"] == 429)
    assert len((await app.get("/opinions", headers=CLERK)).json()) == 2


async def test_staff_enter_letters_and_visits_and_a_reply_without_routing_is_refused(app):
    letter = await app.post("/opinions", headers=CLERK, json={**FORM, "channel": "letter", "received_on": today()})
    assert letter.status_code == 201, letter.text
    oid = letter.json()["opinion_id"]
    early = await app.post(f"/opinions/{oid}/reply", json={"text": "答复", "answered_on": today()}, headers=CLERK)
    assert early.status_code == 409 and "not routed" in early.json()["detail"]
    assert (await app.post(f"/opinions/{oid}/routing", json={"unit": "运输管理科", "on": today()},
                           headers=CLERK)).status_code == 403
    assert (await app.post("/opinions", json={**FORM, "channel": "letter", "received_on": today()})).status_code == 401
    assert (await app.get(f"/opinions/{oid}", headers=CLERK)).json()["state"] == "received"
