"""The public read side: catalogue pages, item pages, Chinese search, feeds and cheap polling."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from gongkai.publishing.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running
from review_decisions import review_event

SUBMITTER, OTHER_UNIT = bearer("dev-submitter-token"), bearer("dev-submitter2-token")
NOTICES = [
    ({"title": "关于调整城区公交线路的公告", "body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07",
      "summary": "3路公交改线"}, SUBMITTER),
    ({"title": "出租汽车运价调整听证会", "body": "听证会定于12月10日举行。", "category": "S07"}, OTHER_UNIT),
    ({"title": "道路运输行政许可事项目录", "body": "许可事项如下：道路客运经营许可。", "category": "S05"}, SUBMITTER),
]


@pytest.fixture
async def published(settings: Settings):
    """Three published items (two in S07, one from another unit) and one internal item."""
    await migrate(settings, ("publishing",))
    async with running(create_app(settings)) as client, Tap(settings, "events") as events:
        ids = []
        for item, who in [*NOTICES, ({"title": "年度目标公交", "body": "内部", "category": "N01",
                                      "audience": "internal"}, SUBMITTER)]:
            item_id = (await client.post("/items", json=item, headers=who)).json()["item_id"]
            submitted = await events.wait_for(c.DISCLOSURE_SUBMITTED, lambda e, i=item_id: e.subject == i)
            await publish(settings, "events", review_event(c.REVIEW_APPROVED, submitted))
            await events.wait_for(c.DISCLOSURE_PUBLISHED, lambda e, i=item_id: e.subject == i)
            ids.append(item_id)
        yield client, ids


async def test_the_catalogue_lists_public_items_by_category_and_unit_with_paging(published):
    client, ids = published
    everything = (await client.get("/public/items")).json()
    assert everything["total"] == 3 and ids[3] not in [i["item_id"] for i in everything["items"]]
    s07 = (await client.get("/public/items", params={"category": "S07", "per_page": 1, "page": 2})).json()
    assert s07["total"] == 2 and [i["item_id"] for i in s07["items"]] == [ids[0]]
    unit = (await client.get("/public/items", params={"unit": "运输管理科"})).json()
    assert [i["item_id"] for i in unit["items"]] == [ids[1]]
    year = datetime.now(ZoneInfo("Asia/Shanghai")).year  # the agency's calendar year of first publication
    assert (await client.get("/public/items", params={"year": year})).json()["total"] == 3
    assert (await client.get("/public/items", params={"year": year - 1})).json()["total"] == 0
    assert (await client.get("/public/items", params={"category": "N01"})).status_code == 404
    categories = (await client.get("/public/catalogue")).json()["categories"]
    assert [c["code"] for c in categories] == [f"S{n:02}" for n in range(1, 11)]
    assert next(c for c in categories if c["code"] == "S07")["items"] == 2


async def test_search_finds_chinese_words_without_spaces_and_never_internal_items(published):
    client, ids = published

    async def hits(q, **params):
        return [i["item_id"] for i in (await client.get("/public/search", params={"q": q, **params})).json()["items"]]

    assert await hits("公交") == [ids[0]]
    assert await hits("听证") == [ids[1]]
    assert set(await hits("调整")) == {ids[0], ids[1]}
    assert await hits("调整", category="S05") == []
    assert await hits("许可 客运") == [ids[2]]
    assert await hits("公交车调整走向") == [ids[0]]
    assert await hits("公车") == []  # both characters occur, but never side by side
    assert await hits("年度目标") == []
    assert await hits("道路運輸") == [ids[2]]  # traditional characters find the simplified text
    assert await hits("聽證會") == [ids[1]]
    assert await hits("ＳＴ０７") == []  # full width folds too; nothing says S07


async def test_an_item_page_and_the_feeds_show_public_fields_only(published):
    client, ids = published
    page = (await client.get(f"/public/items/{ids[0]}")).json()
    assert page["title"] == NOTICES[0][0]["title"] and page["summary"] == "3路公交改线" and page["withdrawn"] is None
    assert [h["action"] for h in page["history"]] == ["published"] and "contact" not in page
    assert (await client.get(f"/public/items/{ids[3]}")).status_code == 404
    listed = (await client.get("/public/items")).json()["items"]
    stamps = [page["published_at"], page["first_published_at"], page["history"][0]["published_at"],
              *(entry[key] for entry in listed for key in ("published_at", "first_published_at"))]
    iso_8601 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
    assert stamps and all(iso_8601.match(stamp) for stamp in stamps), stamps

    feed = (await client.get("/public/feeds/S07.json")).json()
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert {i["title"] for i in feed["items"]} == {NOTICES[0][0]["title"], NOTICES[1][0]["title"]}
    atom = await client.get("/public/feeds/S07.atom")
    assert atom.headers["content-type"].startswith("application/atom+xml")
    titles = [t.text for t in ET.fromstring(atom.content).iter("{http://www.w3.org/2005/Atom}title")]
    assert NOTICES[0][0]["title"] in titles and len(titles) == 3
    assert (await client.get("/public/feeds/N01.json")).status_code == 404


@pytest.mark.parametrize("path", ["/public/items", "/public/items?category=S07", "/public/feeds/S07.json",
                                  "/public/feeds/S07.atom", "/public/search?q=公交", "ITEM"])
async def test_an_unchanged_answer_is_a_304_by_etag_and_by_date(published, path):
    client, ids = published
    path = f"/public/items/{ids[0]}" if path == "ITEM" else path
    first = await client.get(path)
    assert first.status_code == 200 and first.headers["etag"] and first.headers["last-modified"]
    by_tag = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    by_date = await client.get(path, headers={"If-Modified-Since": first.headers["last-modified"]})
    assert by_tag.status_code == by_date.status_code == 304 and by_tag.content == b""
    stale = await client.get(path, headers={"If-None-Match": '"something-else"'})
    assert stale.status_code == 200


async def test_a_withdrawal_changes_the_etag_and_the_item_says_it_was_withdrawn(published):
    client, ids = published
    before = await client.get("/public/items", params={"category": "S07"})
    gone = await client.post(f"/items/{ids[0]}/withdraw", json={"reason": "线路调整取消"}, headers=SUBMITTER)
    assert gone.status_code == 200
    after = await client.get("/public/items", params={"category": "S07"},
                             headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    listed = next(i for i in after.json()["items"] if i["item_id"] == ids[0])
    assert listed["withdrawn"]["reason"] == "线路调整取消"
    feed = (await client.get("/public/feeds/S07.json")).json()
    assert any(i["title"].startswith("【已撤回】") for i in feed["items"])
