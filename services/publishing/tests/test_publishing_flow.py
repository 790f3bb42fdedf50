"""Publishing against the real broker and database: intake, approval, refusal, idempotency."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gongkai.publishing.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running
from review_decisions import decision, signed

SUBMITTER = bearer("dev-submitter-token")
ITEM = {"title": "2026年道路运输行政许可事项公告", "body": "根据《道路运输条例》，现将许可事项公告如下。",
        "category": "S05"}


@pytest.fixture
async def publishing(settings: Settings):
    await migrate(settings, ("publishing",))
    async with running(create_app(settings)) as client:
        yield client


def approval(submitted, content_hash: str | None = None):
    data = decision(c.REVIEW_APPROVED, submitted, content_hash=content_hash or submitted.data["content_hash"])
    return signed(c.REVIEW_APPROVED, data)


async def test_an_approved_item_is_published_once_per_channel_with_only_public_fields(settings, publishing):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        response = await publishing.post("/items", json=ITEM, headers=SUBMITTER)
        assert response.status_code == 201, response.text
        submitted = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        assert submitted.actor == "li.na" and submitted.data["content_hash"] == response.json()["content_hash"]

        await publish(settings, "events", approval(submitted))
        await events.wait_for(c.DISCLOSURE_PUBLISHED)
        first = await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.data["channel"] == "bulletin")

    keys = sorted(key for key, _ in public.messages)
    assert keys == ["bulletin.S05.published", "portal.S05.published"]
    assert set(first.data) == {"item_id", "version", "title", "body", "summary", "category", "category_name",
                               "channel", "action", "published_at", "content_hash", "attachments", "due_on"}
    item = (await publishing.get(f"/items/{submitted.subject}", headers=SUBMITTER)).json()
    assert item["versions"][0]["state"] == "published"


async def test_an_approval_of_other_content_is_refused_and_nothing_goes_public(settings, publishing):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        await publishing.post("/items", json=ITEM, headers=SUBMITTER)
        submitted = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        await publish(settings, "events", approval(submitted, "sha256:" + "0" * 64))
        refused = await events.wait_for(c.DISCLOSURE_PUBLICATION_REFUSED)
    assert "sha256:" + "0" * 64 in refused.data["reason"]
    assert public.messages == []


async def test_an_internal_item_never_reaches_the_public_exchange(settings, publishing):
    internal = {**ITEM, "category": "N01", "audience": "internal"}
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        await publishing.post("/items", json=internal, headers=SUBMITTER)
        submitted = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        await publish(settings, "events", approval(submitted))
        published = await events.wait_for(c.DISCLOSURE_PUBLISHED)
    assert published.data["audience"] == "internal"
    assert public.messages == []


async def test_a_retried_request_with_the_same_idempotency_key_creates_one_item(settings, publishing):
    headers = {**SUBMITTER, "Idempotency-Key": "form-42"}
    first = await publishing.post("/items", json=ITEM, headers=headers)
    again = await publishing.post("/items", json=ITEM, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["item_id"] == again.json()["item_id"]


async def test_an_idempotency_key_reused_for_another_request_is_refused_and_changes_nothing(settings, publishing):
    headers = {**SUBMITTER, "Idempotency-Key": "form-43"}
    first = await publishing.post("/items", json=ITEM, headers=headers)
    other = await publishing.post("/items", json={**ITEM, "title": "另一条公告"}, headers=headers)
    assert first.status_code == 201
    assert other.status_code == 422 and "was used for another request" in other.json()["detail"]
    mine = (await publishing.get("/items", headers=SUBMITTER)).json()
    assert [i["title"] for i in mine["items"]] == [ITEM["title"]]
    someone_else = await publishing.post("/items", json={**ITEM, "title": "另一条公告"},
                                         headers={**bearer("dev-submitter2-token"), "Idempotency-Key": "form-43"})
    assert someone_else.status_code == 201  # keys are per person


@pytest.mark.parametrize(("body", "headers", "status", "reason"), [
    (ITEM, {}, 401, "missing credential"),
    (ITEM, bearer("no-such-token"), 401, "unknown credential"),
    (ITEM, bearer("dev-reviewer-token"), 403, "lacks the role submitter"),
    ({**ITEM, "category": "X99"}, SUBMITTER, 422, "unknown category"),
    ({**ITEM, "title": ""}, SUBMITTER, 422, "title"),
    ({**ITEM, "body": " \n\t "}, SUBMITTER, 422, "whitespace"),
    ({**ITEM, "body": "x" * 1_000_001}, SUBMITTER, 422, "body"),
    ({**ITEM, "category": "N01"}, SUBMITTER, 422, "internal staff only"),
    ({**ITEM, "channels": ["billboard"]}, SUBMITTER, 422, "channels"),
])
async def test_bad_submissions_get_a_reason_and_store_nothing(settings, publishing, body, headers, status, reason):
    async with Tap(settings, "events") as events:
        response = await publishing.post("/items", json=body, headers=headers)
        assert response.status_code == status, response.text
        assert reason in response.json()["detail"]
    # A refusal on a staff route is a fact for the audit log (access.refused), and the only one.
    assert [e.type for _, e in events.messages if e.type != c.ACCESS_REFUSED] == []


async def test_malformed_json_and_wrong_content_type_are_refused(publishing):
    json_type = {**SUBMITTER, "content-type": "application/json"}
    broken = await publishing.post("/items", content=b"{not json", headers=json_type)
    assert broken.status_code == 422
    text = await publishing.post("/items", content="title=x", headers={**SUBMITTER, "content-type": "text/plain"})
    assert text.status_code == 422


async def test_an_intake_command_is_handled_like_the_http_request_and_a_duplicate_changes_nothing(settings, publishing):
    command = new_event(c.SUBMIT_DISCLOSURE, ITEM, source="/staff-tool", actor="staff-tool")
    async with Tap(settings, "events") as events:
        await publish(settings, "intake", command, headers={"authorization": "Bearer dev-submitter-token"})
        await publish(settings, "intake", command, headers={"authorization": "Bearer dev-submitter-token"})
        submitted = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        bad = new_event(c.SUBMIT_DISCLOSURE, {**ITEM, "category": "X99"}, source="/staff-tool", actor="staff-tool")
        await publish(settings, "intake", bad, headers={"authorization": "Bearer dev-submitter-token"})
        rejected = await events.wait_for(c.INTAKE_REJECTED)
        await publish(settings, "intake", command, body=b"\xff not json")
        malformed = await events.wait_for(c.INTAKE_REJECTED, lambda e: e.data["status"] == 400)
    assert submitted.causationid == command.id and submitted.actor == "li.na"
    assert len(events.of_type(c.DISCLOSURE_SUBMITTED)) == 1
    assert rejected.data["command_id"] == bad.id and "unknown category" in rejected.data["reason"]
    assert "malformed" in malformed.data["reason"]


async def test_a_body_of_ten_megabytes_is_refused_before_it_is_read(publishing):
    response = await publishing.post("/items", content=b"x" * 10_000_000,
                                     headers={**SUBMITTER, "content-type": "application/json"})
    assert response.status_code == 413 and "over" in response.json()["detail"]


async def test_an_approval_for_an_unknown_item_is_refused_and_publishes_nothing(settings, publishing):
    ghost = c.ReviewDecided(case_id="case-x", item_id="no-such-item", version=1, content_hash="sha256:" + "1" * 64,
                            reviewer="zhao.lei", reviewers=["zhao.lei"], risk="none", required_approvals=1,
                            decided_at=datetime.now(UTC))
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        await publish(settings, "events", signed(c.REVIEW_APPROVED, ghost))
        refused = await events.wait_for(c.DISCLOSURE_PUBLICATION_REFUSED)
    assert refused.data["reason"] == "no such item version" and public.messages == []


async def test_an_event_that_breaks_its_contract_is_parked_at_once(settings, publishing):
    broken = new_event(c.REVIEW_APPROVED, {"item_id": "x"}, source="/gongkai/review", actor="zhao.lei")
    async with Tap(settings, "dlx") as dead_letters:
        await publish(settings, "events", broken)
        parked = await dead_letters.wait_for(c.REVIEW_APPROVED)
    assert parked.id == broken.id
