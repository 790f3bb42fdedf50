"""Review against the real broker and database: screening, the queue, decisions over HTTP and AMQP."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass

import pytest
from gongkai.review.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running

REVIEWER, REVIEWER2, SUBMITTER = "dev-reviewer-token", "dev-reviewer2-token", "dev-submitter-token"
TITLE = "2026年道路运输行政许可事项公告"
BODY = "根据《道路运输条例》，现将许可事项公告如下。申请材料涉及商业秘密的，依法予以保护。"
STALE = "sha256:" + "0" * 64


@pytest.fixture
async def review(settings: Settings):
    await migrate(settings, ("review",))
    async with running(create_app(settings)) as client:
        yield client


def submission(title: str = TITLE, body: str = BODY, submitted_by: str = "li.na", item_id: str | None = None,
               version: int = 1, attachments: list[dict] | None = None) -> Envelope:
    item_id = item_id or str(uuid.uuid4())
    data = c.DisclosureSubmitted(
        item_id=item_id, version=version, title=title, body=body, category="S05", audience=c.Audience.public,
        channels=[c.Channel.portal], unit="办公室", submitted_by=submitted_by, attachments=attachments or [],
        content_hash=c.content_hash(title, body, "S05", "public", ["portal"], attachments=attachments or []))
    return new_event(c.DISCLOSURE_SUBMITTED, data, source="/gongkai/publishing", actor=submitted_by,
                     actorunit="办公室", subject=item_id)


async def open_case(settings: Settings, events: Tap, **kwargs) -> Envelope:
    submitted = submission(**kwargs)
    await publish(settings, "events", submitted)
    return await events.wait_for(c.REVIEW_CASE_OPENED, lambda e: e.subject == submitted.subject
                                 and e.data["version"] == submitted.data["version"])


def decision(opened: Envelope, decision: str = "approve", reason: str | None = None) -> dict:
    return {"decision": decision, "content_hash": opened.data["content_hash"], "reason": reason}


def intake_command(case_id: str, body: dict) -> Envelope:
    return new_event(c.DECIDE_REVIEW, {"case_id": case_id, **body}, source="/staff-tool", actor="staff-tool")


async def test_a_clean_submission_opens_a_case_in_the_reviewers_queue(settings, review):
    async with Tap(settings, "events") as events:
        submitted = submission()
        await publish(settings, "events", submitted)
        opened = await events.wait_for(c.REVIEW_CASE_OPENED)
    assert opened.subject == submitted.subject and opened.causationid == submitted.id
    assert opened.actor == "service:review"
    assert opened.data["content_hash"] == submitted.data["content_hash"] and opened.data["findings"] == []
    assert events.of_type(c.REVIEW_BLOCKED) == []

    queue = (await review.get("/cases", params={"state": "open"}, headers=bearer(REVIEWER))).json()
    assert [(k["case_id"], k["title"], k["content_hash"], k["state"]) for k in queue] == [
        (opened.data["case_id"], TITLE, submitted.data["content_hash"], "open")]
    assert queue[0]["excerpt"] == BODY[:200] and queue[0]["findings"] == []
    one = await review.get(f"/cases/{opened.data['case_id']}", headers=bearer(REVIEWER))
    assert one.json()["body"] == BODY and one.json()["submitted_by"] == "li.na"
    by_item = await review.get("/cases", params={"item_id": submitted.subject}, headers=bearer(REVIEWER))
    assert len(by_item.json()) == 1


async def test_a_classified_submission_is_blocked_with_its_finding_and_opens_no_case(settings, review):
    body = "一、工作安排\n本方案为机密★5年，仅限内部传阅。"
    async with Tap(settings, "events") as events:
        submitted = submission(body=body)
        await publish(settings, "events", submitted)
        blocked = await events.wait_for(c.REVIEW_BLOCKED)
        await open_case(settings, events)
    assert blocked.subject == submitted.subject and blocked.causationid == submitted.id
    [finding] = blocked.data["findings"]
    assert finding["detector"] == "classification-marking" and finding["severity"] == "blocked"
    assert finding["field"] == "body" and body[finding["start"]:finding["end"]] == finding["text"] == "机密★5年"
    assert "机密★5年" in blocked.data["reason"]
    assert [e for e in events.of_type(c.REVIEW_CASE_OPENED) if e.subject == submitted.subject] == []

    listed = (await review.get("/cases", params={"state": "blocked"}, headers=bearer(REVIEWER))).json()
    assert [k["case_id"] for k in listed] == [blocked.data["case_id"]]
    assert listed[0]["findings"][0]["text"] == "机密★5年"


async def test_an_approval_over_http_emits_approved_bound_to_the_content_hash(settings, review):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events)
        case_id = opened.data["case_id"]
        response = await review.post(f"/cases/{case_id}/decision", json=decision(opened), headers=bearer(REVIEWER))
        assert response.status_code == 200, response.text
        approved = await events.wait_for(c.REVIEW_APPROVED)
    assert response.json()["state"] == "approved" and response.json()["decided_by"] == "zhao.lei"
    assert {k: approved.data[k] for k in ("case_id", "item_id", "version", "content_hash", "reviewer")} == {
        "case_id": case_id, "item_id": opened.subject, "version": 1,
        "content_hash": opened.data["content_hash"], "reviewer": "zhao.lei"}
    assert (approved.actor, approved.actorunit, approved.subject) == ("zhao.lei", "保密办", opened.subject)
    assert events.of_type(c.REVIEW_REJECTED) == []
    case = (await review.get(f"/cases/{case_id}", headers=bearer(REVIEWER))).json()
    assert case["state"] == "approved" and case["decided_at"] is not None


async def test_a_rejection_sent_as_an_intake_command_emits_rejected_once(settings, review):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events)
        case_id = opened.data["case_id"]
        command = intake_command(case_id, decision(opened, "reject", "含有未脱敏的个人信息"))
        for _ in range(2):
            await publish(settings, "intake", command, headers={"authorization": f"Bearer {REVIEWER2}"})
        rejected = await events.wait_for(c.REVIEW_REJECTED)
        await open_case(settings, events)
    assert rejected.causationid == command.id and rejected.actor == "chen.jing"
    assert rejected.data["reviewer"] == "chen.jing" and rejected.data["reason"] == "含有未脱敏的个人信息"
    assert rejected.data["content_hash"] == opened.data["content_hash"]
    assert len(events.of_type(c.REVIEW_REJECTED)) == 1 and events.of_type(c.INTAKE_REJECTED) == []
    case = (await review.get(f"/cases/{case_id}", headers=bearer(REVIEWER))).json()
    assert (case["state"], case["decided_by"]) == ("rejected", "chen.jing")


async def test_a_retried_decision_with_the_same_idempotency_key_decides_once(settings, review):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events)
        url = f"/cases/{opened.data['case_id']}/decision"
        headers = {**bearer(REVIEWER), "Idempotency-Key": "decision-7"}
        first = await review.post(url, json=decision(opened), headers=headers)
        again = await review.post(url, json=decision(opened), headers=headers)
        await events.wait_for(c.REVIEW_APPROVED)
        await open_case(settings, events)
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert len(events.of_type(c.REVIEW_APPROVED)) == 1


async def test_two_reviewers_racing_get_one_decision_and_one_conflict(settings, review):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events)
        url = f"/cases/{opened.data['case_id']}/decision"
        responses = await asyncio.gather(
            review.post(url, json=decision(opened), headers=bearer(REVIEWER)),
            review.post(url, json=decision(opened, "reject", "不宜公开"), headers=bearer(REVIEWER2)))
        await open_case(settings, events)
    assert sorted(r.status_code for r in responses) == [200, 409]
    loser = next(r for r in responses if r.status_code == 409)
    assert "already" in loser.json()["detail"]
    assert len(events.of_type(c.REVIEW_APPROVED) + events.of_type(c.REVIEW_REJECTED)) == 1


@dataclass(frozen=True)
class Bad:
    token: str
    status: int
    reason: str
    decision: str = "approve"
    note: str | None = None
    content_hash: str | None = None
    case_id: str | None = None
    submitted_by: str = "li.na"
    closed_first: bool = False


BAD = {
    "stale hash": Bad(REVIEWER, 409, "stale content hash", content_hash=STALE),
    "closed case": Bad(REVIEWER, 409, "already approved", closed_first=True),
    "own item": Bad(REVIEWER, 403, "cannot review", submitted_by="zhao.lei"),
    "missing reason": Bad(REVIEWER, 422, "needs a reason", decision="reject", note="  "),
    "wrong role": Bad(SUBMITTER, 403, "lacks the role reviewer"),
    "unknown case": Bad(REVIEWER, 404, "no review case", case_id="no-such-case"),
}


@pytest.mark.parametrize("via", ["http", "amqp"])
@pytest.mark.parametrize("bad", BAD.values(), ids=BAD.keys())
async def test_a_bad_decision_gets_its_status_and_decides_nothing(settings, review, via, bad):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events, submitted_by=bad.submitted_by)
        case_id = bad.case_id or opened.data["case_id"]
        if bad.closed_first:
            first = await review.post(f"/cases/{case_id}/decision", json=decision(opened), headers=bearer(REVIEWER2))
            assert first.status_code == 200, first.text
        body = decision(opened, bad.decision, bad.note)
        body["content_hash"] = bad.content_hash or body["content_hash"]
        if via == "http":
            response = await review.post(f"/cases/{case_id}/decision", json=body, headers=bearer(bad.token))
            status, reason = response.status_code, response.json()["detail"]
        else:
            command = intake_command(case_id, body)
            await publish(settings, "intake", command, headers={"authorization": f"Bearer {bad.token}"})
            rejected = await events.wait_for(c.INTAKE_REJECTED, lambda e: e.data["command_id"] == command.id)
            status, reason = rejected.data["status"], rejected.data["reason"]
            assert rejected.data["command_type"] == c.DECIDE_REVIEW and rejected.causationid == command.id
        await open_case(settings, events)
    assert (status, bad.reason in reason) == (bad.status, True), reason
    assert len(events.of_type(c.REVIEW_APPROVED)) == (1 if bad.closed_first else 0)
    assert events.of_type(c.REVIEW_REJECTED) == []
    case = (await review.get(f"/cases/{opened.data['case_id']}", headers=bearer(REVIEWER2))).json()
    assert case["state"] == ("approved" if bad.closed_first else "open")


async def test_a_blocked_case_cannot_be_approved(settings, review):
    async with Tap(settings, "events") as events:
        await publish(settings, "events", submission(title="【绝密】年度执法检查方案"))
        blocked = await events.wait_for(c.REVIEW_BLOCKED)
        response = await review.post(f"/cases/{blocked.data['case_id']}/decision", headers=bearer(REVIEWER),
                                     json={"decision": "approve", "content_hash": blocked.data["content_hash"]})
    assert response.status_code == 409 and "already blocked" in response.json()["detail"]
    assert blocked.data["findings"][0]["field"] == "title"


async def test_malformed_decisions_are_refused_over_http_and_amqp(settings, review):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events)
        url = f"/cases/{opened.data['case_id']}/decision"
        json_type = {**bearer(REVIEWER), "content-type": "application/json"}
        broken = await review.post(url, content=b"{not json", headers=json_type)
        bad_hash = await review.post(url, json={"decision": "approve", "content_hash": "abc"}, headers=bearer(REVIEWER))
        bad_choice = await review.post(url, json={**decision(opened), "decision": "maybe"}, headers=bearer(REVIEWER))

        command = intake_command(opened.data["case_id"], decision(opened))
        await publish(settings, "intake", command, body=b"\xff not json",
                      headers={"authorization": f"Bearer {REVIEWER}"})
        not_json = await events.wait_for(c.INTAKE_REJECTED, lambda e: e.data["status"] == 400)
        invalid = intake_command(opened.data["case_id"], {**decision(opened), "decision": "maybe"})
        await publish(settings, "intake", invalid, headers={"authorization": f"Bearer {REVIEWER}"})
        refused = await events.wait_for(c.INTAKE_REJECTED, lambda e: e.data["command_id"] == invalid.id)
        anonymous = intake_command(opened.data["case_id"], decision(opened))
        await publish(settings, "intake", anonymous)
        unauthenticated = await events.wait_for(c.INTAKE_REJECTED, lambda e: e.data["command_id"] == anonymous.id)
        await open_case(settings, events)
    assert broken.status_code == bad_hash.status_code == bad_choice.status_code == 422
    assert "content_hash" in bad_hash.json()["detail"]
    assert "malformed" in not_json.data["reason"]
    assert refused.data["status"] == 422 and "decision" in refused.data["reason"]
    assert unauthenticated.data["status"] == 401
    assert events.of_type(c.REVIEW_APPROVED) == events.of_type(c.REVIEW_REJECTED) == []


async def test_the_same_item_version_submitted_twice_gets_one_case(settings, review):
    async with Tap(settings, "events") as events:
        submitted = submission()
        await publish(settings, "events", submitted)
        await publish(settings, "events", submitted)
        await publish(settings, "events", submitted.model_copy(update={"id": str(uuid.uuid4())}))
        await events.wait_for(c.REVIEW_CASE_OPENED, lambda e: e.subject == submitted.subject)
        await open_case(settings, events)
    assert len([e for e in events.of_type(c.REVIEW_CASE_OPENED) if e.subject == submitted.subject]) == 1


@pytest.mark.parametrize(("path", "token", "status"), [
    ("/cases", None, 401),
    ("/cases", SUBMITTER, 403),
    ("/cases", "dev-auditor-token", 200),
    ("/cases/anything", SUBMITTER, 404),
    ("/cases/no-such-case", REVIEWER, 404),
    ("/cases/no-such-case", "dev-auditor-token", 404),
    ("/cases?state=pending", REVIEWER, 422),
])
async def test_reading_cases_needs_the_reviewer_or_auditor_role(review, path, token, status):
    response = await review.get(path, headers=bearer(token) if token else {})
    assert response.status_code == status, response.text


# ---- risk, two reviewers, redaction, withholding, new versions ------------------------------------

ID = "11010519491231002X"
ID_BODY = f"经查，当事人身份证号码：{ID}，特此公告。"


async def test_high_risk_needs_two_different_reviewers_and_the_same_one_twice_is_refused(settings, review):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events, body=ID_BODY)
        url = f"/cases/{opened.data['case_id']}/decision"
        first = await review.post(url, json=decision(opened), headers=bearer(REVIEWER))
        recorded = await events.wait_for(c.REVIEW_APPROVAL_RECORDED)
        again = await review.post(url, json=decision(opened), headers=bearer(REVIEWER))
        command = intake_command(opened.data["case_id"], decision(opened))
        await publish(settings, "intake", command, headers={"authorization": f"Bearer {REVIEWER2}"})
        approved = await events.wait_for(c.REVIEW_APPROVED)
    assert (opened.data["risk"], opened.data["required_approvals"]) == ("high", 2)
    assert [(f["detector"], f["text"]) for f in opened.data["findings"]] == [("id-number", ID)]
    assert first.status_code == 200 and first.json()["state"] == "open" and first.json()["approvals"] == ["zhao.lei"]
    assert recorded.data["reviewers"] == ["zhao.lei"] and recorded.data["required_approvals"] == 2
    assert again.status_code == 409 and "already approved" in again.json()["detail"]
    assert approved.data["reviewers"] == ["zhao.lei", "chen.jing"] and approved.data["reviewer"] == "chen.jing"
    assert approved.causationid == command.id and approved.data["content_hash"] == opened.data["content_hash"]
    assert len(events.of_type(c.REVIEW_APPROVAL_RECORDED)) == 1 and len(events.of_type(c.REVIEW_APPROVED)) == 1
    for event in (opened, recorded, approved):
        assert (event.data["unit"], event.data["category"]) == ("办公室", "S05")


async def test_a_redaction_request_names_the_spans_and_closes_the_case(settings, review):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events, body=ID_BODY)
        [finding] = opened.data["findings"]
        url = f"/cases/{opened.data['case_id']}/decision"
        outside = await review.post(url, headers=bearer(REVIEWER), json={
            **decision(opened, "redact"), "spans": [{"field": "body", "start": 5, "end": len(ID_BODY) + 1}]})
        span = {"field": "body", "start": finding["start"], "end": finding["end"]}
        response = await review.post(url, headers=bearer(REVIEWER), json={
            **decision(opened, "redact", "身份证号须删除"), "spans": [span]})
        requested = await events.wait_for(c.REVIEW_REDACTION_REQUESTED)
    assert outside.status_code == 422 and "outside the text" in outside.json()["detail"]
    assert response.status_code == 200 and response.json()["state"] == "redaction_requested"
    assert requested.data["spans"] == [span] and requested.data["reason"] == "身份证号须删除"
    assert (requested.data["reviewer"], requested.data["unit"], requested.data["category"]) == (
        "zhao.lei", "办公室", "S05")
    assert ID_BODY[span["start"]:span["end"]] == ID
    assert len(events.of_type(c.REVIEW_REDACTION_REQUESTED)) == 1


async def test_withholding_records_the_legal_ground_over_amqp(settings, review):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events)
        missing = intake_command(opened.data["case_id"], decision(opened, "withhold"))
        await publish(settings, "intake", missing, headers={"authorization": f"Bearer {REVIEWER}"})
        refused = await events.wait_for(c.INTAKE_REJECTED, lambda e: e.data["command_id"] == missing.id)
        command = intake_command(opened.data["case_id"], {**decision(opened, "withhold", "涉及第三方商业信息"),
                                                           "legal_reason": "commercial-secret"})
        await publish(settings, "intake", command, headers={"authorization": f"Bearer {REVIEWER}"})
        withheld = await events.wait_for(c.REVIEW_WITHHELD)
    assert refused.data["status"] == 422 and "legal_reason" in refused.data["reason"]
    assert (withheld.data["legal_reason"], withheld.data["reason"]) == ("commercial-secret", "涉及第三方商业信息")
    case = (await review.get(f"/cases/{opened.data['case_id']}", headers=bearer(REVIEWER))).json()
    assert (case["state"], case["legal_reason"]) == ("withheld", "commercial-secret")


async def test_a_new_version_voids_the_open_case_and_its_first_approval(settings, review):
    async with Tap(settings, "events") as events:
        v1 = await open_case(settings, events, body=ID_BODY)
        url = f"/cases/{v1.data['case_id']}/decision"
        assert (await review.post(url, json=decision(v1), headers=bearer(REVIEWER))).status_code == 200
        v2 = await open_case(settings, events, item_id=v1.subject, version=2, body=ID_BODY.replace(ID, "×××"))
        voided = await events.wait_for(c.REVIEW_CASE_VOIDED)
        late = await review.post(url, json=decision(v1), headers=bearer(REVIEWER2))
        other = str(uuid.uuid4())
        await open_case(settings, events, item_id=other, version=2)
        await publish(settings, "events", submission(item_id=other, version=1, title="迟到的旧版本"))
        void_at_once = await events.wait_for(c.REVIEW_CASE_VOIDED, lambda e: e.subject == other)
    assert (voided.data["case_id"], voided.data["superseded_by"], voided.data["reviewers"]) == (
        v1.data["case_id"], 2, ["zhao.lei"])
    assert (voided.data["unit"], voided.data["category"]) == ("办公室", "S05") and voided.causationid == v2.causationid
    assert late.status_code == 409 and "already voided" in late.json()["detail"]
    assert v2.data["risk"] == "none" and events.of_type(c.REVIEW_APPROVED) == []
    assert void_at_once.data["version"] == 1 and void_at_once.data["superseded_by"] == 2
    listed = (await review.get("/cases", params={"item_id": v1.subject, "state": "all"}, headers=bearer(REVIEWER)))
    assert sorted((k["version"], k["state"]) for k in listed.json()) == [(1, "voided"), (2, "open")]


async def test_the_queue_shows_each_finding_with_the_text_around_it(settings, review):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events, body=ID_BODY)
    [case] = (await review.get("/cases", params={"item_id": opened.subject}, headers=bearer(REVIEWER))).json()
    [finding] = case["findings"]
    assert finding["context"] == {"before": "经查，当事人身份证号码：", "after": "，特此公告。"}
    assert (case["risk"], case["required_approvals"], case["approvals"]) == ("high", 2, [])


async def test_attachments_are_screened_by_type_and_text(settings, review):
    attachments = [{"name": "名单.pdf", "media_type": "application/pdf", "size": 10, "sha256": "0" * 64,
                    "text": "联系人：张伟，手机：13800138000"},
                   {"name": "run.exe", "media_type": "application/x-msdownload", "size": 10, "sha256": "1" * 64}]
    async with Tap(settings, "events") as events:
        await publish(settings, "events", submission(attachments=attachments))
        blocked = await events.wait_for(c.REVIEW_BLOCKED)
    assert [(f["field"], f["detector"]) for f in blocked.data["findings"]] == [
        ("attachments[0].text", "person-name"), ("attachments[0].text", "mobile-number"),
        ("attachments[1].name", "attachment-type")]
    assert "run.exe" in blocked.data["reason"]


async def test_screening_a_text_over_http_answers_findings_and_risk_and_stores_nothing(settings, review):
    response = await review.post("/screen", headers=bearer(SUBMITTER),
                                 json={"title": "机密★1年 通知", "body": f"身份证{ID}"})
    assert response.status_code == 200, response.text
    assert (response.json()["risk"], response.json()["blocked"]) == ("blocked", True)
    assert [f["detector"] for f in response.json()["findings"]] == ["classification-marking", "id-number"]
    clean = await review.post("/screen", headers=bearer(REVIEWER), json={"body": "公告正文。"})
    assert clean.json() == {"risk": "none", "blocked": False, "required_approvals": 1, "findings": []}
    listed = await review.get("/cases", params={"state": "all"}, headers=bearer(REVIEWER))
    assert listed.json() == []


@pytest.mark.parametrize(("content", "status", "reason"), [
    ({"title": " ", "body": ""}, 422, "nothing to screen"),
    ({"title": "通知", "body": "正" * 5_000_000}, 413, "request body over"),
    ({"title": "通知", "body": "正" * 1_000_001, "chunked": True}, 422, "body"),
    (b"\xff\xfe not utf-8", 422, ""),
])
async def test_bad_texts_to_screen_are_refused_with_a_reason(review, content, status, reason):
    headers = {**bearer(REVIEWER), "content-type": "application/json"}
    if isinstance(content, bytes):
        response = await review.post("/screen", content=content, headers=headers)
    elif content.pop("chunked", False):
        async def chunks():
            yield json.dumps(content).encode()
        response = await review.post("/screen", content=chunks(), headers=headers)
    else:
        response = await review.post("/screen", json=content, headers=bearer(REVIEWER))
    assert response.status_code == status, response.text
    assert reason in response.json()["detail"]


async def test_screening_needs_a_credential(review):
    assert (await review.post("/screen", json={"body": "x"})).status_code == 401


@pytest.mark.parametrize(("token", "status"), [
    ("dev-submitter2-token", 404),   # a submitter of another unit
    ("dev-submitter-token", 404),    # the item's own submitter: a case is the reviewers' business
    ("dev-publisher-token", 404),
    ("dev-admin-token", 404),
    (REVIEWER, 200),
    ("dev-auditor-token", 200),
])
async def test_a_case_is_read_by_reviewers_and_auditors_and_does_not_exist_for_anyone_else(settings, review, token,
                                                                                          status):
    async with Tap(settings, "events") as events:
        opened = await open_case(settings, events)
    case_id = opened.data["case_id"]
    response = await review.get(f"/cases/{case_id}", headers=bearer(token))
    assert response.status_code == status, response.text
    if status == 404:
        assert response.json() == {"detail": f"no review case {case_id}"}
    else:
        assert response.json()["body"] == BODY
    queue = await review.get("/cases", headers=bearer(token))
    assert queue.status_code == (200 if status == 200 else 403)
