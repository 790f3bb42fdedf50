"""The oversight service's facts open and meet the rectification and acknowledgement clocks (no broker, no database)."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time

from gongkai.notification.contacts import load_contacts
from gongkai.notification.domain import State
from gongkai.notification.handlers import Calendars, Notification
from gongkai.notification.oversight_clocks import OversightClocks
from gongkai.shared import contracts as c
from gongkai.shared.calendar import AGENCY_TIME_ZONE, shipped_calendar
from gongkai.shared.deadline_rules import DEFAULT_POLICY, load_policy, parse_policy
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.origin import Origin
from test_handler_rules import FakeNotificationWork, InMemoryDeadlines

RID = "JC-20261202-ABCDEF-R1"
ORDERED = date(2026, 12, 2)


def clocks(policy=None) -> OversightClocks:
    return OversightClocks(Notification(Origin.of("notification"), policy or load_policy(), load_contacts(),
                                        Calendars()))


def fact(type: str, data: c.Payload, on: date) -> Envelope:
    envelope = new_event(type, data, source="/gongkai/oversight", actor="sun.qiang", subject=RID)
    return envelope.model_copy(update={"time": datetime.combine(on, time(12), AGENCY_TIME_ZONE).astimezone(UTC)})


ORDER = c.RectificationOrdered(inspection_id="JC-20261202-ABCDEF", rectification_id=RID, finding_id="F1",
                               unit="运输管理科", ordered_on=ORDERED, working_days=10, due_on=date(2026, 12, 16),
                               ordered_by="sun.qiang")


def closing(on: date) -> c.RectificationClosed:
    return c.RectificationClosed(inspection_id="JC-20261202-ABCDEF", rectification_id=RID, unit="运输管理科",
                                 closed_on=on, evidence_sha256="0" * 64, closed_by="sun.qiang")


async def test_an_order_opens_the_inspectors_working_days_and_a_late_closure_meets_it_late():
    handlers, deadlines = clocks(), InMemoryDeadlines()
    await handlers.on_rectification_ordered(ORDER, fact(c.OVERSIGHT_RECTIFICATION_ORDERED, ORDER, ORDERED),
                                            FakeNotificationWork(deadlines))
    [opened] = deadlines.of(c.RULE_RECTIFICATION)
    assert opened.due_on == shipped_calendar().add_working_days(ORDERED, 10) == ORDER.due_on
    assert (opened.unit, opened.state) == ("运输管理科", State.open)
    late = closing(date(2026, 12, 18))
    await handlers.on_rectification_closed(late, fact(c.OVERSIGHT_RECTIFICATION_CLOSED, late, late.closed_on),
                                           FakeNotificationWork(deadlines))
    [closed] = deadlines.of(c.RULE_RECTIFICATION)
    assert (closed.state, closed.late) == (State.met, True)


async def test_a_closure_that_arrives_first_closes_the_clock_as_soon_as_it_opens():
    handlers, deadlines = clocks(), InMemoryDeadlines()
    early = closing(ORDERED)
    await handlers.on_rectification_closed(early, fact(c.OVERSIGHT_RECTIFICATION_CLOSED, early, ORDERED),
                                           FakeNotificationWork(deadlines))
    assert deadlines.of(c.RULE_RECTIFICATION) == []
    await handlers.on_rectification_ordered(ORDER, fact(c.OVERSIGHT_RECTIFICATION_ORDERED, ORDER, ORDERED),
                                            FakeNotificationWork(deadlines))
    [clock] = deadlines.of(c.RULE_RECTIFICATION)
    assert (clock.state, clock.late) == (State.met, False)


async def test_a_policy_without_the_oversight_rules_opens_no_clock():
    data = tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))
    del data["rules"][c.RULE_RECTIFICATION]
    handlers, deadlines = clocks(parse_policy(data)), InMemoryDeadlines()
    await handlers.on_rectification_ordered(ORDER, fact(c.OVERSIGHT_RECTIFICATION_ORDERED, ORDER, ORDERED),
                                            FakeNotificationWork(deadlines))
    assert deadlines.by_id == {}
