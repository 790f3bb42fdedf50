"""Bad input, once and everywhere: every input the trust-boundary issue found giving a 500, a retry loop or a
wrong 200 is replayed against the four real services. Over HTTP each is a 4xx whose reason names the field;
over AMQP each is an intake.rejected on the first delivery; nothing is stored either way.
"""

from __future__ import annotations

import asyncio
import logging
import uuid

import pytest
from gongkai.audit.app import create_app as audit_app
from gongkai.notification.app import create_app as notification_app
from gongkai.publishing.app import create_app as publishing_app
from gongkai.review.app import create_app as review_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import Tap, bearer, migrate, publish, running

SUBMITTER, REVIEWER, AUDITOR = bearer("dev-submitter-token"), bearer("dev-reviewer-token"), \
    bearer("dev-auditor-token")
ITEM = {"title": "城区公交线路调整公告", "body": "自12月1日起调整。", "category": "S07"}
FILE = {"name": "线路图.pdf", "media_type": "application/pdf", "size": 1024, "sha256": "a" * 64}
REQUEST = {"request_id": "req-1", "applicant_kind": "natural-person", "received_on": "2026-11-02",
           "subject": "公交线路调整的依据"}

# (service, method, path, query, body, credential, the status, what the reason names)
HTTP_CASES = [
    ("publishing", "GET", "/public/items/%00", None, None, None, 422, "item_id"),
    ("publishing", "GET", "/public/search", {"q": "a\x00b"}, None, None, 422, "q"),
    ("publishing", "GET", "/public/items", {"unit": "办公室\x00"}, None, None, 422, "unit"),
    ("publishing", "GET", "/public/items", {"category": "S07\x1b"}, None, None, 422, "category"),
    ("publishing", "GET", "/public/feeds/S0%007.json", None, None, None, 422, "category"),
    ("publishing", "POST", "/items", None, {**ITEM, "title": "公告\x00"}, SUBMITTER, 422, "title"),
    ("publishing", "POST", "/items", None, {**ITEM, "title": "公告\n第二行"}, SUBMITTER, 422, "title"),
    ("publishing", "POST", "/items", None, {**ITEM, "body": "正文\x07"}, SUBMITTER, 422, "body"),
    ("publishing", "POST", "/drafts", None, {**ITEM, "contact": "李娜\x00"}, SUBMITTER, 422, "contact"),
    ("publishing", "POST", "/drafts", None, {**ITEM, "attachments": [{**FILE, "name": "图\x00.pdf"}]}, SUBMITTER,
     422, "attachments.0.name"),
    ("publishing", "POST", "/items", None, {**ITEM, "release_at": "9999-12-31T00:00:00+08:00"}, SUBMITTER, 422,
     "release_at"),
    ("publishing", "POST", "/items", None, {**ITEM, "formed_on": "9999-12-30"}, SUBMITTER, 422, "formed_on"),
    ("publishing", "POST", "/items", None, {**ITEM, "formed_on": "1900-01-01"}, SUBMITTER, 422, "formed_on"),
    ("publishing", "POST", "/items/some-item/submit", None, {"version": 3_000_000_000}, SUBMITTER, 422, "version"),
    ("publishing", "POST", "/items/some-item/schedule", None, {"release_at": "9999-12-31T23:59:59-08:00"},
     SUBMITTER, 422, "release_at"),
    ("publishing", "POST", "/items/a%00b/withdraw", None, {"reason": "错误"}, SUBMITTER, 422, "item_id"),
    ("publishing", "GET", "/items/a%00b", None, None, SUBMITTER, 422, "item_id"),
    ("publishing", "GET", "/items", {"state": "draft\x00"}, None, SUBMITTER, 422, "state"),
    ("publishing", "GET", "/items", {"per_page": "3000000000"}, None, SUBMITTER, 422, "per_page"),
    ("publishing", "GET", "/items", None, None, {"Authorization": "Bearer"}, 401, "malformed credential"),
    ("publishing", "GET", "/items", None, None, {"Authorization": "Bearer two words"}, 401, "malformed credential"),
    ("review", "GET", "/cases", {"item_id": "x\x00"}, None, REVIEWER, 422, "item_id"),
    ("review", "GET", "/cases/x%00", None, None, REVIEWER, 422, "case_id"),
    ("review", "POST", "/cases/x%00/decision", None, {"decision": "approve", "content_hash": "sha256:" + "0" * 64},
     REVIEWER, 422, "case_id"),
    ("review", "POST", "/cases/c-1/decision", None, {"decision": "reject", "content_hash": "sha256:" + "0" * 64,
                                                     "reason": "不\x00"}, REVIEWER, 422, "reason"),
    ("review", "POST", "/screen", None, {"title": "标题\x00", "body": "正文"}, REVIEWER, 422, "title"),
    ("review", "POST", "/cases/c-1/decision", None, {"decision": "redact", "content_hash": "sha256:" + "0" * 64,
                                                     "spans": [{"field": "body", "start": 0, "end": 3_000_000_000}]},
     REVIEWER, 422, "spans.0.end"),
    ("notification", "GET", "/deadlines", {"item_id": "x\x00"}, None, SUBMITTER, 422, "item_id"),
    ("notification", "POST", "/inbox/m%00/read", None, None, SUBMITTER, 422, "message_id"),
    ("audit", "GET", "/events/export", {"type": "\x00"}, None, AUDITOR, 422, "type"),
    ("audit", "GET", "/events", {"actor": "li.na\x00"}, None, AUDITOR, 422, "actor"),
    ("audit", "GET", "/refusals", {"person": "\x00"}, None, AUDITOR, 422, "person"),
    ("audit", "GET", "/items/x%00/events", None, None, AUDITOR, 422, "item_id"),
    ("audit", "GET", "/events", {"from": "9999-12-31T00:00:00+08:00"}, None, AUDITOR, 422, "9999"),
]


@pytest.fixture
async def services(settings):
    await migrate(settings)
    async with running(publishing_app(settings)) as publishing, running(review_app(settings)) as review, \
            running(notification_app(settings)) as notification, running(audit_app(settings)) as audit:
        yield {"publishing": publishing, "review": review, "notification": notification, "audit": audit}


async def stored_nothing(services) -> None:
    items = await services["publishing"].get("/items", headers=SUBMITTER)
    assert items.status_code == 200 and items.json()["total"] == 0  # also: GET /items still answers
    assert (await services["review"].get("/cases", params={"state": "all"}, headers=REVIEWER)).json() == []
    assert (await services["notification"].get("/deadlines", headers=SUBMITTER)).json()["deadlines"] == []


async def test_every_bad_input_over_http_is_a_4xx_naming_the_field_and_stores_nothing(settings, services):
    async with Tap(settings, "events") as events:
        for service, method, path, query, body, headers, status, names in HTTP_CASES:
            response = await services[service].request(method, path, params=query, json=body, headers=headers or {})
            assert response.status_code == status, (service, path, query, body, response.text)
            assert names in response.json()["detail"], (path, response.json())
        await stored_nothing(services)
        await asyncio.sleep(0.5)
    assert {e.type for _, e in events.messages} <= {c.ACCESS_REFUSED, c.AUDIT_QUERY_RECORDED}


AMQP_CASES = [  # (command type, data, authorization header, status, what the reason names)
    (c.SUBMIT_DISCLOSURE, {**ITEM, "title": "公告\x00"}, "Bearer dev-submitter-token", 422, "title"),
    (c.CREATE_DISCLOSURE, {**ITEM, "contact": "李娜\x00"}, "Bearer dev-submitter-token", 422, "contact"),
    (c.CREATE_DISCLOSURE, {**ITEM, "attachments": [{**FILE, "name": "图\x00"}]}, "Bearer dev-submitter-token", 422,
     "attachments.0.name"),
    (c.SUBMIT_DISCLOSURE, {**ITEM, "release_at": "9999-12-31T00:00:00+08:00"}, "Bearer dev-submitter-token", 422,
     "release_at"),
    (c.SUBMIT_DISCLOSURE, {**ITEM, "formed_on": "9999-12-30"}, "Bearer dev-submitter-token", 422, "formed_on"),
    (c.SUBMIT_VERSION, {"item_id": "some-item", "version": 3_000_000_000}, "Bearer dev-submitter-token", 422,
     "version"),
    (c.WITHDRAW_DISCLOSURE, {"item_id": "a\x00b", "reason": "错误"}, "Bearer dev-submitter-token", 422, "item_id"),
    (c.SUBMIT_DISCLOSURE, ITEM, 42, 401, "malformed credential"),
    (c.SUBMIT_DISCLOSURE, ITEM, {"bearer": "dev-submitter-token"}, 401, "malformed credential"),
    (c.SUBMIT_DISCLOSURE, ITEM, ["Bearer dev-submitter-token"], 401, "malformed credential"),
    (c.DECIDE_REVIEW, {"case_id": "c\x00", "decision": "approve", "content_hash": "sha256:" + "0" * 64},
     "Bearer dev-reviewer-token", 422, "case_id"),
    (c.REGISTER_REQUEST, {**REQUEST, "subject": "依据\x00"}, "Bearer dev-submitter-token", 422, "subject"),
    (c.REGISTER_REQUEST, {**REQUEST, "received_on": "9999-12-30"}, "Bearer dev-submitter-token", 422, "received_on"),
    (c.EXTEND_REQUEST, {"request_id": "req-1", "working_days": 3_000_000_000, "approved_by": "局长", "reason": "x"},
     "Bearer dev-submitter-token", 422, "working_days"),
]


async def test_the_same_inputs_over_amqp_are_rejected_at_the_first_delivery_and_store_nothing(
        settings, services, caplog):
    caplog.set_level(logging.INFO, logger="gongkai")
    async with Tap(settings, "events") as events:
        sent = []
        for type, data, authorization, status, names in AMQP_CASES:
            envelope = new_event(type, data, source="/staff-tool", actor="staff-tool")
            await publish(settings, "intake", envelope, headers={"authorization": authorization})
            sent.append((envelope.id, status, names))
        # An envelope whose own attributes carry a control character is malformed (400), before any handler.
        broken = b'{"id":"cmd\\u0000-1","source":"/staff-tool","type":"%s","actor":"x","data":{}}' % \
            c.SUBMIT_DISCLOSURE.encode()
        placeholder = new_event(c.SUBMIT_DISCLOSURE, {}, source="/staff-tool", actor="x")
        await publish(settings, "intake", placeholder, body=broken,
                      headers={"authorization": "Bearer dev-submitter-token"})
        sent.append((placeholder.id, 400, "id: must not contain control characters"))

        for command_id, status, names in sent:
            rejected = await events.wait_for(c.INTAKE_REJECTED, lambda e, i=command_id: e.data["command_id"] == i)
            assert rejected.data["status"] == status and names in rejected.data["reason"], rejected.data
        await stored_nothing(services)
    assert not [r for r in caplog.records if r.getMessage() == "message handling failed; it goes back to the queue"]
    assert not [e for _, e in events.messages if e.type.startswith(("gongkai.disclosure.", "gongkai.request.",
                                                                     "gongkai.review."))]


async def test_a_person_who_sends_good_input_is_not_caught_by_the_rules(settings, services):
    """The rules refuse what is wrong, not what is unusual: tabs and line breaks in a body, old and near-future
    dates, a release two years ahead, the largest int32 version (which then does not exist)."""
    good = {**ITEM, "body": "第一段\t缩进\r\n第二段", "formed_on": "1949-10-01",
            "release_at": "2028-06-01T09:00:00+08:00", "contact": f"李娜 {uuid.uuid4().hex[:6]}"}
    created = await services["publishing"].post("/drafts", json=good, headers=SUBMITTER)
    assert created.status_code == 201, created.text
    missing = await services["publishing"].post(f"/items/{created.json()['item_id']}/submit",
                                                json={"version": 2**31 - 1}, headers=SUBMITTER)
    assert missing.status_code == 404 and "has no version 2147483647" in missing.json()["detail"]
    assert (await services["publishing"].get("/items", headers=SUBMITTER)).json()["total"] == 1
