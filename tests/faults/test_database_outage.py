"""PostgreSQL unavailable under a burst: nothing lost, nothing parked, nothing done twice.

The four services run as processes and reach the database through a TCP proxy; mid-burst the proxy cuts
every connection and refuses new ones for ``GONGKAI_OUTAGE_SECONDS`` (30 by default) — what the services
see when PostgreSQL is stopped. A transient failure must not spend the messages' delivery attempts (the
delivery limit is for poison messages): the consumers pause, say so on ``/ready``, and resume.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections import defaultdict
from urllib.parse import urlsplit, urlunsplit

import aio_pika
import asyncpg
import httpx
from faults.faults_helpers import Figures, report
from gongkai.shared.testing import Tap
from gongkai.shared.topology import Topology
from gongkai_system import AutoReviewer, System, submit_commands
from tcp_proxy import TcpProxy

ITEMS = int(os.environ.get("GONGKAI_OUTAGE_ITEMS", "120"))
OUTAGE_SECONDS = float(os.environ.get("GONGKAI_OUTAGE_SECONDS", "30"))
NOTICE = {"body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host))


async def test_a_database_outage_under_a_burst_loses_and_parks_nothing(settings, tmp_path):
    started = time.monotonic()
    target = urlsplit(settings.database_url.replace("+asyncpg", ""))
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 5432) as proxy:
        proxied = settings.model_copy(update={"database_url": through(settings.database_url, proxy.port)})
        system = System(proxied, tmp_path)
        system.migrate()
        try:
            system.start()
            items = [{**NOTICE, "title": f"关于调整城区公交线路的公告（第{n}号）"} for n in range(ITEMS)]
            async with Tap(settings, "public") as public, AutoReviewer(settings):
                sent = await submit_commands(settings, items)
                await _until(lambda: len(public.messages) >= 10, timeout=120)
                proxy.cut()
                paused = await _readiness_during(system, OUTAGE_SECONDS)
                proxy.restore()
                await _until(lambda: len({(k, e.id) for k, e in public.messages}) >= 2 * ITEMS, timeout=300)
                await asyncio.sleep(2.0)  # anything that would come twice comes now
        finally:
            system.stop()

    per_item: dict[str, set[str]] = defaultdict(set)
    events_per_channel: dict[tuple[str, str], set[str]] = defaultdict(set)
    for routing_key, event in public.messages:
        per_item[event.subject].add(routing_key)
        events_per_channel[event.subject, routing_key].add(event.id)
    parked = await _parked(settings)
    counts = await _counts(settings, list(per_item))
    report(Figures(
        test="database outage", items=ITEMS, lost=ITEMS - sum(1 for keys in per_item.values() if len(keys) == 2),
        missing_effects=sum(ITEMS - n for n in counts.values()),
        duplicate_publications=sum(len(ids) - 1 for ids in events_per_channel.values()), duplicate_deadlines=None,
        duplicate_audit=None, unreviewed=None, absorbed=None,
        parked=sum(parked.values()), wire_copies=len(public.messages) - len({(k, e.id) for k, e in public.messages}),
        seconds=round(time.monotonic() - started, 1), notes={"outage_seconds": OUTAGE_SECONDS, **counts}))
    assert len(per_item) == ITEMS and {e.correlationid for _, e in public.messages} == set(sent)
    assert all(len(keys) == 2 for keys in per_item.values())  # portal and media
    # At least once on the wire (a confirmed event whose "sent" mark the outage kept from committing is sent
    # again, with its id), exactly once in effect: one publication event per item and channel.
    assert all(len(ids) == 1 for ids in events_per_channel.values()), "an item was published twice"
    assert parked == {"parking": 0, "audit.parking": 0}
    assert any(problems for problems in paused), "no service reported the outage on /ready"
    assert not system.processes  # every process stopped

    assert counts["proactive-publication"] == ITEMS, "a submission never opened its publication deadline"
    assert counts["review-sla"] == ITEMS, "a case never opened its review clock"
    assert counts["submitted-in-audit"] == ITEMS and counts["published-in-audit"] == ITEMS


async def _until(condition, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.2)


async def _readiness_during(system: System, seconds: float) -> list[dict]:
    """Every service's /ready problems, polled while the database is away."""
    seen: list[dict] = []
    end = time.monotonic() + seconds
    async with httpx.AsyncClient(timeout=3) as client:
        while time.monotonic() < end:
            for name in system.ports:
                try:
                    answer = await client.get(f"{system.url(name)}/ready")
                    if answer.status_code == 503:
                        seen.append(answer.json().get("problems", {}))
                except httpx.HTTPError:
                    pass
            await asyncio.sleep(1.0)
    return seen


async def _parked(settings) -> dict[str, int]:
    topology = Topology(settings.namespace)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        channel = await connection.channel()
        counts = {}
        for name in ("parking", "audit.parking"):
            queue = await channel.declare_queue(topology.queue(name), passive=True)
            counts[name] = queue.declaration_result.message_count
        return counts


async def _counts(settings, item_ids: list[str]) -> dict[str, int]:
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        rules = dict(await connection.fetch(
            "select rule, count(distinct item_id) from notification.deadlines where item_id = any($1) group by rule",
            item_ids))
        audit = dict(await connection.fetch(
            "select type, count(distinct subject) from audit.events where subject = any($1) group by type", item_ids))
    finally:
        await connection.close()
    return {"proactive-publication": rules.get("proactive-publication", 0), "review-sla": rules.get("review-sla", 0),
            "submitted-in-audit": audit.get("gongkai.disclosure.submitted.v1", 0),
            "published-in-audit": audit.get("gongkai.disclosure.published.v1", 0)}
