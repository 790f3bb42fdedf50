"""The office's oversight (监督检查, 实施方案七(三); 定期报送, 六(五)) in the console, in the browser: the office (孙强,
publisher) plans an unannounced inspection of a unit, records the checklist's five points as the service gives them
(refused while one is unanswered), a finding, and orders a rectification whose due date is the working-day
calendar's (notification's clock says the same); it closes the rectification with evidence (refused without) and
closes the inspection, every step in its history with who and when. It compiles last month's report (refused for a
month not ended), which the sender delivers to the district office's endpoint, signed; the district acknowledges it
with a receipt number, and the report shows it. An auditor reads the inspection without its forms; a clerk without
the role sees oversight's refusal.

The services and the console, each a process of its own, and the district's endpoint an HTTP server of the test.
With ``GONGKAI_SCREENSHOTS=DIR`` the pages are saved as ``DIR/console-inspections.png``, ``console-inspection.png``,
``console-inspection-phone.png``, ``console-scorecard.png``, ``console-reports.png`` and ``console-report.png``.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from gongkai.oversight.reports import sign, verify
from gongkai.oversight.schedule import load
from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date, shipped_calendar
from gongkai_system import Console, System
from people import PHONE, screenshots, signed_in, until_shown
from playwright.async_api import expect

SECRET = "a-secret-agreed-with-the-district"
UNIT = "运输管理科"
POINTS = ("规范化开展工作", "规章制度是否建立健全", "领导是否重视", "学习贯彻《条例》情况",
          "规范指导下属公用事业单位办事公开")
WORKING_DAYS = 15


class District:
    """The district office's endpoint: takes a report when its HMAC-SHA256 over ``timestamp.body`` checks out."""

    def __init__(self) -> None:
        self.taken: list[bytes] = []

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in head[1:] if ":" in h)}
        body = await reader.readexactly(int(headers["content-length"]))
        good = verify(SECRET, headers.get("x-gongkai-timestamp", ""), body, headers.get("x-gongkai-signature", ""))
        if good:
            self.taken.append(body)
        writer.write(f"HTTP/1.1 {200 if good else 401} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()


@pytest.fixture
async def district():
    receiver = District()
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    receiver.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/reports"
    yield receiver
    server.close()


@pytest.fixture
def system_env(district) -> dict[str, str]:
    """Oversight delivers to the district's endpoint every half second (compiling nothing itself: the office
    compiles the report)."""
    return {"GONGKAI_DISTRICT_REPORT_URL": district.url, "GONGKAI_DISTRICT_REPORT_SECRET": SECRET,
            "GONGKAI_REPORT_INTERVAL": "0.5", "GONGKAI_REPORT_SCHEDULE": "false"}


@pytest.fixture
def shot(tmp_path):
    return screenshots(tmp_path)


async def acknowledge(system: System, report_id: str, receipt_id: str) -> None:
    """The district office's registry acknowledges the report, signed with the shared secret."""
    raw = json.dumps({"report_id": report_id, "receipt_id": receipt_id}).encode()
    stamp = str(int(time.time()))
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(f"{system.url('oversight')}/district/acknowledgements", content=raw, headers={
            "X-Gongkai-Timestamp": stamp, "X-Gongkai-Signature": sign(SECRET, stamp, raw),
            "Content-Type": "application/json"})
    assert answer.status_code == 200, answer.text


async def test_the_office_inspects_a_unit_has_a_finding_put_right_and_reports_to_the_district(
        chromium, system: System, console: Console, district: District, shot):
    today = local_date(datetime.now(UTC))
    due = shipped_calendar().add_working_days(today, WORKING_DAYS)
    assert due > today + timedelta(days=WORKING_DAYS)  # weekends (and holidays) are not counted

    # The office plans an unannounced inspection (暗访) of the unit.
    office = await signed_in(chromium, console, "dev-publisher-token")
    await office.get_by_role("navigation", name="主导航").get_by_role("link", name="监督检查").click()
    await office.get_by_label("被检查单位").fill(UNIT)
    await office.get_by_label("检查方式").select_option(label="暗访")
    await office.get_by_label("检查人员（每行一人）").fill("孙强\n周敏")
    await office.get_by_role("button", name="安排检查").click()
    await expect(office.locator("#inspection-state")).to_have_text("已安排")
    url = office.url
    inspection_id = url.rstrip("/").rsplit("/", 1)[-1]
    assert inspection_id.startswith("JC-"), url

    # The checklist: the five points of the plan as the service gives them; one left unanswered is refused.
    form = office.locator("#checklist-form")
    for name in POINTS:
        await expect(form).to_contain_text(name)
    await form.locator("input[type=radio][value=met]").nth(0).check()
    await office.get_by_role("button", name="记录检查结果").click()
    await expect(office.get_by_role("alert").first).to_contain_text("每个检查要点都须填写结果")
    await expect(office.locator("#inspection-state")).to_have_text("已安排")
    radios = office.locator("#checklist-form fieldset")
    assert await radios.count() == 5
    for n in range(5):
        await radios.nth(n).locator(f"input[value={'not-met' if n == 1 else 'met'}]").check()
    await office.locator("#point-rules-in-place input[name^=note]").fill("未建立保密审查制度")
    await office.get_by_role("button", name="记录检查结果").click()
    await expect(office.locator("#inspection-state")).to_have_text("已检查")
    await expect(office.locator("#results tr.flagged")).to_contain_text("不符合")

    # A finding, and its rectification: more than 60 working days is refused beside the field.
    await office.get_by_label("检查要点").select_option(label="规章制度是否建立健全")
    await office.get_by_label("严重程度").select_option(label="较重")
    await office.get_by_label("问题", exact=True).fill("未建立政务公开保密审查制度，信息发布前未经审查。")
    await office.get_by_role("button", name="记录发现的问题").click()
    await expect(office.locator("#findings")).to_contain_text("较重")
    days = office.get_by_label("整改期限（工作日，1–60，按工作日历计算）")
    await office.get_by_label("整改要求").fill("建立保密审查制度并印发执行。")
    await days.fill("61")
    await office.get_by_role("button", name="下达整改").click()
    await expect(office.locator(".field-error")).to_contain_text("不能大于 60")
    assert "未建立" not in await office.locator("#rectifications").inner_text()
    await days.fill(str(WORKING_DAYS))
    await office.get_by_role("button", name="下达整改").click()
    await expect(office.locator("#inspection-state")).to_have_text("整改中")
    row = office.locator("#rectifications tbody tr").first
    await expect(row.locator("time.due")).to_have_attribute("datetime", due.isoformat())
    await expect(row).to_contain_text(f"{WORKING_DAYS} 个工作日")
    # notification counted the same days on the same calendar
    await until_shown(office, url, f"#rectifications td.clock time[datetime='{due.isoformat()}']")
    assert await office.get_by_role("button", name="办结检查").count() == 0  # not while a rectification is open

    # Closed only with evidence; then the inspection is closed.
    close = office.locator("form.rectified")
    await close.get_by_role("button").click()
    await expect(close.locator(".field-error")).to_contain_text("必填")
    await expect(office.locator("#inspection-state")).to_have_text("整改中")
    await close.get_by_label("佐证材料").fill("《政务公开保密审查制度》已于本月印发，附发文稿。")
    await close.get_by_role("button").click()
    await expect(office.locator("#inspection-state")).to_have_text("已检查")
    await expect(office.locator("#rectifications")).to_contain_text("已于本月印发")
    await office.get_by_label("说明（选填）").fill("整改完成，检查办结。")
    await office.get_by_role("button", name="办结检查").click()
    await expect(office.locator("#inspection-state")).to_have_text("已办结")
    history = office.locator("#history tbody tr")
    assert await history.count() == 6
    for n, step in enumerate(("安排检查", "记录检查结果", "记录问题", "下达整改", "整改销号", "办结检查")):
        await expect(history.nth(n)).to_contain_text(step)
        await expect(history.nth(n)).to_contain_text("孙强（sun.qiang）")
        await expect(history.nth(n)).to_contain_text(today.isoformat())
    await shot(office, "console-inspection")
    await office.set_viewport_size(PHONE)
    await office.reload()
    assert await office.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await shot(office, "console-inspection-phone")
    await office.set_viewport_size({"width": 1280, "height": 900})
    await office.goto(f"{console.url}/inspections?unit={UNIT}")
    await expect(office.locator("#inspection-list")).to_contain_text("已办结")
    await shot(office, "console-inspections")
    await office.goto(f"{console.url}/scorecard")
    unit_row = office.locator("#scorecard tr", has_text=UNIT)
    await expect(unit_row.locator("td").nth(10)).to_have_text(today.isoformat())  # the last inspection's day
    await shot(office, "console-scorecard")

    # The auditor reads the inspection and has no form; a clerk is refused by oversight, and told why.
    auditor = await signed_in(chromium, console, "dev-auditor-token")
    await auditor.goto(url)
    await expect(auditor.locator("#inspection-state")).to_have_text("已办结")
    assert await auditor.locator("main form").count() == 0
    clerk = await signed_in(chromium, console, "dev-submitter-token")
    await clerk.goto(f"{console.url}/inspections")
    await expect(clerk.get_by_role("alert")).to_contain_text("缺少所需的角色")
    await expect(clerk.get_by_role("alert")).to_contain_text("li.na lacks the role")

    # Last month's report: this month is refused (not ended); last month's is delivered and acknowledged.
    monthly = load()[c.ReportSchedule.monthly]
    period = monthly.last_ended(today)
    await office.goto(f"{console.url}/reports")
    await office.get_by_label("报告类型").select_option(label="月报")
    await office.get_by_label("报告期间（月报如 2026-11，季报如 2026-Q3）").fill(today.strftime("%Y-%m"))
    await office.get_by_role("button", name="编制定期报告").click()
    await expect(office.get_by_role("alert").first).to_contain_text("期满后才能编制报告")
    await office.get_by_label("报告期间（月报如 2026-11，季报如 2026-Q3）").fill(period)
    await office.get_by_role("button", name="编制定期报告").click()
    report_id = f"BS-monthly-{period}"
    await expect(office).to_have_url(f"{console.url}/reports/{report_id}")
    await expect(office.locator("[role=status]")).to_contain_text("报送截止日期")
    await until_shown(office, office.url, "#report-state:has-text('已送达')")
    assert len(district.taken) == 1 and json.loads(district.taken[0])["report_id"] == report_id
    await expect(office.locator("#delivery")).to_contain_text("已尝试 1 次")
    await acknowledge(system, report_id, "QZ-2026-0042")
    await office.reload()
    await expect(office.locator("#report-state")).to_have_text("已签收")
    await expect(office.locator("#receipt")).to_contain_text("QZ-2026-0042")
    await shot(office, "console-report")
    await office.goto(f"{console.url}/reports")
    listed = office.locator("#report-list tr", has_text=report_id)
    await expect(listed.locator(".receipt")).to_have_text("QZ-2026-0042")
    await expect(listed.locator(".delivery")).to_contain_text("已签收")
    await shot(office, "console-reports")
