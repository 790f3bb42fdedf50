"""The portal's store deleted and rebuilt from publishing's public read side shows the same items as before,
tombstones included: the events and the HTTP read side are one public contract.

Publishing runs for real (its items approved by signed review decisions); the portal fills its store from the
public events; then the store is dropped with its schema, migrated again, and ``gongkai portal rebuild --from
URL`` refills it from ``GET /public/items``.
"""

from __future__ import annotations

import asyncio
import os
import sys

import asyncpg
import httpx
from gongkai.portal.app import create_app as portal_app
from gongkai.publishing.app import create_app as publishing_app
from gongkai.shared import contracts as c
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, environment, migrate, publish, running
from portal_helpers import eventually, serve
from review_decisions import review_event

SUBMITTER = bearer("dev-submitter-token")
NOTICES = [
    {"title": "关于调整城区公交线路的公告", "body": "自12月1日起，3路公交车调整走向。", "summary": "3路改线",
     "category": "S07"},
    {"title": "2026年公路养护工程计划", "body": "全年养护国省干线86公里。", "category": "S03"},
    {"title": "道路运输从业人员名单", "body": "名单附有误登的个人电话。", "category": "S07"},
]


async def approve(settings: Settings, events: Tap, item_id: str, version: int) -> None:
    submitted = await events.wait_for(c.DISCLOSURE_SUBMITTED, lambda e: (e.subject, e.data["version"]) ==
                                      (item_id, version))
    await publish(settings, "events", review_event(c.REVIEW_APPROVED, submitted))
    await events.wait_for(c.DISCLOSURE_PUBLISHED, lambda e: (e.subject, e.data["version"]) == (item_id, version))


async def snapshot(portal, ids: list[str]) -> dict[str, str]:
    """Every page the portal shows about these items."""
    paths = ["/", "/catalogue", "/catalogue?category=S07", "/search?q=公交", "/search?q=人员名单", "/feed.atom",
             "/screen", *(f"/items/{i}" for i in ids)]
    pages = {}
    for path in paths:
        answer = await portal.get(path)
        assert answer.status_code == 200, path
        pages[path] = answer.text
    return pages


async def drop_store(settings: Settings) -> None:
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        await connection.execute("drop schema portal cascade")
    finally:
        await connection.close()


async def test_the_store_deleted_and_rebuilt_from_the_public_read_side_shows_the_same_items(settings, tmp_path):
    await migrate(settings, ("publishing", "portal"))
    async with serve(publishing_app(settings)) as publishing_url, Tap(settings, "events") as events, \
            Tap(settings, "public") as public:
        async with httpx.AsyncClient(base_url=publishing_url) as publishing:
            ids = []
            async with running(portal_app(settings)) as portal:
                for notice in NOTICES:
                    created = await publishing.post("/items", json=notice, headers=SUBMITTER)
                    assert created.status_code == 201, created.text
                    ids.append(created.json()["item_id"])
                    await approve(settings, events, ids[-1], 1)
                edited = await publishing.post(f"/items/{ids[0]}/versions", headers=SUBMITTER, json={
                    **NOTICES[0], "body": "自12月1日起，3路公交车调整走向，途经人民路。", "submit": True})
                assert edited.status_code == 201, edited.text
                await approve(settings, events, ids[0], 2)
                gone = await publishing.post(f"/items/{ids[2]}/withdraw", json={"reason": "含有个人信息"},
                                             headers=SUBMITTER)
                assert gone.status_code == 200, gone.text
                await public.wait_for(c.PUBLIC_DISCLOSURE_WITHDRAWN)

                async def settled() -> bool:
                    item, tombstone = (await portal.get(f"/items/{ids[0]}")).text, \
                        (await portal.get(f"/items/{ids[2]}")).text
                    return "途经人民路" in item and "本信息已撤回" in tombstone and "共 3 条" in \
                        (await portal.get("/catalogue")).text

                await eventually(settled)
                await asyncio.sleep(0.5)  # the second channel's copies of the last events
                before = await snapshot(portal, ids)
            assert "名单附有" not in "".join(before.values())

            await drop_store(settings)
            await migrate(settings, ("portal",))
            async with running(portal_app(settings)) as portal:
                assert "暂无公开信息" in (await portal.get("/")).text  # the store is empty
                rebuilt = await asyncio.create_subprocess_exec(
                    sys.executable, "-m", "gongkai.cli.main", "portal", "rebuild", "--from", publishing_url,
                    env={**os.environ, **environment(settings)}, stderr=asyncio.subprocess.PIPE)
                _, err = await rebuilt.communicate()
                assert rebuilt.returncode == 0, err.decode()[-2000:]
                assert "3 items (1 withdrawn)" in err.decode()
                after = await snapshot(portal, ids)

    for path in before:
        assert after[path] == before[path], path
