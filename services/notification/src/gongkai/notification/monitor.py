"""The deadline monitor: reminders before a deadline, escalation after it, and the yearly deadlines.

``check(now)`` is one pass at the given moment (tests call it with a chosen date; the loop calls it
with the clock, or with ``GONGKAI_NOTIFICATION_NOW``). Several replicas may run it at once: each takes
the deadlines due for a look with ``FOR UPDATE SKIP LOCKED``, and each reminder is claimed by a unique
key (deadline, reminder, due date) in the same transaction as its outbox event, so it goes out once.
A restart loses nothing: what is due is read from the database, never from memory.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.calendar import WorkingCalendar
from gongkai.shared.deadline_rules import YEAR_START, Rule, due_date
from gongkai.shared.envelope import Envelope

from . import domain
from .handlers import Clocks
from .settings import NotificationSettings
from .store import Works

log = logging.getLogger("gongkai.notification.monitor")


class Monitor:
    """It needs the clocks (policy, calendar, recipients, opening), a unit of work per batch, and its settings."""

    def __init__(self, clocks: Clocks, uow: Works, settings: NotificationSettings) -> None:
        self.clocks = clocks
        self.policy = clocks.policy
        self.uow = uow
        self.settings = settings
        self._years_opened: set[int] = set()

    def now(self) -> datetime:
        return self.settings.now or datetime.now(UTC)

    async def check(self, now: datetime) -> int:
        """One pass at ``now``: open the year's deadlines, send what is due. Returns deadlines looked at."""
        today = domain.local_date(now)
        await self.open_yearly(now, today)
        checked = 0
        batch = self.settings.monitor_batch
        while True:
            async with self.uow() as uow:
                due = await uow.deadlines.due_for_check(today, batch)
                if not due:
                    break
                cal = await self.clocks.calendar(uow)
                sent = await uow.deadlines.sent_reminders([d.deadline_id for d in due])
                claims: list[dict[str, Any]] = []
                events = {}
                next_days = []
                for deadline in due:
                    rule = self.policy.rule(deadline.rule)
                    send, stale, next_day = domain.reminders_due(
                        deadline, rule, cal, today, sent.get((deadline.deadline_id, deadline.due_on), set()),
                        self.policy.escalate_after)
                    claim = {"deadline_id": deadline.deadline_id, "due_on": deadline.due_on, "sent_at": now}
                    claims += [{**claim, "key": r.key, "skipped": True, "event_id": None} for r in stale]
                    if send is not None:
                        event = self._reminder_event(deadline, rule, send, cal, today)
                        events[(deadline.deadline_id, send.key)] = event
                        claims.append({**claim, "key": send.key, "skipped": False, "event_id": event.id})
                    next_days.append((deadline.deadline_id, next_day))
                claimed = await uow.deadlines.record_reminders(claims)
                for key, event in events.items():
                    if key in claimed:   # another replica did not send it first
                        uow.emit(event)
                await uow.deadlines.set_next_checks(next_days)
                await uow.commit()
            checked += len(due)
            if len(due) < batch:
                break
        return checked

    def _reminder_event(self, deadline: domain.Deadline, rule: Rule, reminder: domain.Reminder, cal: WorkingCalendar,
                        today: date) -> Envelope:
        recipients = self.clocks.recipients(rule, deadline, escalate=reminder.overdue)
        data = c.DeadlineReminder(deadline_id=deadline.deadline_id, item_id=deadline.item_id, rule=deadline.rule,
                                  due_on=deadline.due_on, working_days_left=cal.working_days_between(
                                      today, deadline.due_on),
                                  unit=deadline.unit, category=deadline.category, recipients=recipients)
        kind = c.DEADLINE_OVERDUE if reminder.overdue else c.DEADLINE_DUE_SOON
        return self.clocks.origin.event(kind, data, subject=deadline.item_id)

    async def open_yearly(self, now: datetime, today: date) -> None:
        """The annual report and annual targets of ``today``'s year, opened once (their id is the year's)."""
        if today.year in self._years_opened:
            return
        rules = self.policy.opened_by(YEAR_START)
        async with self.uow() as uow:
            cal = await self.clocks.calendar(uow)
            for rule in rules:
                due, _ = due_date(rule, date(today.year, 1, 1), cal)
                if today > due:
                    continue  # started after the yearly date: nothing to remind about any more
                await self.clocks.open(uow, None, rule, cal, at=now, subject=str(today.year),
                                       item_id=f"{today.year}年度", version=today.year,
                                       start=date(today.year, 1, 1), deadline_id=f"{rule.id}:{today.year}")
            await uow.commit()
        self._years_opened.add(today.year)

    # ---- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        """The loop the service runs in the background; every replica may run it."""
        while True:
            try:
                await self.check(self.now())
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("monitor pass failed; trying again at the next interval")
            await asyncio.sleep(self.settings.monitor_interval)
