"""An unroutable publish: facts the relay sends to a routing key with no queue bound.

The staff exchange has one queue bound (audit's record); the test unbinds it, then sends a few internal-audience
items among a burst of public ones. Their staff announcements cannot be routed: the broker returns them
(``mandatory``), and publishing's relay must keep each row pending, retry it with backoff and say so in its
outbox health, while everything else goes on. Once the binding is back the rows go out, once each, and audit
records them: nothing lost, nothing twice.
"""

from __future__ import annotations

import aio_pika
import asyncpg
from faults.faults_helpers import INTERNAL, ITEMS, FaultSystem, Observer, notices, until
from gongkai.shared.topology import Topology
from gongkai_system import AutoReviewer, submit_commands

UNROUTABLE = max(2, ITEMS // 10)  # internal items, each announced on the staff exchange (bulletin)


async def held_rows(settings, items: list[str]) -> list[asyncpg.Record]:
    """Publishing's outbox rows for the staff exchange about ``items``, as the relay left them."""
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        return await connection.fetch(
            "select event_id, routing_key, attempts, last_error, sent_at from publishing.outbox "
            "where exchange = 'staff' and convert_from(body, 'UTF8')::jsonb ->> 'subject' = any($1)", items)
    finally:
        await connection.close()


async def test_an_unroutable_fact_stays_pending_is_reported_and_goes_out_once_bound(faults: FaultSystem):
    settings = faults.settings
    topology = Topology(settings.namespace)
    admin = await aio_pika.connect(settings.amqp_url)
    channel = await admin.channel()
    staff = await channel.get_exchange(topology.exchange("staff"), ensure=False)
    audit_record = await channel.declare_queue(topology.queue("audit.record"), passive=True)
    await audit_record.unbind(staff, "#")
    bound = False
    try:
        async with Observer(faults, "unroutable publish", staff_tap=False) as seen, AutoReviewer(settings):
            internal = await submit_commands(settings, notices(UNROUTABLE, "无路由", INTERNAL))
            public = await submit_commands(settings, notices(ITEMS, "有路由"))
            public_done = await seen.complete(public)  # nothing else waits for the unroutable rows

            items = [e.subject for e in seen.submitted(internal).values()]

            async def retried() -> bool:
                rows = await held_rows(settings, items)
                return len(items) == UNROUTABLE and len(rows) >= UNROUTABLE and all(
                    r["sent_at"] is None and r["attempts"] >= 2 and r["last_error"].startswith("unroutable")
                    for r in rows)

            held = await until(retried, timeout=120, every=0.5)
            rows_held = await held_rows(settings, items)
            health_held = (await faults.health("publishing"))["outbox"]

            await audit_record.bind(staff, "#")
            bound = True
            completed = await seen.complete(internal)
            rows_sent = await held_rows(settings, items)
            healed = await until(lambda: _not_failing(faults), timeout=60, every=0.5)
            figures = await seen.ledger({**internal, **public}, unroutable=len(rows_held),
                                        attempts_before_bound=max((r["attempts"] for r in rows_held), default=0))
    finally:
        if not bound:
            await audit_record.bind(staff, "#")
        await admin.close()

    assert public_done, f"the public burst waited for the unroutable rows: {figures}"
    assert held, f"the staff announcements were not kept pending and retried as unroutable: {rows_held}"
    assert health_held["pending"] >= len(rows_held) and health_held["failing"] >= len(rows_held), health_held
    assert completed and all(r["sent_at"] is not None for r in rows_sent), \
        f"a held announcement was not sent once its queue was bound: {rows_sent}"
    assert healed, "publishing's outbox health still reports failing rows"
    assert figures.lost == 0 and figures.missing_effects == 0, figures
    assert figures.duplicate_effects == 0 and figures.unreviewed == 0 and figures.parked == 0, figures
    log = faults.system.log("publishing")
    assert '"message": "outbox event not delivered"' in log and '"reason": "unroutable' in log


async def _not_failing(faults: FaultSystem) -> bool:
    return (await faults.health("publishing"))["outbox"]["failing"] == 0
