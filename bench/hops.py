"""Where an item's latency goes: the time between the steps of its way to the public, read from the audit log.

Every step of an item is an event or command whose envelope carries the time its sender made it (``time``), and
audit records them all with the item's correlation id. The gap between two steps is what the next hop took: the
relay's send, the broker, the consumer's wait for its batch and the handling up to the moment it made its event.
"""

from __future__ import annotations

import asyncio
import itertools
import statistics
from collections.abc import Iterable

import asyncpg
from gongkai.shared import contracts as c

# An item's way from the clerk's submission to the public, as the benchmark's reviewer approves it.
STEPS = (
    ("submit command", c.SUBMIT_DISCLOSURE),
    ("publishing: submitted", c.DISCLOSURE_SUBMITTED),
    ("review: case opened", c.REVIEW_CASE_OPENED),
    ("reviewer: decide command", c.DECIDE_REVIEW),
    ("review: approved", c.REVIEW_APPROVED),
    ("publishing: published", c.PUBLIC_DISCLOSURE_PUBLISHED),
)


async def hop_latencies(database_url: str, correlation_ids: Iterable[str], timeout: float = 60.0
                        ) -> dict[str, list[float]]:
    """Milliseconds of each hop (``"a → b"``) for the items audit has recorded every step of, each list sorted."""
    wanted = list(correlation_ids)
    types = [type for _, type in STEPS]
    connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
    try:
        async with asyncio.timeout(timeout):
            while True:  # audit records a moment after the public event: wait until it has every step
                rows = await connection.fetch(
                    "select correlation_id, type, min(event_time) as at from audit.events "
                    "where correlation_id = any($1) and type = any($2) group by correlation_id, type",
                    wanted, types)
                if len(rows) >= len(wanted) * len(types):
                    break
                await asyncio.sleep(0.5)
    except TimeoutError:
        pass
    finally:
        await connection.close()
    times: dict[str, dict[str, float]] = {}
    for row in rows:
        times.setdefault(row["correlation_id"], {})[row["type"]] = row["at"].timestamp()
    hops: dict[str, list[float]] = {}
    for (before, earlier), (after, later) in itertools.pairwise(STEPS):
        hops[f"{before} → {after}"] = sorted(
            1000 * (steps[later] - steps[earlier]) for steps in times.values() if earlier in steps and later in steps)
    return hops


def summary(hops: dict[str, list[float]]) -> list[str]:
    width = max(map(len, hops), default=0)
    lines = []
    for hop, latencies in hops.items():
        if latencies:
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
            lines.append(f"  {hop:<{width}} p50 {statistics.median(latencies):6,.0f} ms, p99 {p99:6,.0f} ms")
    return lines
