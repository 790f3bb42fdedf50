"""The monitor at a chosen date: reminders before the deadline, escalation after it, each sent once even with
two replicas checking at the same moment and across a restart; and the yearly deadlines."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from gongkai.notification.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.testing import publish, running
from notification_helpers import handled, new_item, quiet, sql, submitted

FORMED = date(2026, 9, 28)        # due 2026-10-23: 5 working days before is 10-16, 1 before is 10-22


def shanghai_noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 4, 0, tzinfo=UTC)


async def open_item(settings) -> str:
    item = new_item()
    event = submitted(item, datetime(2026, 9, 28, 2, tzinfo=UTC), formed_on=FORMED)
    await publish(settings, "events", event)
    await handled(settings, event)
    return item


async def reminders_in_outbox(settings, kind: str) -> list:
    return await sql(settings, "select body from notification.outbox where routing_key like $1 || '.%'",
                     kind.removeprefix("gongkai."))


async def test_nothing_is_sent_before_the_first_reminder_day(settings, notification):
    await open_item(settings)
    assert await notification.app.state.monitor.check(shanghai_noon(date(2026, 10, 15))) == 0
    assert await reminders_in_outbox(settings, c.DEADLINE_DUE_SOON) == []


async def test_a_reminder_goes_out_5_working_days_before_to_the_submitter_and_only_once(settings, notification):
    import json

    item = await open_item(settings)
    monitor = notification.app.state.monitor
    assert await monitor.check(shanghai_noon(date(2026, 10, 16))) == 1
    assert await monitor.check(shanghai_noon(date(2026, 10, 16))) == 0
    [row] = await reminders_in_outbox(settings, c.DEADLINE_DUE_SOON)
    reminder = json.loads(row["body"])["data"]
    assert reminder["item_id"] == item and reminder["working_days_left"] == 5
    assert reminder["recipients"] == ["li.na"] and reminder["due_on"] == "2026-10-23"


async def test_two_replicas_checking_at_once_send_each_reminder_once(settings, notification):
    await asyncio.gather(*(open_item(settings) for _ in range(30)))
    other = create_app(settings, quiet())
    async with running(other):
        moment = shanghai_noon(date(2026, 10, 22))
        counts = await asyncio.gather(notification.app.state.monitor.check(moment), other.state.monitor.check(moment),
                                      notification.app.state.monitor.check(moment))
    assert sum(counts) == 30
    assert len(await reminders_in_outbox(settings, c.DEADLINE_DUE_SOON)) == 30
    sent = await sql(settings, "select key, skipped from notification.reminders order by key")
    assert sorted({(r["key"], r["skipped"]) for r in sent}) == [("before-1", False), ("before-5", True)]


async def test_an_overdue_deadline_is_escalated_to_the_office_once_even_after_a_restart(settings, notification):
    import json

    await open_item(settings)
    moment = shanghai_noon(date(2026, 10, 27))
    assert await notification.app.state.monitor.check(moment) == 1
    restarted = create_app(settings, quiet())
    async with running(restarted):
        assert await restarted.state.monitor.check(moment) == 0
        assert await restarted.state.monitor.check(shanghai_noon(date(2026, 11, 30))) == 0
    [row] = await reminders_in_outbox(settings, c.DEADLINE_OVERDUE)
    overdue = json.loads(row["body"])["data"]
    assert overdue["working_days_left"] == -2 and set(overdue["recipients"]) == {"li.na", "sun.qiang"}


async def test_a_met_deadline_gets_no_reminder(settings, notification):
    from notification_helpers import published

    item = await open_item(settings)
    event = published(item, datetime(2026, 10, 9, tzinfo=UTC))
    await publish(settings, "events", event)
    await handled(settings, event)
    assert await notification.app.state.monitor.check(shanghai_noon(date(2026, 10, 22))) == 0


@pytest.mark.parametrize(("published_on", "late"), [(date(2027, 1, 29), False), (date(2027, 2, 1), True)])
async def test_the_annual_report_published_as_s08_meets_the_years_clock_by_31_january(settings, notification,
                                                                                      published_on, late):
    from notification_helpers import published

    await notification.app.state.monitor.check(shanghai_noon(date(2027, 1, 4)))
    other = published(new_item(), shanghai_noon(date(2027, 1, 6)), category="S05")
    await publish(settings, "events", other)
    await handled(settings, other)
    report = published(new_item(), shanghai_noon(published_on), category="S08")
    await publish(settings, "events", report)
    await handled(settings, report)
    rows = await sql(settings, "select rule, state, late from notification.deadlines where rule like 'annual-%' "
                               "order by rule")
    assert [(r["rule"], r["state"], r["late"]) for r in rows] == [
        ("annual-report", "met", late), ("annual-targets", "open", None)]


async def test_the_first_check_of_a_year_opens_the_annual_report_and_targets_once(settings, notification):
    monitor = notification.app.state.monitor
    await monitor.check(shanghai_noon(date(2027, 1, 4)))
    await monitor.check(shanghai_noon(date(2027, 1, 5)))
    other = create_app(settings, quiet())
    async with running(other):
        await other.state.monitor.check(shanghai_noon(date(2027, 1, 5)))
    rows = await sql(settings, "select deadline_id, due_on, item_id from notification.deadlines order by rule")
    assert [(r["deadline_id"], r["due_on"], r["item_id"]) for r in rows] == [
        ("annual-report:2027", date(2027, 1, 31), "2027年度"), ("annual-targets:2027", date(2027, 1, 31), "2027年度")]
