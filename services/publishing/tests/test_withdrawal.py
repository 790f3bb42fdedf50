"""Withdrawal takes content down: the item page becomes a tombstone, search and feeds stop showing its text,
and a new approved version puts it back."""

from __future__ import annotations

import asyncpg
import pytest
from gongkai.publishing.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running
from review_decisions import review_event

SUBMITTER = bearer("dev-submitter-token")
SECRET = "误发的内部电话簿"  # what was published by mistake: it must leave every public answer
NOTICE = {"title": "关于调整城区公交线路的公告", "body": f"自12月1日起，3路公交车调整走向。附：{SECRET}。",
          "summary": f"3路公交改线（{SECRET}）", "category": "S07",
          "attachments": [{"name": "线路图.pdf", "media_type": "application/pdf", "size": 1024, "sha256": "a" * 64,
                           "text": f"线路图 {SECRET}"}]}


@pytest.fixture
async def publishing(settings: Settings):
    await migrate(settings, ("publishing",))
    async with running(create_app(settings)) as client:
        yield client


async def approved(settings: Settings, events: Tap, submitted: Envelope) -> None:
    await publish(settings, "events", review_event(c.REVIEW_APPROVED, submitted))
    await events.wait_for(c.DISCLOSURE_PUBLISHED, lambda e: e.data["version"] == submitted.data["version"])


async def public_texts(client) -> str:
    """Everything the public read side answers about S07, as one text."""
    answers = [await client.get(path, params=params) for path, params in (
        ("/public/items", {"category": "S07"}), ("/public/search", {"q": "公交"}),
        ("/public/feeds/S07.json", {}), ("/public/feeds/S07.atom", {}))]
    assert all(a.status_code == 200 for a in answers)
    return "\n".join(a.text for a in answers)


async def test_a_withdrawn_item_is_a_tombstone_everywhere_and_a_new_approved_version_restores_it(settings, publishing):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        item_id = (await publishing.post("/items", json=NOTICE, headers=SUBMITTER)).json()["item_id"]
        await approved(settings, events, await events.wait_for(c.DISCLOSURE_SUBMITTED))
        assert (await publishing.get("/public/search", params={"q": SECRET})).json()["total"] == 1
        assert SECRET in await public_texts(publishing)

        gone = await publishing.post(f"/items/{item_id}/withdraw", json={"reason": "误发，已撤回"}, headers=SUBMITTER)
        assert gone.status_code == 200, gone.text
        notice = await public.wait_for(c.PUBLIC_DISCLOSURE_WITHDRAWN)

        page = (await publishing.get(f"/public/items/{item_id}")).json()
        assert (page["title"], page["category"], page["withdrawn"]["reason"]) == \
            (NOTICE["title"], "S07", "误发，已撤回")
        assert page["first_published_at"] and page["published_at"] and page["withdrawn"]["at"]
        assert (page["body"], page["summary"], page["attachments"], page["content_hash"]) == (None, None, [], None)
        assert SECRET not in await public_texts(publishing)
        assert (await publishing.get("/public/search", params={"q": SECRET})).json()["total"] == 0
        assert (await publishing.get("/public/search", params={"q": "走向"})).json()["total"] == 0
        by_title = (await publishing.get("/public/search", params={"q": "城区公交线路"})).json()
        assert by_title["total"] == 1 and by_title["items"][0]["withdrawn"]["reason"] == "误发，已撤回"
        assert set(notice.data) == {"item_id", "version", "title", "category", "category_name", "channel", "action",
                                    "reason", "withdrawn_at"}  # the channel is told to take it down, not given it
        text, terms = await search_row(settings, item_id)
        assert SECRET not in text and "电话" not in terms and "走向" not in terms and "公交" in terms
        # Staff still see what was withdrawn, and why.
        staff = (await publishing.get(f"/items/{item_id}", headers=SUBMITTER)).json()
        assert staff["versions"][0]["state"] == "withdrawn" and staff["withdrawal_reason"] == "误发，已撤回"

        fixed = {**NOTICE, "body": "自12月1日起，3路公交车调整走向。", "summary": "3路公交改线", "attachments": [],
                 "submit": True}
        assert (await publishing.post(f"/items/{item_id}/versions", json=fixed, headers=SUBMITTER)).status_code == 201
        second = await events.wait_for(c.DISCLOSURE_SUBMITTED, lambda e: e.data["version"] == 2)
        await approved(settings, events, second)
        back = await public.wait_for(c.PUBLIC_DISCLOSURE_UPDATED)

    restored = (await publishing.get(f"/public/items/{item_id}")).json()
    assert restored["withdrawn"] is None and restored["body"] == fixed["body"] and restored["version"] == 2
    assert restored["content_hash"] == back.data["content_hash"]
    assert (await publishing.get("/public/search", params={"q": "走向"})).json()["total"] == 1
    assert SECRET not in await public_texts(publishing)


async def search_row(settings: Settings, item_id: str) -> tuple[str, list[str]]:
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        row = await connection.fetchrow("select text, terms from publishing.search_index where item_id = $1", item_id)
    finally:
        await connection.close()
    return row["text"], list(row["terms"])
