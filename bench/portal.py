"""The public portal's pages over a store of 10,000 items: a catalogue page of 50 items, beside a baseline.

Fills a scratch database (created beside DATABASE_URL's and dropped afterwards) with 10,000 items merged the
way public events are (``domain.apply``; 2% withdrawn, 10% with a second version), migrated and read as the
portal's own roles, then times each page through the HTTP app and prints p50/p99 over N requests, beside a
baseline measured in the same run: the portal's stylesheet, a static file served by the same app (the cost of
the HTTP stack with no template and no query). Target: a 50-item catalogue page under 200 ms.
Run: ``.venv/bin/python bench/portal.py [items] [requests]``.
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
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
from gongkai.portal import domain, repository
from gongkai.portal.app import create_app
from gongkai.portal.tables import items, versions
from gongkai.shared.db import create_engine
from gongkai.shared.migrations import upgrade
from gongkai.shared.roles import roles_of
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, drop_database
from sqlalchemy import insert, text

ITEMS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 200
CATEGORIES = {"S01": "机构职能", "S02": "政策文件", "S03": "规划计划", "S04": "行政许可", "S05": "行政处罚",
              "S06": "财政资金", "S07": "公共交通", "S08": "道路运输", "S09": "安全生产", "S10": "工作报告"}
TOPICS = ["公交线路", "出租汽车", "道路客运", "货运车辆", "驾驶员培训", "城市轨道", "公路养护", "交通安全",
          "行政许可", "行政处罚", "收费标准", "应急预案", "工作计划", "年度报告", "网约车", "停车设施"]
PHRASES = ["根据有关规定", "现将有关事项公告如下", "请相关单位认真贯彻执行", "自发布之日起施行",
           "进一步规范管理", "保障人民群众出行安全", "按照工作部署", "经研究决定", "欢迎社会各界监督",
           "如有疑问请咨询", "加强事中事后监管", "优化营商环境", "提升服务质量", "落实安全生产责任"]


def text_of(rng: random.Random, topic: str, n: int) -> str:
    return "，".join(rng.choice(PHRASES) if rng.random() < 0.8 else topic for _ in range(n)) + "。"


def facts(rng: random.Random, i: int) -> list[domain.Fact]:
    topic = rng.choice(TOPICS)
    code = f"S{rng.randint(1, 10):02}"
    at = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i * 150 + rng.randint(0, 100))
    item_id = str(uuid.uuid4())
    title = f"关于{topic}{rng.choice(['调整', '管理', '实施', '公示', '通知'])}的公告（第{i}号）"

    def version(n: int, when: datetime) -> domain.Publication:
        content = domain.Content(body=text_of(rng, topic, 40), summary=text_of(rng, topic, 3),
                                 content_hash=f"sha256:{uuid.uuid4().hex}{uuid.uuid4().hex}")
        return domain.Publication(item_id=item_id, version=n, title=title, category=code,
                                  category_name=CATEGORIES[code], action="published" if n == 1 else "updated",
                                  published_at=when, channels=frozenset({"portal", "media"}), content=content)

    out: list[domain.Fact] = [version(1, at)]
    if rng.random() < 0.10:
        out.append(version(2, at + timedelta(days=3)))
    if rng.random() < 0.02:
        out.append(domain.Withdrawal(item_id=item_id, version=len(out), title=title, category=code,
                                     category_name=CATEGORIES[code], reason="已废止",
                                     withdrawn_at=at + timedelta(days=5)))
    return out


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


async def fill(settings: Settings, app) -> str:
    rng = random.Random(7)
    merged = []
    for i in range(ITEMS):
        item = None
        for fact in facts(rng, i):
            item = domain.apply(item, fact)
        merged.append(item)
    item_rows, history_rows = [], []
    for item in merged:
        row, history = repository.rows(item)
        item_rows.append(row)
        history_rows.extend(history)
    async with app.state.portal.sessions() as session, session.begin():
        for i in range(0, len(item_rows), 1000):
            await session.execute(insert(items), item_rows[i:i + 1000])
        for i in range(0, len(history_rows), 1000):
            await session.execute(insert(versions), history_rows[i:i + 1000])
    admin = create_engine(settings.database_url)  # VACUUM is the owner's: the portal's role may not
    async with admin.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        for table in ("items", "versions"):
            await connection.execute(text(f"vacuum analyze portal.{table}"))
    await admin.dispose()
    return next(item.item_id for item in merged[ITEMS // 2:] if len(item.history) > 1)


async def main() -> None:
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    server = urlunsplit(urlsplit(server.replace("+asyncpg", ""))._replace(path="/postgres"))
    database_url = await create_database(server)
    try:
        settings = Settings(database_url=database_url, namespace="benchportal")
        await asyncio.to_thread(upgrade, "portal", settings.database_url, roles=roles_of(settings, "portal"))
        app = create_app(settings)
        t0 = time.perf_counter()
        probe = await fill(settings, app)
        print(f"filled {ITEMS:,} items in {time.perf_counter() - t0:.1f} s; {ROUNDS} requests each")

        # The pages need only the store: the queue is not consumed here (the app's lifespan is not run).
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            cases = [
                ("baseline: static stylesheet, same app", "/static/portal.css"),
                ("catalogue page of 50", "/catalogue?per_page=50"),
                ("catalogue page of 50, page 100", "/catalogue?per_page=50&page=100"),
                ("catalogue page of 50, one category", "/catalogue?category=S05&per_page=50"),
                ("catalogue page of 50, category + year", "/catalogue?category=S05&year=2025&per_page=50"),
                ("home (latest 10)", "/"),
                ("search, common 2 characters (公交)", "/search?q=" + quote("公交")),
                ("search, traditional (行政許可)", "/search?q=" + quote("行政許可")),
                ("item page with its history", f"/items/{probe}"),
                ("Atom feed (50 entries)", "/feed.atom"),
                ("e-screen", "/screen"),
            ]
            print(f"{'request':<44} {'p50 ms':>8} {'p99 ms':>8} {'bytes':>8}")
            catalogue = 0.0
            for label, path in cases:
                await timed(client, path, 5)  # warm up
                samples, size = await timed(client, path)
                if label.startswith("catalogue page of 50"):
                    catalogue = max(catalogue, pct(samples, 50))
                print(f"{label:<44} {statistics.median(samples):8.1f} {pct(samples, 99):8.1f} {size:8,}")
            print(f"target: a 50-item catalogue page under 200 ms — {'met' if catalogue < 200 else 'NOT met'} "
                  f"(worst p50 {catalogue:.1f} ms)")
        await app.state.portal.engine.dispose()
    finally:
        await drop_database(server, database_url)


if __name__ == "__main__":
    asyncio.run(main())
