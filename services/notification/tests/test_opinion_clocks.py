"""The participation service's facts keep an opinion's reply clock (no broker, no database): opened from the day
received when a reply is asked, moved to the unit it is routed to (so reminders reach that unit), met by the
reply, cancelled when the opinion is hidden."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from gongkai.notification import domain
from gongkai.notification.contacts import load_contacts
from gongkai.notification.domain import State
from gongkai.notification.handlers import Calendars, Notification
from gongkai.notification.opinion_clocks import OpinionClocks
from gongkai.shared import contracts as c
from gongkai.shared.calendar import AGENCY_TIME_ZONE, shipped_calendar
from gongkai.shared.deadline_rules import load_policy
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.origin import Origin
from test_handler_rules import FakeNotificationWork, InMemoryDeadlines

OID = "YJ-20261102-ABCDEF"
RECEIVED = date(2026, 11, 2)  # a Monday
CAL = shipped_calendar()


def clocks() -> OpinionClocks:
    return OpinionClocks(Notification(Origin.of("notification"), load_policy(), load_contacts(), Calendars()).clocks)


def fact(type: str, data: c.Payload, on: date) -> Envelope:
    envelope = new_event(type, data, source="/gongkai/participation", actor="service:participation", subject=OID)
    return envelope.model_copy(update={"time": datetime.combine(on, time(12), AGENCY_TIME_ZONE).astimezone(UTC)})


async def deliver(handler, data: c.Payload, type: str, on: date, deadlines: InMemoryDeadlines) -> FakeNotificationWork:
    uow = FakeNotificationWork(deadlines)
    await handler(data, fact(type, data, on), uow)
    return uow


def received(wants_reply: bool = True) -> c.OpinionReceived:
    return c.OpinionReceived(opinion_id=OID, channel=c.OpinionChannel.online, topic="public-transport",
                             received_on=RECEIVED, wants_reply=wants_reply)


async def test_received_opens_15_working_days_routed_tells_the_unit_and_the_reply_meets_it():
    keeper, deadlines = clocks(), InMemoryDeadlines()
    uow = await deliver(keeper.on_received, received(), c.OPINION_RECEIVED, RECEIVED, deadlines)
    [opened] = uow.of_type(c.DEADLINE_OPENED)
    assert opened.data["rule"] == c.RULE_OPINION_REPLY and opened.data["item_id"] == OID
    [clock] = deadlines.by_id.values()
    assert clock.due_on == CAL.add_working_days(RECEIVED, 15) and clock.unit is None

    routed = c.OpinionRouted(opinion_id=OID, unit="运输管理科", on=RECEIVED, topic="public-transport")
    await deliver(keeper.on_routed, routed, c.OPINION_ROUTED, RECEIVED, deadlines)
    [clock] = deadlines.by_id.values()
    rule = keeper.clocks.policy.rule(c.RULE_OPINION_REPLY)
    assert clock.unit == "运输管理科"
    unit_people = {p.id for p in load_contacts().recipients(("unit",), unit="运输管理科", person=None)}
    assert unit_people and unit_people <= set(keeper.clocks.recipients(rule, clock))

    send, _, _ = domain.reminders_due(clock, rule, CAL, CAL.add_working_days(clock.due_on, -3), set(), 1)
    assert send is not None and (send.key, send.overdue) == ("before-3", False)  # reminded before the due date

    answered = c.OpinionAnswered(opinion_id=OID, answered_on=date(2026, 11, 20), unit="运输管理科",
                                 topic="public-transport", content_sha256="0" * 64)
    uow = await deliver(keeper.on_answered, answered, c.OPINION_ANSWERED, date(2026, 11, 20), deadlines)
    [met] = uow.of_type(c.DEADLINE_MET)
    assert met.data["late"] is False and [d.state for d in deadlines.by_id.values()] == [State.met]


async def test_no_clock_without_a_reply_asked_and_hiding_cancels_it():
    keeper, deadlines = clocks(), InMemoryDeadlines()
    await deliver(keeper.on_received, received(wants_reply=False), c.OPINION_RECEIVED, RECEIVED, deadlines)
    assert deadlines.by_id == {}
    await deliver(keeper.on_received, received(), c.OPINION_RECEIVED, RECEIVED, deadlines)
    hidden = c.ItemHidden(item_id=f"opinion:{OID}", reason="广告", hidden_by="sun.qiang", on=RECEIVED)
    uow = await deliver(keeper.on_hidden, hidden, c.OPINION_HIDDEN, RECEIVED, deadlines)
    assert uow.types() == [c.DEADLINE_CANCELLED] and [d.state for d in deadlines.by_id.values()] == [State.cancelled]
