"""The oversight service's messages: inspections of the bureau's units (明查、暗访, the plan's 七(三)) with their
findings and rectifications, and the periodic reports to the district disclosure office (the plan's 六(五)).

Commands (``gongkai.intake``, routing key ``oversight.*``) are the office's steps; the facts (``gongkai.events``,
``oversight.*``) say what happened. Notification keeps two clocks from them: a rectification's (opened by
``oversight.rectification_ordered``, met by ``oversight.rectification_closed``) and a delivered report's
acknowledgement (opened by ``oversight.report_delivered``, met by ``oversight.report_acknowledged``).
"""

from __future__ import annotations

from decimal import Decimal
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
ENTER_REPORT_FIGURES = "gongkai.oversight.enter_report_figures.v1"
SAVE_REPORT_TEXT = "gongkai.oversight.save_report_text.v1"

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


# ---- the annual report (政府信息公开工作年度报告, 国办公开办函〔2021〕30号) ------------------------------------

class ReportFigure(StrEnum):
    """A figure of the annual report that no event gives (or that staff confirm): entered by the office."""

    regulations_issued = "regulations-issued"        # 规章 本年制发件数
    regulations_repealed = "regulations-repealed"    # 规章 本年废止件数
    regulations_in_force = "regulations-in-force"    # 规章 现行有效件数
    normative_issued = "normative-issued"            # 规范性文件 本年制发件数
    normative_repealed = "normative-repealed"        # 规范性文件 本年废止件数
    normative_in_force = "normative-in-force"        # 规范性文件 现行有效件数
    licensing_decisions = "licensing-decisions"      # 行政许可 本年处理决定数量
    punishment_decisions = "punishment-decisions"    # 行政处罚 本年处理决定数量
    enforcement_decisions = "enforcement-decisions"  # 行政强制 本年处理决定数量
    administrative_fees = "administrative-fees"      # 行政事业性收费 本年收费金额（万元）
    processing_fees = "processing-fees"              # 六: 本年收取信息处理费（元）


AMOUNT_FIGURES = frozenset({ReportFigure.administrative_fees, ReportFigure.processing_fees})
MAX_FIGURE = Decimal(1_000_000_000)
MAX_REPORT_TEXT = 20_000


class ReportSection(StrEnum):
    """The annual report's sections a person writes (the others are tables)."""

    overview = "overview"  # 一、总体情况 (drafted from the year's facts until a person saves one)
    problems = "problems"  # 五、存在的主要问题及改进情况
    other = "other"        # 六、其他需要报告的事项 (beside the information processing fees)


class EnteredFigure(Payload):
    figure: ReportFigure
    value: Decimal = Field(ge=0, le=MAX_FIGURE, max_digits=14, decimal_places=4,
                           description="a count (a whole number), or an amount: 万元 for administrative-fees, 元 for "
                                       "processing-fees")
    note: Text | None = Field(None, max_length=500, description="where the figure comes from")


class EnterReportFiguresBody(Payload):
    figures: list[EnteredFigure] = Field(min_length=1, max_length=len(ReportFigure),
                                         description="each figure at most once")


class EnterReportFigures(EnterReportFiguresBody):
    year: int = Field(ge=2000, le=2100)


class SaveReportTextBody(Payload):
    text: Text = Field(max_length=MAX_REPORT_TEXT, description="the section's text; empty: back to the draft (一) "
                                                                "or to nothing")


class SaveReportText(SaveReportTextBody):
    year: int = Field(ge=2000, le=2100)
    section: ReportSection


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
OVERSIGHT_REPORT_FIGURES_ENTERED = "gongkai.oversight.report_figures_entered.v1"
OVERSIGHT_REPORT_TEXT_SAVED = "gongkai.oversight.report_text_saved.v1"


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


class ReportFiguresEntered(Payload):
    """Figures of a year's annual report as the office entered them: audit logs them and builds the report."""

    year: int = Field(ge=2000, le=2100)
    figures: list[EnteredFigure]
    entered_by: Line
    entered_at: Moment


class ReportTextSaved(Payload):
    """A section's text of a year's annual report as a person saved it (empty: back to the draft)."""

    year: int = Field(ge=2000, le=2100)
    section: ReportSection
    text: Text = Field(max_length=MAX_REPORT_TEXT)
    sha256: Line
    saved_by: Line
    saved_at: Moment
