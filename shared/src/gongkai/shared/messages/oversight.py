from __future__ import annotations

from .. import contracts as c
from .spec import MessageSpec

STAFF = ("staff-tools",)
OVERSIGHT = ("oversight",)

MESSAGES = (
    MessageSpec(c.PLAN_INSPECTION, c.PlanInspection, "intake", STAFF,
                "Plan an inspection (明查 or 暗访) of a unit on a day by named inspectors (实施方案七(三))"),
    MessageSpec(c.RECORD_CHECKLIST, c.RecordChecklist, "intake", STAFF,
                "Record the result of every point of the checklist, on or after the inspection's day"),
    MessageSpec(c.RECORD_FINDING, c.RecordFinding, "intake", STAFF,
                "Record a finding of an inspected unit, with its checklist point and severity"),
    MessageSpec(c.ORDER_RECTIFICATION, c.OrderRectification, "intake", STAFF,
                "Order a finding put right within a number of working days"),
    MessageSpec(c.CLOSE_RECTIFICATION, c.CloseRectification, "intake", STAFF,
                "Close a rectification with the evidence that it was put right"),
    MessageSpec(c.CLOSE_INSPECTION, c.CloseInspection, "intake", STAFF,
                "Close an inspection whose rectifications are all closed"),
    MessageSpec(c.COMPILE_REPORT, c.CompileReport, "intake", STAFF,
                "Compile a periodic report to the district office for a month or a quarter (实施方案六(五))"),
    MessageSpec(c.ENTER_REPORT_FIGURES, c.EnterReportFigures, "intake", STAFF,
                "Enter figures of a year's annual report that no event gives (行政处罚, 收费 …), each recorded "
                "with who entered it"),
    MessageSpec(c.SAVE_REPORT_TEXT, c.SaveReportText, "intake", STAFF,
                "Save a section's text of a year's annual report (一 总体情况, 五 问题与改进, 六 其他)"),
    MessageSpec(c.OVERSIGHT_INSPECTION_PLANNED, c.InspectionStep, "events", OVERSIGHT,
                "An inspection of a unit was planned"),
    MessageSpec(c.OVERSIGHT_CHECKLIST_RECORDED, c.InspectionStep, "events", OVERSIGHT,
                "An inspection's checklist was recorded (how many points were not met)"),
    MessageSpec(c.OVERSIGHT_FINDING_RECORDED, c.FindingRecorded, "events", OVERSIGHT,
                "A finding of an inspection, with its severity"),
    MessageSpec(c.OVERSIGHT_RECTIFICATION_ORDERED, c.RectificationOrdered, "events", OVERSIGHT,
                "A rectification was ordered; notification opens its clock"),
    MessageSpec(c.OVERSIGHT_RECTIFICATION_CLOSED, c.RectificationClosed, "events", OVERSIGHT,
                "A rectification was closed with evidence; notification meets its clock"),
    MessageSpec(c.OVERSIGHT_INSPECTION_CLOSED, c.InspectionStep, "events", OVERSIGHT,
                "An inspection was closed, every rectification put right"),
    MessageSpec(c.OVERSIGHT_REPORT_COMPILED, c.ReportCompiled, "events", OVERSIGHT,
                "A periodic report to the district office was compiled (its hash)"),
    MessageSpec(c.OVERSIGHT_REPORT_DELIVERED, c.ReportDelivered, "events", OVERSIGHT,
                "The district office's endpoint took a report; notification opens the acknowledgement clock"),
    MessageSpec(c.OVERSIGHT_REPORT_ACKNOWLEDGED, c.ReportAcknowledged, "events", OVERSIGHT,
                "The district office acknowledged a report with its receipt; notification meets the clock"),
    MessageSpec(c.OVERSIGHT_REPORT_FIGURES_ENTERED, c.ReportFiguresEntered, "events", OVERSIGHT,
                "Figures of a year's annual report were entered, with who entered them; audit builds the report"),
    MessageSpec(c.OVERSIGHT_REPORT_TEXT_SAVED, c.ReportTextSaved, "events", OVERSIGHT,
                "A section's text of a year's annual report was saved; audit builds the report"),
)
