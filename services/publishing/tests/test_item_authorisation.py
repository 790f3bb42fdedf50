"""Who may read an item: staff of its unit, reviewers while it awaits review, auditors always; to anyone else
it does not exist (404, not 403, so that ids and units do not leak), and the refusal is recorded."""

from __future__ import annotations

import asyncio

import pytest
from gongkai.publishing.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running
from review_decisions import review_event

DRAFT = {"title": "关于2027年道路货运补贴的征求意见稿", "body": "内部讨论稿，请勿外传。", "category": "S05",
         "contact": "办公室 李娜 0571-00000000"}
OWNER = bearer("dev-submitter-token")  # 李娜, 办公室


@pytest.fixture
async def publishing(settings: Settings):
    await migrate(settings, ("publishing",))
    async with running(create_app(settings)) as client:
        yield client


@pytest.fixture
async def draft(publishing) -> str:
    created = await publishing.post("/drafts", json=DRAFT, headers=OWNER)
    assert created.status_code == 201, created.text
    return created.json()["item_id"]


@pytest.mark.parametrize(("token", "status"), [
    ("dev-submitter2-token", 404),   # 王芳, a submitter of 运输管理科
    ("dev-reviewer-token", 404),     # 赵磊, a reviewer: a draft awaits no review
    ("dev-admin-token", 404),        # 系统管理员: administering the system is not reading its items
    ("dev-publisher-token", 200),    # 孙强, publisher of 办公室: the item's own unit
    ("dev-auditor-token", 200),      # 周敏, auditor: everything
    ("dev-submitter-token", 200),    # 李娜 herself
])
async def test_another_units_draft_is_visible_only_to_its_unit_and_to_auditors(publishing, draft, token, status):
    response = await publishing.get(f"/items/{draft}", headers=bearer(token))
    assert response.status_code == status, response.text
    if status == 404:
        assert response.json() == {"detail": f"no item {draft}"}  # word for word what a missing item answers
        assert (await publishing.get("/items/no-such-item", headers=bearer(token))).json() == \
            {"detail": "no item no-such-item"}
    else:
        assert response.json()["versions"][0]["contact"] == DRAFT["contact"]


async def test_a_reviewer_sees_an_item_while_it_awaits_review_and_not_after(settings, publishing, draft):
    reviewer = bearer("dev-reviewer-token")
    async with Tap(settings, "events") as events:
        assert (await publishing.post(f"/items/{draft}/submit", headers=OWNER)).status_code == 200
        submitted = await events.wait_for(c.DISCLOSURE_SUBMITTED)
    shown = await publishing.get(f"/items/{draft}", headers=reviewer)
    assert shown.status_code == 200 and shown.json()["versions"][0]["state"] == "submitted"

    await publish(settings, "events", review_event(c.REVIEW_REJECTED, submitted, reason="不宜公开"))
    async with asyncio.timeout(15):
        while (await publishing.get(f"/items/{draft}", headers=OWNER)).json()["versions"][0]["state"] != "rejected":
            await asyncio.sleep(0.05)
    assert (await publishing.get(f"/items/{draft}", headers=reviewer)).status_code == 404


async def test_staff_who_may_not_see_an_item_cannot_act_on_it_either_and_the_refusal_is_recorded(
        settings, publishing, draft):
    other = bearer("dev-submitter2-token")
    async with Tap(settings, "events") as events:
        for path, body in ((f"/items/{draft}/versions", DRAFT), (f"/items/{draft}/submit", None),
                           (f"/items/{draft}/withdraw", {"reason": "错误"})):
            response = await publishing.post(path, json=body, headers=other)
            assert response.status_code == 404 and response.json() == {"detail": f"no item {draft}"}
        async with asyncio.timeout(15):
            while len(refusals := events.of_type(c.ACCESS_REFUSED)) < 3:
                await asyncio.sleep(0.05)
    assert {r.data["what"] for r in refusals} == {"POST /items/{item_id}/versions", "POST /items/{item_id}/submit",
                                                  "POST /items/{item_id}/withdraw"}
    assert all(r.data["person"] == "wang.fang" and r.data["item_id"] == draft and r.data["status"] == 404
               for r in refusals)
    # The audit log is told why; the caller was not.
    assert "belongs to 办公室; wang.fang of 运输管理科 may not see it" in refusals[0].data["reason"]
    assert [v["state"] for v in (await publishing.get(f"/items/{draft}", headers=OWNER)).json()["versions"]] == \
        ["draft"]
