"""The oversight service's clocks: a rectification's time limit, and a delivered report's acknowledgement.

- ``oversight.rectification_ordered`` opens ``inspection-rectification`` from ``ordered_on``, with the working days
  the inspectors gave (the rule's length when the policy's check refuses them); the unit inspected and the office
  are reminded, the administrators told when it is overdue.
- ``oversight.rectification_closed`` meets it (late when closed after its due date).
- ``oversight.report_delivered`` opens ``district-report-ack`` from the day the district's endpoint took the report;
  ``oversight.report_acknowledged`` meets it.

A policy without these rules opens nothing. A closing fact that arrives before its opening one is remembered and
closes the clock the moment it opens, as for review cases.
"""

from __future__ import annotations

from datetime import date, datetime

from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.deadline_rules import PolicyError, check_length
from gongkai.shared.envelope import Envelope

from .domain import State
from .handlers import Clocks, Notification
from .store import NotificationWork


class OversightClocks:
    def __init__(self, notification: Notification) -> None:
        self.notification = notification
        self.clocks: Clocks = notification.clocks

    async def _open(self, uow: NotificationWork, event: Envelope, subject: str, start: date, unit: str | None,
                    person: str | None, length: int | None) -> None:
        await uow.deadlines.lock(subject)
        cal = await self.clocks.calendar(uow)
        for rule in self.clocks.policy.opened_by(event.type):
            if await uow.deadlines.ever_opened(subject, rule.id):
                continue
            own = length
            if own is not None:
                try:
                    check_length(rule, own)
                except PolicyError:
                    own = None
            opened = await self.clocks.open(uow, event, rule, cal, subject=subject, item_id=subject, version=1,
                                            start=start, unit=unit, person=person, length=own)
            await self.notification.close_if_decided(uow, event, opened, subject, 0)

    async def _meet(self, uow: NotificationWork, event: Envelope, subject: str, at: datetime, on: date) -> None:
        await uow.deadlines.lock(subject)
        for rule in self.clocks.policy.met_by(event.type):
            current = await uow.deadlines.live_deadline(subject, rule.id)
            if current is None:
                await uow.deadlines.remember_outcome(subject, 0, State.met.value, at)
            else:
                await self.clocks.close(uow, event, current, State.met, on=on, at=at)

    async def on_rectification_ordered(self, fact: c.RectificationOrdered, event: Envelope,
                                       uow: NotificationWork) -> None:
        await self._open(uow, event, fact.rectification_id, fact.ordered_on, fact.unit, fact.ordered_by,
                         fact.working_days)

    async def on_rectification_closed(self, fact: c.RectificationClosed, event: Envelope,
                                      uow: NotificationWork) -> None:
        await self._meet(uow, event, fact.rectification_id, event.time, fact.closed_on)

    async def on_report_delivered(self, fact: c.ReportDelivered, event: Envelope, uow: NotificationWork) -> None:
        await self._open(uow, event, fact.report_id, local_date(fact.delivered_at), None, None, None)

    async def on_report_acknowledged(self, fact: c.ReportAcknowledged, event: Envelope,
                                     uow: NotificationWork) -> None:
        await self._meet(uow, event, fact.report_id, fact.acknowledged_at, local_date(fact.acknowledged_at))
