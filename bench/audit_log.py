"""Benchmark: audit appends per second, and proof times at 1,000,000 entries.

    .venv/bin/python bench/audit_log.py [--appends 20000] [--entries 1000000] [--proofs 200]

Creates a database of its own and migrates audit, then
  - appends N records through the service's batching appender (many waiting at once, as a busy
    consumer would): each batch takes the append lock, assigns seq, writes the entries, their tree
    nodes and facts in one transaction. Prints appends per second.
  - builds a log of M entries in bulk (COPY of the entries and of every complete subtree, computed in
    memory), signs a checkpoint, and times inclusion proofs for random entries and consistency proofs
    between random sizes, each verified. Prints the median and 99th percentile in milliseconds.
Needs DATABASE_URL (a server where it may create a database).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import statistics
import time
from datetime import UTC, datetime

import asyncpg
from gongkai.audit import merkle
from gongkai.audit.app import build
from gongkai.audit.config import AuditConfig
from gongkai.audit.record import from_message
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.migrations import upgrade
from gongkai.shared.roles import roles_of
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, drop_database


def message(n: int):
    envelope = new_event(c.DEADLINE_OPENED, {"item_id": f"item-{n}", "unit": "办公室"}, source="/gongkai/notification",
                         actor="service:notification", subject=f"item-{n}")
    return from_message(envelope.to_bytes(), exchange="bench.events", routing_key=envelope.routing_key,
                        message_id=envelope.id, headers={}, dead_lettered=False)


async def appends(settings: Settings, config: AuditConfig, count: int) -> float:
    service, audit = build(settings, config)
    records = [message(n) for n in range(count)]
    try:
        started = time.perf_counter()
        await asyncio.gather(*(audit.record(r) for r in records))
        return count / (time.perf_counter() - started)
    finally:
        await audit.close()
        await service.engine.dispose()


async def bulk_log(url: str, count: int) -> None:
    """``count`` entries and their complete subtrees, copied in (no triggers fire on INSERT)."""
    connection = await asyncpg.connect(url)
    try:
        frontier, nodes, entries = merkle.Frontier(), [], []
        now = datetime.now(UTC)
        for n in range(count):
            body = b'{"bench":%d}' % n
            entries.append((n + 1, f"bench:{n}", "bench.events", "bench.v1", False, now, False, body))
            nodes += frontier.append(merkle.leaf_hash(body))
        await connection.copy_records_to_table(
            "events", schema_name="audit", records=entries,
            columns=["seq", "record_key", "exchange", "routing_key", "dead_lettered", "received_at", "valid", "body"])
        await connection.copy_records_to_table("tree_nodes", schema_name="audit", records=nodes,
                                               columns=["level", "index", "hash"])
        await connection.execute("analyze audit.events; analyze audit.tree_nodes")
    finally:
        await connection.close()


def timing(samples: list[float]) -> str:
    ordered = sorted(samples)
    return (f"median {statistics.median(ordered) * 1000:.2f} ms, "
            f"p99 {ordered[int(len(ordered) * 0.99) - 1] * 1000:.2f} ms")


async def proofs(settings: Settings, config: AuditConfig, size: int, count: int) -> tuple[str, str]:
    service, audit = build(settings, config)
    rng = random.Random(1)
    try:
        checkpoint = await audit.checkpoint()
        assert checkpoint is not None and checkpoint["size"] == size
        root = merkle.EMPTY_ROOT
        inclusion, consistency = [], []
        for _ in range(count):
            seq = rng.randrange(1, size + 1)
            started = time.perf_counter()
            answer = await audit.inclusion(seq, size)
            inclusion.append(time.perf_counter() - started)
            root = base64.b64decode(answer["root"])
            merkle.verify_inclusion(seq - 1, size, base64.b64decode(answer["leaf_hash"]),
                                    [base64.b64decode(p) for p in answer["proof"]], root)
        for _ in range(count):
            old = rng.randrange(1, size)
            started = time.perf_counter()
            answer = await audit.consistency(old, size)
            consistency.append(time.perf_counter() - started)
            proof = [base64.b64decode(p) for p in answer["proof"]]
            merkle.verify_consistency(old, size, base64.b64decode(answer["from_root"]),
                                      base64.b64decode(answer["to_root"]), proof)
            assert base64.b64decode(answer["to_root"]) == root
        return timing(inclusion), timing(consistency)
    finally:
        await service.engine.dispose()


async def main(append_count: int, entries: int, proof_count: int) -> None:
    base = Settings()
    server = base.database_url.replace("+asyncpg", "").rsplit("/", 1)[0] + "/postgres"
    config = AuditConfig()
    for_appends, for_proofs = await create_database(server), await create_database(server)
    try:
        settings = Settings(database_url=for_appends)
        await asyncio.to_thread(upgrade, "audit", settings.database_url, roles=roles_of(settings, "audit"))
        rate = await appends(settings, config, append_count)
        print(f"audit appends: {rate:,.0f} per second ({append_count:,} records, batched, one writer lock per batch)")

        settings = Settings(database_url=for_proofs)
        await asyncio.to_thread(upgrade, "audit", settings.database_url, roles=roles_of(settings, "audit"))
        started = time.perf_counter()
        await bulk_log(for_proofs, entries)
        print(f"built a log of {entries:,} entries in bulk in {time.perf_counter() - started:.1f} s")
        inclusion, consistency = await proofs(settings, config, entries, proof_count)
        print(f"inclusion proof at {entries:,} entries: {inclusion} ({proof_count} random entries, verified)")
        print(f"consistency proof to {entries:,} entries: {consistency} ({proof_count} random sizes, verified)")
    finally:
        await drop_database(server, for_appends)
        await drop_database(server, for_proofs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--appends", type=int, default=20_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    parser.add_argument("--proofs", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.appends, args.entries, args.proofs))
