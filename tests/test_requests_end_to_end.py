"""A request for disclosure through the five services as processes, on the real broker and database.

A letter is entered and acknowledged; notification opens its reply clock from the requests service's fact; the
reply that discloses is refused before review approves it, review screens and approves exactly its text, the
reply goes out, and the clock is met; the applicant sees it with the secret, nobody sees it without.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from gongkai.shared.calendar import local_date
from gongkai.shared.testing import bearer
from gongkai_system import Portal, started_system

CLERK, HEAD = bearer("dev-submitter-token"), bearer("dev-publisher-token")
REVIEWER, AUDITOR = bearer("dev-reviewer-token"), bearer("dev-auditor-token")


@pytest.fixture
def system(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_FORM_PER_CONTACT", "1")  # the processes read it: one online request per contact
    with started_system(settings, tmp_path) as system:
        yield system


async def poll(fetch, until, timeout: float = 30.0):
    async with asyncio.timeout(timeout):
        while not until(result := await fetch()):
            await asyncio.sleep(0.2)
    return result


def letter(today: str) -> dict:
    return {"applicant": {"kind": "natural-person", "name": "张三", "id_kind": "身份证", "id_number": "某号码"},
            "contact": {"address": "市区某路1号"}, "description": "请公开城区公交线路调整的论证报告",
            "delivery": "paper", "channel": "registered-post", "signed_on": today}


async def test_a_letter_is_acknowledged_answered_after_review_and_its_reply_clock_met(system):
    today = local_date(datetime.now(UTC)).isoformat()
    requests, review, notification = system.url("requests"), system.url("review"), system.url("notification")
    async with httpx.AsyncClient(timeout=10) as http:
        received = await http.post(f"{requests}/requests", json=letter(today), headers=CLERK)
        assert received.status_code == 201, received.text
        rid, secret = received.json()["tracking_number"], received.json()["secret"]

        reply_clock = await poll(lambda: http.get(f"{notification}/deadlines", params={"item_id": rid},
                                                  headers=CLERK),
                                 lambda r: r.status_code == 200 and any(
                                     d["rule"] == "request-reply" for d in r.json()["deadlines"]))
        [opened] = [d for d in reply_clock.json()["deadlines"] if d["rule"] == "request-reply"]
        assert opened["opened_on"] == today and opened["state"] == "open"

        wrong = await http.post(f"{requests}/public/requests/status", json={"tracking_number": rid, "secret": "x"})
        assert wrong.status_code == 404
        status = await poll(lambda: http.post(f"{requests}/public/requests/status",
                                              json={"tracking_number": rid, "secret": secret}),
                            lambda r: r.status_code == 200 and r.json()["due_on"] is not None)
        assert status.json()["state"] == "received" and status.json()["due_on"] == opened["due_on"]
        [receipt] = status.json()["letters"]
        assert receipt["kind"] == "receipt" and receipt["letter_id"] == received.json()["letter_id"]
        pdf = await http.post(f"{requests}/public/requests/letter", timeout=60, json={
            "tracking_number": rid, "secret": secret, "letter_id": receipt["letter_id"], "format": "pdf"})
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["x-content-sha256"] == receipt["sha256"]
        hidden = await http.post(f"{requests}/public/requests/letter", json={
            "tracking_number": rid, "secret": "x", "letter_id": receipt["letter_id"]})
        assert hidden.status_code == 404

        assigned = await http.post(f"{requests}/requests/{rid}/assignment", json={"unit": "运输管理科", "on": today},
                                   headers=HEAD)
        assert assigned.status_code == 200, assigned.text
        drafted = await http.post(f"{requests}/requests/{rid}/reply-draft", headers=CLERK, json={
            "outcome": "granted", "text": "经审查，现将您申请的信息提供如下。",
            "disclosed": "城区公交线路调整论证报告（摘要）。"})
        assert drafted.status_code == 200 and drafted.json()["state"] == "reply-in-review", drafted.text
        content_hash = drafted.json()["content_hash"]

        early = await http.post(f"{requests}/requests/{rid}/reply", json={"answered_on": today,
                                                                           "content_hash": content_hash},
                                headers=CLERK)
        assert early.status_code == 409 and "approv" in early.json()["detail"]

        cases = await poll(lambda: http.get(f"{review}/cases", params={"item_id": f"reply:{rid}"}, headers=REVIEWER),
                           lambda r: r.status_code == 200 and r.json())
        [case] = cases.json()
        assert case["content_hash"] == content_hash
        decided = await http.post(f"{review}/cases/{case['case_id']}/decision",
                                  json={"decision": "approve", "content_hash": content_hash}, headers=REVIEWER)
        assert decided.status_code == 200, decided.text

        await poll(lambda: http.get(f"{requests}/requests/{rid}", headers=CLERK),
                   lambda r: r.status_code == 200 and r.json()["state"] == "reply-ready")
        stale = await http.post(f"{requests}/requests/{rid}/reply", headers=CLERK,
                                json={"answered_on": today, "content_hash": "sha256:" + "0" * 64})
        assert stale.status_code == 409
        sent = await http.post(f"{requests}/requests/{rid}/reply", headers=CLERK,
                               json={"answered_on": today, "content_hash": content_hash})
        assert sent.status_code == 200 and sent.json()["state"] == "answered", sent.text

        met = await poll(lambda: http.get(f"{notification}/deadlines", params={"item_id": rid}, headers=CLERK),
                         lambda r: r.status_code == 200 and any(
                             d["rule"] == "request-reply" and d["state"] == "met" for d in r.json()["deadlines"]))
        assert {d["rule"]: d["state"] for d in met.json()["deadlines"]}["request-correction"] == "cancelled"

        challenged = await http.post(f"{requests}/requests/{rid}/challenge", headers=CLERK,
                                     json={"kind": "reconsideration", "result": "pending", "on": today})
        assert challenged.status_code == 200, challenged.text
        status = await http.post(f"{requests}/public/requests/status",
                                 json={"tracking_number": rid, "secret": secret})
        assert status.json()["state"] == "answered" and "论证报告" in status.json()["reply"]
        assert status.json()["outcome_name"] == "予以公开"
        assert [x["kind"] for x in status.json()["letters"]] == ["receipt", "reply"]
        reply_letter = await http.get(f"{requests}/requests/{rid}/letters/{status.json()['letters'][1]['letter_id']}",
                                      headers=AUDITOR)
        assert reply_letter.status_code == 200 and "城区公交线路调整论证报告" in reply_letter.text

        refusals = await poll(lambda: http.get(f"{system.url('audit')}/refusals", params={"item": rid},
                                               headers=AUDITOR),
                              lambda r: r.status_code == 200 and len(r.json()["refusals"]) >= 4)
        reasons = [r["reason"] for r in refusals.json()["refusals"]]
        assert any("wrong secret" in r for r in reasons), reasons

        # 依申请公开转主动公开: the answer becomes a draft item for everyone, which review will screen again
        draft = await http.post(f"{system.url('publishing')}/drafts", headers=CLERK, json={
            "title": "依申请公开：城区公交线路调整论证报告", "category": "S05", "body": status.json()["reply"]})
        assert draft.status_code == 201, draft.text
        item_id = draft.json()["item_id"]
        made = await http.post(f"{requests}/requests/{rid}/public-item", headers=CLERK,
                               json={"item_id": item_id, "on": today})
        assert made.status_code == 200, made.text
        again = await http.post(f"{requests}/requests/{rid}/public-item", headers=CLERK,
                                json={"item_id": "another", "on": today})
        assert again.status_code == 409 and item_id in again.json()["detail"]
        detail = (await http.get(f"{requests}/requests/{rid}", headers=CLERK)).json()
        assert detail["public_item"] == item_id and detail["steps"][-1]["step"] == "make_public"


async def test_the_portal_form_is_acknowledged_once_per_contact_and_refuses_its_honeypot(system):
    requests = system.url("requests")
    form = {k: v for k, v in letter("2026-01-01").items() if k not in ("channel", "signed_on")}
    form["contact"] = {"email": "zhang.san@example.org"}
    async with httpx.AsyncClient(timeout=10) as http:
        trap = await http.post(f"{requests}/public/requests",  # counted like any form: a bot's contact is spent
                               json={**form, "contact": {"email": "bot@example.org"}, "website": "http://spam"})
        assert trap.status_code == 400
        first = await http.post(f"{requests}/public/requests", json=form)
        assert first.status_code == 201, first.text
        assert first.json()["received_on"] == local_date(datetime.now(UTC)).isoformat()
        again = await http.post(f"{requests}/public/requests",
                                json={**form, "contact": {"email": "Zhang.San@example.org"}})
        assert again.status_code == 429 and int(again.headers["retry-after"]) > 0
        huge = await http.post(f"{requests}/public/requests", json={**form, "description": "请" * 5000})
        assert huge.status_code == 422 and "description" in huge.json()["detail"]


async def test_the_portal_takes_the_form_and_shows_the_applicant_the_status_and_the_receipt(system, tmp_path):
    portal = Portal(system, tmp_path, GONGKAI_PORTAL_REQUESTS_URL=system.url("requests"))
    try:
        async with httpx.AsyncClient(timeout=60) as http:
            form = await http.get(f"{portal.url}/apply")
            assert form.status_code == 200 and 'name="website"' in form.text and "依申请公开" in form.text
            sent = await http.post(f"{portal.url}/apply", data={
                "kind": "research", "name": "某研究院", "id_kind": "统一社会信用代码", "id_number": "12100000X",
                "email": "office@research.example", "description": "请公开2026年公交客流统计",
                "delivery": "electronic"})
            assert sent.status_code == 201, sent.text
            number = re.search(r"<strong>(YSQ-[0-9A-Z-]+)</strong>", sent.text).group(1)
            secret = re.search(r"<code>([^<]+)</code>", sent.text).group(1)
            shown = await http.post(f"{portal.url}/status", data={"tracking_number": number, "secret": secret})
            assert shown.status_code == 200 and "已登记" in shown.text and "登记回执" in shown.text
            letter_id = re.search(r'name="letter_id" value="([^"]+)"', shown.text).group(1)
            pdf = await http.post(f"{portal.url}/status/letter",
                                  data={"tracking_number": number, "secret": secret, "letter_id": letter_id})
            assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            wrong = await http.post(f"{portal.url}/status", data={"tracking_number": number, "secret": "guess"})
            assert wrong.status_code == 404 and "不正确" in wrong.text and "已登记" not in wrong.text
            bad = await http.post(f"{portal.url}/apply", data={"kind": "natural-person", "name": "李四",
                                                               "id_kind": "身份证", "id_number": "1",
                                                               "description": ""})
            assert bad.status_code == 422 and "description" in bad.text
    finally:
        portal.stop()


async def test_a_partly_disclosed_reply_is_redacted_by_review_and_only_the_redacted_text_goes_out(system):
    today = local_date(datetime.now(UTC)).isoformat()
    requests, review = system.url("requests"), system.url("review")
    second = bearer("dev-reviewer2-token")
    async with httpx.AsyncClient(timeout=10) as http:
        rid = (await http.post(f"{requests}/requests", json=letter(today), headers=CLERK)).json()["request_id"]
        await http.post(f"{requests}/requests/{rid}/assignment", json={"unit": "运输管理科", "on": today}, headers=HEAD)
        drafted = await http.post(f"{requests}/requests/{rid}/reply-draft", headers=CLERK, json={
            "outcome": "partly-granted", "text": "部分公开。", "disclosed": "论证报告，起草人王五。"})
        first_hash = drafted.json()["content_hash"]
        [case] = (await poll(lambda: http.get(f"{review}/cases", params={"item_id": f"reply:{rid}"},
                                              headers=REVIEWER),
                             lambda r: r.status_code == 200 and r.json())).json()
        body = (await http.get(f"{review}/cases/{case['case_id']}", headers=REVIEWER)).json()["body"]
        start = body.index("王五")
        asked = await http.post(f"{review}/cases/{case['case_id']}/decision", headers=REVIEWER, json={
            "decision": "redact", "content_hash": first_hash, "reason": "起草人姓名不公开",
            "spans": [{"field": "body", "start": start, "end": start + 2}]})
        assert asked.status_code == 200, asked.text

        redacted = await poll(lambda: http.get(f"{requests}/requests/{rid}", headers=CLERK),
                              lambda r: r.status_code == 200 and (r.json()["reply"] or {}).get("draft") == 2)
        reply = redacted.json()["reply"]
        assert "王五" not in reply["disclosed"] and "×××" in reply["disclosed"] and reply["review"] == "pending"
        stale = await http.post(f"{requests}/requests/{rid}/reply", headers=CLERK,
                                json={"answered_on": today, "content_hash": first_hash})
        assert stale.status_code == 409
        cases = await poll(lambda: http.get(f"{review}/cases", params={"item_id": f"reply:{rid}"}, headers=second),
                           lambda r: r.status_code == 200 and any(c["version"] == 2 for c in r.json()))
        [case2] = [c for c in cases.json() if c["version"] == 2]
        assert case2["content_hash"] == reply["content_hash"]
        approved = await http.post(f"{review}/cases/{case2['case_id']}/decision", headers=second,
                                   json={"decision": "approve", "content_hash": reply["content_hash"]})
        assert approved.status_code == 200, approved.text
        await poll(lambda: http.get(f"{requests}/requests/{rid}", headers=CLERK),
                   lambda r: r.json()["state"] == "reply-ready")
        sent = await http.post(f"{requests}/requests/{rid}/reply", headers=CLERK,
                               json={"answered_on": today, "content_hash": reply["content_hash"]})
        assert sent.status_code == 200 and sent.json()["state"] == "answered", sent.text
        letters = (await http.get(f"{requests}/requests/{rid}", headers=CLERK)).json()["letters"]
        answer = await http.get(f"{requests}/requests/{rid}/letters/{letters[-1]['letter_id']}", headers=CLERK)
        assert "起草人×××" in answer.text and "王五" not in answer.text



async def test_a_fee_notice_pauses_the_reply_clock_until_the_fee_is_paid(system):
    today = local_date(datetime.now(UTC)).isoformat()
    requests, notification = system.url("requests"), system.url("notification")

    async def reply_clock(http: httpx.AsyncClient, state: str) -> dict:
        found = await poll(lambda: http.get(f"{notification}/deadlines", params={"item_id": rid}, headers=CLERK),
                           lambda r: r.status_code == 200 and any(
                               d["rule"] == "request-reply" and d["state"] == state for d in r.json()["deadlines"]))
        return next(d for d in found.json()["deadlines"] if d["rule"] == "request-reply" and d["state"] == state)

    frequent = {**letter(today), "applicant": {**letter(today)["applicant"], "id_number": f"FEE-{uuid.uuid4().hex}"}}
    async with httpx.AsyncClient(timeout=10) as http:
        earlier = [await http.post(f"{requests}/requests", json=frequent, headers=CLERK) for _ in range(10)]
        assert all(r.status_code == 201 for r in earlier)
        first = earlier[0].json()["request_id"]
        await http.post(f"{requests}/requests/{first}/assignment", json={"unit": "运输管理科", "on": today},
                        headers=HEAD)
        free = await http.post(f"{requests}/requests/{first}/fee-notice", json={"on": today}, headers=HEAD)
        assert free.status_code == 422 and "no fee" in free.json()["detail"], free.text  # the 1st of the month
        received = await http.post(f"{requests}/requests", json=frequent, headers=CLERK)
        rid, secret = received.json()["request_id"], received.json()["secret"]
        await reply_clock(http, "open")
        await http.post(f"{requests}/requests/{rid}/assignment", json={"unit": "运输管理科", "on": today}, headers=HEAD)
        clerk = await http.post(f"{requests}/requests/{rid}/fee-notice", json={"on": today}, headers=CLERK)
        assert clerk.status_code == 403
        notice = await http.post(f"{requests}/requests/{rid}/fee-notice", json={"on": today}, headers=HEAD)
        assert notice.status_code == 200 and notice.json()["state"] == "awaiting-fee", notice.text
        assert notice.json()["fee_yuan"] == 100 and "当月第11件" in notice.json()["band"]  # counted by the service
        await reply_clock(http, "paused")

        early = await http.post(f"{requests}/requests/{rid}/reply-draft", headers=CLERK, json={
            "outcome": "unavailable-not-held", "text": "本机关不掌握相关政府信息。"})
        assert early.status_code == 409 and "awaiting payment" in early.json()["detail"]
        fee_letter = await http.get(f"{requests}/requests/{rid}/letters/{notice.json()['letter_id']}", headers=CLERK)
        assert fee_letter.status_code == 200 and "收费通知书" in fee_letter.text and "100元" in fee_letter.text
        status = await http.post(f"{requests}/public/requests/status", json={"tracking_number": rid, "secret": secret})
        assert status.json()["state"] == "awaiting-fee" and "fee" in [x["kind"] for x in status.json()["letters"]]

        paid = await http.post(f"{requests}/requests/{rid}/fee-payment", json={"on": today}, headers=HEAD)
        assert paid.status_code == 200 and paid.json()["state"] == "examining", paid.text
        await reply_clock(http, "open")


async def test_a_correction_a_consultation_and_an_extension_across_national_day_give_the_calendars_dates(system):
    """A letter signed for on Friday 2026-09-25, the week before the National Day holiday (10-01 to 10-07, with
    the make-up Saturday 10-10 worked): every due date below is the working-day calendar's, as notification keeps
    it and as the applicant's status page shows it."""
    requests, notification = system.url("requests"), system.url("notification")

    async def clocks(http: httpx.AsyncClient, until) -> dict[str, dict]:
        found = await poll(lambda: http.get(f"{notification}/deadlines", params={"item_id": rid}, headers=CLERK),
                           lambda r: r.status_code == 200 and until(
                               {d["rule"]: d for d in r.json()["deadlines"]}))
        return {d["rule"]: d for d in found.json()["deadlines"]}

    async def step(http: httpx.AsyncClient, path: str, body: dict, who: dict = HEAD) -> dict:
        answer = await http.post(f"{requests}/requests/{rid}/{path}", json=body, headers=who)
        assert answer.status_code == 200, (path, answer.text)
        return answer.json()

    received = {**letter("2026-09-25"), "applicant": {**letter("")["applicant"], "id_number": uuid.uuid4().hex}}
    async with httpx.AsyncClient(timeout=10) as http:
        acknowledged = await http.post(f"{requests}/requests", json=received, headers=CLERK)
        assert acknowledged.status_code == 201, acknowledged.text
        rid, secret = acknowledged.json()["request_id"], acknowledged.json()["secret"]
        opened = await clocks(http, lambda d: {"request-reply", "request-correction"} <= d.keys())
        assert opened["request-reply"]["due_on"] == "2026-10-29"       # 20 working days, the holiday not counted
        assert opened["request-correction"]["due_on"] == "2026-10-12"  # 7, the make-up Saturday counted

        asked = await step(http, "correction-notice", {"items": ["请写明线路编号"], "on": "2026-09-28",
                                                       "correct_within": 15}, CLERK)
        assert asked["state"] == "correction-asked" and asked["correct_by"] == "2026-10-23"
        stopped = await clocks(http, lambda d: d["request-reply"]["state"] == "paused")
        assert stopped["request-correction"]["state"] == "met"

        await step(http, "correction", {"on": "2026-09-30", "description": "请公开8路、15路公交线路调整的论证报告"},
                   CLERK)
        restarted = await clocks(http, lambda d: d["request-reply"]["state"] == "open")
        assert restarted["request-reply"]["due_on"] == "2026-11-03"  # counted again from the corrected request

        await step(http, "assignment", {"unit": "运输管理科", "on": "2026-10-09"})
        consulting = await step(http, "consultation", {"party": "third-party", "whom": "某公交公司",
                                                       "on": "2026-10-09"}, CLERK)
        assert consulting["state"] == "consulting"
        paused = await clocks(http, lambda d: "request-third-party" in d and d["request-reply"]["state"] == "paused")
        assert paused["request-third-party"]["due_on"] == "2026-10-29"  # 15 working days for the third party

        await step(http, "consultation-reply", {"on": "2026-10-16", "agrees": False}, CLERK)
        resumed = await clocks(http, lambda d: d["request-reply"]["state"] == "open"
                               and d["request-third-party"]["state"] == "met")
        # the six working days 10-10 (make-up Saturday) and 10-12..10-16 it stood still are added
        assert resumed["request-reply"]["due_on"] == "2026-11-11"

        clerk = await http.post(f"{requests}/requests/{rid}/extension", headers=CLERK,
                                json={"working_days": 10, "reason": "涉及多个单位", "on": "2026-10-20"})
        assert clerk.status_code == 403, clerk.text                    # the office head alone extends
        too_long = await http.post(f"{requests}/requests/{rid}/extension", headers=HEAD,
                                   json={"working_days": 21, "reason": "涉及多个单位", "on": "2026-10-20"})
        assert too_long.status_code == 422, too_long.text
        extended = await step(http, "extension", {"working_days": 10, "reason": "涉及多个单位", "on": "2026-10-20"})
        assert extended["extended_days"] == 10
        moved = await clocks(http, lambda d: d["request-reply"]["due_on"] != "2026-11-11")
        assert moved["request-reply"]["due_on"] == "2026-11-25" and moved["request-reply"]["state"] == "open"
        again = await http.post(f"{requests}/requests/{rid}/extension", headers=HEAD,
                                json={"working_days": 5, "reason": "再次延长", "on": "2026-10-21"})
        assert again.status_code == 409 and "already extended" in again.json()["detail"], again.text

        status = await poll(lambda: http.post(f"{requests}/public/requests/status",
                                              json={"tracking_number": rid, "secret": secret}),
                            lambda r: r.status_code == 200 and r.json()["due_on"] == "2026-11-25")
        assert status.json()["state"] == "examining"

        early = await http.post(f"{requests}/requests/{rid}/reply", headers=CLERK, json={"answered_on": "2026-10-19"})
        assert early.status_code == 409, early.text  # nothing drafted yet
        drafted = await step(http, "reply-draft", {"outcome": "unavailable-not-held",
                                                   "text": "经查，本机关不掌握您申请的论证报告。"}, CLERK)
        assert drafted["state"] == "reply-ready"  # it discloses nothing: no review case
        backdated = await http.post(f"{requests}/requests/{rid}/reply", headers=CLERK,
                                    json={"answered_on": "2026-11-20"})
        assert backdated.status_code == 422 and "before the last step" in backdated.json()["detail"]
        today = local_date(datetime.now(UTC)).isoformat()  # the draft is dated today, so the reply is too
        sent = await step(http, "reply", {"answered_on": today}, CLERK)
        assert sent["state"] == "answered"
        met = await clocks(http, lambda d: d["request-reply"]["state"] == "met")
        assert met["request-reply"]["due_on"] == "2026-11-25"
        assert met["request-reply"]["late"] == (today > "2026-11-25")

        status = await http.post(f"{requests}/public/requests/status", json={"tracking_number": rid, "secret": secret})
        shown = status.json()
        assert shown["state"] == "answered" and shown["outcome_name"] == "无法提供：本机关不掌握相关政府信息"
        # the applicant's letters, in order; the 征询函 went to the third party and is not among them
        assert [x["kind"] for x in shown["letters"]] == ["receipt", "correction", "extension", "reply"]
        assert [s.split()[0] for s in shown["steps"]][:7] == ["2026-09-25", "2026-09-28", "2026-09-30", "2026-10-09",
                                                             "2026-10-09", "2026-10-16", "2026-10-20"]
