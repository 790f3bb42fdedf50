"""Consultations through the HTTP API on the real broker and database, with review's signed decisions played as
review sends them: a draft opens only once approved, comments show only as screened (a phone number redacted),
the commenter's contact is never public, the period and the hearing's cap and notice are kept, and the feedback
report is refused until it answers every opinion, then published on approval. The service's clock is moved past
the close date by the test (its ``now``), not waited for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from gongkai.participation.app import ParticipationSettings, create_app
from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.testing import Tap, bearer, migrate, publish, running
from review_decisions import decision, signed

CLERK, HEAD, AUDITOR = bearer("dev-submitter-token"), bearer("dev-publisher-token"), bearer("dev-auditor-token")
NOW = datetime.now(UTC)
TODAY = local_date(NOW)


@pytest.fixture
async def service(settings):
    await migrate(settings, ("participation",))
    app = create_app(settings, ParticipationSettings(form_per_address=1000, form_per_contact=1000))
    async with running(app) as client, Tap(settings, "events", "participation.#") as events, \
            Tap(settings, "public", "participation.#") as public:
        yield client, app, events, public


def draft(**changes) -> dict:
    return {"kind": "major-decision", "title": "城区公交线网优化方案（征求意见稿）",
            "draft": "一、优化目标……二、线路调整……", "documents": [{"name": "起草说明", "text": "依据……"}],
            "unit": "运输管理科", "opens_on": TODAY.isoformat(), **changes}


async def approve(settings, events, item_id: str, version: int = 1, kind: str = c.REVIEW_APPROVED, **data):
    submitted = await events.wait_for(c.PUBLICATION_SUBMITTED, lambda e: e.data["item_id"] == item_id
                                      and e.data["version"] == version)
    await publish(settings, "events", signed(kind, decision(kind, submitted, **data)))
    return submitted


async def test_a_consultation_from_its_reviewed_draft_to_its_published_feedback_report(settings, service):
    http, app, events, public = service
    made = await http.post("/consultations", json=draft(), headers=CLERK)
    assert made.status_code == 201, made.text
    cid = made.json()["consultation_id"]
    assert made.json()["closes_on"] == (TODAY + timedelta(days=29)).isoformat()  # 30 days, policy.toml

    early = await http.post(f"/public/consultations/{cid}/comments", json={"text": "赞成"})
    assert early.status_code == 409 and "not passed review" in early.json()["detail"]
    assert (await http.get(f"/public/consultations/{cid}")).status_code == 404

    await approve(settings, events, f"consultation:{cid}")
    opened = await public.wait_for(c.PUBLIC_CONSULTATION_OPENED, lambda e: e.data["consultation_id"] == cid)
    assert opened.data["closes_on"] == made.json()["closes_on"] and "起草说明" in opened.data["body"]

    plain = await http.post(f"/public/consultations/{cid}/comments",
                            json={"text": "建议保留7路公交。", "name": "李四", "contact": {"email": "li@example.org"}})
    assert plain.status_code == 201, plain.text
    phone = await http.post(f"/public/consultations/{cid}/comments",
                            json={"text": "我家在西站附近，电话13912345678，希望增设站点。", "contact": {}})
    assert phone.status_code == 201
    await approve(settings, events, f"comment:{plain.json()['comment_id']}")
    submitted = await events.wait_for(c.PUBLICATION_SUBMITTED,
                                      lambda e: e.data["item_id"] == f"comment:{phone.json()['comment_id']}")
    start = submitted.data["body"].index("13912345678")
    await approve(settings, events, submitted.data["item_id"], kind=c.REVIEW_REDACTION_REQUESTED, reason="个人信息",
                  spans=[{"field": "body", "start": start, "end": start + 11}])
    await approve(settings, events, submitted.data["item_id"], version=2, reviewers=("chen.jing",))
    await public.wait_for(c.PUBLIC_COMMENT_SHOWN, lambda e: e.data["comment_id"] == phone.json()["comment_id"])
    page = (await http.get(f"/public/consultations/{cid}")).json()
    texts = [m["text"] for m in page["shown_comments"]]
    assert texts == ["建议保留7路公交。", "我家在西站附近，电话×××，希望增设站点。"]
    assert "li@example.org" not in str(page) and "李四" not in str(page) and "13912345678" not in str(page)
    assert all("13912345678" not in str(e.data) for _, e in public.messages)

    hidden = await http.post(f"/consultations/{cid}/comments/{plain.json()['comment_id']}/hiding",
                             json={"reason": "与本草案无关"}, headers=HEAD)
    assert hidden.status_code == 200, hidden.text
    await public.wait_for(c.PUBLIC_COMMENT_WITHDRAWN, lambda e: e.data["comment_id"] == plain.json()["comment_id"])
    staff = (await http.get(f"/consultations/{cid}", headers=AUDITOR)).json()
    assert [(m["hidden"], m["hidden_reason"]) for m in staff["comments"]] == [(True, "与本草案无关"), (False, None)]
    assert staff["comments"][0]["person"]["contact"]["email"] == "li@example.org"  # kept, never deleted

    soon = await http.post(f"/consultations/{cid}/hearings", headers=HEAD, json={
        "title": "听证会", "held_on": (TODAY + timedelta(days=5)).isoformat(), "place": "局三楼会议室", "capacity": 1})
    assert soon.status_code == 422 and "at least 10 days" in soon.json()["detail"]
    hearing = await http.post(f"/consultations/{cid}/hearings", headers=HEAD, json={
        "title": "听证会", "held_on": (TODAY + timedelta(days=12)).isoformat(), "place": "局三楼会议室", "capacity": 1})
    assert hearing.status_code == 200, hearing.text
    hid = hearing.json()["record_id"]
    first = await http.post(f"/public/consultations/{cid}/hearings/{hid}/registrations",
                            json={"name": "王五", "contact": {"phone": "13700000000"}})
    assert first.status_code == 201, first.text
    over = await http.post(f"/public/consultations/{cid}/hearings/{hid}/registrations",
                           json={"name": "赵六", "contact": {"phone": "13600000000"}})
    assert over.status_code == 409 and "full" in over.json()["detail"]
    assert [h["registered"] for h in (await http.get(f"/public/consultations/{cid}")).json()["hearings"]] == [1]
    chosen = await http.post(f"/consultations/{cid}/hearings/{hid}/representatives", headers=HEAD,
                             json={"registrations": [first.json()["registration_id"]], "on": TODAY.isoformat()})
    assert chosen.status_code == 200, chosen.text
    expert = await http.post(f"/consultations/{cid}/expert-opinions", headers=CLERK, json={
        "expert": "钱教授", "affiliation": "某大学交通学院", "opinion": "建议分期实施。", "on": TODAY.isoformat()})
    assert expert.status_code == 200, expert.text
    visit = await http.post(f"/consultations/{cid}/research-visits", headers=CLERK, json={
        "on": TODAY.isoformat(), "place": "西站片区", "participants": "社区代表5人", "summary": "居民希望增设站点。"})
    assert visit.status_code == 200, visit.text

    not_yet = await http.post(f"/consultations/{cid}/closing", json={"on": TODAY.isoformat()}, headers=HEAD)
    assert not_yet.status_code == 409 and "until" in not_yet.json()["detail"]

    app.state.participation.now = lambda: NOW + timedelta(days=31)  # the service's clock, past the close date
    later = (TODAY + timedelta(days=31)).isoformat()
    late = await http.post(f"/public/consultations/{cid}/comments", json={"text": "补充一条"})
    assert late.status_code == 409 and "closed on" in late.json()["detail"]
    recorded = await http.post(f"/consultations/{cid}/hearings/{hid}/record", headers=CLERK,
                               json={"record": "听证笔录……", "on": later})
    assert recorded.status_code == 200, recorded.text
    closed = await http.post(f"/consultations/{cid}/closing", json={"on": later}, headers=HEAD)
    assert closed.status_code == 200, closed.text
    await public.wait_for(c.PUBLIC_CONSULTATION_CLOSED, lambda e: e.data["consultation_id"] == cid)

    phone_id = f"comment:{phone.json()['comment_id']}"
    answers = [{"opinion": phone_id, "outcome": "adopted", "reason": "西站增设站点"}]
    missing = await http.post(f"/consultations/{cid}/feedback-report", headers=HEAD,
                              json={"summary": "共收到意见2条。", "answers": answers})
    assert missing.status_code == 422 and "expert:E1" in missing.json()["detail"]
    no_reason = await http.post(f"/consultations/{cid}/feedback-report", headers=HEAD, json={
        "summary": "共收到意见2条。", "answers": [*answers, {"opinion": "expert:E1", "outcome": "partly",
                                                          "reason": " "}]})
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["detail"]
    assert (await http.get(f"/consultations/{cid}", headers=CLERK)).json()["consultation"]["state"] == "closed"
    report = await http.post(f"/consultations/{cid}/feedback-report", headers=HEAD, json={
        "summary": "共收到意见2条。", "answers": [*answers, {"opinion": "expert:E1", "outcome": "partly",
                                                          "reason": "第一期先行实施"}]})
    assert report.status_code == 200 and (report.json()["adopted"], report.json()["partly"]) == (1, 1), report.text
    await approve(settings, events, f"feedback:{cid}")
    published = await public.wait_for(c.PUBLIC_FEEDBACK_PUBLISHED, lambda e: e.data["consultation_id"] == cid)
    assert "西站增设站点" in published.data["body"] and "13912345678" not in published.data["body"]
    assert "与本草案无关" not in published.data["body"]  # the hidden comment is not answered in public
    assert (await http.get(f"/public/consultations/{cid}")).json()["feedback"] == published.data["body"]

    stats = (await http.get("/statistics", headers=AUDITOR, params={"year": TODAY.year})).json()["consultations"]
    assert (stats["total"]["consultations"], stats["total"]["comments"], stats["total"]["reported"]) == (1, 2, 1)


async def test_a_bad_draft_is_refused_and_nothing_is_stored(service):
    http, *_ = service
    short = await http.post("/consultations", headers=CLERK,
                            json=draft(closes_on=(TODAY + timedelta(days=10)).isoformat()))
    assert short.status_code == 422 and "at least 30 days" in short.json()["detail"]
    unknown = await http.post("/consultations", headers=CLERK, json=draft(kind="poll"))
    assert unknown.status_code == 422 and "kind" in unknown.json()["detail"]
    assert (await http.get("/consultations", headers=CLERK)).json() == []
