"""The pure deadline rules: due dates in the agency's time zone, and open → met | cancelled only."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from gongkai.notification import domain
from gongkai.notification.domain import PUBLISH, State
from gongkai.shared.errors import Conflict

SHANGHAI_MIDNIGHT = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 2026-10-01 00:00 in Shanghai


def opened(at: datetime = datetime(2026, 9, 30, 17, 0, tzinfo=UTC), version: int = 1) -> domain.Deadline:
    deadline = domain.on_submitted(None, False, deadline_id="d-1", item_id="item-1", version=version, rule=PUBLISH,
                                   at=at, days=15)
    assert deadline is not None
    return deadline


@pytest.mark.parametrize(("moment", "day"), [
    (datetime(2026, 9, 30, 17, 0, tzinfo=UTC), date(2026, 10, 1)),
    (SHANGHAI_MIDNIGHT, date(2026, 10, 1)),
    (datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC), date(2026, 9, 30)),
    (datetime(2026, 9, 30, 17, 0), date(2026, 10, 1)),
])
def test_the_opening_day_is_the_date_in_shanghai_not_in_utc(moment, day):
    assert domain.local_date(moment) == day


def test_a_deadline_is_due_the_configured_number_of_calendar_days_after_it_opened():
    assert domain.due_date(date(2026, 10, 1), 15) == date(2026, 10, 16)
    assert domain.due_date(date(2026, 12, 25), 15) == date(2027, 1, 9)


def test_a_submission_at_1700_utc_on_30_september_opens_on_1_october_and_is_due_on_16_october():
    deadline = opened()
    assert (deadline.opened_on, deadline.due_on, deadline.state) == (date(2026, 10, 1), date(2026, 10, 16), State.open)
    assert deadline.closed_at is None and deadline.late is None


def test_no_second_deadline_opens_while_one_is_open_or_once_the_version_was_seen():
    args = {"deadline_id": "d-2", "item_id": "item-1", "version": 1, "rule": PUBLISH,
            "at": datetime(2026, 10, 2, tzinfo=UTC), "days": 15}
    assert domain.on_submitted(opened(), False, **args) is None
    assert domain.on_submitted(None, True, **args) is None


def test_publication_by_the_end_of_the_due_day_in_shanghai_is_on_time():
    met = domain.on_outcome(opened(), 1, State.met, datetime(2026, 10, 16, 15, 59, tzinfo=UTC))
    assert met is not None and met.state is State.met and met.late is False
    assert met.closed_at == datetime(2026, 10, 16, 15, 59, tzinfo=UTC)


def test_publication_after_midnight_in_shanghai_on_the_due_day_is_late_even_if_utc_is_still_on_it():
    met = domain.on_outcome(opened(), 1, State.met, datetime(2026, 10, 16, 16, 0, tzinfo=UTC))
    assert met is not None and met.late is True


def test_a_cancelled_deadline_is_never_late():
    cancelled = domain.on_outcome(opened(), 1, State.cancelled, datetime(2027, 1, 1, tzinfo=UTC))
    assert cancelled is not None and cancelled.state is State.cancelled and cancelled.late is False


def test_an_outcome_without_an_open_deadline_or_of_an_older_version_closes_nothing():
    at = datetime(2026, 10, 2, tzinfo=UTC)
    assert domain.on_outcome(None, 1, State.met, at) is None
    assert domain.on_outcome(opened(version=2), 1, State.cancelled, at) is None


def test_an_outcome_of_a_later_version_meets_the_open_deadline():
    met = domain.on_outcome(opened(version=1), 2, State.met, datetime(2026, 10, 2, tzinfo=UTC))
    assert met is not None and met.state is State.met


@pytest.mark.parametrize("state", [State.met, State.cancelled])
def test_a_closed_deadline_cannot_close_again(state):
    closed = replace(opened(), state=state)
    with pytest.raises(Conflict, match="already"):
        domain.close(closed, State.met, datetime(2026, 10, 2, tzinfo=UTC))


def test_a_deadline_cannot_close_into_the_open_state():
    with pytest.raises(Conflict, match="cannot close as open"):
        domain.close(opened(), State.open, datetime(2026, 10, 2, tzinfo=UTC))
