"""The console's main path in a real browser against the real services: a clerk submits a notice with a phone
number, a reviewer redacts the number by selecting it, a second reviewer approves the redacted version (the
first, who asked for the redaction, is not enough alone), the clerk withdraws it, and an auditor finds the
item's trail and its refusals."""

from __future__ import annotations

import asyncio
import re

TITLE = "关于𠮷祥路施工期间公交线路临时调整的通告"
# 𠮷 (U+20BB7) is outside the BMP: one code point, two UTF-16 code units, before the number.
BODY = "因𠮷祥路改造，3路公交车自12月1日起临时绕行。\n如有疑问请联系现场负责人𠮷先生，手机13912345678。\n特此通告。"
PHONE = "13912345678"


async def signed_in(chromium, console, token: str):
    """A page in a browser context of its own (its own cookies), signed in with ``token``."""
    context = await chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                         viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(f"{console.url}/signin")
    await page.get_by_label("令牌").fill(token)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(re.compile(r"/$"))
    return page


async def until(page, url: str, text: str, timeout: float = 30.0) -> None:
    """Reload ``url`` until the page shows ``text`` (the services work asynchronously behind the console)."""
    async with asyncio.timeout(timeout):
        while True:
            await page.goto(url)
            if text in await page.locator("main").inner_text():
                return
            await asyncio.sleep(0.3)


async def test_a_notice_goes_from_the_clerk_through_redaction_and_two_reviewers_to_withdrawal_and_the_audit_trail(
        chromium, console, screenshot):
    clerk = await signed_in(chromium, console, "dev-submitter-token")
    await clerk.goto(f"{console.url}/items/new")
    await clerk.get_by_label("标题").fill(TITLE)
    await clerk.get_by_label("类别（公开目录）").fill("S07")
    await clerk.get_by_label("正文").fill(BODY)
    await clerk.get_by_label("信息形成日期").fill("2026-01-05")
    await screenshot(clerk, "new-item")
    await clerk.get_by_role("button", name="提交审查").click()
    await clerk.wait_for_url(re.compile(r"/items/[0-9a-f-]+$"))
    item_url = clerk.url
    item_id = item_url.rsplit("/", 1)[1]
    assert "已提交审查" in await clerk.locator(".flash").inner_text()

    await clerk.goto(f"{console.url}/items")
    row = clerk.locator("tr", has_text=TITLE)
    assert "已逾期" in await row.inner_text()  # formed in January: the 15 working days are long past
    await screenshot(clerk, "items")

    # The first reviewer sees the number marked, with the detector and its reason, and selects it.
    zhao = await signed_in(chromium, console, "dev-reviewer-token")
    await until(zhao, f"{console.url}/queue", TITLE)
    await screenshot(zhao, "queue")
    await zhao.get_by_role("link", name=TITLE).click()
    mark = zhao.locator("mark[data-detector='mobile-number']")
    assert await mark.inner_text() == PHONE
    assert "手机号码" in await mark.get_attribute("title")
    assert "mobile-number" in await zhao.locator(".findings").inner_text()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", await zhao.locator("#content-hash").inner_text())
    await mark.select_text()
    await zhao.get_by_role("button", name="加入删改（所选文字）").click()
    start = BODY.index(PHONE)
    span = zhao.locator("#span-list li")
    assert (await span.get_attribute("data-start"), await span.get_attribute("data-end")) == (
        str(start), str(start + len(PHONE)))
    assert PHONE in await span.inner_text()
    await screenshot(zhao, "case")
    await zhao.get_by_role("button", name="要求删改", exact=True).click()
    assert "已要求删改" in await zhao.locator(".flash").inner_text()

    # The redacted version comes back as a new case; its requester's approval alone is not enough.
    await until(zhao, f"{console.url}/queue", "删改后版本")
    await zhao.locator("tr", has_text="删改后版本").get_by_role("link").click()
    redacted_url = zhao.url
    text = await zhao.locator(".case-text[data-field='body']").inner_text()
    assert PHONE not in text and "手机×××" in text
    await zhao.get_by_role("button", name="批准发布").click()
    assert "1 / 1 人批准：赵磊" in await zhao.locator("#approvals").inner_text()
    assert "目前只有要求删改者的批准" in await zhao.locator(".standing").inner_text()
    await screenshot(zhao, "case-one-approval")

    chen = await signed_in(chromium, console, "dev-reviewer2-token")
    await chen.goto(redacted_url)
    assert "赵磊" in await chen.locator("#approvals").inner_text()
    await chen.get_by_role("button", name="批准发布").click()
    assert "已批准" in await chen.locator(".flash").inner_text()
    assert "2 / 1 人批准：赵磊、陈静" in await chen.locator("#approvals").inner_text()

    # Published without the number; a withdrawal without a reason is refused beside the field, then done.
    await until(clerk, item_url, "已发布")
    assert PHONE not in await clerk.locator(".text-view").inner_text()
    await clerk.get_by_role("button", name="撤回").click()
    assert "不能为空" in await clerk.locator("#reason-error").inner_text()
    await clerk.get_by_label("撤回理由（公开）").fill("线路已恢复原走向")
    await clerk.get_by_role("button", name="撤回").click()
    assert "已撤回" in await clerk.locator(".flash").inner_text()
    assert "已撤回" in await clerk.locator(".versions").inner_text()
    await screenshot(clerk, "item")

    # The auditor finds the trail, and the refused withdrawal among the item's refusals.
    zhou = await signed_in(chromium, console, "dev-auditor-token")
    await until(zhou, f"{console.url}/audit/items/{item_id}", "gongkai.disclosure.withdrawn.v1")
    trail = await zhou.locator("main").inner_text()
    for event in ("gongkai.disclosure.submitted.v1", "gongkai.review.redaction_requested.v1",
                  "gongkai.review.approved.v1", "gongkai.disclosure.published.v1"):
        assert event in trail
    assert "/items/{item_id}/withdraw" in await zhou.locator(".refusals").inner_text()
    await screenshot(zhou, "audit-trail")
    await zhou.goto(f"{console.url}/audit/refusals?item={item_id}")
    assert "422" in await zhou.locator(".refusals").inner_text()
    await screenshot(zhou, "audit-refusals")
    await zhou.goto(f"{console.url}/audit?type=gongkai.disclosure.withdrawn.v1&item={item_id}")
    assert "gongkai.disclosure.withdrawn.v1" in await zhou.locator(".entries").inner_text()
    await screenshot(zhou, "audit-events")
    for page in (clerk, zhao, chen, zhou):
        await page.context.close()
