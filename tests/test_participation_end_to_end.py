"""The opinion box through the six services as processes, on the real broker and database.

A letter received thirteen working days ago is entered; notification opens its reply clock (15 working days, the
agency's rule in deadline_rules.toml) from the participation service's fact, and its monitor reminds before the
due date; the office routes it, the unit's reply without text is refused and the reply with text meets the clock
in time; the office asks to publish it anonymised, review screens the text (the phone number left in it is
found), a reviewer asks for its redaction, a second approves the redacted version, and only that goes out on the public
exchange; the statistics count it per unit and topic.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx
import pytest
from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date, shipped_calendar
from gongkai.shared.testing import Tap, bearer
from gongkai_system import started_system

CLERK, HEAD = bearer("dev-submitter-token"), bearer("dev-publisher-token")
REVIEWER, REVIEWER2, AUDITOR = bearer("dev-reviewer-token"), bearer("dev-reviewer2-token"), bearer("dev-auditor-token")


@pytest.fixture
def system(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_NOTIFICATION_MONITOR_INTERVAL", "1")  # the processes read it: check every second
    with started_system(settings, tmp_path) as system:
        yield system


async def poll(fetch, until, timeout: float = 30.0):
    async with asyncio.timeout(timeout):
        while not until(result := await fetch()):
            await asyncio.sleep(0.2)
    return result


async def test_a_letter_is_reminded_answered_in_time_published_redacted_and_counted(settings, system):
    today = local_date(datetime.now(UTC))
    received_on = shipped_calendar().add_working_days(today, -13)
    participation, review = system.url("participation"), system.url("review")
    letter = {"title": "建议3路公交延长末班车", "text": "我住在城西，联系电话13800138000，希望3路末班车延至23点。",
              "topic": "public-transport", "name": "张三", "contact": {"address": "城西某路1号"},
              "wants_reply": True, "may_publish": True, "channel": "letter", "received_on": received_on.isoformat()}
    async with httpx.AsyncClient(timeout=10) as http, Tap(settings, "events", "deadline.#") as deadlines, \
            Tap(settings, "public", "participation.#") as public:
        made = await http.post(f"{participation}/opinions", json=letter, headers=CLERK)
        assert made.status_code == 201, made.text
        oid = made.json()["opinion_id"]

        opened = await deadlines.wait_for(c.DEADLINE_OPENED, lambda e: e.data["item_id"] == oid)
        assert opened.data["rule"] == "opinion-reply"
        assert opened.data["due_on"] == shipped_calendar().add_working_days(received_on, 15).isoformat()
        reminded = await deadlines.wait_for(c.DEADLINE_DUE_SOON, lambda e: e.data["item_id"] == oid, timeout=60)
        assert reminded.data["due_on"] == opened.data["due_on"]
        await poll(lambda: http.get(f"{participation}/opinions/{oid}", headers=CLERK),
                   lambda r: r.json()["due_on"] == opened.data["due_on"])

        routed = await http.post(f"{participation}/opinions/{oid}/routing", headers=HEAD,
                                 json={"unit": "运输管理科", "on": today.isoformat()})
        assert routed.status_code == 200, routed.text
        empty = await http.post(f"{participation}/opinions/{oid}/reply", headers=CLERK,
                                json={"text": "", "answered_on": today.isoformat()})
        assert empty.status_code == 422 and "needs its text" in empty.json()["detail"]
        replied = await http.post(f"{participation}/opinions/{oid}/reply", headers=CLERK,
                                  json={"text": "已协调公交公司，12月起3路末班车延至23点。",
                                        "answered_on": today.isoformat()})
        assert replied.status_code == 200 and replied.json()["late"] is False, replied.text
        met = await deadlines.wait_for(c.DEADLINE_MET, lambda e: e.data["item_id"] == oid)
        assert met.data["late"] is False

        asked = await http.post(f"{participation}/opinions/{oid}/publication", json={}, headers=HEAD)
        assert asked.status_code == 200, asked.text
        cases = await poll(lambda: http.get(f"{review}/cases", params={"item_id": f"opinion:{oid}"},
                                            headers=REVIEWER), lambda r: r.status_code == 200 and r.json())
        [case] = cases.json()
        assert case["content_hash"] == asked.json()["content_hash"]
        [phone] = [f for f in case["findings"] if f["detector"] == "mobile-number"]
        redact = await http.post(f"{review}/cases/{case['case_id']}/decision", headers=REVIEWER, json={
            "decision": "redact", "content_hash": case["content_hash"], "reason": "个人信息",
            "spans": [{"field": phone["field"], "start": phone["start"], "end": phone["end"]}]})
        assert redact.status_code == 200, redact.text
        second = await poll(lambda: http.get(f"{review}/cases", params={"item_id": f"opinion:{oid}"},
                                             headers=REVIEWER),
                            lambda r: r.status_code == 200 and any(x["version"] == 2 for x in r.json()))
        [case2] = [x for x in second.json() if x["version"] == 2]
        # The reviewer who asked for the redaction does not approve it alone: a second reviewer does.
        approved = await http.post(f"{review}/cases/{case2['case_id']}/decision", headers=REVIEWER2,
                                   json={"decision": "approve", "content_hash": case2["content_hash"]})
        assert approved.status_code == 200, approved.text

        shown = await public.wait_for(c.PUBLIC_OPINION_PUBLISHED, lambda e: e.data["opinion_id"] == oid)
        assert shown.data["content_hash"] == case2["content_hash"] and shown.data["version"] == 2
        assert "13800138000" not in shown.data["body"] and "×××" in shown.data["body"]
        assert "张三" not in shown.data["body"] and "城西某路1号" not in shown.data["body"]
        page = await http.get(f"{participation}/public/opinions/{oid}")
        assert page.status_code == 200 and page.json()["body"] == shown.data["body"]

        stats = (await http.get(f"{participation}/statistics", params={"year": received_on.year},
                                headers=AUDITOR)).json()["opinions"]
        [unit] = [r for r in stats["by_unit"] if r["key"] == "运输管理科"]
        [topic] = [r for r in stats["by_topic"] if r["key"] == "public-transport"]
        assert (unit["answered"], unit["in_time"], unit["published"]) == (1, 1, 1)
        assert (topic["received"], topic["late"]) == (1, 0)


async def test_a_consultation_is_reviewed_opens_and_shows_its_comments_only_as_screened(settings, system):
    """The draft waits for a reviewer; a comment with nothing found shows at once (review's policy auto-approves
    participation-comment of no risk); one with a phone number waits, is redacted and approved by a second
    reviewer, and its number never reaches the public. (The close and the feedback report need the clock past
    the close date: services/participation/tests/test_consultations.py moves the service's clock for them.)"""
    today = local_date(datetime.now(UTC)).isoformat()
    participation, review = system.url("participation"), system.url("review")
    async with httpx.AsyncClient(timeout=10) as http, Tap(settings, "public", "participation.#") as public:
        made = await http.post(f"{participation}/consultations", headers=CLERK, json={
            "kind": "major-decision", "title": "城区公交线网优化方案（征求意见稿）", "draft": "一、优化目标……",
            "unit": "运输管理科", "opens_on": today})
        assert made.status_code == 201, made.text
        cid = made.json()["consultation_id"]
        cases = await poll(lambda: http.get(f"{review}/cases", params={"item_id": f"consultation:{cid}"},
                                            headers=REVIEWER), lambda r: r.status_code == 200 and r.json())
        [case] = cases.json()
        assert (await http.post(f"{review}/cases/{case['case_id']}/decision", headers=REVIEWER,
                                json={"decision": "approve", "content_hash": case["content_hash"]})).status_code == 200
        await public.wait_for(c.PUBLIC_CONSULTATION_OPENED, lambda e: e.data["consultation_id"] == cid)

        plain = await http.post(f"{participation}/public/consultations/{cid}/comments",
                                json={"text": "建议保留7路公交。", "contact": {"email": "li@example.org"}})
        phone = await http.post(f"{participation}/public/consultations/{cid}/comments",
                                json={"text": "我家在西站附近，电话13912345678，希望增设站点。"})
        assert plain.status_code == 201 and phone.status_code == 201, (plain.text, phone.text)
        await public.wait_for(c.PUBLIC_COMMENT_SHOWN, lambda e: e.data["comment_id"] == plain.json()["comment_id"])

        held = await poll(lambda: http.get(f"{review}/cases", headers=REVIEWER,
                                           params={"item_id": f"comment:{phone.json()['comment_id']}"}),
                          lambda r: r.status_code == 200 and r.json())
        [case] = held.json()
        [found] = [f for f in case["findings"] if f["detector"] == "mobile-number"]
        assert (await http.post(f"{review}/cases/{case['case_id']}/decision", headers=REVIEWER, json={
            "decision": "redact", "content_hash": case["content_hash"], "reason": "个人信息",
            "spans": [{"field": found["field"], "start": found["start"], "end": found["end"]}]})).status_code == 200
        again = await poll(lambda: http.get(f"{review}/cases", headers=REVIEWER,
                                            params={"item_id": f"comment:{phone.json()['comment_id']}"}),
                           lambda r: any(x["version"] == 2 for x in r.json()))
        [case2] = [x for x in again.json() if x["version"] == 2]
        assert (await http.post(f"{review}/cases/{case2['case_id']}/decision", headers=REVIEWER2, json={
            "decision": "approve", "content_hash": case2["content_hash"]})).status_code == 200
        shown = await public.wait_for(c.PUBLIC_COMMENT_SHOWN,
                                      lambda e: e.data["comment_id"] == phone.json()["comment_id"])
        assert "13912345678" not in shown.data["text"] and "×××" in shown.data["text"]
        page = (await http.get(f"{participation}/public/consultations/{cid}")).json()
        assert [m["number"] for m in page["shown_comments"]] == [1, 2] and page["status"] == "open"
        assert "13912345678" not in str(page) and "li@example.org" not in str(page)
        assert all("13912345678" not in str(e.data) for _, e in public.messages)
