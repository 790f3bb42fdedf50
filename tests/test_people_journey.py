"""The whole journey as people make it, in a real browser (Debian's chromium), against the real system: the four
services, the public portal and the staff console as processes of their own (``gongkai run …``) on this session's
broker accounts, database roles and a namespace of this test's own.

A clerk signs in to the console and submits a notice whose body holds a mobile number (and a plain notice beside
it); a reviewer opens the case, where screening marked the number, selects it in the text and asks for its
redaction; the redacted version is screened again and comes back as a case of its own, with nothing found; the
reviewer who asked for the redaction approves it, which is not enough alone, and a second reviewer's approval
publishes it; the portal, fed only by the public exchange, shows the notice without the number (home page, item
page, search, e-screen); the clerk withdraws it in the console; the portal shows a tombstone, and the e-screen
rotates the notices still live.

Every wait is on a condition with a deadline (Playwright's ``expect``, or a page reloaded until it shows
something). With ``GONGKAI_SCREENSHOTS=DIR`` each step's page is saved as ``DIR/journey-NN-step.png``.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from people import signed_in
from playwright.async_api import expect

PHONE = "13912345678"
TITLE = "关于𠮷祥路施工期间3路公交车临时绕行的通告"
# 𠮷 (U+20BB7) is one code point and two UTF-16 code units: the console converts the browser's offsets.
BODY = ("因𠮷祥路雨污分流改造，3路公交车自12月5日起临时绕行人民路。\n"
        f"如有疑问请联系现场负责人王先生，手机{PHONE}。\n特此通告。")
REDACTED = "手机×××"
PLAIN_TITLE = "关于本周六办事大厅系统升级暂停受理业务的公告"
PLAIN_BODY = "本周六上午9时至11时，办事大厅系统升级，暂停受理业务，不便之处敬请谅解。"
REASON = "施工计划调整，通告撤回"
WAIT = 60.0  # seconds: four services, the portal and the console share two cores with other test runs
DESKTOP = {"width": 1280, "height": 900}


# ---- screenshots (the system, the portal and the console are tests/conftest.py's) ---------------------------


@pytest.fixture
def shot(tmp_path) -> Callable[[object, str], Awaitable[None]]:
    """``await shot(page, "reviewer-case")``: the page as it is now, numbered in the journey's order, saved to
    GONGKAI_SCREENSHOTS when it is set (else to the test's own folder)."""
    folder = Path(os.environ.get("GONGKAI_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    taken = 0

    async def take(page, step: str) -> None:
        nonlocal taken
        taken += 1
        path = folder / f"journey-{taken:02d}-{step}.png"
        await page.screenshot(path=str(path), full_page=True)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    return take


# ---- how people move ------------------------------------------------------------------------------------------


async def reload_until(page, url: str, shows: Callable[[], Awaitable[bool]], what: str,
                       timeout: float = WAIT) -> None:
    """Open ``url`` again until ``shows()`` is true: the services and the portal work on their own time, and a
    person presses reload."""
    deadline = time.monotonic() + timeout
    while True:
        await page.goto(url)
        if await shows():
            return
        if time.monotonic() > deadline:
            shown = await page.locator("body").inner_text()
            raise AssertionError(f"{url} did not show {what} within {timeout}s; it shows: {shown[:2000]}")
        await asyncio.sleep(0.5)


def shows_text(page, text: str, where: str = "main") -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return text in await page.locator(where).inner_text()

    return probe


async def submit(clerk, title: str, body: str, shot: Callable[[object, str], Awaitable[None]] | None = None) -> str:
    """The clerk opens a new notice from the navigation, fills it in and submits it for review; its page's URL."""
    await clerk.get_by_role("navigation", name="主导航").get_by_role("link", name="新建事项").click()
    await clerk.get_by_label("标题").fill(title)
    await clerk.get_by_label("类别（公开目录）").fill("S07")
    await clerk.get_by_label("门户网站").check()
    await clerk.get_by_label("公开栏、电子屏").check()
    await clerk.get_by_label("正文").fill(body)
    if shot:
        await shot(clerk, "clerk-new-notice")
    await clerk.get_by_role("button", name="提交审查").click()
    await expect(clerk).to_have_url(re.compile(r"/items/[0-9a-f-]+$"))
    await expect(clerk.locator(".flash")).to_contain_text("已提交审查")
    return clerk.url


async def slide_titles(screen) -> list[str]:
    return await screen.locator("[data-slide] h2").all_inner_texts()


# ---- the journey ----------------------------------------------------------------------------------------------


async def test_a_notice_goes_from_the_clerk_through_redaction_and_two_reviewers_to_the_portal_and_its_tombstone(
        chromium, system, portal, console, shot):
    # The clerk signs in and submits the notice with the number, and a plain one beside it.
    clerk = await signed_in(chromium, console, "dev-submitter-token")
    await expect(clerk.locator("header .person")).to_contain_text("李娜（办公室，经办人）")
    plain_url = await submit(clerk, PLAIN_TITLE, PLAIN_BODY)
    item_url = await submit(clerk, TITLE, BODY, shot)
    item_id = item_url.rsplit("/", 1)[1]
    assert item_url != plain_url
    await expect(clerk.locator(".versions")).to_contain_text(TITLE)
    await expect(clerk.locator(".versions")).to_contain_text("李娜")  # who submitted, by name, not by id
    await expect(clerk.locator(".versions")).not_to_contain_text("li.na")
    await shot(clerk, "clerk-submitted")

    # The first reviewer finds the notice in the queue; screening marked the number with its reason.
    zhao = await signed_in(chromium, console, "dev-reviewer-token")
    queue = f"{console.url}/queue"
    await reload_until(zhao, queue, shows_text(zhao, TITLE), "the notice's case")
    await shot(zhao, "reviewer-queue")
    await zhao.get_by_role("link", name=TITLE, exact=True).click()
    await expect(zhao.locator("h1")).to_have_text(TITLE)
    mark = zhao.locator(".case-text[data-field='body'] mark[data-detector='mobile-number']")
    await expect(mark).to_have_text(PHONE)
    assert "手机号码" in await mark.get_attribute("title")
    await expect(zhao.locator(".findings")).to_contain_text("mobile-number")
    first_hash = await zhao.locator("#content-hash").inner_text()
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", first_hash)

    # ... selects the number in the text (the browser's selection, UTF-16 after the 𠮷) and asks for its redaction.
    await mark.select_text()
    await zhao.get_by_role("button", name="加入删改（所选文字）").click()
    span = zhao.locator("#span-list li")
    await expect(span).to_have_count(1)
    start = BODY.index(PHONE)  # code points, as review counts them
    assert (await span.get_attribute("data-field"), await span.get_attribute("data-start"),
            await span.get_attribute("data-end")) == ("body", str(start), str(start + len(PHONE)))
    await expect(span).to_contain_text(PHONE)
    await shot(zhao, "reviewer-selects-the-number")
    await zhao.get_by_role("button", name="要求删改", exact=True).click()
    await expect(zhao.locator(".flash")).to_contain_text("已要求删改")

    # The redacted version is screened again: a new case, version 2, with another hash and nothing found.
    await reload_until(zhao, queue, shows_text(zhao, "删改后版本"), "the redacted version's case")
    row = zhao.locator("tr", has_text="删改后版本")
    await expect(row).to_contain_text(TITLE)
    await expect(row).to_contain_text("第 2 版")
    await row.get_by_role("link", name=TITLE).click()
    redacted_case = zhao.url
    body_text = zhao.locator(".case-text[data-field='body']")
    await expect(body_text).to_contain_text(REDACTED)
    await expect(body_text).not_to_contain_text(PHONE)
    await expect(zhao.locator(".findings")).to_contain_text("没有发现")
    await expect(zhao.locator(".risk")).to_have_text("无")
    assert await zhao.locator("#content-hash").inner_text() not in ("", first_hash)

    # Two-person rule: the approval of the reviewer who asked for the redaction is not enough alone.
    await zhao.get_by_role("button", name="批准发布").click()
    await expect(zhao.locator("#approvals")).to_contain_text("1 / 1 人批准：赵磊")
    await expect(zhao.locator(".standing")).to_contain_text("目前只有要求删改者的批准")
    await shot(zhao, "requester-approval-alone")
    await clerk.goto(item_url)
    await expect(clerk.locator(".versions")).not_to_contain_text("已发布")

    # A second reviewer approves the plain notice (one approval is its rule) and the redacted version.
    chen = await signed_in(chromium, console, "dev-reviewer2-token")
    await reload_until(chen, queue, shows_text(chen, PLAIN_TITLE), "the plain notice's case")
    await chen.get_by_role("link", name=PLAIN_TITLE, exact=True).click()
    await chen.get_by_role("button", name="批准发布").click()
    await expect(chen.locator(".flash")).to_contain_text("已批准")
    await reload_until(clerk, plain_url, shows_text(clerk, "已发布", ".versions"), "the plain notice published")
    await chen.goto(queue)
    await chen.locator("tr", has_text="删改后版本").get_by_role("link", name=TITLE).click()
    assert chen.url == redacted_case
    await expect(chen.locator("#approvals")).to_contain_text("赵磊")
    await chen.get_by_role("button", name="批准发布").click()
    await expect(chen.locator(".flash")).to_contain_text("已批准")
    await expect(chen.locator("#approvals")).to_contain_text("2 / 1 人批准：赵磊、陈静")
    await shot(chen, "second-reviewer-approves")

    # Publishing publishes exactly the approved version: the clerk sees it published, without the number.
    await reload_until(clerk, item_url, shows_text(clerk, "已发布", ".versions"), "the published version")
    await expect(clerk.locator(".text-view")).to_contain_text(REDACTED)
    await expect(clerk.locator(".text-view")).not_to_contain_text(PHONE)
    await shot(clerk, "clerk-sees-it-published")

    # A resident reads the portal: the notice is on the home page; its page holds the redacted text.
    resident = await (await chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                                 viewport=DESKTOP)).new_page()
    home = f"{portal.url}/"

    async def both_on_home() -> bool:
        latest = resident.locator("section[aria-labelledby='latest']")
        return (await latest.get_by_role("link", name=TITLE, exact=True).count() == 1
                and await latest.get_by_role("link", name=PLAIN_TITLE, exact=True).count() == 1)

    await reload_until(resident, home, both_on_home, "both notices")
    assert PHONE not in await resident.content()
    await shot(resident, "portal-home")
    await resident.get_by_role("link", name=TITLE, exact=True).click()
    await expect(resident).to_have_url(f"{portal.url}/items/{item_id}")
    article = resident.locator("article.item")
    await expect(article.locator("h1")).to_have_text(TITLE)
    await expect(article.locator(".body")).to_contain_text("3路公交车自12月5日起临时绕行人民路")
    await expect(article.locator(".body")).to_contain_text(REDACTED)
    await expect(article.locator(".facts")).to_contain_text("第 2 版")
    assert PHONE not in await resident.content()
    await shot(resident, "portal-item")

    # Searching the portal for the number finds nothing; searching for the words finds the notice.
    await resident.get_by_role("navigation", name="主导航").get_by_role("link", name="首页").click()
    await resident.get_by_label("搜索公开信息").fill(PHONE)
    await resident.get_by_role("button", name="搜索").click()
    await expect(resident.locator("main")).to_contain_text("没有找到相关信息")
    await resident.get_by_label("搜索公开信息").fill("临时绕行")
    await resident.get_by_role("button", name="搜索").click()
    await expect(resident.get_by_role("link", name=TITLE, exact=True)).to_be_visible()
    await shot(resident, "portal-search")

    # The service hall's e-screen shows the latest notices, the newest first, and turns by itself.
    screen = await (await chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai",
                                               viewport={"width": 1920, "height": 1080})).new_page()
    await screen.goto(f"{portal.url}/screen")
    assert (await slide_titles(screen))[:2] == [TITLE, PLAIN_TITLE]
    await expect(screen.locator("[data-slide]:visible h2")).to_have_text(TITLE)
    await expect(screen.locator("[data-slide]:visible .text")).to_contain_text(REDACTED)
    assert PHONE not in await screen.content()
    await shot(screen, "e-screen")
    await expect(screen.locator("[data-slide]:visible h2")).to_have_text(PLAIN_TITLE, timeout=10_000)
    await expect(screen.locator("[data-counter]")).to_have_text("2 / 2")

    # The clerk withdraws the notice in the console, with a public reason.
    await clerk.goto(item_url)
    await clerk.get_by_label("撤回理由（公开）").fill(REASON)
    await clerk.get_by_role("button", name="撤回").click()
    await expect(clerk.locator(".flash")).to_contain_text("已撤回")
    await expect(clerk.locator(".meta")).to_contain_text(REASON)
    await shot(clerk, "clerk-withdraws")

    # The portal's page of the notice becomes a tombstone: the reason, and neither the text nor the number.
    async def tombstone() -> bool:
        return await resident.get_by_role("heading", name="本信息已撤回").count() == 1

    await reload_until(resident, f"{portal.url}/items/{item_id}", tombstone, "the tombstone")
    await expect(resident.locator(".notice")).to_contain_text(f"撤回原因：{REASON}")
    await expect(resident.locator("article h1")).to_contain_text("【已撤回】")
    html = await resident.content()
    assert "临时绕行人民路" not in html and PHONE not in html and "×××" not in html
    await shot(resident, "portal-tombstone")

    # The e-screen, reloaded, rotates the notices still live: the plain one, not the withdrawn one.
    async def only_the_plain_one() -> bool:
        return await slide_titles(screen) == [PLAIN_TITLE]

    await reload_until(screen, f"{portal.url}/screen", only_the_plain_one, "the live notices only")
    await expect(screen.locator("[data-slide]:visible h2")).to_have_text(PLAIN_TITLE)
    await expect(screen.locator("[data-counter]")).to_have_text("1 / 1")
    await shot(screen, "e-screen-after-withdrawal")

    for page in (clerk, zhao, chen, resident, screen):
        await page.context.close()
