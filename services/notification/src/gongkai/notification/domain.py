"""Deadline rules, free of I/O: when a deadline is due, and how it opens and closes.

``due_date`` is the one place that counts days; working-day calendars will replace it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from gongkai.shared.errors import Conflict

AGENCY_TIME_ZONE = ZoneInfo("Asia/Shanghai")
PUBLISH = "publish"


class State(StrEnum):
    open = "open"
    met = "met"
    cancelled = "cancelled"


@dataclass(frozen=True)
class Deadline:
    deadline_id: str
    item_id: str
    version: int
    rule: str
    opened_at: datetime
    opened_on: date
    due_on: date
    state: State = State.open
    closed_at: datetime | None = None
    late: bool | None = None


def local_date(moment: datetime, zone: ZoneInfo = AGENCY_TIME_ZONE) -> date:
    """The agency's calendar date at ``moment`` (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def due_date(opened_on: date, days: int) -> date:
    """The day a deadline opened on ``opened_on`` falls due: ``days`` calendar days later."""
    return opened_on + timedelta(days=days)


def is_late(due_on: date, closed_at: datetime) -> bool:
    return local_date(closed_at) > due_on


def on_submitted(current: Deadline | None, version_known: bool, *, deadline_id: str, item_id: str, version: int,
                 rule: str, at: datetime, days: int) -> Deadline | None:
    """A new open deadline, unless the item has one open or this version was already seen.

    ``version_known``: a deadline was opened for this version before, or its outcome (publication,
    rejection) arrived first, so a deadline opened now could never be met.
    """
    if current is not None or version_known:
        return None
    opened_on = local_date(at)
    return Deadline(deadline_id=deadline_id, item_id=item_id, version=version, rule=rule, opened_at=at,
                    opened_on=opened_on, due_on=due_date(opened_on, days))


def on_outcome(current: Deadline | None, version: int, outcome: State, at: datetime) -> Deadline | None:
    """The open deadline closed by an outcome of ``version``; None when no open deadline is for it."""
    if current is None or current.version > version:
        return None
    return close(current, outcome, at)


def close(deadline: Deadline, outcome: State, at: datetime) -> Deadline:
    """open → met | cancelled; anything else is refused."""
    if deadline.state is not State.open:
        raise Conflict(f"deadline {deadline.deadline_id} is already {deadline.state.value}")
    if outcome is State.met:
        return replace(deadline, state=State.met, closed_at=at, late=is_late(deadline.due_on, at))
    if outcome is State.cancelled:
        return replace(deadline, state=State.cancelled, closed_at=at, late=False)
    raise Conflict(f"a deadline cannot close as {outcome.value}")
