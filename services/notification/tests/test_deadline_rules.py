"""The pure deadline rules: due dates on the working-day calendar, clocks that pause and extend, the
states a deadline may move through, and which reminder is due on a given day."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from gongkai.notification import domain
from gongkai.notification.domain import State
from gongkai.shared import contracts as c
from gongkai.shared.calendar import shipped_calendar
from gongkai.shared.deadline_rules import load_policy
from gongkai.shared.errors import Conflict, Refused

POLICY = load_policy()
CAL = shipped_calendar()
AT = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)


def opened(rule: str = c.RULE_PROACTIVE_PUBLICATION, start: date = date(2026, 9, 28), version: int = 1):
    return domain.open_deadline(POLICY.rule(rule), CAL, deadline_id="d-1", subject="item-1", item_id="item-1",
                                version=version, at=AT, start=start)


@pytest.mark.parametrize(("moment", "day"), [
    (datetime(2026, 9, 30, 17, 0, tzinfo=UTC), date(2026, 10, 1)),
    (datetime(2026, 9, 30, 16, 0, tzinfo=UTC), date(2026, 10, 1)),
    (datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC), date(2026, 9, 30)),
    (datetime(2026, 9, 30, 17, 0), date(2026, 10, 1)),
])
def test_the_opening_day_is_the_date_in_shanghai_not_in_utc(moment, day):
    assert domain.local_date(moment) == day


def test_an_item_formed_before_national_day_is_due_15_working_days_later_across_the_holiday():
    deadline = opened()
    assert (deadline.opened_on, deadline.due_on, deadline.provisional) == (date(2026, 9, 28), date(2026, 10, 23), False)
    assert deadline.state is State.open and deadline.next_check_on == date(2026, 10, 16)  # 5 working days before


def test_a_deadline_reaching_a_year_without_data_is_provisional():
    deadline = opened(start=date(2026, 12, 20))
    assert deadline.provisional is True and deadline.due_on == date(2027, 1, 8)


def test_the_annual_report_is_due_on_31_january_of_its_year():
    deadline = opened(c.RULE_ANNUAL_REPORT, start=date(2027, 1, 1))
    assert deadline.due_on == date(2027, 1, 31) and deadline.provisional is False


def test_publication_by_the_end_of_the_due_day_in_shanghai_is_on_time_and_after_it_late():
    on_time = domain.on_outcome(opened(), 1, State.met, datetime(2026, 10, 23, 15, 59, tzinfo=UTC))
    late = domain.on_outcome(opened(), 1, State.met, datetime(2026, 10, 23, 16, 0, tzinfo=UTC))
    assert on_time is not None and on_time.late is False and on_time.next_check_on is None
    assert late is not None and late.late is True


def test_a_cancelled_deadline_is_never_late():
    cancelled = domain.on_outcome(opened(), 1, State.cancelled, datetime(2027, 3, 1, tzinfo=UTC))
    assert cancelled is not None and cancelled.state is State.cancelled and cancelled.late is False


def test_an_outcome_without_an_open_deadline_or_of_an_older_version_closes_nothing():
    assert domain.on_outcome(None, 1, State.met, AT) is None
    assert domain.on_outcome(opened(version=2), 1, State.cancelled, AT) is None


@pytest.mark.parametrize("state", [State.met, State.cancelled])
def test_a_closed_deadline_cannot_close_again(state):
    with pytest.raises(Conflict, match="already"):
        domain.close(replace(opened(), state=state), State.met, AT)


def test_a_deadline_cannot_close_into_the_open_state():
    with pytest.raises(Conflict, match="cannot close as open"):
        domain.close(opened(), State.open, AT)


def test_the_reply_clock_stands_still_while_a_third_party_is_consulted():
    reply = POLICY.rule(c.RULE_REQUEST_REPLY)
    deadline = opened(c.RULE_REQUEST_REPLY, start=date(2026, 9, 1))
    assert deadline.due_on == date(2026, 9, 29)
    paused = domain.pause(deadline, date(2026, 9, 10))
    assert paused.state is State.paused and paused.next_check_on is None
    resumed = domain.resume(paused, reply, CAL, date(2026, 9, 17))   # 5 working days stood still
    assert resumed.state is State.open and resumed.shift_days == 5
    assert resumed.due_on == CAL.add_working_days(date(2026, 9, 1), 25) == date(2026, 10, 12)


def test_a_corrected_request_starts_the_reply_clock_again_from_the_correction():
    reply = POLICY.rule(c.RULE_REQUEST_REPLY)
    paused = domain.pause(opened(c.RULE_REQUEST_REPLY, start=date(2026, 9, 1)), date(2026, 9, 3))
    restarted = domain.restart(paused, reply, CAL, date(2026, 9, 24))
    assert restarted.opened_on == date(2026, 9, 24) and restarted.due_on == CAL.add_working_days(date(2026, 9, 24), 20)


def test_a_reply_is_extended_once_by_at_most_20_working_days():
    reply = POLICY.rule(c.RULE_REQUEST_REPLY)
    extended = domain.extend(opened(c.RULE_REQUEST_REPLY, start=date(2026, 9, 1)), reply, CAL, 20)
    assert extended.due_on == CAL.add_working_days(date(2026, 9, 1), 40) and extended.extended_days == 20
    with pytest.raises(Conflict, match="only once"):
        domain.extend(extended, reply, CAL, 5)
    with pytest.raises(Refused, match="1 to 20 working days"):
        domain.extend(opened(c.RULE_REQUEST_REPLY), reply, CAL, 21)


def test_reminders_come_5_and_1_working_days_before_on_the_day_and_escalation_after():
    deadline = opened()   # due Friday 2026-10-23
    plan = domain.schedule(deadline, POLICY.rule(deadline.rule), CAL)
    assert [(r.key, r.on) for r in plan] == [("before-5", date(2026, 10, 16)), ("before-1", date(2026, 10, 22)),
                                            ("before-0", date(2026, 10, 23)), ("overdue", date(2026, 10, 26))]


def test_a_monitor_back_after_days_sends_only_the_latest_reminder():
    deadline, rule = opened(), POLICY.rule(c.RULE_PROACTIVE_PUBLICATION)
    send, stale, next_day = domain.reminders_due(deadline, rule, CAL, date(2026, 10, 22), set())
    assert send is not None and send.key == "before-1" and [r.key for r in stale] == ["before-5"]
    assert next_day == date(2026, 10, 23)
    send, stale, next_day = domain.reminders_due(deadline, rule, CAL, date(2026, 10, 27), {"before-5", "before-1"})
    assert send is not None and send.key == "overdue" and [r.key for r in stale] == ["before-0"] and next_day is None
    assert domain.reminders_due(deadline, rule, CAL, date(2026, 10, 1), set())[0] is None
