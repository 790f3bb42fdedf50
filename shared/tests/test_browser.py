"""The page tests' browser: Debian's chromium under Playwright renders Chinese, runs scripts and screenshots."""

from __future__ import annotations

PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>公开</title></head>
<body><h1>政务公开</h1><button onclick="this.textContent='已提交'">提交</button></body></html>"""


async def test_the_browser_renders_a_chinese_page_and_clicks_a_button(page, tmp_path):
    await page.set_content(PAGE)
    await page.get_by_role("button", name="提交").click()
    assert await page.get_by_role("button").text_content() == "已提交"
    assert await page.evaluate("document.documentElement.lang") == "zh-CN"
    shot = tmp_path / "page.png"
    await page.screenshot(path=str(shot))
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
