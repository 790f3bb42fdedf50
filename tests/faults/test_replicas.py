"""Two replicas of every service, competing consumers of the same queues: every item once, no effect twice."""

from __future__ import annotations

import asyncio
import os
from collections import defaultdict

import asyncpg
import httpx
from gongkai.shared.testing import Tap
from gongkai_system import SERVICES, AutoReviewer, System, submit_commands
from prometheus_client.parser import text_string_to_metric_families

ITEMS = int(os.environ.get("GONGKAI_REPLICA_ITEMS", "120"))
NOTICE = {"body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}


async def test_two_replicas_of_each_service_publish_every_item_once_and_open_each_deadline_once(settings, tmp_path):
    system = System(settings, tmp_path, replicas=2)
    system.migrate()
    try:
        system.start()
        assert len(system.processes) == 2 * len(SERVICES)
        items = [{**NOTICE, "title": f"关于调整城区公交线路的公告（第{n}号）"} for n in range(ITEMS)]
        async with Tap(settings, "public") as public, AutoReviewer(settings):
            sent = await submit_commands(settings, items)
            async with asyncio.timeout(300):
                while len({(k, e.id) for k, e in public.messages}) < 2 * ITEMS:
                    await asyncio.sleep(0.2)
            await asyncio.sleep(2.0)
        handled = {name: await handled_by(system.url(name)) for name in system.processes}
    finally:
        system.stop()

    events_per_channel: dict[tuple[str, str], set[str]] = defaultdict(set)
    for routing_key, event in public.messages:
        events_per_channel[event.subject, routing_key].add(event.id)
    assert {e.correlationid for _, e in public.messages} == set(sent)
    assert len(events_per_channel) == 2 * ITEMS
    assert all(len(ids) == 1 for ids in events_per_channel.values()), "an item was published twice"
    # Disclosure items' deadlines and decisions carry words requests and participation do not bind: they get none.
    assert {name: n for name, n in handled.items() if name.startswith(("requests", "participation"))} == {
        "requests": 0, "requests-2": 0, "participation": 0, "participation-2": 0}, handled
    busy = {name: n for name, n in handled.items() if not name.startswith(("requests", "participation"))}
    assert all(busy.values()), f"a replica took no deliveries: {handled}"  # both competed for each queue

    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        twice = await connection.fetch("select item_id, rule, count(*) from notification.deadlines "
                                       "group by item_id, rule, version having count(*) > 1")
        cases = await connection.fetchval("select count(*) from review.cases")
        audit_twice = await connection.fetchval(
            "select count(*) from (select record_key from audit.events group by record_key having count(*) > 1) d")
        published = await connection.fetchval(
            "select count(*) from audit.events where type = 'gongkai.disclosure.published.v1'")
    finally:
        await connection.close()
    assert twice == [], "a deadline was opened twice"
    assert cases == ITEMS, "a submission opened two cases (or none)"
    assert audit_twice == 0 and published == ITEMS


async def handled_by(url: str) -> float:
    """Deliveries a process handled, from its /metrics."""
    async with httpx.AsyncClient(timeout=10) as client:
        text = (await client.get(f"{url}/metrics")).text
    return sum(sample.value for family in text_string_to_metric_families(text) for sample in family.samples
               if sample.name == "gongkai_messages_total" and sample.labels.get("outcome") == "done")
