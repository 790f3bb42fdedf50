"""Deadlines and notifications (notification service).

Rule ids are shared vocabulary: audit counts on-time and late publication by them.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from ._base import Payload

# Rule ids (the notification service's policy file gives their lengths and reminders).
RULE_PROACTIVE_PUBLICATION = "proactive-publication"   # publish within N working days of being formed
RULE_CHANGE_PUBLICATION = "change-publication"         # publish an update within 15 working days of a change
RULE_REVIEW = "review-sla"                             # decide a review case
RULE_ANNUAL_REPORT = "annual-report"                   # 年度报告 by 31 January
RULE_ANNUAL_TARGETS = "annual-targets"                 # 年度目标 at the start of the year
RULE_REQUEST_REPLY = "request-reply"                   # answer a request (20 + one extension of up to 20)
RULE_REQUEST_CORRECTION = "request-correction"         # ask the applicant to correct (补正) within 7
RULE_REQUEST_THIRD_PARTY = "request-third-party"       # third party's opinion within 15

DEADLINE_OPENED = "gongkai.deadline.opened.v1"
DEADLINE_DUE_SOON = "gongkai.deadline.due_soon.v1"
DEADLINE_OVERDUE = "gongkai.deadline.overdue.v1"
DEADLINE_MET = "gongkai.deadline.met.v1"
DEADLINE_CANCELLED = "gongkai.deadline.cancelled.v1"


class DeadlineOpened(Payload):
    deadline_id: str
    item_id: str
    rule: str
    opened_on: date
    due_on: date
    provisional: bool = False
    unit: str | None = None
    category: str | None = None


class DeadlineClosed(Payload):
    deadline_id: str
    item_id: str
    rule: str
    due_on: date
    closed_at: datetime
    late: bool = False
    unit: str | None = None
    category: str | None = None


class DeadlineReminder(Payload):
    """Due soon (``working_days_left`` ≥ 0) or overdue (negative), with whom it went to."""

    deadline_id: str
    item_id: str
    rule: str
    due_on: date
    working_days_left: int
    unit: str | None = None
    category: str | None = None
    recipients: list[str] = Field(default_factory=list)
