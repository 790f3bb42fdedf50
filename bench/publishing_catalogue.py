"""The public read side under 10,000 published items: catalogue pages, search and feeds.

Fills a scratch database (created beside DATABASE_URL's and dropped afterwards) with 10,000 published
items of realistic Chinese text, then times each kind of request through the HTTP app and prints p50/p99.
Target: under 50 ms per page. Run: ``.venv/bin/python bench/publishing_catalogue.py [items]``.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx
from gongkai.publishing import domain, search
from gongkai.publishing.app import create_app
from gongkai.publishing.tables import items, search_index, versions
from gongkai.shared.contracts import Audience, Channel
from gongkai.shared.db import create_engine
from gongkai.shared.migrations import upgrade
from gongkai.shared.roles import roles_of
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, drop_database
from sqlalchemy import insert, text

ITEMS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
ROUNDS = 200
UNITS = ["办公室", "运输管理科", "路政管理科", "安全监督科", "财务科"]
TOPICS = ["公交线路", "出租汽车", "道路客运", "货运车辆", "驾驶员培训", "城市轨道", "公路养护", "交通安全",
          "行政许可", "行政处罚", "收费标准", "应急预案", "工作计划", "年度报告", "网约车", "停车设施"]
PHRASES = ["根据有关规定", "现将有关事项公告如下", "请相关单位认真贯彻执行", "自发布之日起施行",
           "进一步规范管理", "保障人民群众出行安全", "按照工作部署", "经研究决定", "欢迎社会各界监督",
           "如有疑问请咨询", "加强事中事后监管", "优化营商环境", "提升服务质量", "落实安全生产责任"]


def text_of(rng: random.Random, topic: str, n: int) -> str:
    return "，".join(rng.choice(PHRASES) if rng.random() < 0.8 else topic for _ in range(n)) + "。"


def rows(rng: random.Random, n: int) -> tuple[list[dict], list[dict], list[dict]]:
    start = datetime(2024, 1, 1, tzinfo=UTC)
    item_rows: list[dict] = []
    version_rows: list[dict] = []
    search_rows: list[dict] = []
    for i in range(n):
        topic = rng.choice(TOPICS)
        category = f"S{rng.randint(1, 10):02}"
        unit = rng.choice(UNITS)
        at = start + timedelta(minutes=i * 150 + rng.randint(0, 100))
        title = f"关于{topic}{rng.choice(['调整', '管理', '实施', '公示', '通知'])}的公告（第{i}号）"
        body = text_of(rng, topic, 40)
        content = domain.Content(title, body, None, category, Audience.public, (Channel.portal,))
        item_id = str(uuid.uuid4())
        withdrawn = rng.random() < 0.02
        whole = f"{title}\n{body}"
        item_rows.append({
            "item_id": item_id, "category": category, "audience": "public", "unit": unit, "created_by": "li.na",
            "created_at": at, "current_version": 1, "public_version": 1, "first_published_at": at, "changed_at": at,
            "withdrawn_at": at if withdrawn else None, "withdrawal_reason": "已废止" if withdrawn else None,
            "withdrawn_by": "sun.qiang" if withdrawn else None})
        search_rows.append({"item_id": item_id, "title": search.normalise(title), "text": search.normalise(whole),
                            "terms": search.terms(whole)})
        version_rows.append({
            "item_id": item_id, "version": 1, "title": title, "body": body, "category": category,
            "audience": "public", "channels": ["portal"], "attachments": [], "unit": unit, "created_by": "li.na",
            "created_at": at, "submitted_by": "li.na", "submitted_at": at, "content_hash": content.hash,
            "state": "withdrawn" if withdrawn else "published", "decided_at": at, "published_at": at,
            "action": "published"})
    return item_rows, version_rows, search_rows


async def timed(client: httpx.AsyncClient, path: str, rounds: int = ROUNDS) -> tuple[list[float], int]:
    samples = []
    response = None
    for _ in range(rounds):
        t0 = time.perf_counter()
        response = await client.get(path)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code, response.text[:300])
    assert response is not None
    return samples, len(response.content)


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main() -> None:
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    server = urlunsplit(urlsplit(server.replace("+asyncpg", ""))._replace(path="/postgres"))
    database_url = await create_database(server)
    try:
        settings = Settings(database_url=database_url, namespace="benchcatalogue")
        await asyncio.to_thread(upgrade, "publishing", settings.database_url, roles=roles_of(settings, "publishing"))
        app = create_app(settings)
        handlers = app.state  # its service: sessions and engine
        item_rows, version_rows, search_rows = rows(random.Random(7), ITEMS)
        t0 = time.perf_counter()
        async with handlers.service.sessions() as session, session.begin():
            for i in range(0, ITEMS, 1000):
                await session.execute(insert(items), item_rows[i:i + 1000])
                await session.execute(insert(versions), version_rows[i:i + 1000])
                await session.execute(insert(search_index), search_rows[i:i + 1000])
        admin = create_engine(settings.database_url)  # VACUUM is the owner's: the service's role may not
        async with admin.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            for table in ("items", "versions", "search_index"):
                await connection.execute(text(f"vacuum analyze publishing.{table}"))
        await admin.dispose()
        print(f"filled {ITEMS:,} published items in {time.perf_counter() - t0:.1f} s")

        # The routes need only the database: no broker is started for the read side.
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            probe = version_rows[ITEMS // 2]["item_id"]
            cases = [
                ("catalogue, first page (20)", "/public/items"),
                ("catalogue, page 250 (offset 4,980)", "/public/items?page=250"),
                ("catalogue, one category", "/public/items?category=S05"),
                ("catalogue, category + unit + year", "/public/items?category=S05&unit=办公室&year=2025"),
                ("search, common 2 characters (公交)", "/public/search?q=公交"),
                ("search, rare phrase", "/public/search?q=第4321号"),
                ("search, 2 words", "/public/search?q=出租汽车 调整"),
                ("item page", f"/public/items/{probe}"),
                ("feed, Atom (50 entries)", "/public/feeds/S07.atom"),
                ("feed, JSON Feed (50 entries)", "/public/feeds/S07.json"),
            ]
            print(f"{'request':<40} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>8}")
            worst = 0.0
            for label, path in cases:
                await timed(client, path, 5)  # warm up
                samples, size = await timed(client, path)
                worst = max(worst, pct(samples, 50))
                print(f"{label:<40} {statistics.median(samples):8.1f} {pct(samples, 99):8.1f} {size:8,}")
            first = await client.get("/public/items")
            samples = []
            for _ in range(ROUNDS):
                t0 = time.perf_counter()
                response = await client.get("/public/items", headers={"If-None-Match": first.headers["etag"]})
                samples.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 304
            print(f"{'catalogue poll answered 304':<40} {statistics.median(samples):8.1f} {pct(samples, 99):8.1f}"
                  f" {0:8,}")
            print(f"target: p50 under 50 ms per page — {'met' if worst < 50 else 'NOT met'} (worst p50 {worst:.1f} ms)")
        await handlers.service.engine.dispose()
    finally:
        await drop_database(server, database_url)


if __name__ == "__main__":
    asyncio.run(main())
