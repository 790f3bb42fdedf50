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

import httpx
import pytest
from gongkai.shared.testing import bearer
from gongkai_system import Console, Portal, System
from people import PHONE, WAIT, screenshots, signed_in, until_shown

NUMBER = "13812345678"
REVIEWER = bearer("dev-reviewer-token")


@pytest.fixture
def shot(tmp_path):
    return screenshots(tmp_path)


async def approve(system: System, item_id: str, content_hash: str) -> None:
    """The confidentiality review approves exactly the text sent (a reviewer, through review's API)."""
    review = system.url("review")
    async with httpx.AsyncClient(timeout=10) as http:
        deadline = time.monotonic() + WAIT
        while not (cases := (await http.get(f"{review}/cases", params={"item_id": item_id},
                                            headers=REVIEWER)).json()):
            assert time.monotonic() < deadline, f"no review case of {item_id}"
            await asyncio.sleep(0.3)
        [case] = cases
        assert case["content_hash"] == content_hash and NUMBER not in str(case)
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
