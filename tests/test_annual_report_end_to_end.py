"""The annual report of a generated year, from the log to the portal.

A year of 1,200 published items (licensing and punishment decisions among them), 100 updates and 20 withdrawals,
520 requests (some carried over from the year before, some still open at its end, every applicant kind and outcome)
and 20 reconsiderations is sent onto the events exchange as the services that own each fact would send it (going
through every service for each of them would take far too long on two cores); audit records and counts them. The
office enters the figures no event gives and the section texts (oversight, through its routes and the console),
audit assembles the report in all six sections with its checks, the console refuses to submit it while a check
fails and submits it as an S08 item once they all hold; review approves it and the portal shows it.

With ``GONGKAI_SCREENSHOTS=DIR`` the console's page is saved as ``DIR/console-annual-report.png``.
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import re
import subprocess
from datetime import date, datetime, timedelta
from typing import Any

import aio_pika
import httpx
import pytest
from gongkai.shared import contracts as c
from gongkai.shared.envelope import CONTENT_TYPE, Envelope, new_event
from gongkai.shared.testing import bearer, connect_as, sender_of
from gongkai.shared.topology import Topology
from gongkai_system import System
from people import screenshots, signed_in, until_shown
from playwright.async_api import expect

YEAR = 2026
OFFICE, AUDITOR = bearer("dev-publisher-token"), bearer("dev-auditor-token")
REVIEWERS = (bearer("dev-reviewer-token"), bearer("dev-reviewer2-token"))
HEADINGS = ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
            "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况", "六、其他需要报告的事项")
UNITS = ("办公室", "运输管理科", "路政科")
CATEGORIES = ["JT-XK-01"] * 3 + ["JT-CF-01"] * 2 + ["S05", "S06", "S07", "S07", "S10"]
GROUPS = {"JT-XK-01": "行政许可", "JT-CF-01": "行政处罚"}  # the 一级事项 publishing names from catalogue-transport.json


@pytest.fixture
def system(settings, tmp_path):
    """The services the report passes through: publishing, review, notification (the item's clocks), audit,
    oversight. Requests and participation are not needed: their facts are generated."""
    system = System(settings, tmp_path)
    system.migrate()
    try:
        system.start("publishing", "review", "notification", "audit", "oversight")
        yield system
    finally:
        system.stop()


def at(day: date) -> datetime:
    return datetime.fromisoformat(f"{day.isoformat()}T10:00:00+08:00")


def event(kind: str, day: date, subject: str, data: dict[str, Any]) -> Envelope:
    source = f"/gongkai/{sender_of('events', kind)}"
    made = new_event(kind, data, source=source, actor="generated", subject=subject)
    return made.model_copy(update={"time": at(day)})


def generated_year(rng: random.Random) -> tuple[list[Envelope], dict[str, int]]:
    """The year's facts, and what they should add up to."""
    sent, expect_ = [], {"published": 0, "licensing": 0, "punishment": 0, "new": 0, "carried_over": 0,
                         "handled": 0, "carried_forward": 0, "challenges": 0}
    start = date(YEAR, 1, 1)
    for n in range(1200):
        item, category, day = f"gen-{n:05d}", rng.choice(CATEGORIES), start + timedelta(days=rng.randrange(330))
        data = {"item_id": item, "version": 1, "content_hash": "sha256:" + hashlib.sha256(item.encode()).hexdigest(),
                "audience": "public", "channels": ["portal"], "category": category, "group": GROUPS.get(category),
                "unit": rng.choice(UNITS), "action": "published", "published_at": at(day).isoformat()}
        sent.append(event(c.DISCLOSURE_PUBLISHED, day, item, data))
        expect_["published"] += 1
        expect_["licensing"] += category == "JT-XK-01"
        expect_["punishment"] += category == "JT-CF-01"
        if n % 12 == 0:
            later = day + timedelta(days=10)
            sent.append(event(c.DISCLOSURE_PUBLISHED, later, item, {**data, "version": 2, "action": "updated",
                                                                    "published_at": at(later).isoformat()}))
        if n % 60 == 0:
            gone = day + timedelta(days=20)
            sent.append(event(c.DISCLOSURE_WITHDRAWN, gone, item, {
                "item_id": item, "version": 1, "category": category, "unit": data["unit"], "audience": "public",
                "channels": ["portal"], "reason": "已失效", "withdrawn_by": "li.na",
                "withdrawn_at": at(gone).isoformat()}))
    kinds, outcomes = [k.value for k in c.ApplicantKind], [o.value for o in c.RequestOutcome]
    answered_ids = []
    for n in range(520):
        request, kind = f"YSQ-GEN-{n:04d}", rng.choice(kinds)
        received = date(YEAR - 1, 12, 1) + timedelta(days=rng.randrange(355))  # 2025-12-01 … 2026-11-20
        sent.append(event(c.REQUEST_RECEIVED, received, request, {
            "request_id": request, "applicant_kind": kind, "received_on": received.isoformat(),
            "subject": "申请公开道路运输许可信息", "unit": rng.choice(UNITS)}))
        expect_["new" if received.year == YEAR else "carried_over"] += 1
        if n % 9 == 0:
            expect_["carried_forward"] += 1  # not answered by the year's end
            continue
        answered = received + timedelta(days=rng.randrange(1, 30))
        if answered.year < YEAR:
            expect_["carried_over"] -= 1  # received and answered the year before: not in this year's table
        else:
            expect_["handled"] += 1
            answered_ids.append((request, kind, answered))
        sent.append(event(c.REQUEST_ANSWERED, answered, request, {
            "request_id": request, "applicant_kind": kind, "outcome": rng.choice(outcomes),
            "answered_on": answered.isoformat(), "late": False}))
    for request, kind, answered in answered_ids[:20]:
        on = answered + timedelta(days=5)
        sent.append(event(c.REQUESTS_CHALLENGE_RECORDED, on, request, {
            "request_id": request, "kind": "reconsideration", "result": "upheld" if len(request) % 2 else "pending",
            "on": on.isoformat(), "applicant_kind": kind}))
        expect_["challenges"] += 1
    return sent, expect_


async def send_all(settings, messages: list[Envelope]) -> None:
    """Each fact on the events exchange as its owner's account sends it, with publisher confirms."""
    by_owner: dict[str, list[Envelope]] = {}
    for message in messages:
        by_owner.setdefault(sender_of("events", message.type) or "", []).append(message)
    exchange_name = Topology(settings.namespace).exchange("events")
    for owner, batch in by_owner.items():
        connection = await connect_as(settings, owner)
        async with connection:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await channel.get_exchange(exchange_name, ensure=False)
            for start in range(0, len(batch), 200):
                await asyncio.gather(*(exchange.publish(
                    aio_pika.Message(m.to_bytes(), message_id=m.id, content_type=CONTENT_TYPE,
                                     delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                     user_id=settings.broker_account(owner)),
                    routing_key=m.routing_key, mandatory=True) for m in batch[start:start + 200]))


async def poll(fetch, until, timeout: float = 90.0):
    async with asyncio.timeout(timeout):
        while not until(result := await fetch()):
            await asyncio.sleep(0.5)
    return result


def figures(**values: Any) -> dict[str, Any]:
    return {"figures": [{"figure": k.replace("_", "-"), "value": v} for k, v in values.items()]}


async def test_a_generated_year_gives_the_report_in_six_sections_that_goes_through_review_to_the_portal(
        settings, system, console, portal, chromium, tmp_path):
    shot = screenshots(tmp_path)
    sent, expected = generated_year(random.Random(YEAR))
    await send_all(settings, sent)
    audit, oversight = system.url("audit"), system.url("oversight")
    async with httpx.AsyncClient(timeout=60) as http:
        async def report() -> dict[str, Any]:
            answer = await http.get(f"{audit}/reports/annual/full", params={"year": YEAR}, headers=AUDITOR)
            assert answer.status_code == 200, answer.text
            return answer.json()

        found = await poll(report, lambda r: r["proactive"]["by_category"]["total"]["本年新公开"]
                           == expected["published"] and r["requests"]["new"]["total"] + r["requests"][
                               "carried_over"]["total"] == expected["new"] + expected["carried_over"]
                           and sum(g["total"] for g in r["challenges"]["groups"]) == expected["challenges"])
        requests = found["requests"]
        assert (requests["new"]["total"], requests["carried_over"]["total"], requests["handled_total"]["total"],
                requests["carried_forward"]["total"]) == (expected["new"], expected["carried_over"],
                                                          expected["handled"], expected["carried_forward"])
        assert requests["balance"]["holds"] is True
        assert found["figures"]["licensing-decisions"] == {**found["figures"]["licensing-decisions"],
                                                           "value": expected["licensing"], "source": "events"}
        assert found["ready"] is False  # 规章, 规范性文件 and 收费 are not entered yet, 五 not written

        # The office enters what no event gives: last year's figures in force, and this year's.
        last = await http.post(f"{oversight}/annual-reports/{YEAR - 1}/figures", headers=OFFICE,
                               json=figures(regulations_in_force=3, normative_in_force=40))
        assert last.status_code == 200, last.text
        wrong = await http.post(f"{oversight}/annual-reports/{YEAR}/figures", headers=OFFICE, json=figures(
            regulations_issued=0, regulations_repealed=0, regulations_in_force=3, normative_issued=6,
            normative_repealed=2, normative_in_force=45, punishment_decisions=expected["punishment"] + 12,
            enforcement_decisions=9, administrative_fees="36.8", processing_fees=0))
        assert wrong.status_code == 200, wrong.text
        found = await poll(report, lambda r: r["figures"]["normative-in-force"]["source"] == "entered")
        failing = {c["key"]: c for c in found["checks"] if c["holds"] is False}
        assert "normative-in-force" in failing and "40 + 6 − 2 = 44，填报为45" in failing["normative-in-force"]["why"]
        assert found["figures"]["punishment-decisions"]["entered_by"] == "sun.qiang"

    # In the console the office corrects the figure and writes 五; a submitter cannot submit while a check fails.
    office = await signed_in(chromium, console, "dev-publisher-token")
    await office.goto(f"{console.url}/annual-report?year={YEAR}")
    await expect(office.locator('[data-check="normative-in-force"].check-fails')).to_be_visible()
    clerk = await signed_in(chromium, console, "dev-submitter-token")
    await clerk.goto(f"{console.url}/annual-report?year={YEAR}")
    # Only the office enters figures; a submitter sees them.
    await expect(clerk.get_by_label("行政规范性文件 现行有效件数", exact=True)).to_have_count(0)
    await clerk.get_by_role("button", name="提交年度报告").click()
    await expect(clerk.locator(".alert")).to_contain_text("核对未通过，暂不能提交")
    await office.get_by_label("行政规范性文件 现行有效件数", exact=True).fill("44")
    await office.get_by_label("行政规范性文件 现行有效件数 说明").fill("以法制科台账为准")
    await office.get_by_role("button", name="保存数据").click()
    await expect(office.locator(".notice")).to_contain_text("已填报1项数据")
    await office.locator("#text-problems textarea").fill(
        "一是部分单位主动公开信息更新不及时；二是政策解读形式较为单一。\n下一步将加强督促检查，丰富解读形式。")
    await office.locator("#text-problems").get_by_role("button", name="保存").click()
    page = f"{console.url}/annual-report?year={YEAR}"
    await until_shown(office, page, '[data-check="problems-written"].check-holds')
    await expect(office.locator('[data-check="normative-in-force"].check-holds')).to_be_visible()
    await expect(office.locator("#report-text")).to_contain_text("六、其他需要报告的事项")
    await shot(office, "console-annual-report")
    through_console = await office.request.get(f"{console.url}/annual-report/{YEAR}/report.pdf")
    assert through_console.ok and (await through_console.body()).startswith(b"%PDF")

    async with httpx.AsyncClient(timeout=60) as http:
        found = (await http.get(f"{audit}/reports/annual/full", params={"year": YEAR}, headers=AUDITOR)).json()
        assert found["ready"] is True, [c for c in found["checks"] if c["holds"] is False]
        assert found["figures"]["normative-in-force"]["note"] == "以法制科台账为准"
        pdf = await http.get(f"{audit}/reports/annual/full", params={"year": YEAR, "format": "pdf"},
                             headers=AUDITOR)
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    (tmp_path / "report.pdf").write_bytes(pdf.content)
    words = (await asyncio.to_thread(subprocess.run, ["pdftotext", "-layout", str(tmp_path / "report.pdf"), "-"],
                                     capture_output=True, text=True, check=True)).stdout
    for heading in HEADINGS:
        assert heading in words, heading
    assert f"新收政府信息公开申请{expected['new']}件" in words.replace(" ", "")
    assert "一是部分单位主动公开信息更新不及时" in words and "行政许可" in words and str(expected["licensing"]) in words

    await clerk.goto(f"{console.url}/annual-report?year={YEAR}")
    await clerk.get_by_role("button", name="提交年度报告").click()
    await expect(clerk).to_have_url(re.compile(r"/items/[^/?]+$"))
    item_id = clerk.url.rstrip("/").rsplit("/", 1)[-1]

    async with httpx.AsyncClient(timeout=60) as http:
        item = (await http.get(f"{system.url('publishing')}/items/{item_id}", headers=bearer("dev-submitter-token"))
                ).json()
        version = item["versions"][-1]
        assert item["category"] == "S08" and version["title"] == found["title"]
        cases = await poll(lambda: http.get(f"{system.url('review')}/cases", params={"item_id": item_id},
                                            headers=REVIEWERS[0]), lambda r: r.status_code == 200 and r.json())
        case = cases.json()[0]
        # A case that needs two approvals gets the second from another reviewer.
        for token in REVIEWERS[:case["required_approvals"]]:
            decided = await http.post(f"{system.url('review')}/cases/{case['case_id']}/decision", headers=token,
                                      json={"decision": "approve", "content_hash": case["content_hash"]})
            assert decided.status_code == 200, decided.text
        published = await poll(lambda: http.get(f"{system.url('publishing')}/items/{item_id}",
                                                headers=bearer("dev-submitter-token")),
                               lambda r: r.json()["versions"][-1]["state"] == "published")
        assert published.json()["versions"][-1]["content_hash"] == case["content_hash"]

    reader = await (await chromium.new_context(locale="zh-CN")).new_page()
    await until_shown(reader, f"{portal.url}/items/{item_id}", "text=六、其他需要报告的事项")
    shown = await reader.locator("main").inner_text()
    assert found["title"] in shown and "五、存在的主要问题及改进情况" in shown and "附件" in shown
