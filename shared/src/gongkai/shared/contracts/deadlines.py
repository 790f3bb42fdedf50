"""Deadlines and notifications (notification service).

Rule ids are shared vocabulary: audit counts on-time and late publication by them.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from ._base import Count, Day, Int32, ItemId, LaterDay, Line, Moment, Payload, Text

# Rule ids (the notification service's policy file gives their lengths and reminders).
RULE_PROACTIVE_PUBLICATION = "proactive-publication"   # publish within N working days of being formed
RULE_CHANGE_PUBLICATION = "change-publication"         # publish an update within 15 working days of a change
RULE_REVIEW = "review-sla"                             # decide a review case
RULE_ANNUAL_REPORT = "annual-report"                   # 年度报告 by 31 January
RULE_ANNUAL_TARGETS = "annual-targets"                 # 年度目标 at the start of the year
RULE_REQUEST_REPLY = "request-reply"                   # answer a request (20 + one extension of up to 20)
RULE_REQUEST_CORRECTION = "request-correction"         # ask the applicant to correct (补正) within 7
RULE_REQUEST_THIRD_PARTY = "request-third-party"       # third party's opinion within 15
RULE_OPINION_REPLY = "opinion-reply"                   # answer an opinion of the opinion box (意见箱)
RULE_RECTIFICATION = "inspection-rectification"       # a unit puts an inspection's finding right (oversight)
RULE_REPORT_ACKNOWLEDGEMENT = "district-report-ack"   # the district office acknowledges a periodic report

DEADLINE_OPENED = "gongkai.deadline.opened.v1"
DEADLINE_DUE_SOON = "gongkai.deadline.due_soon.v1"
DEADLINE_OVERDUE = "gongkai.deadline.overdue.v1"
DEADLINE_MET = "gongkai.deadline.met.v1"
DEADLINE_CANCELLED = "gongkai.deadline.cancelled.v1"


class DeadlineOpened(Payload):
    deadline_id: Line
    item_id: ItemId
    rule: Line
    opened_on: Day
    due_on: LaterDay
    provisional: bool = False
    unit: Line | None = None
    category: Line | None = None


class DeadlineClosed(Payload):
    deadline_id: Line
    item_id: ItemId
    rule: Line
    due_on: LaterDay
    closed_at: Moment
    late: bool = False
    unit: Line | None = None
    category: Line | None = None


class DeadlineReminder(Payload):
    """Due soon (``working_days_left`` ≥ 0) or overdue (negative), with whom it went to."""

    deadline_id: Line
    item_id: ItemId
    rule: Line
    due_on: LaterDay
    working_days_left: Int32
    unit: Line | None = None
    category: Line | None = None
    recipients: list[Line] = Field(default_factory=list)


DEADLINE_RECOMPUTED = "gongkai.deadline.recomputed.v1"


class DeadlineRecomputed(Payload):
    """A deadline's due date changed: a calendar year was loaded or corrected, a clock paused or resumed,
    or a request's reply was extended. ``item_id`` is what the deadline is about (item, request or year)."""

    deadline_id: Line
    item_id: ItemId
    rule: Line
    previous_due_on: LaterDay
    due_on: LaterDay
    provisional: bool = False
    reason: Text
    unit: Line | None = None
    category: Line | None = None
    recipients: list[Line] = Field(default_factory=list)


# ---- the working-day calendar (intake command, events on gongkai.events with routing key calendar.*) ----

LOAD_CALENDAR_YEAR = "gongkai.calendar.load.v1"
CALENDAR_YEAR_LOADED = "gongkai.calendar.loaded.v1"
CALENDAR_YEAR_MISSING = "gongkai.calendar.year_missing.v1"


class CalendarPeriod(Payload):
    """One holiday period of a notice: its days off (``from``–``to``) and its make-up working days.

    Its dates are checked against the year by the calendar itself (``gongkai.shared.calendar.parse_year``).
    """

    name: Line = Field(min_length=1, max_length=50, examples=["国庆节"])
    from_: date = Field(alias="from")
    to: date
    working: list[date] = Field(default_factory=list, max_length=10)


class LoadCalendarYear(Payload):
    """A year of official holidays and make-up working days, from the State Council's notice."""

    year: int = Field(le=9999, examples=[2027], description="1949 to 9999; every date must lie in it")
    notice: Line = Field(min_length=1, max_length=200, examples=["国务院办公厅关于2027年部分节假日安排的通知"])
    reference: Line = Field(min_length=1, max_length=100, examples=["国办发明电〔2026〕1号"])
    issued_on: Day | None = None
    holidays: list[CalendarPeriod] = Field(min_length=1, max_length=20)


class CalendarYearLoaded(Payload):
    year: Count
    notice: Line
    reference: Line
    replaced: bool = Field(description="the year had data before (a correction)")
    loaded_by: Line
    holidays: Count = Field(description="weekdays off")
    make_up_working_days: Count
    recomputed: Count = Field(description="open deadlines whose due date changed")


class CalendarYearMissing(Payload):
    """An administrators' alert: a deadline reaches into a year with no holiday data, so its due date
    counts weekends only (provisional) until the year's notice is loaded."""

    year: Count
    deadline_id: Line
    item_id: ItemId
    rule: Line
    due_on: LaterDay


# ---- deliveries (gongkai.events, routing key notification.*) -------------------------------------

NOTIFICATION_FAILED = "gongkai.notification.failed.v1"
NOTIFICATION_PARKED = "gongkai.notification.parked.v1"


class DeliveryFailed(Payload):
    """One delivery attempt failed (failed: it will be retried at ``retry_at``) or gave up (parked)."""

    delivery_id: Line
    channel: Line
    recipient: Line
    attempts: Count
    error: Text
    retry_at: Moment | None = None
    deadline_id: Line | None = None
    source_event: Line | None = None
