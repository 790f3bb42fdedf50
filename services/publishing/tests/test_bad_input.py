"""Bad input gets a clear 4xx (or intake.rejected) and stores nothing half-way."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from gongkai.publishing.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running

SUBMITTER, OTHER_UNIT, REVIEWER = bearer("dev-submitter-token"), bearer("dev-submitter2-token"), \
    bearer("dev-reviewer-token")
ITEM = {"title": "城区公交线路调整公告", "body": "自12月1日起调整。", "category": "S07"}
FILE = {"name": "线路图.pdf", "media_type": "application/pdf", "size": 1024, "sha256": "a" * 64}
PAST = (datetime.now(UTC) - timedelta(hours=1)).isoformat()


@pytest.fixture
async def publishing(settings: Settings):
    await migrate(settings, ("publishing",))
    async with running(create_app(settings)) as client:
        yield client


@pytest.mark.parametrize(("body", "headers", "status", "reason"), [
    ({**ITEM, "category": "X99"}, SUBMITTER, 422, "unknown category 'X99'; known: S01"),
    ({**ITEM, "category": "S05", "channels": ["media"]}, SUBMITTER, 422, "S05 does not allow the channels ['media']"),
    ({**ITEM, "category": "S03", "audience": "internal", "channels": ["portal"]}, SUBMITTER, 422,
     "internal-audience item cannot go to public channels ['portal']"),
    ({**ITEM, "category": "N02", "channels": ["bulletin"]}, SUBMITTER, 422, "internal staff only"),
    ({**ITEM, "release_at": PAST}, SUBMITTER, 422, "is in the past"),
    ({**ITEM, "release_at": "2030-01-01T09:00:00"}, SUBMITTER, 422, "needs a time zone"),
    ({**ITEM, "attachments": [FILE] * 1000}, SUBMITTER, 422, "attachments: List should have at most 50 items"),
    ({**ITEM, "attachments": [{**FILE, "sha256": "xyz"}]}, SUBMITTER, 422, "sha256"),
    ({**ITEM, "title": "长" * 10_000}, SUBMITTER, 422, "title: String should have at most 500 characters"),
    ({**ITEM, "body": " \u3000\n\t "}, SUBMITTER, 422, "whitespace"),
    (ITEM, REVIEWER, 403, "zhao.lei lacks the role submitter"),
])
@pytest.mark.parametrize("route", ["/items", "/drafts"])
async def test_a_bad_item_gets_a_reason_and_stores_nothing(settings, publishing, route, body, headers, status,
                                                           reason):
    async with Tap(settings, "events") as events:
        response = await publishing.post(route, json=body, headers=headers)
        assert response.status_code == status, response.text
        assert reason in response.json()["detail"]
        assert (await publishing.get("/items", headers=SUBMITTER)).json()["total"] == 0
        refusal = await events.wait_for(c.ACCESS_REFUSED)
    assert (refusal.data["what"], refusal.data["status"]) == (f"POST {route}", status)
    assert [e.type for _, e in events.messages] == [c.ACCESS_REFUSED]  # the refusal, and nothing it changed


async def test_bad_json_is_refused(publishing):
    broken = await publishing.post("/drafts", content=b'{"title": ', headers={**SUBMITTER,
                                                                              "content-type": "application/json"})
    assert broken.status_code == 422 and "JSON" in broken.json()["detail"]


async def test_commands_on_an_item_that_does_not_fit_its_state_are_refused_with_the_state(publishing):
    item_id = (await publishing.post("/items", json=ITEM, headers=SUBMITTER)).json()["item_id"]
    twice = await publishing.post(f"/items/{item_id}/submit", headers=SUBMITTER)
    assert twice.status_code == 409 and "is submitted; it cannot become submitted" in twice.json()["detail"]
    never = await publishing.post(f"/items/{item_id}/withdraw", json={"reason": "错误"}, headers=SUBMITTER)
    assert never.status_code == 409 and "has never been published" in never.json()["detail"]
    past = await publishing.post(f"/items/{item_id}/schedule", json={"release_at": PAST}, headers=SUBMITTER)
    assert past.status_code == 422 and "in the past" in past.json()["detail"]
    ghost = await publishing.post("/items/no-such-item/withdraw", json={"reason": "x"}, headers=SUBMITTER)
    assert ghost.status_code == 404


async def test_staff_of_another_unit_and_other_roles_cannot_change_an_item(publishing):
    item_id = (await publishing.post("/drafts", json=ITEM, headers=SUBMITTER)).json()["item_id"]
    other = await publishing.post(f"/items/{item_id}/versions", json=ITEM, headers=OTHER_UNIT)
    assert other.status_code == 404 and other.json()["detail"] == f"no item {item_id}"  # as if there were none
    reviewer = await publishing.post(f"/items/{item_id}/submit", headers=REVIEWER)
    assert reviewer.status_code == 404  # a draft is not awaiting review: reviewers do not see it
    auditor = await publishing.post(f"/items/{item_id}/submit", headers=bearer("dev-auditor-token"))
    assert auditor.status_code == 403 and "lacks the role submitter" in auditor.json()["detail"]
    edit_bad = await publishing.post(f"/items/{item_id}/versions", json={**ITEM, "channels": ["billboard"]},
                                     headers=SUBMITTER)
    assert edit_bad.status_code == 422
    versions = (await publishing.get(f"/items/{item_id}", headers=SUBMITTER)).json()["versions"]
    assert [v["state"] for v in versions] == ["draft"]


async def test_intake_commands_reach_the_same_rules_and_refusals_come_back_with_the_reason(settings, publishing):
    auth = {"authorization": "Bearer dev-submitter-token"}
    async with Tap(settings, "events") as events:
        create = new_event(c.CREATE_DISCLOSURE, ITEM, source="/staff-tool", actor="staff-tool")
        await publish(settings, "intake", create, headers=auth)
        async with asyncio.timeout(15):
            while not (listed := (await publishing.get("/items", headers=SUBMITTER)).json())["total"]:
                await asyncio.sleep(0.05)
        item_id = listed["items"][0]["item_id"]
        edit = new_event(c.EDIT_DISCLOSURE, {**ITEM, "item_id": item_id, "title": "新版本", "submit": True},
                         source="/staff-tool", actor="staff-tool")
        await publish(settings, "intake", edit, headers=auth)
        submitted = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        withdraw = new_event(c.WITHDRAW_DISCLOSURE, {"item_id": item_id, "reason": "错误"}, source="/staff-tool",
                             actor="staff-tool")
        await publish(settings, "intake", withdraw, headers=auth)
        rejected = await events.wait_for(c.INTAKE_REJECTED)
    assert submitted.data["version"] == 2 and submitted.data["title"] == "新版本"
    assert rejected.data["status"] == 409 and "never been published" in rejected.data["reason"]
    assert rejected.data["command_type"] == c.WITHDRAW_DISCLOSURE
