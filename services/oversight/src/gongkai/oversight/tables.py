"""The oversight schema: inspections (the state machine's document beside the columns they are found by), the
facts a unit's scorecard counts, and the periodic reports with their delivery and acknowledgement."""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, String, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "oversight"
metadata = service_metadata(SCHEMA)

inspections = Table(
    "inspections", metadata,
    Column("inspection_id", String(64), primary_key=True),
    Column("unit", String(128), nullable=False, comment="the unit inspected"),
    Column("kind", String(16), nullable=False, comment="announced (明查) or unannounced (暗访)"),
    Column("on", Date, nullable=False, comment="the day of the inspection"),
    Column("state", String(16), nullable=False),
    Column("document", JSONB, nullable=False, comment="the domain's Inspection: results, findings, rectifications"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_inspections_unit_on", inspections.c.unit, inspections.c.on)

unit_facts = Table(
    "unit_facts", metadata,
    Column("event_id", String(128), primary_key=True, comment="the fact's CloudEvents id: each counted once"),
    Column("kind", String(24), nullable=False,
           comment="published (a publication deadline met), withdrawn, request_assigned, request_answered"),
    Column("unit", String(128), nullable=False, comment="the unit, or - when the fact names none"),
    Column("on", Date, nullable=False, comment="the day it happened (Asia/Shanghai)"),
    Column("late", Boolean, nullable=False, server_default="false"),
    Column("subject", String(64), comment="the item or request"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_unit_facts_on_unit", unit_facts.c.on, unit_facts.c.unit)

reports = Table(
    "reports", metadata,
    Column("report_id", String(64), primary_key=True),
    Column("schedule", String(16), nullable=False),
    Column("period", String(8), nullable=False),
    Column("period_start", Date, nullable=False),
    Column("period_end", Date, nullable=False),
    Column("body", Text, nullable=False, comment="the JSON delivered, byte for byte (it is what is signed)"),
    Column("sha256", String(64), nullable=False),
    Column("state", String(16), nullable=False, comment="pending, delivered, acknowledged, failed"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("delivered_at", DateTime(timezone=True)),
    Column("receipt_id", String(128)),
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("compiled_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("uq_reports_schedule_period", reports.c.schedule, reports.c.period, unique=True)
Index("ix_reports_state_next_attempt_at", reports.c.state, reports.c.next_attempt_at)

annual_report_entries = Table(
    "annual_report_entries", metadata,
    Column("entry_id", Integer, primary_key=True, autoincrement=True),
    Column("year", Integer, nullable=False, comment="the year the annual report is of"),
    Column("kind", String(8), nullable=False, comment="figure or text"),
    Column("key", String(32), nullable=False, comment="the figure (ReportFigure) or the section (ReportSection)"),
    Column("value", Text, nullable=False, comment="the figure as a decimal, or the section's text"),
    Column("note", Text, comment="where a figure comes from"),
    Column("entered_by", String(128), nullable=False),
    Column("entered_at", DateTime(timezone=True), nullable=False),
)
Index("ix_annual_report_entries_year_kind_key", annual_report_entries.c.year, annual_report_entries.c.kind,
      annual_report_entries.c.key, annual_report_entries.c.entry_id)
