"""Each portal page's main path in a real browser (Debian's chromium), against the portal fed by the real broker.

With ``GONGKAI_SCREENSHOTS=DIR`` the tests also save each page to ``DIR/portal-*.png`` (``make screenshots``
writes docs/screenshots); otherwise the screenshots go to the test's own folder.
"""

from __future__ import annotations

import itertools
import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from gongkai.portal.domain import LOCAL
from portal_helpers import NOTICE, eventually, publication, send, withdrawal

SECRET = "误登的个人电话"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def shots(tmp_path) -> Path:
    folder = Path(os.environ.get("GONGKAI_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


async def screenshot(page, shots: Path, name: str, full_page: bool = True) -> None:
    path = shots / f"portal-{name}.png"
    await page.screenshot(path=str(path), full_page=full_page)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture
async def seeded(portal_settings, portal) -> dict[str, str]:
    """A few notices as publishing would send them: one updated, one withdrawn, two categories."""
    ids = {name: str(uuid.uuid4()) for name in ("bus", "taxi", "road", "gone")}
    t0 = datetime.now(UTC) - timedelta(days=3)
    await send(
        portal_settings,
        publication(ids["road"], at=t0, title="2026年国省干线公路养护工程计划", category="S03",
                    category_name="规划计划", body="今年将对国道和省道共86公里路段进行养护。",
                    summary="86公里养护计划", due_on=(t0 - timedelta(days=7)).astimezone(LOCAL).date()),
        publication(ids["taxi"], at=t0 + timedelta(days=1), title="关于出租汽车运价调整的通知",
                    body="出租汽车起步价调整为10元。", summary="起步价调整为10元",
                    due_on=(t0 + timedelta(days=8)).astimezone(LOCAL).date()),
        publication(ids["gone"], at=t0 + timedelta(days=1, hours=2), title="道路运输从业人员名单",
                    body=f"名单附有{SECRET}。"),
        withdrawal(ids["gone"], title="道路运输从业人员名单", reason="含有个人信息，已撤回",
                   at=t0 + timedelta(days=1, hours=5)),
        publication(ids["bus"], at=t0 + timedelta(days=2)),
        publication(ids["bus"], 2, at=t0 + timedelta(days=2, hours=3),
                    body="自2026年12月1日起，3路公交车调整走向，途经人民路、解放路。\n首末班时间不变。"),
        publication(ids["bus"], 2, channel="media", at=t0 + timedelta(days=2, hours=3),
                    body="自2026年12月1日起，3路公交车调整走向，途经人民路、解放路。\n首末班时间不变。"),
    )

    async def all_in() -> bool:
        import httpx

        async with httpx.AsyncClient(base_url=portal) as client:
            page = (await client.get("/catalogue")).text
            item = (await client.get(f"/items/{ids['bus']}")).text
        return "共 4 条" in page and "第 2 版" in item and "【已撤回】" in page

    await eventually(all_in)
    return {**ids, "url": portal}


async def test_the_home_page_and_the_catalogue_list_a_published_notice(page, seeded, shots):
    await page.set_viewport_size(DESKTOP)
    await page.goto(seeded["url"] + "/")
    latest = page.get_by_role("region", name="最新公开")
    await latest.get_by_role("link", name=NOTICE["title"]).wait_for()
    assert await latest.get_by_role("listitem").count() == 3  # a withdrawn item is not among the latest notices
    await screenshot(page, shots, "home")

    await page.get_by_role("navigation", name="主导航").get_by_role("link", name="公开目录").click()
    await page.get_by_role("heading", level=1, name="信息公开目录").wait_for()
    listing = page.get_by_role("region", name="信息列表")
    assert await listing.get_by_role("link", name=NOTICE["title"]).count() == 1
    await page.get_by_role("link", name="S07 公共交通").click()
    await page.get_by_role("heading", level=1, name="S07 公共交通").wait_for()
    titles = await page.get_by_role("region", name="信息列表").get_by_role("heading", level=3).all_text_contents()
    assert NOTICE["title"] in titles and "2026年国省干线公路养护工程计划" not in titles
    await page.get_by_role("link", name=f"{datetime.now(LOCAL).year}年").first.click()
    await page.get_by_role("region", name="信息列表").get_by_role("link", name=NOTICE["title"]).wait_for()
    await page.goto(seeded["url"] + "/catalogue")
    await screenshot(page, shots, "catalogue")


async def test_search_finds_a_notice_by_its_simplified_and_its_traditional_characters(page, seeded, shots):
    await page.set_viewport_size(DESKTOP)
    for query, title in (("公交", NOTICE["title"]), ("計劃", "2026年国省干线公路养护工程计划"),
                         ("出租汽車運價", "关于出租汽车运价调整的通知")):
        await page.goto(seeded["url"] + "/")
        await page.get_by_label("搜索公开信息").fill(query)
        await page.get_by_label("搜索公开信息").press("Enter")
        results = page.get_by_role("region", name=f"“{query}”的搜索结果")
        await results.get_by_role("link", name=title).wait_for()
        assert await results.get_by_role("heading", level=3).count() == 1, query
    await page.get_by_label("搜索公开信息").fill("公交")
    await page.get_by_role("button", name="搜索").click()
    await page.get_by_role("status").filter(has_text="找到 1 条").wait_for()
    await screenshot(page, shots, "search")


async def test_an_item_page_shows_its_text_and_its_version_history(page, seeded, shots):
    await page.set_viewport_size(DESKTOP)
    await page.goto(seeded["url"] + f"/items/{seeded['bus']}")
    assert await page.get_by_role("heading", level=1).text_content() == NOTICE["title"]
    await page.get_by_text("途经人民路、解放路").wait_for()
    history = page.get_by_role("region", name="版本记录").get_by_role("listitem")
    lines = await history.all_text_contents()
    assert len(lines) == 2 and "第 2 版" in lines[0] and "更新于" in lines[0] and "第 1 版" in lines[1]
    assert "发布于" in lines[1]
    await screenshot(page, shots, "item")


async def test_a_withdrawn_item_is_a_tombstone_with_no_body_in_the_page(page, seeded, shots):
    await page.set_viewport_size(DESKTOP)
    await page.goto(seeded["url"] + "/catalogue")
    await page.get_by_role("link", name="【已撤回】道路运输从业人员名单").click()
    await page.get_by_role("heading", name="本信息已撤回").wait_for()
    await page.get_by_text("撤回原因：含有个人信息，已撤回").wait_for()
    html = await page.content()
    assert SECRET not in html and "名单附有" not in html
    assert "撤回日期" in html and "首次公开" in html
    await screenshot(page, shots, "tombstone")


async def test_the_e_screen_shows_the_latest_notices_and_rotates_by_itself(page, seeded, shots):
    await page.set_viewport_size({"width": 1920, "height": 1080})
    await page.goto(seeded["url"] + "/screen")
    slides = page.locator("[data-slide]")
    assert await slides.count() == 3 and await page.locator("[data-slide]:visible").count() == 1
    first = await page.locator("[data-slide]:visible h2").text_content()
    assert first == NOTICE["title"]  # the newest first
    await screenshot(page, shots, "screen", full_page=False)
    await page.wait_for_function("document.body.dataset.shown === '1'", timeout=10_000)  # no click, no key
    assert await page.locator("[data-slide]:visible h2").text_content() == "关于出租汽车运价调整的通知"
    assert await page.locator(".counter").text_content() == "2 / 3"
    size = await page.evaluate("parseFloat(getComputedStyle(document.querySelector('.slide h2')).fontSize)")
    assert size >= 60  # large type, read from across the hall
    assert await page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert SECRET not in await page.content()


async def test_what_was_published_after_its_due_date_is_public_per_category(page, seeded, shots):
    await page.set_viewport_size(DESKTOP)
    await page.goto(seeded["url"] + "/timeliness")
    rows = {r.split("\t")[0]: r.split("\t")[1:] for r in
            (await page.locator("#timeliness tbody").inner_text()).splitlines()}
    assert rows["S03 规划计划"] == ["1", "1"] and rows["S07 公共交通"] == ["1", "0"] and rows["合计"] == ["2", "1"]
    late = await page.locator("#late-items").inner_text()
    assert "2026年国省干线公路养护工程计划" in late and "出租汽车" not in late and "前公开" in late
    await screenshot(page, shots, "timeliness")
    await page.get_by_role("link", name="S07 公共交通").click()
    assert "没有逾期公开的信息" in await page.locator("main").inner_text()
    missing = await page.goto(seeded["url"] + "/timeliness?category=S99")
    assert missing is not None and missing.status == 404


async def test_on_a_phone_no_page_scrolls_sideways(page, seeded, shots):
    await page.set_viewport_size(PHONE)
    for path in ("/", "/catalogue", f"/items/{seeded['bus']}", f"/items/{seeded['gone']}", "/search?q=公交",
                 "/screen", "/timeliness"):
        await page.goto(seeded["url"] + path)
        assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path
    await page.goto(seeded["url"] + f"/items/{seeded['bus']}")
    await screenshot(page, shots, "phone")


CONTRAST = """(selector) => {
  const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
  return [...document.querySelectorAll(selector)].slice(0, 5).map((el) => {
    let bg = el, colour = 'rgba(0, 0, 0, 0)';
    while (bg && (colour = getComputedStyle(bg).backgroundColor) === 'rgba(0, 0, 0, 0)') bg = bg.parentElement;
    return [rgb(getComputedStyle(el).color), rgb(bg ? colour : 'rgb(255, 255, 255)')];
  });
}"""


def contrast(fore: list[float], back: list[float]) -> float:
    def luminance(rgb: list[float]) -> float:
        channels = [c / 255 for c in rgb[:3]]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(fore), luminance(back)), reverse=True)
    return (high + 0.05) / (low + 0.05)


async def test_every_page_is_accessible_by_keyboard_with_headings_labels_and_contrast(page, seeded):
    await page.set_viewport_size(DESKTOP)
    for path in ("/", "/catalogue", "/search?q=公交", f"/items/{seeded['bus']}", f"/items/{seeded['gone']}",
                 "/screen", "/items/no-such-item", "/timeliness"):
        await page.goto(seeded["url"] + path)
        assert await page.evaluate("document.documentElement.lang") == "zh-CN", path
        levels = await page.evaluate("[...document.querySelectorAll('h1,h2,h3,h4')].map(h => +h.tagName[1])")
        assert levels.count(1) == 1 and levels[0] == 1, (path, levels)
        assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), (path, levels)  # no level skipped
        for selector in ("body p", "a", ".meta", "h1", ".site-name a", ".slide .meta"):
            for fore, back in await page.evaluate(CONTRAST, selector):
                assert contrast(fore, back) >= 4.5, (path, selector, fore, back)

    await page.goto(seeded["url"] + "/")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.textContent") == "跳到正文"
    focus = await page.evaluate("(() => { const e = document.activeElement, s = getComputedStyle(e);"
                                " return [s.outlineStyle, s.outlineWidth, e.getBoundingClientRect().left]; })()")
    assert focus[0] == "solid" and focus[1] == "3px" and focus[2] >= 0  # a visible ring, on the screen
    reached = []
    for _ in range(12):
        await page.keyboard.press("Tab")
        reached.append(await page.evaluate("document.activeElement.getAttribute('aria-label') || "
                                           "document.activeElement.labels?.[0]?.textContent || "
                                           "document.activeElement.textContent"))
    assert "搜索公开信息" in reached and "搜索" in reached and NOTICE["title"] in reached, reached
    await page.get_by_label("搜索公开信息").focus()
    await page.keyboard.type("公交")
    await page.keyboard.press("Enter")
    await page.get_by_role("status").filter(has_text="找到 1 条").wait_for()
