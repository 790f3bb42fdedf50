"""How people move in the browser tests: a staff member signed in at a browser of their own, a page reloaded until
what they wait for is on it, and the pages saved as screenshots (to GONGKAI_SCREENSHOTS when it is set)."""

from __future__ import annotations

import asyncio
import os
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from gongkai_system import Console
from playwright.async_api import expect

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
WAIT = 60.0  # seconds: the services, the portal and the console share two cores with other test runs


async def signed_in(chromium: Any, console: Console, token: str) -> Any:
    """A person at a browser of their own (their own cookies) who signs in to the console with ``token``."""
    context = await chromium.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", viewport=DESKTOP)
    page = await context.new_page()
    await page.goto(f"{console.url}/")
    await expect(page).to_have_url(re.compile(r"/signin"))
    await page.get_by_label("令牌").fill(token)
    await page.get_by_role("button", name="登录").click()
    await expect(page.locator("header .person")).to_be_visible()
    return page


async def until_shown(page: Any, url: str, selector: str, wait: float = WAIT) -> None:
    """Reload ``url`` until ``selector`` is on it (the services work on their own time; a person presses reload)."""
    deadline = time.monotonic() + wait
    while True:
        await page.goto(url)
        if await page.locator(selector).count():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} has no {selector}: {(await page.locator('main').inner_text())[:1500]}")
        await asyncio.sleep(0.5)


def screenshots(tmp_path: Path) -> Callable[[Any, str], Awaitable[None]]:
    """``await take(page, "portal-apply")`` saves the whole page as ``portal-apply.png``."""
    folder = Path(os.environ.get("GONGKAI_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    async def take(page: Any, name: str) -> None:
        path = folder / f"{name}.png"
        await page.screenshot(path=str(path), full_page=True)
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    return take
