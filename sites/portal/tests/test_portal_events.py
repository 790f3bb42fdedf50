"""The portal built from public events alone, on the real broker and database: what publishing sends on the
public exchange (as its own account) is enough to show, search, feed and take down an item."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import aio_pika
import asyncpg
import httpx
import pytest
from gongkai.portal.app import PortalSettings, create_app
from gongkai.portal.consumer import queue_names
from gongkai.portal.domain import LOCAL
from gongkai.shared.envelope import parse
from gongkai.shared.settings import Settings
from gongkai.shared.testing import get_eventually
from portal_helpers import NOTICE, eventually, publication, send, serve, withdrawal

SECRET = "误登的身份证号"


def new_id() -> str:
    return str(uuid.uuid4())


async def page_of(url: str, path: str, **params) -> httpx.Response:
    async with httpx.AsyncClient(base_url=url) as client:
        return await client.get(path, params=params)


async def shows(url: str, path: str, text: str, **params) -> bool:
    return text in (await page_of(url, path, **params)).text


async def test_a_published_notice_is_on_the_home_page_its_category_and_year_its_item_page_search_and_feed(
        portal_settings, portal):
    item_id = new_id()
    await send(portal_settings, publication(item_id), publication(item_id, channel="media"))
    await eventually(lambda: shows(portal, "/", NOTICE["title"]))
    year = datetime.now(LOCAL).year
    for path, params in (("/catalogue", {}), ("/catalogue", {"category": "S07"}), ("/catalogue", {"year": year}),
                         ("/search", {"q": "公交线路"}), ("/search", {"q": "公交線路"}), ("/feed.atom", {})):
        answer = await page_of(portal, path, **params)
        assert answer.status_code == 200 and NOTICE["title"] in answer.text, (path, params)
    item = await page_of(portal, f"/items/{item_id}")
    assert "途经人民路" in item.text and "第 1 版" in item.text
    assert "S07 公共交通" in (await page_of(portal, "/catalogue")).text
    assert "没有找到" in (await page_of(portal, "/search", q="出租汽车")).text


async def test_events_out_of_order_and_twice_end_in_the_same_pages(portal_settings, portal):
    item_id = new_id()
    t0 = datetime.now(UTC) - timedelta(hours=2)
    first, second = publication(item_id, 1, at=t0), publication(item_id, 2, at=t0 + timedelta(hours=1),
                                                                 body="第二版：3路公交车恢复原线路。")
    await send(portal_settings, second, first, second, publication(item_id, 2, channel="media",
                                                                   at=t0 + timedelta(hours=1),
                                                                   body="第二版：3路公交车恢复原线路。"))
    await eventually(lambda: shows(portal, f"/items/{item_id}", "第 1 版"))
    page = (await page_of(portal, f"/items/{item_id}")).text
    assert "恢复原线路" in page and "途经人民路" not in page  # the newer version stays the content
    assert "第 2 版" in page and "更新于" in page

    late = new_id()
    await send(portal_settings, withdrawal(late), publication(late, body=f"正文里有{SECRET}"))
    await eventually(lambda: shows(portal, f"/items/{late}", "版本记录"))
    await asyncio.sleep(0.3)
    tombstone = (await page_of(portal, f"/items/{late}")).text
    assert "本信息已撤回" in tombstone and SECRET not in tombstone  # a late publication does not undo a withdrawal


async def test_a_withdrawn_item_is_a_tombstone_everywhere_and_a_new_version_restores_it(portal_settings, portal):
    item_id = new_id()
    await send(portal_settings, publication(item_id, body=f"自12月1日起调整。附：{SECRET}。", summary=SECRET))
    await eventually(lambda: shows(portal, "/search", item_id, q=SECRET))
    await send(portal_settings, withdrawal(item_id, reason="误发，已撤回"), withdrawal(item_id, channel="media"))
    await eventually(lambda: shows(portal, f"/items/{item_id}", "本信息已撤回"))

    item = (await page_of(portal, f"/items/{item_id}")).text
    assert NOTICE["title"] in item and "误发，已撤回" in item and "S07 公共交通" in item and "撤回日期" in item
    for path, params in (("/", {}), ("/catalogue", {}), ("/search", {"q": NOTICE["title"]}), ("/feed.atom", {}),
                         ("/screen", {}), (f"/items/{item_id}", {})):
        assert SECRET not in (await page_of(portal, path, **params)).text, path
    assert item_id not in (await page_of(portal, "/search", q=SECRET)).text
    assert item_id in (await page_of(portal, "/search", q="城区公交线路")).text  # found by its title
    assert "【已撤回】" in (await page_of(portal, "/feed.atom")).text
    assert await stored_texts(portal_settings, item_id) == (None, None, "关于调整城区公交线路的公告")

    await send(portal_settings, publication(item_id, 2, body="自12月1日起，3路公交车调整走向。"))
    await eventually(lambda: shows(portal, f"/items/{item_id}", "调整走向"))
    restored = (await page_of(portal, f"/items/{item_id}")).text
    assert "本信息已撤回" not in restored and "第 1 版" in restored and "已于" in restored


async def test_nothing_is_lost_while_the_portal_is_down(portal_settings):
    item_id = new_id()
    async with serve(create_app(portal_settings)) as url:
        assert (await page_of(url, "/ready")).json() == {"status": "ready"}
    await send(portal_settings, publication(item_id, title="停机期间发布的公告"))
    async with serve(create_app(portal_settings)) as url:
        await eventually(lambda: shows(url, f"/items/{item_id}", "停机期间发布的公告"))


async def test_a_public_event_not_sent_by_publishing_or_breaking_the_contract_is_parked_not_shown(
        portal_settings, portal):
    forged, broken = new_id(), new_id()
    await send(portal_settings, publication(forged, title="伪造的公告"), account=None, user_id=None)
    await send(portal_settings, publication(broken).model_copy(update={"data": {"item_id": broken, "channel": "portal",
                                                                                "category": "S07",
                                                                                "action": "published"}}))
    _, _, parking = queue_names(portal_settings.namespace, PortalSettings().queue)
    connection = await aio_pika.connect(portal_settings.amqp_url)
    async with connection:
        queue = await (await connection.channel()).get_queue(parking, ensure=False)
        parked = {parse((await get_eventually(queue)).body).subject for _ in range(2)}
    assert parked == {forged, broken}
    for item_id in (forged, broken):
        assert (await page_of(portal, f"/items/{item_id}")).status_code == 404


async def test_the_portal_reads_its_own_schema_only_as_its_runtime_role(portal_settings: Settings):
    connection = await asyncpg.connect(portal_settings.database_url_for("portal").replace("+asyncpg", ""))
    try:
        assert await connection.fetchval("select current_user") == portal_settings.database_role("portal")
        assert await connection.fetchval("select count(*) from portal.items") == 0
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("create table portal.mine (id int)")
    finally:
        await connection.close()


async def stored_texts(settings: Settings, item_id: str) -> tuple[str | None, str | None, str]:
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        row = await connection.fetchrow("select body, summary, search_text from portal.items where item_id = $1",
                                        item_id)
    finally:
        await connection.close()
    return row["body"], row["summary"], row["search_text"]
