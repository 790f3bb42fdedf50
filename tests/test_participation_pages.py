"""The opinion box (意见箱) as people use it, in the browser: a person on a phone writes to the bureau with a phone
number in the text and asks for a reply; the office finds it in the console's queue with its reply due date
(notification's clock), routes it to a unit, which replies; the office publishes it anonymised, review approves
exactly that text, and the portal shows the opinion and its reply without the number; the person reads the reply
with the number and secret they were given.

The services, the portal and the console, each a process of its own. With ``GONGKAI_SCREENSHOTS=DIR`` the pages
are saved as ``DIR/portal-opinion-form.png``, ``portal-opinions.png``, ``portal-opinion-reply.png``,
``console-opinions.png`` and ``console-opinion.png`` (docs/screenshots holds them).
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest
from gongkai.shared.calendar import local_date
from gongkai.shared.testing import bearer
from gongkai_system import Console, Portal, System
from people import PHONE, WAIT, screenshots, signed_in, until_shown

NUMBER = "13812345678"
REVIEWER = bearer("dev-reviewer-token")


@pytest.fixture
def shot(tmp_path):
    return screenshots(tmp_path)


async def approve(system: System, item_id: str, content_hash: str | None = None) -> None:
    """The confidentiality review approves exactly the text sent (a reviewer, through review's API)."""
    review = system.url("review")
    async with httpx.AsyncClient(timeout=10) as http:
        deadline = time.monotonic() + WAIT
        while not (cases := (await http.get(f"{review}/cases", params={"item_id": item_id},
                                            headers=REVIEWER)).json()):
            assert time.monotonic() < deadline, f"no review case of {item_id}"
            await asyncio.sleep(0.3)
        [case] = cases
        assert case["content_hash"] == (content_hash or case["content_hash"]) and NUMBER not in str(case)
        content_hash = case["content_hash"]
        decided = await http.post(f"{review}/cases/{case['case_id']}/decision", headers=REVIEWER,
                                  json={"decision": "approve", "content_hash": content_hash})
        assert decided.status_code == 200, decided.text


async def test_an_opinion_is_answered_in_time_and_published_anonymised(chromium, system, portal: Portal,
                                                                       console: Console, shot):
    # A person on a phone, at the portal's opinion box.
    person = await (await chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True)).new_page()
    await person.goto(f"{portal.url}/opinions/new")
    await person.get_by_label("主题").select_option(label="公共交通")
    await person.get_by_label("标题").fill("建议3路公交延长末班车时间")
    await person.get_by_label("内容").fill(f"3路公交末班车太早，晚班下班赶不上，建议延长到22点。我的电话{NUMBER}。")
    await person.get_by_label("同意在去除个人信息后公开我的意见和答复").check()
    await person.get_by_label("电话").fill(NUMBER)
    await shot(person, "portal-opinion-form")
    assert await person.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await person.get_by_role("button", name="提交").click()
    number = (await person.locator("#opinion-number").inner_text()).strip()
    secret = (await person.locator("#opinion-secret").inner_text()).strip()
    assert number and secret

    # The office: the queue shows it with its reply due date; it is routed to a unit.
    office = await signed_in(chromium, console, "dev-publisher-token")
    await until_shown(office, f"{console.url}/opinions", f"text={number}")
    await office.get_by_role("link", name=number).click()
    assert NUMBER in await office.locator("#person").inner_text()  # staff see how to reach the person
    await office.get_by_label("承办单位").fill("运输管理科")
    await office.get_by_role("button", name="转办").click()
    await until_shown(office, f"{console.url}/opinions/{number}", "text=意见箱答复")
    await shot(office, "console-opinion")

    # The unit replies; the office publishes it without the number; review approves that text.
    await office.get_by_label("答复内容").fill("感谢您的建议。经研究，自下月起3路公交末班车延长至22时。")
    await office.get_by_role("button", name="答复").click()
    await until_shown(office, f"{console.url}/opinions/{number}", "#reply")
    await office.get_by_label("公开的意见内容（已去除个人信息）").fill(
        "3路公交末班车太早，晚班下班赶不上，建议延长到22点。")
    await office.get_by_role("button", name="公开意见和答复（去除个人信息，送保密审查）").click()
    await until_shown(office, f"{console.url}/opinions/{number}", "text=保密审查")
    async with httpx.AsyncClient(timeout=10) as http:
        detail = (await http.get(f"{system.url('participation')}/opinions/{number}",
                                 headers=bearer("dev-publisher-token"))).json()
    await approve(system, f"opinion:{number}", detail["publication"]["content_hash"])
    await office.goto(f"{console.url}/opinions?state=all")
    await shot(office, "console-opinions")

    # The public: the opinion and its reply, without the number.
    await person.set_viewport_size(PHONE)
    await until_shown(person, f"{portal.url}/opinions", f"a[href='/opinions/{number}']")
    await shot(person, "portal-opinions")
    await person.get_by_role("link", name="建议3路公交延长末班车时间").click()
    body = await person.locator("#opinion-body").inner_text()
    assert "22时" in body and NUMBER not in await person.content()

    # The person reads the reply with the number and secret; a wrong secret shows nothing.
    await person.goto(f"{portal.url}/opinions/reply")
    await person.get_by_label("编号").fill(number)
    await person.get_by_label("查询码").fill("wrong")
    await person.get_by_role("button", name="查看").click()
    assert "不正确" in await person.locator("main").inner_text()
    await person.get_by_label("编号").fill(number)
    await person.get_by_label("查询码").fill(secret)
    await person.get_by_role("button", name="查看").click()
    assert "22时" in await person.locator("#opinion-reply").inner_text()
    await shot(person, "portal-opinion-reply")


async def test_a_person_comments_on_an_open_draft_and_the_number_they_wrote_never_shows(chromium, system,
                                                                                      portal: Portal,
                                                                                      console: Console, shot):
    """The office opens a draft (reviewed first); on a phone a person reads it and comments twice: a plain
    comment shows once screened, one with a phone number waits for a reviewer and is never on the page."""
    office = await signed_in(chromium, console, "dev-publisher-token")
    await office.goto(f"{console.url}/consultations")
    await office.get_by_label("标题").fill("城区公交线网优化方案（征求意见稿）")
    await office.get_by_label("草案全文").fill("一、优化目标：缩短换乘距离。\n二、调整线路：3路、5路。")
    await office.get_by_label("起草单位").fill("运输管理科")
    await office.get_by_role("button", name="公布草案征求意见（先送保密审查）").click()
    cid = office.url.rstrip("/").rsplit("/", 1)[-1]
    assert "草案保密审查中" in await office.locator("h1").inner_text(), await office.locator("main").inner_text()
    await approve(system, f"consultation:{cid}")

    person = await (await chromium.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True)).new_page()
    await until_shown(person, f"{portal.url}/consultations?status=open", f"a[href='/consultations/{cid}']")
    await shot(person, "portal-consultations")
    await person.get_by_role("link", name="城区公交线网优化方案（征求意见稿）").click()
    assert "缩短换乘距离" in await person.locator("#draft").inner_text()
    await person.get_by_label("意见内容").fill("建议5路保留人民医院站，方便老人就医。")
    await person.get_by_role("button", name="提交意见").click()
    assert "收到" in await person.locator("[role=status]").inner_text()
    await person.get_by_label("意见内容").fill(f"3路调整后我家门口没有站了，请联系我{NUMBER}。")
    await person.get_by_label("电话（选填，不公开）").fill(NUMBER)
    await person.get_by_role("button", name="提交意见").click()
    await until_shown(person, f"{portal.url}/consultations/{cid}", "#comments li")
    assert "人民医院站" in await person.locator("#comments").inner_text()
    assert await person.locator("#comments li").count() == 1  # the one with the number waits for a reviewer
    assert NUMBER not in await person.content()
    assert await person.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await shot(person, "portal-consultation")

    # An empty comment is refused with its reason and changes nothing.
    await person.get_by_label("意见内容").fill(" ")
    await person.evaluate("document.getElementById('text').removeAttribute('required')")
    await person.get_by_role("button", name="提交意见").click()
    assert await person.locator("[role=alert]").count() == 1
    assert await person.locator("#comments li").count() == 1

    # Its period passes (the test moves the draft's dates back a month, as the calendar would); the office closes
    # it and publishes the feedback report, refused while a comment is unanswered; review approves the report.
    yesterday = local_date(datetime.now(UTC)) - timedelta(days=1)
    connection = await asyncpg.connect(system.settings.database_url.replace("+asyncpg", ""))
    try:
        await connection.execute(
            "update participation.consultations set opens_on = $2, closes_on = $3, document = document"
            " || jsonb_build_object('opens_on', $4::text, 'closes_on', $5::text) where consultation_id = $1",
            cid, yesterday - timedelta(days=29), yesterday, (yesterday - timedelta(days=29)).isoformat(),
            yesterday.isoformat())
    finally:
        await connection.close()
    await office.goto(f"{console.url}/consultations/{cid}")
    await office.get_by_role("button", name="结束征求意见（截止日期后）").click()
    await until_shown(office, f"{console.url}/consultations/{cid}", "#feedback-form")
    summary = "共收到意见2条，采纳1条，部分采纳1条。"
    await office.get_by_label("总体说明").fill(summary)
    await office.locator("#outcome-1").select_option("adopted")
    await office.locator("#reason-1").fill("5路保留人民医院站。")
    await office.get_by_role("button", name="送保密审查并公布").click()  # the second comment left unanswered
    assert await office.locator("[role=alert]").count() == 1
    assert "已结束" in await office.locator("h1").inner_text()
    await office.get_by_label("总体说明").fill(summary)
    await office.locator("#outcome-1").select_option("adopted")
    await office.locator("#reason-1").fill("5路保留人民医院站。")
    await office.locator("#outcome-2").select_option("partly")
    await office.locator("#reason-2").fill("3路在原站点附近增设停靠站。")
    await office.get_by_role("button", name="送保密审查并公布").click()
    assert "反馈报告审查中" in await office.locator("h1").inner_text()
    await shot(office, "console-consultation")
    await approve(system, f"feedback:{cid}")
    await until_shown(person, f"{portal.url}/consultations/{cid}", "#feedback")
    feedback = await person.locator("#feedback").inner_text()
    assert "采纳1条" in feedback and "人民医院站" in feedback and NUMBER not in await person.content()
    assert "已结束" in await person.locator("#consultation-status").inner_text()
    assert await person.locator("#comment-form").count() == 0  # no comment after its close
    await shot(person, "portal-consultation-feedback")
