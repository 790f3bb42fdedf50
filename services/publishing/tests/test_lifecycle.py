"""An item's lifecycle against the real broker and database, with review's events played by the test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from gongkai.publishing.app import PublishingSettings, create_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running
from review_decisions import review_event

SUBMITTER, OTHER_UNIT = bearer("dev-submitter-token"), bearer("dev-submitter2-token")
PUBLISHER, REVIEWER = bearer("dev-publisher-token"), bearer("dev-reviewer-token")
ITEM = {"title": "2026年道路运输行政许可事项公告", "body": "根据《道路运输条例》，现将许可事项公告如下。",
        "category": "S05", "formed_on": "2026-11-20"}
FAST = PublishingSettings(release_poll_seconds=0.2)


@pytest.fixture
async def publishing(settings: Settings):
    await migrate(settings, ("publishing",))
    async with running(create_app(settings, FAST)) as client:
        yield client


async def approve(settings, submitted: Envelope, **data) -> None:
    await publish(settings, "events", review_event(c.REVIEW_APPROVED, submitted, **data))


async def states(client, item_id: str) -> list[str]:
    return [v["state"] for v in (await client.get(f"/items/{item_id}", headers=SUBMITTER)).json()["versions"]]


async def test_an_item_goes_from_draft_to_published_to_updated_to_withdrawn(settings, publishing):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        draft = await publishing.post("/drafts", json=ITEM, headers=SUBMITTER)
        assert draft.status_code == 201 and draft.json()["state"] == "draft"
        item_id = draft.json()["item_id"]
        sent = await publishing.post(f"/items/{item_id}/submit", headers=SUBMITTER)
        assert sent.json()["state"] == "submitted"
        first = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        assert first.data["formed_on"] == "2026-11-20" and first.data["unit"] == "办公室"
        await publish(settings, "events", review_event(c.REVIEW_CASE_OPENED, first, findings=[]))
        await approve(settings, first)
        await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.data["channel"] == "bulletin")
        assert await states(publishing, item_id) == ["published"]

        edited = await publishing.post(f"/items/{item_id}/versions", headers=SUBMITTER,
                                       json={**ITEM, "body": "许可事项有调整，更新如下。", "submit": True})
        assert edited.status_code == 201 and edited.json()["version"] == 2
        second = await events.wait_for(c.DISCLOSURE_SUBMITTED, lambda e: e.data["version"] == 2)
        await approve(settings, second)
        updated = await public.wait_for(c.PUBLIC_DISCLOSURE_UPDATED, lambda e: e.data["channel"] == "portal")
        assert updated.data["action"] == "updated" and updated.data["version"] == 2
        assert updated.data.get("due_on") is None  # an update's due date is its change's, not a first publication's
        published_v2 = await events.wait_for(c.DISCLOSURE_PUBLISHED, lambda e: e.data["version"] == 2)
        assert published_v2.data["action"] == "updated" and published_v2.data["unit"] == "办公室"
        assert await states(publishing, item_id) == ["superseded", "published"]

        gone = await publishing.post(f"/items/{item_id}/withdraw", json={"reason": "许可事项已废止"},
                                     headers=PUBLISHER)
        assert gone.status_code == 200, gone.text
        withdrawn = await events.wait_for(c.DISCLOSURE_WITHDRAWN)
        await public.wait_for(c.PUBLIC_DISCLOSURE_WITHDRAWN, lambda e: e.data["channel"] == "bulletin")
    assert withdrawn.data["reason"] == "许可事项已废止" and withdrawn.data["category"] == "S05"
    assert sorted(k for k, _ in public.messages) == [
        "bulletin.S05.published", "bulletin.S05.updated", "bulletin.S05.withdrawn",
        "portal.S05.published", "portal.S05.updated", "portal.S05.withdrawn"]
    page = (await publishing.get(f"/public/items/{item_id}")).json()
    assert page["withdrawn"]["reason"] == "许可事项已废止" and page["version"] == 2
    assert [(h["version"], h["action"]) for h in page["history"]] == [(2, "updated"), (1, "published")]
    again = await publishing.post(f"/items/{item_id}/withdraw", json={"reason": "again"}, headers=PUBLISHER)
    assert again.status_code == 409 and "withdrawn already" in again.json()["detail"]


async def test_an_approval_of_a_version_that_is_no_longer_current_publishes_nothing(settings, publishing):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        item_id = (await publishing.post("/items", json=ITEM, headers=SUBMITTER)).json()["item_id"]
        first = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        await publishing.post(f"/items/{item_id}/versions", json={**ITEM, "title": "更正后的公告"}, headers=SUBMITTER)
        await approve(settings, first)
        refused = await events.wait_for(c.DISCLOSURE_PUBLICATION_REFUSED)
    assert "no longer current" in refused.data["reason"] and refused.data["unit"] == "办公室"
    assert public.messages == [] and await states(publishing, item_id) == ["superseded", "draft"]


async def test_a_redaction_request_makes_a_redacted_version_that_alone_can_be_published(settings, publishing):
    item = {**ITEM, "body": "联系人张三，电话13800138000。"}
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        item_id = (await publishing.post("/items", json=item, headers=SUBMITTER)).json()["item_id"]
        first = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        spans = [{"field": "body", "start": 3, "end": 5}, {"field": "body", "start": 8, "end": 19}]
        await publish(settings, "events", review_event(c.REVIEW_REDACTION_REQUESTED, first, spans=spans,
                                                       reason="个人信息"))
        second = await events.wait_for(c.DISCLOSURE_SUBMITTED, lambda e: e.data["version"] == 2)
        assert second.data["body"] == "联系人×××，电话×××。" and second.data["submitted_by"] == "li.na"
        assert second.actor == "service:publishing" and second.causationid is not None
        await approve(settings, first)  # the original can no longer be published
        await events.wait_for(c.DISCLOSURE_PUBLICATION_REFUSED)
        await approve(settings, second)
        announced = await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED)
    assert announced.data["body"] == "联系人×××，电话×××。" and announced.data["action"] == "published"
    assert await states(publishing, item_id) == ["changes_requested", "published"]


async def test_a_withheld_version_is_recorded_counted_and_never_published(settings, publishing):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        item_id = (await publishing.post("/items", json=ITEM, headers=SUBMITTER)).json()["item_id"]
        first = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        await publish(settings, "events", review_event(c.REVIEW_WITHHELD, first, legal_reason="commercial-secret",
                                                       reason="涉及企业经营数据"))
        withheld = await events.wait_for(c.DISCLOSURE_WITHHELD)
        await approve(settings, first)
        await events.wait_for(c.REVIEW_APPROVED)
    assert withheld.data["legal_reason"] == "commercial-secret" and withheld.data["unit"] == "办公室"
    assert await states(publishing, item_id) == ["withheld"] and public.messages == []
    counts = (await publishing.get("/statistics", headers=SUBMITTER)).json()["counts"]
    assert {"category": "S05", "state": "withheld", "legal_reason": "commercial-secret", "versions": 1} in counts
    assert (await publishing.get(f"/public/items/{item_id}")).status_code == 404


async def test_an_internal_item_goes_to_the_staff_exchange_and_never_to_the_public(settings, publishing):
    internal = {**ITEM, "category": "N01", "audience": "internal"}
    async with Tap(settings, "events") as events, Tap(settings, "public") as public, \
            Tap(settings, "staff") as staff:
        item_id = (await publishing.post("/items", json=internal, headers=SUBMITTER)).json()["item_id"]
        await approve(settings, await events.wait_for(c.DISCLOSURE_SUBMITTED))
        notice = await staff.wait_for(c.STAFF_DISCLOSURE_PUBLISHED)
    assert [k for k, _ in staff.messages] == ["bulletin.N01.published"] and notice.data["unit"] == "办公室"
    assert public.messages == []
    assert (await publishing.get(f"/public/items/{item_id}")).status_code == 404
    assert (await publishing.get("/public/items")).json()["total"] == 0


async def test_a_scheduled_version_is_published_at_its_release_time_once(settings, publishing):
    later = datetime.now(UTC) + timedelta(hours=1)
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        item_id = (await publishing.post("/items", json={**ITEM, "release_at": later.isoformat()},
                                         headers=SUBMITTER)).json()["item_id"]
        await approve(settings, await events.wait_for(c.DISCLOSURE_SUBMITTED))
        await events.wait_for(c.DISCLOSURE_SCHEDULED)
        assert await states(publishing, item_id) == ["scheduled"]
        release = datetime.now(UTC) + timedelta(seconds=6)
        moved = await publishing.post(f"/items/{item_id}/schedule", json={"release_at": release.isoformat()},
                                      headers=SUBMITTER)
        assert moved.status_code == 200, moved.text
        published = await events.wait_for(c.DISCLOSURE_PUBLISHED, timeout=30)
        await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.data["channel"] == "bulletin")
    assert datetime.fromisoformat(published.data["published_at"]) >= release
    assert [e.data["release_at"][:19] for e in events.of_type(c.DISCLOSURE_SCHEDULED)] == [
        later.isoformat()[:19], release.isoformat()[:19]]
    assert len(events.of_type(c.DISCLOSURE_PUBLISHED)) == 1 and len(public.messages) == 2


async def test_a_release_due_while_no_replica_ran_is_published_once_by_two_replicas(settings):
    await migrate(settings, ("publishing",))
    later = datetime.now(UTC) + timedelta(hours=1)
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        async with running(create_app(settings, FAST)) as client:
            await client.post("/items", json={**ITEM, "release_at": later.isoformat()}, headers=SUBMITTER)
            await approve(settings, await events.wait_for(c.DISCLOSURE_SUBMITTED))
            await events.wait_for(c.DISCLOSURE_SCHEDULED)
        # The release time passes while the service is down.
        connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
        try:
            await connection.execute("update publishing.versions set release_at = now() - interval '1 second'")
        finally:
            await connection.close()
        assert events.of_type(c.DISCLOSURE_PUBLISHED) == []
        async with running(create_app(settings, FAST)), running(create_app(settings, FAST)):
            await events.wait_for(c.DISCLOSURE_PUBLISHED, timeout=30)
            await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.data["channel"] == "bulletin")
    assert len(events.of_type(c.DISCLOSURE_PUBLISHED)) == 1 and len(public.messages) == 2


async def test_information_changed_is_emitted_only_for_a_published_item(settings, publishing):
    async with Tap(settings, "events") as events:
        item_id = (await publishing.post("/items", json=ITEM, headers=SUBMITTER)).json()["item_id"]
        early = await publishing.post(f"/items/{item_id}/information-changed", json={"changed_on": "2026-11-25"},
                                      headers=SUBMITTER)
        assert early.status_code == 409 and "not published" in early.json()["detail"]
        await approve(settings, await events.wait_for(c.DISCLOSURE_SUBMITTED))
        await events.wait_for(c.DISCLOSURE_PUBLISHED)
        marked = await publishing.post(f"/items/{item_id}/information-changed",
                                       json={"changed_on": "2026-11-25", "note": "收费标准调整"}, headers=SUBMITTER)
        assert marked.status_code == 200, marked.text
        changed = await events.wait_for(c.DISCLOSURE_INFORMATION_CHANGED)
    assert changed.data == {"item_id": item_id, "unit": "办公室", "category": "S05", "changed_on": "2026-11-25",
                            "marked_by": "li.na", "note": "收费标准调整"}
    assert marked.json()["due_on"] == "2026-12-16"  # 15 working days: the date notification enforces


async def test_my_units_items_are_listed_with_state_and_due_date(settings, publishing):
    await publishing.post("/items", json=ITEM, headers=SUBMITTER)
    await publishing.post("/drafts", json={**ITEM, "category": "S08", "formed_on": "2026-12-01"}, headers=SUBMITTER)
    await publishing.post("/items", json=ITEM, headers=OTHER_UNIT)
    listed = (await publishing.get("/items", headers=SUBMITTER)).json()
    assert listed["unit"] == "办公室" and listed["total"] == 2
    assert [(i["category"], i["state"], i["due_on"]) for i in listed["items"]] == [
        ("S08", "draft", "2027-01-31"), ("S05", "submitted", "2026-12-11")]  # formed 11-20, 15 working days
    drafts = (await publishing.get("/items", params={"state": "draft"}, headers=SUBMITTER)).json()
    assert drafts["total"] == 1


async def test_a_retried_edit_with_the_same_idempotency_key_makes_one_version(settings, publishing):
    item_id = (await publishing.post("/drafts", json=ITEM, headers=SUBMITTER)).json()["item_id"]
    headers = {**SUBMITTER, "Idempotency-Key": "edit-1"}
    first = await publishing.post(f"/items/{item_id}/versions", json={**ITEM, "title": "新标题"}, headers=headers)
    again = await publishing.post(f"/items/{item_id}/versions", json={**ITEM, "title": "新标题"}, headers=headers)
    assert first.json() == again.json() and first.json()["version"] == 2
    assert await states(publishing, item_id) == ["superseded", "draft"]
