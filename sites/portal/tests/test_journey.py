"""The portal's part of the journey, in a real browser against the real publishing and review services: a notice
with a phone number in it is redacted by a reviewer and approved, appears on the portal without the number, is
withdrawn and becomes a tombstone, and the e-screen shows the latest notices."""

from __future__ import annotations

import httpx
from gongkai.portal.app import PortalSettings
from gongkai.portal.app import create_app as portal_app
from gongkai.publishing.app import create_app as publishing_app
from gongkai.review.app import create_app as review_app
from gongkai.shared.testing import bearer, migrate
from portal_helpers import eventually, serve

SUBMITTER, REVIEWER, REVIEWER2 = bearer("dev-submitter-token"), bearer("dev-reviewer-token"), \
    bearer("dev-reviewer2-token")
PHONE = "13912345678"
NOTICE = {"title": "关于3路公交车临时改道的公告",
          "body": f"因道路施工，3路公交车自12月5日起临时改道。如有疑问请联系调度员王某，手机{PHONE}。",
          "category": "S07"}


async def case_of(review: httpx.AsyncClient, item_id: str, version: int) -> dict:
    async def found() -> dict | None:
        answer = await review.get("/cases", params={"item_id": item_id, "state": "all"}, headers=REVIEWER)
        return next((k for k in answer.json() if k["version"] == version), None) if answer.status_code == 200 \
            else None

    return await eventually(found, timeout=30)


async def test_a_redacted_and_approved_notice_reaches_the_portal_without_the_number_then_becomes_a_tombstone(
        portal_settings, page):
    settings = portal_settings
    await migrate(settings, ("publishing", "review"))
    async with serve(publishing_app(settings)) as publishing_url, serve(review_app(settings)) as review_url, \
            serve(portal_app(settings, PortalSettings(screen_seconds=2))) as portal_url, \
            httpx.AsyncClient(base_url=publishing_url) as publishing, \
            httpx.AsyncClient(base_url=review_url) as review:
        created = await publishing.post("/items", json=NOTICE, headers=SUBMITTER)
        assert created.status_code == 201, created.text
        item_id = created.json()["item_id"]

        first = await case_of(review, item_id, 1)
        [finding] = [f for f in first["findings"] if NOTICE["body"][f["start"]:f["end"]] == PHONE]
        redact = await review.post(f"/cases/{first['case_id']}/decision", headers=REVIEWER, json={
            "decision": "redact", "content_hash": first["content_hash"], "reason": "删除个人手机号码",
            "spans": [{"field": "body", "start": finding["start"], "end": finding["end"]}]})
        assert redact.status_code == 200, redact.text
        second = await case_of(review, item_id, 2)
        for reviewer in (REVIEWER2, REVIEWER):  # as many different reviewers as the risk needs
            decided = await review.post(f"/cases/{second['case_id']}/decision", headers=reviewer,
                                        json={"decision": "approve", "content_hash": second["content_hash"]})
            assert decided.status_code == 200, decided.text
            if decided.json()["state"] == "approved":
                break

        await page.set_viewport_size({"width": 1280, "height": 900})

        async def on_home() -> bool:
            await page.goto(portal_url + "/")
            return await page.get_by_role("link", name=NOTICE["title"]).count() == 1

        await eventually(on_home, timeout=30, interval=0.5)
        await page.get_by_role("link", name=NOTICE["title"]).click()
        await page.get_by_text("临时改道").first.wait_for()
        html = await page.content()
        assert PHONE not in html and "×××" in html and "第 2 版" in html

        await page.goto(portal_url + "/screen")
        assert await page.locator("[data-slide]:visible h2").text_content() == NOTICE["title"]

        gone = await publishing.post(f"/items/{item_id}/withdraw", json={"reason": "施工计划调整，公告撤回"},
                                     headers=SUBMITTER)
        assert gone.status_code == 200, gone.text

        async def tombstone() -> bool:
            await page.goto(portal_url + f"/items/{item_id}")
            return await page.get_by_role("heading", name="本信息已撤回").count() == 1

        await eventually(tombstone, timeout=30, interval=0.5)
        await page.get_by_text("撤回原因：施工计划调整，公告撤回").wait_for()
        html = await page.content()
        assert "临时改道。" not in html and PHONE not in html and "×××" not in html
        await page.goto(portal_url + "/screen")
        assert NOTICE["title"] not in await page.content()  # the hall's screen shows live notices only
