"""The oversight service's messages: inspections of the bureau's units (明查、暗访, the plan's 七(三)) with their
findings and rectifications, and the periodic reports to the district disclosure office (the plan's 六(五)).

Commands (``gongkai.intake``, routing key ``oversight.*``) are the office's steps; the facts (``gongkai.events``,
``oversight.*``) say what happened. Notification keeps two clocks from them: a rectification's (opened by
``oversight.rectification_ordered``, met by ``oversight.rectification_closed``) and a delivered report's
acknowledgement (opened by ``oversight.report_delivered``, met by ``oversight.report_acknowledged``).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from ._base import Count, Day, ItemId, LaterDay, Line, Moment, Payload, Text

MAX_RECTIFICATION_DAYS = 60  # working days a unit may be given to put a finding right
MAX_EVIDENCE = 4_000
MAX_FINDING = 2_000


class InspectionKind(StrEnum):
    """七(三): 采取明查、暗访的方式."""

    announced = "announced"      # 明查: the unit is told beforehand
    unannounced = "unannounced"  # 暗访: it is not


class PointResult(StrEnum):
    met = "met"          # 符合
    partly = "partly"    # 部分符合
    not_met = "not-met"  # 不符合


class FindingSeverity(StrEnum):
    minor = "minor"      # 一般
    major = "major"      # 较重
    serious = "serious"  # 严重


class ReportSchedule(StrEnum):
    monthly = "monthly"
    quarterly = "quarterly"


# ---- commands (gongkai.intake, routing key oversight.*) ---------------------------------------------------

PLAN_INSPECTION = "gongkai.oversight.plan_inspection.v1"
RECORD_CHECKLIST = "gongkai.oversight.record_checklist.v1"
RECORD_FINDING = "gongkai.oversight.record_finding.v1"
ORDER_RECTIFICATION = "gongkai.oversight.order_rectification.v1"
CLOSE_RECTIFICATION = "gongkai.oversight.close_rectification.v1"
CLOSE_INSPECTION = "gongkai.oversight.close_inspection.v1"
COMPILE_REPORT = "gongkai.oversight.compile_report.v1"

class PlanInspection(Payload):
    unit: Line = Field(min_length=1, max_length=128, description="the unit inspected (局直属单位)")
    kind: InspectionKind
    on: LaterDay = Field(description="the day of the inspection")
    inspectors: list[Line] = Field(min_length=1, max_length=10, description="the inspectors, by name")


class CheckResult(Payload):
    point: Line = Field(min_length=1, max_length=64, description="a point of the checklist (GET /checklist)")
    result: PointResult
    note: Text | None = Field(None, max_length=2_000)


class RecordChecklistBody(Payload):
    results: list[CheckResult] = Field(min_length=1, max_length=20, description="every point of the checklist, once")


class RecordChecklist(RecordChecklistBody):
    inspection_id: ItemId


class RecordFindingBody(Payload):
    point: Line = Field(min_length=1, max_length=64, description="the checklist point it is about")
    severity: FindingSeverity
    text: Text = Field(min_length=1, max_length=MAX_FINDING)


class RecordFinding(RecordFindingBody):
    inspection_id: ItemId


class OrderRectificationBody(Payload):
    finding_id: Line = Field(min_length=1, max_length=64)
    text: Text = Field(min_length=1, max_length=MAX_FINDING, description="what the unit is to put right")
    working_days: int = Field(ge=1, le=MAX_RECTIFICATION_DAYS, description="working days, on the shared calendar")
    on: Day = Field(description="the day the rectification was ordered")


class OrderRectification(OrderRectificationBody):
    inspection_id: ItemId


class CloseRectificationBody(Payload):
    evidence: Text = Field(min_length=1, max_length=MAX_EVIDENCE, description="what shows it was put right")
    on: Day


class CloseRectification(CloseRectificationBody):
    inspection_id: ItemId
    rectification_id: ItemId


class CloseInspectionBody(Payload):
    on: Day
    note: Text | None = Field(None, max_length=2_000)


class CloseInspection(CloseInspectionBody):
    inspection_id: ItemId


class CompileReport(Payload):
    schedule: ReportSchedule
    period: Line = Field(min_length=6, max_length=8, description="2026-11 (monthly) or 2026-Q4 (quarterly)")


# ---- facts (gongkai.events, routing key oversight.*) -----------------------------------------------------

OVERSIGHT_INSPECTION_PLANNED = "gongkai.oversight.inspection_planned.v1"
OVERSIGHT_CHECKLIST_RECORDED = "gongkai.oversight.checklist_recorded.v1"
OVERSIGHT_FINDING_RECORDED = "gongkai.oversight.finding_recorded.v1"
OVERSIGHT_RECTIFICATION_ORDERED = "gongkai.oversight.rectification_ordered.v1"
OVERSIGHT_RECTIFICATION_CLOSED = "gongkai.oversight.rectification_closed.v1"
OVERSIGHT_INSPECTION_CLOSED = "gongkai.oversight.inspection_closed.v1"
OVERSIGHT_REPORT_COMPILED = "gongkai.oversight.report_compiled.v1"
OVERSIGHT_REPORT_DELIVERED = "gongkai.oversight.report_delivered.v1"
OVERSIGHT_REPORT_ACKNOWLEDGED = "gongkai.oversight.report_acknowledged.v1"


class InspectionStep(Payload):
    """An inspection planned, its checklist recorded, or closed."""

    inspection_id: ItemId
    unit: Line
    kind: InspectionKind
    on: LaterDay
    note: Text | None = None
    inspectors: list[Line] = Field(default_factory=list)
    points_not_met: Count = 0


class FindingRecorded(Payload):
    inspection_id: ItemId
    finding_id: Line
    unit: Line
    point: Line
    severity: FindingSeverity


class RectificationOrdered(Payload):
    """A rectification with its time limit: notification opens its clock from ``ordered_on``."""

    inspection_id: ItemId
    rectification_id: ItemId
    finding_id: Line
    unit: Line
    ordered_on: Day
    working_days: int = Field(ge=1, le=MAX_RECTIFICATION_DAYS)
    due_on: LaterDay
    ordered_by: Line


class RectificationClosed(Payload):
    """Put right, with evidence (its SHA-256 here; the text stays in oversight): notification meets the clock."""

    inspection_id: ItemId
    rectification_id: ItemId
    unit: Line
    closed_on: Day
    evidence_sha256: Line
    closed_by: Line


class ReportCompiled(Payload):
    report_id: ItemId
    schedule: ReportSchedule
    period: Line
    period_start: Day
    period_end: Day
    sha256: Line


class ReportDelivered(Payload):
    """The district's endpoint took the report (2xx): notification opens the acknowledgement clock."""

    report_id: ItemId
    schedule: ReportSchedule
    period: Line
    delivered_at: Moment
    attempts: Count
    sha256: Line


class ReportAcknowledged(Payload):
    report_id: ItemId
    receipt_id: Line
    acknowledged_at: Moment


class AcknowledgeReport(Payload):
    """The district office's acknowledgement, sent to ``POST /district/acknowledgements`` (signed)."""

    report_id: ItemId
    receipt_id: Line = Field(min_length=1, max_length=128, description="the district office's receipt number")
