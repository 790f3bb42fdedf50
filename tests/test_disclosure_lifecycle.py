"""An item's whole life across the four service processes: published, changed, re-reviewed, updated, withdrawn.

Review runs for real (screening, cases); an automatic reviewer approves every case through intake commands.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from gongkai.shared import contracts as c
from gongkai.shared.testing import Tap, bearer
from gongkai_system import AutoReviewer, started_system

SUBMITTER, PUBLISHER = bearer("dev-submitter-token"), bearer("dev-publisher-token")
PERMIT = {"title": "道路运输经营许可办理指南", "body": "申请道路客运经营许可，应提交下列材料。",
          "summary": "客运经营许可办理", "category": "S05", "formed_on": "2026-11-20"}
TARGETS = {"title": "2026年度工作目标及执行情况", "body": "全年目标完成情况如下。", "category": "N01",
           "audience": "internal"}


@pytest.fixture
def system(settings, tmp_path):
    with started_system(settings, tmp_path) as system:
        yield system


async def until(fetch, ok, timeout: float = 30.0):
    """Call ``fetch`` until ``ok(result)`` holds; returns the last result."""
    async with asyncio.timeout(timeout):
        while not ok(result := await fetch()):
            await asyncio.sleep(0.1)
    return result


def on(item_id: str):
    return lambda e: e.subject == item_id


async def test_an_item_is_published_updated_after_a_change_and_withdrawn_across_the_services(settings, system):
    publishing = system.url("publishing")
    async with httpx.AsyncClient(base_url=publishing, timeout=10) as http, AutoReviewer(settings), \
            Tap(settings, "public") as public, Tap(settings, "public", "bulletin.#") as bulletin, \
            Tap(settings, "events") as events:
        draft = await http.post("/drafts", json=PERMIT, headers=SUBMITTER)
        assert draft.status_code == 201, draft.text
        item_id = draft.json()["item_id"]
        assert (await http.post(f"/items/{item_id}/submit", headers=SUBMITTER)).status_code == 200
        first = await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, on(item_id), timeout=30)
        assert first.data["version"] == 1 and first.data["summary"] == "客运经营许可办理"

        changed = await http.post(f"/items/{item_id}/information-changed", json={"changed_on": "2026-11-25"},
                                  headers=SUBMITTER)
        assert changed.status_code == 200, changed.text
        await events.wait_for(c.DISCLOSURE_INFORMATION_CHANGED, on(item_id))
        edited = await http.post(f"/items/{item_id}/versions", headers=SUBMITTER, json={
            **{k: v for k, v in PERMIT.items() if k != "category"}, "body": "材料清单已调整，见下。",
            "formed_on": "2026-11-25", "submit": True})
        assert edited.status_code == 201 and edited.json()["version"] == 2, edited.text
        await events.wait_for(c.REVIEW_APPROVED, lambda e: e.subject == item_id and e.data["version"] == 2,
                              timeout=30)
        updated = await public.wait_for(c.PUBLIC_DISCLOSURE_UPDATED, on(item_id), timeout=30)
        assert updated.data["action"] == "updated" and updated.data["body"] == "材料清单已调整，见下。"

        withdrawn = await http.post(f"/items/{item_id}/withdraw", json={"reason": "该许可事项已取消"},
                                    headers=PUBLISHER)
        assert withdrawn.status_code == 200, withdrawn.text
        await public.wait_for(c.PUBLIC_DISCLOSURE_WITHDRAWN, lambda e: e.subject == item_id and
                              e.data["channel"] == "portal")
        await bulletin.wait_for(c.PUBLIC_DISCLOSURE_WITHDRAWN, on(item_id))
        page = (await http.get(f"/public/items/{item_id}")).json()

    mine = [(key, e) for key, e in public.messages if e.subject == item_id]
    assert sorted(key for key, _ in mine) == [
        "bulletin.S05.published", "bulletin.S05.updated", "bulletin.S05.withdrawn",
        "portal.S05.published", "portal.S05.updated", "portal.S05.withdrawn"]
    assert sorted(key for key, _ in bulletin.messages) == [
        "bulletin.S05.published", "bulletin.S05.updated", "bulletin.S05.withdrawn"]
    assert page["withdrawn"]["reason"] == "该许可事项已取消"
    assert [(h["version"], h["action"], h["state"]) for h in page["history"]] == [
        (2, "updated", "withdrawn"), (1, "published", "superseded")]


async def test_an_internal_item_reaches_only_the_staff_exchange_and_never_the_read_side(settings, system):
    publishing = system.url("publishing")
    async with httpx.AsyncClient(base_url=publishing, timeout=10) as http, AutoReviewer(settings), \
            Tap(settings, "public") as public, Tap(settings, "staff") as staff:
        created = await http.post("/items", json=TARGETS, headers=SUBMITTER)
        assert created.status_code == 201, created.text
        item_id = created.json()["item_id"]
        notice = await staff.wait_for(c.STAFF_DISCLOSURE_PUBLISHED, on(item_id), timeout=30)
        item = await until(lambda: http.get(f"/items/{item_id}", headers=SUBMITTER),
                           lambda r: r.json()["versions"][0]["state"] == "published")
        assert item.json()["versions"][0]["state"] == "published"
        search = (await http.get("/public/search", params={"q": "工作目标"})).json()
        listing = (await http.get("/public/items")).json()
        page = await http.get(f"/public/items/{item_id}")

    assert [key for key, _ in staff.messages] == ["bulletin.N01.published"]
    assert notice.data["title"] == TARGETS["title"] and notice.data["unit"] == "办公室"
    assert [e for _, e in public.messages if e.subject == item_id] == []
    assert search["total"] == 0 and listing["total"] == 0 and page.status_code == 404
