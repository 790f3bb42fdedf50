"""Deadline rules, free of I/O: due dates on the working-day calendar, clocks that pause and extend,
how a deadline opens and closes, and which reminders are due on a given day.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum

from gongkai.shared.calendar import AGENCY_TIME_ZONE, WorkingCalendar
from gongkai.shared.calendar import local_date as _local_date
from gongkai.shared.deadline_rules import Rule, due_date
from gongkai.shared.errors import Conflict, Refused


class State(StrEnum):
    open = "open"
    paused = "paused"        # a request's reply clock while a third party is consulted or a correction awaited
    met = "met"
    cancelled = "cancelled"


LIVE = (State.open, State.paused)


@dataclass(frozen=True)
class Deadline:
    deadline_id: str
    subject: str            # what it is counted for: item, review case, request or year
    item_id: str            # the item (or request, or year) it is about, as events name it
    version: int
    rule: str
    opened_at: datetime
    opened_on: date         # the date the clock starts from (formed, changed, received …)
    due_on: date
    state: State = State.open
    closed_at: datetime | None = None
    late: bool | None = None
    provisional: bool = False
    unit: str | None = None
    category: str | None = None
    person: str | None = None
    extended_days: int = 0
    shift_days: int = 0      # working days the clock stood still (third-party consultation)
    length: int | None = None  # the category's own time limit, in place of the rule's
    paused_on: date | None = None
    next_check_on: date | None = None


def local_date(moment: datetime) -> date:
    return _local_date(moment, AGENCY_TIME_ZONE)


def open_deadline(rule: Rule, cal: WorkingCalendar, *, deadline_id: str, subject: str, item_id: str, version: int,
                  at: datetime, start: date, unit: str | None = None, category: str | None = None,
                  person: str | None = None, escalate_after: int = 1, length: int | None = None) -> Deadline:
    due, provisional = due_date(rule, start, cal, length=length)
    deadline = Deadline(deadline_id=deadline_id, subject=subject, item_id=item_id, version=version, rule=rule.id,
                        opened_at=at, opened_on=start, due_on=due, provisional=provisional, unit=unit,
                        category=category, person=person, length=length)
    return replace(deadline, next_check_on=next_check(deadline, rule, cal, escalate_after, after=None))


def recompute(deadline: Deadline, rule: Rule, cal: WorkingCalendar, *, escalate_after: int = 1,
              today: date | None = None) -> Deadline:
    """The deadline with its due date counted again (a calendar year loaded, a clock moved)."""
    due, provisional = due_date(rule, deadline.opened_on, cal, deadline.extended_days + deadline.shift_days,
                                length=deadline.length)
    moved = replace(deadline, due_on=due, provisional=provisional)
    return replace(moved, next_check_on=next_check(moved, rule, cal, escalate_after, after=today))


def is_late(due_on: date, closed_on: date) -> bool:
    return closed_on > due_on


def close(deadline: Deadline, outcome: State, at: datetime, on: date | None = None) -> Deadline:
    """open | paused → met | cancelled; anything else is refused. ``on`` is the day it was met
    (default: ``at`` in the agency's time zone)."""
    if deadline.state not in LIVE:
        raise Conflict(f"deadline {deadline.deadline_id} is already {deadline.state.value}")
    if outcome is State.met:
        day = on or local_date(at)
        return replace(deadline, state=State.met, closed_at=at, late=is_late(deadline.due_on, day),
                       next_check_on=None)
    if outcome is State.cancelled:
        return replace(deadline, state=State.cancelled, closed_at=at, late=False, next_check_on=None)
    raise Conflict(f"a deadline cannot close as {outcome.value}")


def on_outcome(current: Deadline | None, version: int, outcome: State, at: datetime) -> Deadline | None:
    """The open deadline closed by an outcome of ``version``; None when no open deadline is for it."""
    if current is None or current.version > version:
        return None
    return close(current, outcome, at)


def pause(deadline: Deadline, on: date) -> Deadline:
    if deadline.state is not State.open:
        raise Conflict(f"the {deadline.rule} clock is {deadline.state.value}, not running")
    return replace(deadline, state=State.paused, paused_on=on, next_check_on=None)


def resume(deadline: Deadline, rule: Rule, cal: WorkingCalendar, on: date, *, escalate_after: int = 1,
           today: date | None = None) -> Deadline:
    """The clock runs again; the working days it stood still (after the pause day, up to ``on``) are added."""
    if deadline.state is not State.paused or deadline.paused_on is None:
        raise Conflict(f"the {deadline.rule} clock is not paused")
    if on < deadline.paused_on:
        raise Refused(f"{on} is before the clock was paused on {deadline.paused_on}", status=422)
    stood = cal.working_days_between(deadline.paused_on, on)
    running = replace(deadline, state=State.open, paused_on=None, shift_days=deadline.shift_days + stood)
    return recompute(running, rule, cal, escalate_after=escalate_after, today=today)


def restart(deadline: Deadline, rule: Rule, cal: WorkingCalendar, on: date, *, escalate_after: int = 1,
            today: date | None = None) -> Deadline:
    """The clock starts again from ``on`` (a corrected request counts as received that day)."""
    running = replace(deadline, state=State.open, paused_on=None, opened_on=on, shift_days=0)
    return recompute(running, rule, cal, escalate_after=escalate_after, today=today)


def extend(deadline: Deadline, rule: Rule, cal: WorkingCalendar, working_days: int, *, escalate_after: int = 1,
           today: date | None = None) -> Deadline:
    """One extension of up to ``rule.max_extension`` working days; a second one is refused."""
    if deadline.state not in LIVE:
        raise Conflict(f"the {deadline.rule} deadline is {deadline.state.value}")
    if deadline.extended_days:
        raise Conflict(f"the {deadline.rule} deadline was already extended by {deadline.extended_days} working days; "
                       "it can be extended only once")
    if not 1 <= working_days <= rule.max_extension:
        raise Refused(f"an extension is 1 to {rule.max_extension} working days, not {working_days}", status=422)
    return recompute(replace(deadline, extended_days=working_days), rule, cal, escalate_after=escalate_after,
                     today=today)


# ---- reminders ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Reminder:
    key: str          # unique per deadline: before-5, before-1, before-0, overdue
    on: date          # the first day it is due
    overdue: bool

    def working_days_left(self, deadline: Deadline, cal: WorkingCalendar, today: date) -> int:
        return cal.working_days_between(today, deadline.due_on)


def schedule(deadline: Deadline, rule: Rule, cal: WorkingCalendar, escalate_after: int = 1) -> list[Reminder]:
    """The reminders before the due date and the escalation after it, in date order."""
    out = [Reminder(f"before-{n}", cal.add_working_days(deadline.due_on, -n) if n else deadline.due_on, False)
           for n in rule.reminders]
    out.append(Reminder("overdue", cal.add_working_days(deadline.due_on, max(escalate_after, 0))
                        if escalate_after else deadline.due_on + timedelta(days=1), True))
    return sorted(out, key=lambda r: (r.on, r.overdue))


def next_check(deadline: Deadline, rule: Rule, cal: WorkingCalendar, escalate_after: int, *,
               after: date | None) -> date | None:
    """The first day after ``after`` (or the earliest, when None) that has a reminder to send."""
    days = [r.on for r in schedule(deadline, rule, cal, escalate_after) if after is None or r.on > after]
    return min(days) if days else None


def reminders_due(deadline: Deadline, rule: Rule, cal: WorkingCalendar, today: date, sent: set[str],
                  escalate_after: int = 1) -> tuple[Reminder | None, list[Reminder], date | None]:
    """(the reminder to send today, the older ones now pointless to send, the next day to look again).

    A monitor that was down for days sends only the most recent reminder, not a burst of stale ones.
    """
    plan = schedule(deadline, rule, cal, escalate_after)
    due = [r for r in plan if r.on <= today and r.key not in sent]
    later = [r.on for r in plan if r.on > today]
    send = due[-1] if due else None
    return send, due[:-1], (min(later) if later else None)
