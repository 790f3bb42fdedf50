"""The requests service's facts move the same request clocks as the staff's commands (no broker, no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from gongkai.notification.contacts import load_contacts
from gongkai.notification.domain import State
from gongkai.notification.handlers import Calendars, Notification
from gongkai.notification.request_clocks import RequestClocks
from gongkai.shared import contracts as c
from gongkai.shared.calendar import AGENCY_TIME_ZONE, shipped_calendar
from gongkai.shared.deadline_rules import load_policy
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.errors import Conflict
from gongkai.shared.origin import Origin
from test_handler_rules import FakeNotificationWork, InMemoryDeadlines

RID = "YSQ-20261102-ABCDEF"
RECEIVED = date(2026, 11, 2)  # a Monday


class InMemoryRequests:
    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}

    async def add(self, **values: Any) -> bool:
        if values["request_id"] in self.rows:
            return False
        self.rows[values["request_id"]] = {**values, "answered_on": None, "outcome": None}
        return True

    async def get(self, request_id: str) -> dict[str, Any] | None:
        return self.rows.get(request_id)

    async def update(self, request_id: str, **values: Any) -> None:
        self.rows[request_id].update(values)


@pytest.fixture
def clocks() -> RequestClocks:
    return RequestClocks(Notification(Origin.of("notification"), load_policy(), load_contacts(), Calendars()).clocks)


def fact(type: str, data: c.Payload, on: date) -> Envelope:
    envelope = new_event(type, data, source="/gongkai/requests", actor="service:requests", subject=RID)
    return envelope.model_copy(update={"time": datetime.combine(on, time(12), AGENCY_TIME_ZONE).astimezone(UTC)})


async def deliver(handler: Any, data: c.Payload, type: str, on: date, deadlines: InMemoryDeadlines,
                  requests: InMemoryRequests) -> FakeNotificationWork:
    uow = FakeNotificationWork(deadlines)
    uow.requests = requests
    await handler(data, fact(type, data, on), uow)
    return uow


def states(deadlines: InMemoryDeadlines) -> dict[str, State]:
    return {d.rule: d.state for d in deadlines.by_id.values()}


async def test_received_opens_the_reply_and_correction_clocks_and_answered_meets_the_reply(clocks):
    deadlines, requests = InMemoryDeadlines(), InMemoryRequests()
    received = c.RequestsReceived(request_id=RID, channel=c.ReceiptChannel.registered_post,
                                  applicant_kind=c.ApplicantKind.natural_person, received_on=RECEIVED,
                                  subject="论证材料")
    uow = await deliver(clocks.on_received, received, c.REQUESTS_RECEIVED, RECEIVED, deadlines, requests)
    assert c.REQUEST_RECEIVED in uow.types()
    assert states(deadlines) == {c.RULE_REQUEST_REPLY: State.open, c.RULE_REQUEST_CORRECTION: State.open}
    [reply] = deadlines.of(c.RULE_REQUEST_REPLY)
    assert reply.opened_on == RECEIVED and reply.due_on == shipped_calendar().add_working_days(RECEIVED, 20)

    answered = c.RequestsAnswered(request_id=RID, outcome=c.RequestOutcome.granted, answered_on=date(2026, 11, 20),
                                  applicant_kind=c.ApplicantKind.natural_person)
    uow = await deliver(clocks.on_answered, answered, c.REQUESTS_ANSWERED, date(2026, 11, 20), deadlines, requests)
    [event] = uow.of_type(c.REQUEST_ANSWERED)
    assert event.data["outcome"] == "granted" and event.data["late"] is False
    assert states(deadlines) == {c.RULE_REQUEST_REPLY: State.met, c.RULE_REQUEST_CORRECTION: State.cancelled}


async def test_a_correction_stops_the_reply_clock_and_the_corrected_request_starts_it_again(clocks):
    deadlines, requests = InMemoryDeadlines(), InMemoryRequests()
    received = c.RequestsReceived(request_id=RID, channel=c.ReceiptChannel.fax,
                                  applicant_kind=c.ApplicantKind.commercial, received_on=RECEIVED, subject="x")
    await deliver(clocks.on_received, received, c.REQUESTS_RECEIVED, RECEIVED, deadlines, requests)
    asked = c.RequestsStep(request_id=RID, on=date(2026, 11, 4), items=["写明名称"])
    await deliver(clocks.on_correction_asked, asked, c.REQUESTS_CORRECTION_ASKED, date(2026, 11, 4), deadlines,
                  requests)
    assert states(deadlines) == {c.RULE_REQUEST_REPLY: State.paused, c.RULE_REQUEST_CORRECTION: State.met}
    corrected = c.RequestsStep(request_id=RID, on=date(2026, 11, 9))
    await deliver(clocks.on_corrected, corrected, c.REQUESTS_CORRECTED, date(2026, 11, 9), deadlines, requests)
    [reply] = [d for d in deadlines.of(c.RULE_REQUEST_REPLY) if d.state is State.open]
    assert reply.due_on > date(2026, 11, 30)  # 20 working days from 9 November, not from 2 November


async def test_a_consultation_pauses_the_reply_clock_and_the_extension_moves_it(clocks):
    deadlines, requests = InMemoryDeadlines(), InMemoryRequests()
    received = c.RequestsReceived(request_id=RID, channel=c.ReceiptChannel.email,
                                  applicant_kind=c.ApplicantKind.research, received_on=RECEIVED, subject="x")
    await deliver(clocks.on_received, received, c.REQUESTS_RECEIVED, RECEIVED, deadlines, requests)
    [before] = deadlines.of(c.RULE_REQUEST_REPLY)
    started = c.RequestsStep(request_id=RID, on=date(2026, 11, 5), party=c.ConsultedParty.third_party)
    await deliver(clocks.on_consultation_started, started, c.REQUESTS_CONSULTATION_STARTED, date(2026, 11, 5),
                  deadlines, requests)
    assert states(deadlines)[c.RULE_REQUEST_THIRD_PARTY] is State.open
    assert states(deadlines)[c.RULE_REQUEST_REPLY] is State.paused
    replied = c.RequestsStep(request_id=RID, on=date(2026, 11, 12))
    await deliver(clocks.on_consultation_replied, replied, c.REQUESTS_CONSULTATION_REPLIED, date(2026, 11, 12),
                  deadlines, requests)
    extended = c.RequestsExtended(request_id=RID, working_days=10, approved_by="sun.qiang", reason="需调取档案")
    await deliver(clocks.on_extended, extended, c.REQUESTS_EXTENDED, date(2026, 11, 12), deadlines, requests)
    [after] = [d for d in deadlines.of(c.RULE_REQUEST_REPLY) if d.state is State.open]
    assert after.due_on > before.due_on and after.extended_days == 10
    assert requests.rows[RID]["extension_approved_by"] == "sun.qiang"


async def test_a_fee_notice_pauses_the_reply_clock_and_payment_resumes_it_moved(clocks):
    deadlines, requests = InMemoryDeadlines(), InMemoryRequests()
    received = c.RequestsReceived(request_id=RID, channel=c.ReceiptChannel.email,
                                  applicant_kind=c.ApplicantKind.natural_person, received_on=RECEIVED, subject="x")
    await deliver(clocks.on_received, received, c.REQUESTS_RECEIVED, RECEIVED, deadlines, requests)
    [before] = deadlines.of(c.RULE_REQUEST_REPLY)
    notified = c.RequestsStep(request_id=RID, on=date(2026, 11, 5), note="100元")
    await deliver(clocks.on_fee_notified, notified, c.REQUESTS_FEE_NOTIFIED, date(2026, 11, 5), deadlines, requests)
    assert states(deadlines) == {c.RULE_REQUEST_REPLY: State.paused, c.RULE_REQUEST_CORRECTION: State.open}
    paid = c.RequestsStep(request_id=RID, on=date(2026, 11, 12))
    await deliver(clocks.on_fee_settled, paid, c.REQUESTS_FEE_SETTLED, date(2026, 11, 12), deadlines, requests)
    [after] = [d for d in deadlines.of(c.RULE_REQUEST_REPLY) if d.state is State.open]
    assert after.due_on > before.due_on  # the working days waiting for the fee do not count
    with pytest.raises(Conflict, match="not waiting for a fee"):
        await deliver(clocks.on_fee_settled, paid, c.REQUESTS_FEE_SETTLED, date(2026, 11, 12), deadlines, requests)
