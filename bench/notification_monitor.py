"""Benchmark: how many open deadlines the notification monitor checks per second.

    .venv/bin/python bench/notification_monitor.py --deadlines 100000

Creates a database of its own, migrates notification, inserts N open proactive-publication deadlines
spread over the autumn of 2026 (due dates counted on the working-day calendar), then runs the monitor's
``check(now)`` as the loop would:
  - a quiet pass (no reminder due: the index on next_check_on finds nothing),
  - a reminder day for all of them (each deadline locked with SKIP LOCKED, its reminder claimed by a
    unique key and its event written to the outbox in the same transaction),
  - the same day again (nothing left to send).
Prints deadlines per second for each pass. Needs DATABASE_URL (a server where it may create a database).
"""

from __future__ import annotations

import argparse
import asyncio
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import asyncpg
from gongkai.notification import domain
from gongkai.notification.app import build
from gongkai.notification.settings import NotificationSettings
from gongkai.shared.calendar import shipped_calendar
from gongkai.shared.deadline_rules import load_policy
from gongkai.shared.migrations import upgrade
from gongkai.shared.roles import roles_of
from gongkai.shared.settings import Settings
from gongkai.shared.testing import create_database, drop_database


def rows(count: int) -> list[tuple]:
    policy, cal = load_policy(), shipped_calendar()
    rule = policy.rule("proactive-publication")
    out = []
    for n in range(count):
        start = date(2026, 9, 1) + timedelta(days=n % 30)
        deadline = domain.open_deadline(rule, cal, deadline_id=str(uuid.uuid4()), subject=f"item-{n}",
                                        item_id=f"item-{n}", version=1, at=datetime(2026, 9, 1, tzinfo=UTC),
                                        start=start, unit="办公室", person="li.na")
        out.append((deadline.deadline_id, deadline.item_id, 1, deadline.rule, deadline.opened_at, deadline.opened_on,
                    deadline.due_on, "open", deadline.subject, False, deadline.unit, deadline.person,
                    deadline.next_check_on))
    return out


async def main(count: int, batch: int) -> None:
    base = Settings()
    server = base.database_url.replace("+asyncpg", "").rsplit("/", 1)[0] + "/postgres"
    url = await create_database(server)
    try:
        settings = Settings(database_url=url)
        await asyncio.to_thread(upgrade, "notification", settings.database_url,
                                roles=roles_of(settings, "notification"))
        connection = await asyncpg.connect(url)
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "deadlines", schema_name="notification", records=rows(count),
            columns=["deadline_id", "item_id", "version", "rule", "opened_at", "opened_on", "due_on", "state",
                     "subject", "provisional", "unit", "person", "next_check_on"])
        await connection.execute("analyze notification.deadlines")
        print(f"inserted {count:,} open deadlines in {time.perf_counter() - started:.1f}s")
        service, _, monitor, _ = build(settings, NotificationSettings(monitor_batch=batch))
        try:
            for label, day in (("quiet day (nothing due)", datetime(2026, 9, 2, 4, tzinfo=UTC)),
                               ("reminder day (every deadline due)", datetime(2026, 11, 30, 4, tzinfo=UTC)),
                               ("the same day again (all sent)", datetime(2026, 11, 30, 4, tzinfo=UTC))):
                started = time.perf_counter()
                checked = await monitor.check(day)
                elapsed = time.perf_counter() - started
                rate = f"{checked / elapsed:,.0f} deadlines/s" if checked else "index only"
                print(f"{label:36s} checked {checked:>8,} in {elapsed:6.2f}s  {rate}")
            sent = await connection.fetchval("select count(*) from notification.outbox")
            print(f"reminder events in the outbox: {sent:,} (one per deadline)")
        finally:
            await service.engine.dispose()
            await connection.close()
    finally:
        await drop_database(server, url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--deadlines", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    asyncio.run(main(args.deadlines, args.batch))
