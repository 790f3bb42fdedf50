"""What the oversight routes answer."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from .domain import Inspection


class InspectionSummary(BaseModel):
    inspection_id: str
    unit: str
    kind: str
    on: date
    state: str
    inspectors: list[str]
    findings: int
    open_rectifications: int


class StepAnswer(BaseModel):
    inspection_id: str
    state: str
    finding_id: str | None = None
    rectification_id: str | None = None
    due_on: date | None = None
    points_not_met: int | None = None
    late: bool | None = None
    on: date | None = None
    closed_on: date | None = None


class AnnualAnswer(BaseModel):
    year: int
    entered_by: str
    entered: list[str] | None = None
    section: str | None = None
    sha256: str | None = None


class ChecklistPoint(BaseModel):
    id: str
    name: str
    text: str


class ChecklistView(BaseModel):
    source: str
    points: list[ChecklistPoint]


class Scorecard(BaseModel):
    """A unit's figures: its publications (on time or late), withdrawals and requests, from the facts oversight
    keeps, beside its inspections and their rectifications."""

    unit: str
    published: int = 0
    published_on_time: int = 0
    published_late: int = 0
    on_time_rate: float | None = None
    withdrawn: int = 0
    requests_received: int = 0
    requests_answered: int = 0
    requests_answered_in_time: int = 0
    answered_in_time_rate: float | None = None
    inspections: int = 0
    last_inspection_on: date | None = None
    points_not_met_last: int | None = None
    findings: int = 0
    open_rectifications: int = 0
    overdue_rectifications: int = 0


def summary(inspection: Inspection) -> InspectionSummary:
    return InspectionSummary(inspection_id=inspection.inspection_id, unit=inspection.unit,
                             kind=inspection.kind.value, on=inspection.on, state=inspection.state.value,
                             inspectors=list(inspection.inspectors), findings=len(inspection.findings),
                             open_rectifications=len(inspection.open_rectifications()))


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def scorecards(facts: dict[str, dict[str, int]], inspections: list[Inspection], today: date) -> list[Scorecard]:
    units = sorted({*facts, *(i.unit for i in inspections)})
    cards = []
    for unit in units:
        f = facts.get(unit, {})
        theirs = sorted((i for i in inspections if i.unit == unit), key=lambda i: i.on)
        checked = [i for i in theirs if i.results]
        open_ones = [r for i in theirs for r in i.open_rectifications()]
        published, late = f.get("published", 0), f.get("published_late", 0)
        answered, answered_late = f.get("request_answered", 0), f.get("request_answered_late", 0)
        cards.append(Scorecard(
            unit=unit, published=published, published_on_time=published - late, published_late=late,
            on_time_rate=rate(published - late, published), withdrawn=f.get("withdrawn", 0),
            requests_received=f.get("request_assigned", 0), requests_answered=answered,
            requests_answered_in_time=answered - answered_late,
            answered_in_time_rate=rate(answered - answered_late, answered), inspections=len(theirs),
            last_inspection_on=theirs[-1].on if theirs else None,
            points_not_met_last=checked[-1].points_not_met() if checked else None,
            findings=sum(len(i.findings) for i in theirs), open_rectifications=len(open_ones),
            overdue_rectifications=sum(1 for r in open_ones if r.due_on < today)))
    return cards


class ReportAnswer(BaseModel):
    report_id: str
    state: str
    sha256: str | None = None
    due_on: date | None = None
    receipt_id: str | None = None


class ReportSummary(BaseModel):
    report_id: str
    schedule: str
    period: str
    period_start: date
    period_end: date
    state: str
    sha256: str
    attempts: int
    last_error: str | None
    delivered_at: datetime | None
    receipt_id: str | None
    acknowledged_at: datetime | None
    compiled_by: str


class ReportDetail(ReportSummary):
    content: dict[str, Any]


def report_summary(row: dict[str, Any]) -> ReportSummary:
    return ReportSummary.model_validate({k: v for k, v in row.items() if k in ReportSummary.model_fields})


def report_detail(row: dict[str, Any]) -> ReportDetail:
    return ReportDetail(**report_summary(row).model_dump(), content=json.loads(row["body"]))
