"""The console's pages in a real browser against the real services (one system for the module): the journey —
a clerk submits a notice with a phone number, a reviewer redacts the number by selecting it, a second reviewer
approves the redacted version (the first, who asked for the redaction, is not enough alone), the clerk withdraws
it, an auditor finds the item's trail and its refusals — and each page's own path: sign-in and sign-out, CSRF,
an expired session, bad input, a double-clicked submit, an author who reviews, the queue's keys, the inbox,
and the auditor's checkpoint, export, report and statistics pages."""

from __future__ import annotations

import asyncio
import re

import httpx
from gongkai.shared.testing import bearer

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

    # Published without the number; its facts change; a withdrawal without a reason is refused beside the
    # field, then done.
    await until(clerk, item_url, "已发布")
    assert PHONE not in await clerk.locator(".text-view").inner_text()
    await clerk.get_by_label("变更日期").fill("2026-11-30")
    await clerk.get_by_role("button", name="登记变更").click()
    assert "已登记信息变更" in await clerk.locator(".flash").inner_text()
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


async def api_items(system, token: str, title: str) -> list[dict]:
    async with httpx.AsyncClient(timeout=10) as http:
        found = await http.get(f"{system.url('publishing')}/items", params={"per_page": 200}, headers=bearer(token))
    return [item for item in found.json()["items"] if item["title"] == title]


NOTICE = "本周六上午9时至11时，办事大厅系统升级，暂停受理业务。"


async def fill_item(page, console, title: str, body: str = NOTICE) -> None:
    await page.goto(f"{console.url}/items/new")
    await page.get_by_label("标题").fill(title)
    await page.get_by_label("类别（公开目录）").fill("S07")
    await page.get_by_label("正文").fill(body)


async def test_signing_in_keeps_the_token_on_the_server_and_signing_out_ends_the_session(chromium, console, screenshot):
    context = await chromium.new_context(locale="zh-CN")
    page = await context.new_page()
    await page.goto(f"{console.url}/items")
    assert "/signin?next=%2Fitems" in page.url  # a page needs a session
    await screenshot(page, "signin")
    await page.get_by_label("令牌").fill("not-a-token")
    await page.get_by_role("button", name="登录").click()
    assert "令牌无效" in await page.locator(".alert").inner_text()
    await page.get_by_label("令牌").fill("dev-submitter-token")
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{console.url}/items")
    assert "李娜（办公室，经办人）" in await page.locator("header").inner_text()
    [cookie] = await context.cookies()
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["secure"]) == (True, "Lax", False)  # Secure in production
    assert await page.evaluate("document.cookie") == ""
    assert "dev-submitter-token" not in await page.content()
    await page.goto(f"{console.url}/")
    await screenshot(page, "home")

    await page.get_by_role("button", name="退出登录").click()
    await page.wait_for_url(f"{console.url}/signin")
    assert "您已退出登录" in await page.locator(".flash").inner_text()
    await context.add_cookies([cookie])  # the old session id, replayed: it ended on the server
    await page.goto(f"{console.url}/items")
    assert "/signin" in page.url
    await context.close()


async def test_a_form_without_the_sessions_csrf_token_is_refused_and_changes_nothing(chromium, console, system):
    page = await signed_in(chromium, console, "dev-submitter-token")
    title = "CSRF 校验测试通知"
    await fill_item(page, console, title)
    await page.evaluate("document.querySelector('.item-form input[name=csrf]').value = 'forged'")
    await page.get_by_role("button", name="提交审查").click()
    assert "请求被拒绝" in await page.locator("h1").inner_text()
    assert "CSRF" in await page.locator(".alert").inner_text()
    forged = await page.request.post(f"{console.url}/items/new", form={"title": title, "body": "x", "category": "S07"})
    assert forged.status == 403
    assert await api_items(system, "dev-submitter-token", title) == []
    await page.context.close()


async def test_an_expired_session_goes_back_to_sign_in_and_returns_to_the_form_with_what_was_typed(
        chromium, short_console, system):
    page = await signed_in(chromium, short_console, "dev-submitter-token")
    title = "会话过期后仍保留填写内容的通知"
    await fill_item(page, short_console, title, body="第一行。\n第二行：办事大厅暂停受理。")
    await asyncio.sleep(3.5)  # the session ends after three idle seconds
    await page.get_by_role("button", name="提交审查").click()
    assert "登录已过期" in await page.locator(".alert").inner_text()
    assert await api_items(system, "dev-submitter-token", title) == []  # nothing was acted on
    await page.get_by_label("令牌").fill("dev-submitter-token")
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"{short_console.url}/items/new")
    assert "已恢复" in await page.locator(".flash").inner_text()
    assert await page.get_by_label("标题").input_value() == title
    assert await page.get_by_label("正文").input_value() == "第一行。\n第二行：办事大厅暂停受理。"
    assert await page.get_by_label("类别（公开目录）").input_value() == "S07"
    await page.get_by_role("button", name="提交审查").click()
    await page.wait_for_url(re.compile(r"/items/[0-9a-f-]+$"))
    assert len(await api_items(system, "dev-submitter-token", title)) == 1
    await page.context.close()


async def test_bad_input_is_shown_in_chinese_beside_the_field_it_concerns(chromium, console, system, screenshot):
    page = await signed_in(chromium, console, "dev-submitter-token")
    await page.goto(f"{console.url}/items/new")
    await page.get_by_label("类别（公开目录）").fill("S07")
    await page.get_by_label("信息形成日期").fill("1900-01-01")
    await page.get_by_role("button", name="提交审查").click()
    assert "不能为空" in await page.locator("#title-error").inner_text()
    assert "不能为空" in await page.locator("#body-error").inner_text()
    assert "不能早于 1949-10-01" in await page.locator("#formed_on-error").inner_text()
    assert await page.get_by_label("标题").get_attribute("aria-invalid") == "true"
    await screenshot(page, "field-errors")
    await page.get_by_label("标题").fill("类别不存在的通知")
    await page.get_by_label("正文").fill("正文")
    await page.get_by_label("信息形成日期").fill("")
    await page.get_by_label("类别（公开目录）").fill("X99")
    await page.get_by_role("button", name="提交审查").click()
    assert "没有这个类别" in await page.locator("#category-error").inner_text()
    assert await page.get_by_label("标题").input_value() == "类别不存在的通知"  # what was typed stays
    assert await api_items(system, "dev-submitter-token", "类别不存在的通知") == []
    await page.context.close()


async def test_a_double_clicked_submit_makes_one_item(chromium, console, system):
    page = await signed_in(chromium, console, "dev-submitter-token")
    title = "双击提交只生成一个事项的通知"
    await fill_item(page, console, title)
    await page.get_by_role("button", name="提交审查").dblclick()
    await page.wait_for_url(re.compile(r"/items/[0-9a-f-]+$"))
    await asyncio.sleep(0.5)
    assert len(await api_items(system, "dev-submitter-token", title)) == 1
    await page.context.close()


async def test_a_draft_is_saved_edited_scheduled_and_submitted(chromium, console):
    page = await signed_in(chromium, console, "dev-submitter-token")
    await fill_item(page, console, "草稿：春运期间客运班线加班安排")
    await page.get_by_role("button", name="保存草稿").click()
    await page.wait_for_url(re.compile(r"/items/[0-9a-f-]+$"))
    assert "草稿" in await page.locator(".versions").inner_text()
    await page.get_by_role("link", name="修改（新版本）").click()
    assert await page.get_by_label("正文").input_value() == NOTICE
    await page.get_by_label("标题").fill("春运期间客运班线加班安排")
    await page.get_by_role("button", name="保存草稿").click()
    assert "第 2 版" in await page.locator(".meta").inner_text()
    await page.get_by_label("发布时间（北京时间）").fill("2020-01-01T09:00")
    await page.get_by_role("button", name="设定").click()
    assert "不能早于现在" in await page.locator("#release_at-error").inner_text()
    await page.get_by_label("发布时间（北京时间）").fill("2030-01-01T09:00")
    await page.get_by_role("button", name="设定").click()
    assert "已设定发布时间" in await page.locator(".flash").inner_text()
    await page.get_by_role("button", name="提交审查").click()
    assert "已提交审查" in await page.locator(".flash").inner_text()
    assert "定时 2030-01-01 09:00" in await page.locator(".versions").inner_text()
    await page.context.close()


async def test_an_author_who_also_reviews_is_shown_why_review_refuses_their_decision(chromium, console):
    liu = await signed_in(chromium, console, "dev-clerk-reviewer-token")
    title = "刘洋起草并提交的通知"
    await fill_item(liu, console, title)
    await liu.get_by_role("button", name="提交审查").click()
    await until(liu, f"{console.url}/queue", title)
    assert "您是作者" in await liu.locator("tr", has_text=title).inner_text()
    await liu.get_by_role("link", name=title).click()
    assert "不能审查" in await liu.locator("#author-note").inner_text()
    await liu.get_by_role("button", name="批准发布").click()
    alert = await liu.locator(".alert").inner_text()
    assert "提交人不能审查自己提交的事项" in alert and "liu.yang submitted this item and cannot review it" in alert
    assert "0 / 1 人批准" in await liu.locator("#approvals").inner_text()
    await liu.context.close()


async def test_the_queue_puts_graver_risk_first_on_the_same_due_date_and_is_driven_by_the_keyboard(
        chromium, console):
    clerk = await signed_in(chromium, console, "dev-submitter2-token")
    low, high = "队列排序：普通通知", "队列排序：含身份证号码的处罚决定"
    await fill_item(clerk, console, low)
    await clerk.get_by_role("button", name="提交审查").click()
    await clerk.wait_for_url(re.compile(r"/items/[0-9a-f-]+$"))
    await fill_item(clerk, console, high, body="当事人张某（公民身份号码 11010519491231002X）未取得许可从事经营。")
    await clerk.get_by_role("button", name="提交审查").click()
    await clerk.wait_for_url(re.compile(r"/items/[0-9a-f-]+$"))

    chen = await signed_in(chromium, console, "dev-reviewer2-token")
    await until(chen, f"{console.url}/queue", high)
    await until(chen, f"{console.url}/queue", low)
    titles = await chen.locator("table.queue tbody tr td:nth-child(3) a").all_inner_texts()
    assert titles.index(high) < titles.index(low)
    shortcuts = chen.locator("#shortcuts")
    assert "下一件" in await shortcuts.inner_text()
    await chen.keyboard.press("?")
    assert await shortcuts.is_hidden()
    await chen.keyboard.press("?")
    for _ in range(titles.index(high) + 1):
        await chen.keyboard.press("j")
    await chen.keyboard.press("Enter")
    await chen.wait_for_url(re.compile(r"/cases/"))
    assert await chen.locator("h1").inner_text() == high
    assert "2 人批准" in await chen.locator("#approvals").inner_text() or "须由 2 位" in await chen.locator(
        ".standing").inner_text()

    # Spans chosen with the keyboard too: the caret into the title, Shift+End, Alt+A.
    title_text = chen.locator(".case-text[data-field='title']")
    await title_text.focus()
    await chen.keyboard.press("Control+Home")
    await chen.keyboard.press("Shift+End")
    await chen.keyboard.press("Alt+a")
    span = chen.locator("#span-list li")
    assert (await span.get_attribute("data-field"), await span.get_attribute("data-start"),
            await span.get_attribute("data-end")) == ("title", "0", str(len(high)))
    assert await title_text.inner_text() == high  # selectable, never editable
    await chen.keyboard.type("x")
    assert await title_text.inner_text() == high
    await clerk.context.close()
    await chen.context.close()


async def test_an_overdue_item_reminds_its_clerk_in_the_inbox(chromium, console, system, screenshot):
    async with httpx.AsyncClient(timeout=10) as http:
        made = await http.post(f"{system.url('publishing')}/items", headers=bearer("dev-submitter-token"), json={
            "title": "逾期提醒测试：年度统计数据", "body": "统计数据。", "category": "S07", "formed_on": "2026-01-05"})
        assert made.status_code == 201
    item_id = made.json()["item_id"]
    page = await signed_in(chromium, console, "dev-submitter-token")
    await until(page, f"{console.url}/inbox", item_id)
    mine = page.locator(".messages li", has_text=item_id)
    assert "逾期督办" in await mine.first.inner_text()
    await screenshot(page, "inbox")
    unread = await page.locator(".messages li.unread", has_text=item_id).count()
    await page.locator(".messages li.unread", has_text=item_id).first.get_by_role("button", name="标为已读").click()
    assert await page.locator(".messages li.unread", has_text=item_id).count() == unread - 1
    await page.context.close()


async def test_the_auditor_signs_a_checkpoint_reads_how_to_verify_exports_and_sees_the_report_and_statistics(
        chromium, console, system, screenshot):
    async with httpx.AsyncClient(timeout=10) as http:
        made = await http.post(f"{system.url('publishing')}/items", headers=bearer("dev-submitter-token"), json={
            "title": "审计导出测试：办事指南", "body": "办事指南正文。", "category": "S07"})
        item_id = made.json()["item_id"]
    page = await signed_in(chromium, console, "dev-auditor-token")
    await until(page, f"{console.url}/audit/items/{item_id}", "gongkai.disclosure.submitted.v1")
    await page.goto(f"{console.url}/audit/log")
    await page.get_by_role("button", name="立即签署检查点").click()
    assert int(await page.locator("#checkpoint-size").inner_text()) > 0
    key = await page.locator("#verifier-key").inner_text()
    assert key.startswith("gongkai-dev-audit+")
    instructions = await page.locator("main").inner_text()
    assert "gongkai audit export" in instructions
    assert f"gongkai audit verify 导出目录 --public-key '{key}'" in instructions
    await screenshot(page, "audit-log")
    exported = await page.request.get(f"{console.url}/audit/export?format=csv&type=gongkai.disclosure.submitted.v1")
    assert exported.ok and "attachment" in exported.headers["content-disposition"]
    lines = (await exported.text()).splitlines()
    assert lines[0].startswith("seq,received_at") and any(item_id in line for line in lines[1:])
    assert all("gongkai.disclosure.submitted.v1" in line for line in lines[1:])

    await page.goto(f"{console.url}/audit/reports?year=2026")
    assert "合计" in await page.locator("#table-2").inner_text()
    assert "总计" in await page.locator("#table-3").inner_text()
    assert "复议后起诉" in await page.locator("#table-4").inner_text()
    await screenshot(page, "audit-report")
    await page.goto(f"{console.url}/audit/statistics?from=2026-01-01&to=2026-12-31")
    table = await page.locator("#statistics").inner_text()
    assert "办公室" in table and "合计" in table
    await screenshot(page, "audit-statistics")
    await page.goto(f"{console.url}/audit/statistics?from=2026-12-31&to=2026-01-01")
    assert "不能早于起始日期" in await page.locator("#to-error").inner_text()
    await page.context.close()
