from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

MESSAGES = (
    MessageSpec(c.DEADLINE_OPENED, c.DeadlineOpened, "events", ("notification",), "A deadline started"),
    MessageSpec(c.DEADLINE_DUE_SOON, c.DeadlineReminder, "events", ("notification",),
                "A reminder before a deadline (or on its day)"),
    MessageSpec(c.DEADLINE_OVERDUE, c.DeadlineReminder, "events", ("notification",),
                "A deadline passed unmet: escalated to the leading group office"),
    MessageSpec(c.DEADLINE_RECOMPUTED, c.DeadlineRecomputed, "events", ("notification",),
                "A deadline's due date changed (calendar loaded, clock paused or extended)"),
    MessageSpec(c.DEADLINE_MET, c.DeadlineClosed, "events", ("notification",), "A deadline was met"),
    MessageSpec(c.DEADLINE_CANCELLED, c.DeadlineClosed, "events", ("notification",),
                "A deadline no longer applies"),
    MessageSpec(c.LOAD_CALENDAR_YEAR, c.LoadCalendarYear, "intake", ("staff-tools",),
                "Load or correct a year of official holidays and make-up working days"),
    MessageSpec(c.CALENDAR_YEAR_LOADED, c.CalendarYearLoaded, "events", ("notification",),
                "A calendar year was loaded or corrected; open deadlines were recomputed"),
    MessageSpec(c.CALENDAR_YEAR_MISSING, c.CalendarYearMissing, "events", ("notification",),
                "A deadline reaches a year without holiday data: provisional, administrators alerted"),
    MessageSpec(c.NOTIFICATION_FAILED, c.DeliveryFailed, "events", ("notification",),
                "A delivery attempt failed; it will be retried"),
    MessageSpec(c.NOTIFICATION_PARKED, c.DeliveryFailed, "events", ("notification",),
                "A delivery kept failing and was parked for an operator"),
)
