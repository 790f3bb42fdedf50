"""A request for information as people make it, in the browser: an applicant on a phone fills the portal's form,
keeps the tracking number and the secret, and reads where the request stands; an officer of the disclosure office
(政府信息公开工作机构) finds it in the console's queue with its reply due date (notification's clock) and assigns it
to a unit; the applicant sees it being handled; the unit answers, the office sends the reply, and the applicant
reads it with its 答复告知书.

The services, the portal and the console, each a process of its own. With ``GONGKAI_SCREENSHOTS=DIR`` the pages
are saved as ``DIR/portal-apply.png``, ``portal-applied.png``, ``portal-status.png``, ``console-requests.png``,
``console-request.png`` and ``portal-status-answered.png`` (docs/screenshots holds them).
"""

from __future__ import annotations

import re

import pytest
from gongkai_system import Portal
from people import PHONE, screenshots, signed_in, until_shown
from playwright.async_api import expect

WANTED = "请公开2026年本市公交线路调整的论证报告及客流统计"


@pytest.fixture
def shot(tmp_path):
    return screenshots(tmp_path)


async def status_of(page, portal: Portal, number: str, secret: str) -> None:
    await page.goto(f"{portal.url}/status")
    await page.get_by_label("登记号").fill(number)
    await page.get_by_label("查询码").fill(secret)
    await page.get_by_role("button", name="查询").click()


async def test_an_applicant_asks_on_a_phone_and_the_office_assigns_the_request_in_the_console(
        chromium, portal, console, shot):
    phone = await (await chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=PHONE,
                                              is_mobile=True, has_touch=True)).new_page()
    await phone.goto(f"{portal.url}/apply")
    await expect(phone.get_by_role("heading", name="政府信息公开申请")).to_be_visible()
    trap = await phone.get_by_label("请勿填写").bounding_box()  # the honeypot is off the page, out of sight
    assert trap is not None and trap["x"] + trap["width"] <= 0, trap
    await phone.get_by_label("申请人类型").select_option(label="公民（自然人）")
    await phone.get_by_label("姓名或名称").fill("张伟")
    await phone.get_by_label("证件号码").fill("110101199003071234")
    await phone.get_by_label("电话").fill("13800138000")
    await phone.get_by_label("所需政府信息的名称、文号或者便于查询的其他特征性描述").fill(WANTED)
    await shot(phone, "portal-apply")
    # Nothing scrolls sideways on a phone: the form fits its width.
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await phone.get_by_role("button", name="提交申请").click()

    await expect(phone.get_by_role("heading", name="申请已收到")).to_be_visible()
    number = (await phone.locator("dl.ack dd strong").inner_text()).strip()
    secret = (await phone.locator("dl.ack dd code").inner_text()).strip()
    assert re.fullmatch(r"YSQ-[0-9A-Z-]+", number) and len(secret) >= 16, (number, secret)
    await shot(phone, "portal-applied")

    await status_of(phone, portal, number, secret)
    main = phone.locator("main")
    await expect(main).to_contain_text("已登记")
    await expect(main).to_contain_text("政府信息公开申请登记回执")
    await expect(main).to_contain_text("收到申请")
    await shot(phone, "portal-status")

    await status_of(phone, portal, number, secret[:-1] + ("x" if secret[-1] != "x" else "y"))
    await expect(phone.get_by_role("alert")).to_be_visible()
    assert "已登记" not in await main.inner_text()

    # The disclosure office (孙强, publisher in 办公室): the request is in the queue, with the reply due date
    # notification counted; the office assigns it to a unit.
    clerk = await signed_in(chromium, console, "dev-publisher-token")
    await clerk.get_by_role("navigation", name="主导航").get_by_role("link", name="依申请公开").click()
    row = clerk.locator("table.list tr", has_text=number)
    await until_shown(clerk, f"{console.url}/requests", f"table.list tr:has-text('{number}') time")
    await expect(row).to_contain_text("已登记")
    await shot(clerk, "console-requests")

    await row.get_by_role("link", name=number).click()
    await expect(clerk.get_by_role("heading", name=re.compile(f"申请 {number}"))).to_contain_text("已登记")
    assignment = clerk.locator("form", has=clerk.get_by_role("heading", name="分办"))
    await assignment.get_by_label("承办单位").fill("运输管理科")
    await assignment.get_by_role("button", name="分办").click()
    await expect(clerk.locator("main")).to_contain_text("已分办")
    await expect(clerk.get_by_role("heading", name=re.compile(f"申请 {number}"))).to_contain_text("审查中")
    await shot(clerk, "console-request")

    # The applicant reads that it is being handled, and still only by the secret.
    await status_of(phone, portal, number, secret)
    await expect(main).to_contain_text("办理中")
    await expect(main).to_contain_text("承办")

    # The unit answers (本机关不掌握: nothing disclosed, so no review); the office sends the reply and the applicant
    # reads it, with the reply letter, on the status page.
    draft = clerk.locator("form", has=clerk.get_by_role("heading", name="拟写答复"))
    await draft.get_by_label("办理结果").select_option("unavailable-not-held")
    await draft.get_by_label("答复内容").fill("经检索，本机关未制作或获取该论证报告。")
    await draft.get_by_role("button", name="拟写答复").click()
    await expect(clerk.get_by_role("heading", name=re.compile(f"申请 {number}"))).to_contain_text("答复可发出")
    sent = clerk.locator("form", has=clerk.get_by_role("heading", name="发出答复"))
    await sent.get_by_role("button", name="发出答复").click()
    await expect(clerk.get_by_role("heading", name=re.compile(f"申请 {number}"))).to_contain_text("已答复")
    await status_of(phone, portal, number, secret)
    await expect(main).to_contain_text("已答复")
    await expect(main).to_contain_text("本机关不掌握相关政府信息")
    await expect(main).to_contain_text("未制作或获取该论证报告")
    await expect(main).to_contain_text("政府信息公开申请答复告知书")
    await shot(phone, "portal-status-answered")
