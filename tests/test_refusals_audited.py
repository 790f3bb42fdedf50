"""Every refusal is audited: a refused HTTP request leaves an access.refused entry in the audit log like a refused
intake command leaves intake.rejected, and auditors list them per item and per person.

Publishing, review and audit run in-process against the real broker and database.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from gongkai.audit.app import create_app as audit_app
from gongkai.publishing.app import create_app as publishing_app
from gongkai.review.app import create_app as review_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.identity import hash_token
from gongkai.shared.testing import bearer, migrate, publish, running

NOTICE = {"title": "关于调整城区公交线路的公告", "body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}
# 李娜 writes notices and also reviews (another unit's): she must never review her own.
PEOPLE = [("li.na", "李娜", "办公室", ["submitter", "reviewer"], "li-na-token"),
          ("zhao.lei", "赵磊", "保密办", ["reviewer"], "zhao-lei-token"),
          ("zhou.min", "周敏", "纪检监察室", ["auditor"], "zhou-min-token")]
LI_NA, ZHAO_LEI, AUDITOR = bearer("li-na-token"), bearer("zhao-lei-token"), bearer("zhou-min-token")


@pytest.fixture
async def system(settings, tmp_path):
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps({"principals": [
        {"id": pid, "name": name, "unit": unit, "roles": roles, "token_sha256": hash_token(token)}
        for pid, name, unit, roles, token in PEOPLE]}), encoding="utf-8")
    settings = settings.model_copy(update={"credentials_file": credentials})
    await migrate(settings, ("publishing", "review", "audit"))
    async with running(publishing_app(settings)) as publishing, running(review_app(settings)) as review, \
            running(audit_app(settings)) as audit:
        yield settings, publishing, review, audit


async def eventually(fetch, until, timeout: float = 30.0):
    async with asyncio.timeout(timeout):
        while not until(result := await fetch()):
            await asyncio.sleep(0.1)
    return result


async def test_a_self_review_and_a_stale_hash_over_http_are_in_the_audit_log_and_listed_per_item_and_person(system):
    settings, publishing, review, audit = system
    submitted = await publishing.post("/items", json=NOTICE, headers=LI_NA)
    assert submitted.status_code == 201, submitted.text
    item_id, content_hash = submitted.json()["item_id"], submitted.json()["content_hash"]
    cases = await eventually(lambda: review.get("/cases", params={"item_id": item_id}, headers=ZHAO_LEI),
                             lambda r: r.status_code == 200 and r.json())
    case_id = cases.json()[0]["case_id"]

    own = await review.post(f"/cases/{case_id}/decision", json={"decision": "approve", "content_hash": content_hash},
                            headers=LI_NA)
    assert own.status_code == 403 and "li.na submitted this item and cannot review it" in own.json()["detail"]
    stale = await review.post(f"/cases/{case_id}/decision",
                              json={"decision": "approve", "content_hash": "sha256:" + "0" * 64}, headers=ZHAO_LEI)
    assert stale.status_code == 409 and "stale content hash" in stale.json()["detail"]
    # The same refusal over AMQP, and an approval publishing will not act on.
    command = new_event(c.DECIDE_REVIEW, {"case_id": case_id, "decision": "approve", "content_hash": content_hash},
                        source="/staff-tool", actor="li.na")
    await publish(settings, "intake", command, headers={"authorization": "Bearer li-na-token"})
    forged = c.ReviewDecided(case_id=case_id, item_id=item_id, version=1, content_hash="sha256:" + "1" * 64,
                             reviewer="zhao.lei")
    await publish(settings, "events", new_event(c.REVIEW_APPROVED, forged, source="/gongkai/review",
                                                actor="zhao.lei", subject=item_id))

    listed = await eventually(lambda: audit.get("/refusals", params={"item": item_id}, headers=AUDITOR),
                              lambda r: r.status_code == 200 and len(r.json()["refusals"]) >= 5)
    refusals = listed.json()["refusals"]
    shown = {(r["type"], r["via"], r["what"], r["status"], r["person"]) for r in refusals}
    assert shown == {
        (c.ACCESS_REFUSED, "http", "POST /cases/{case_id}/decision", 403, "li.na"),
        (c.ACCESS_REFUSED, "http", "POST /cases/{case_id}/decision", 409, "zhao.lei"),
        (c.INTAKE_REJECTED, "amqp", c.DECIDE_REVIEW, 403, "li.na"),
        (c.DISCLOSURE_PUBLICATION_REFUSED, "amqp", c.REVIEW_APPROVED, 403, None),  # unsigned: a forgery
        (c.ACCESS_REFUSED, "amqp", c.REVIEW_APPROVED, 403, None),
    }
    assert all(r["item_id"] == item_id and r["service"] for r in refusals)
    http_403 = next(r for r in refusals if r["status"] == 403 and r["via"] == "http")
    assert http_403["entry"]["envelope"]["type"] == c.ACCESS_REFUSED and http_403["service"] == "review"
    assert "cannot review it" in http_403["reason"] and not http_403["security"]
    assert {r["type"] for r in refusals if r["security"]} == {c.DISCLOSURE_PUBLICATION_REFUSED, c.ACCESS_REFUSED}

    # Per person: 李娜's two refusals (HTTP and AMQP), none of 赵磊's; and each is an entry of the log itself.
    mine = (await audit.get("/refusals", params={"person": "li.na"}, headers=AUDITOR)).json()["refusals"]
    assert sorted(r["type"] for r in mine) == [c.ACCESS_REFUSED, c.INTAKE_REJECTED]
    logged = await audit.get("/events", params={"type": c.ACCESS_REFUSED, "item": item_id}, headers=AUDITOR)
    assert {e["envelope"]["data"]["status"] for e in logged.json()["events"]} == {403, 409}
    # Nothing the refusals asked for was done: the case is still open and nothing was published.
    case = (await review.get(f"/cases/{case_id}", headers=ZHAO_LEI)).json()
    assert case["state"] == "open" and case["approvals"] == []
    item = (await publishing.get(f"/items/{item_id}", headers=LI_NA)).json()
    assert [v["state"] for v in item["versions"]] == ["in_review"]


async def test_an_unauthenticated_or_malformed_request_is_recorded_once_and_a_scan_of_unknown_paths_not_at_all(
        system):
    _, publishing, _, audit = system
    assert (await publishing.get("/items/some-item")).status_code == 401
    too_big = await publishing.post("/items", content=b"x" * 10, headers={**LI_NA, "content-length": "3000000"})
    assert too_big.status_code == 413
    bad = await publishing.get("/items", params={"per_page": "many"}, headers=LI_NA)
    assert bad.status_code == 422 and "per_page" in bad.json()["detail"]
    for path in ("/wp-admin", "/.env", "/items/x/y/z"):
        assert (await publishing.get(path, headers=LI_NA)).status_code in (404, 405)
    assert (await publishing.get("/public/items/nothing")).status_code == 404  # the public side: nobody's refusal

    listed = await eventually(lambda: audit.get("/refusals", params={"limit": 100}, headers=AUDITOR),
                              lambda r: r.status_code == 200 and len(r.json()["refusals"]) >= 3)
    await asyncio.sleep(1.0)  # anything else would have arrived by now
    refusals = (await audit.get("/refusals", headers=AUDITOR)).json()["refusals"]
    assert [(r["what"], r["status"], r["person"], r["item_id"]) for r in refusals] == [
        ("GET /items/{item_id}", 401, None, "some-item"),
        ("POST /items", 413, None, None),
        ("GET /items", 422, "li.na", None),
    ]
    assert listed.json()["refusals"][0]["reason"].startswith("missing credential")
