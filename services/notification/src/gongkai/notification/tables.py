"""The notification schema."""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "notification"
metadata = service_metadata(SCHEMA)

deadlines = Table(
    "deadlines", metadata,
    Column("deadline_id", String(64), primary_key=True),
    Column("item_id", String(64), nullable=False),
    Column("version", Integer, nullable=False, comment="the item version whose submission opened it"),
    Column("rule", String(32), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("opened_on", Date, nullable=False, comment="the day the clock starts from, in the agency's time zone"),
    Column("due_on", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("late", Boolean),
    Column("subject", String(100), nullable=False, comment="what it is counted for: item, case, request or year"),
    Column("provisional", Boolean, nullable=False, server_default=text("false"),
           comment="due date counted on weekends only: a year without holiday data"),
    Column("unit", String(128)),
    Column("category", String(32)),
    Column("person", String(128), comment="who caused it (submitter, marker, reviewer)"),
    Column("extended_days", Integer, nullable=False, server_default=text("0")),
    Column("shift_days", Integer, nullable=False, server_default=text("0"),
           comment="working days the clock stood still"),
    Column("length", Integer, comment="the category's own time limit in working days, in place of the rule's"),
    Column("paused_on", Date),
    Column("next_check_on", Date, comment="the next day the monitor has a reminder to send"),
    CheckConstraint("state in ('open', 'paused', 'met', 'cancelled')", name="state_v2"),
)
Index("ix_deadlines_item", deadlines.c.item_id, deadlines.c.version)
Index("ix_deadlines_state_due", deadlines.c.state, deadlines.c.due_on)
Index("ix_deadlines_next_check", deadlines.c.next_check_on, postgresql_where=deadlines.c.state == "open")
# Every deadline of a subject, whatever its state: whether a rule was ever opened for it, and a batch's reads.
Index("ix_deadlines_subject", deadlines.c.subject, deadlines.c.rule)
# At most one live deadline per subject and rule, even with several replicas.
Index("uq_deadlines_live", deadlines.c.subject, deadlines.c.rule, unique=True,
      postgresql_where=deadlines.c.state.in_(["open", "paused"]))

early_outcomes = Table(
    "early_outcomes", metadata,
    Column("item_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("item_id", "version"),
    comment="outcomes (published, rejected, blocked) that found no open deadline: "
            "a later submission of the same version opens none",
)

reminders = Table(
    "reminders", metadata,
    Column("deadline_id", String(64), nullable=False),
    Column("key", String(32), nullable=False, comment="before-5, before-1, before-0, overdue"),
    Column("due_on", Date, nullable=False, comment="the deadline's due date when it was sent"),
    Column("sent_at", DateTime(timezone=True), nullable=False),
    Column("skipped", Boolean, nullable=False, server_default=text("false"),
           comment="superseded by a later reminder sent at the same check"),
    Column("event_id", String(64)),
    PrimaryKeyConstraint("deadline_id", "key", "due_on"),
    comment="one row per reminder sent: written with its outbox event, so each goes out once",
)

calendar_years = Table(
    "calendar_years", metadata,
    Column("year", Integer, primary_key=True),
    Column("data", JSONB, nullable=False, comment="the year file, as parsed"),
    Column("reference", String(100), nullable=False),
    Column("loaded_by", String(128), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

calendar_alerts = Table(
    "calendar_alerts", metadata,
    Column("year", Integer, primary_key=True),
    Column("alerted_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    comment="years without data the administrators were alerted about (once per year)",
)

requests = Table(
    "requests", metadata,
    Column("request_id", String(64), primary_key=True),
    Column("unit", String(128)),
    Column("applicant_kind", String(32), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("subject", Text, nullable=False),
    Column("registered_by", String(128), nullable=False),
    Column("answered_on", Date),
    Column("outcome", String(40)),
    Column("extension_approved_by", String(128)),
)

deliveries = Table(
    "deliveries", metadata,
    Column("delivery_id", String(64), primary_key=True),
    Column("event_id", String(64), nullable=False, comment="the event it tells about"),
    Column("event_type", String(100), nullable=False),
    Column("deadline_id", String(64)),
    Column("channel", String(16), nullable=False),
    Column("recipient", String(128), nullable=False),
    Column("address", String(500), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default=text("0")),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("last_error", Text),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("sent_at", DateTime(timezone=True)),
    Column("read_at", DateTime(timezone=True)),
    UniqueConstraint("event_id", "channel", "recipient", name="uq_deliveries_message"),
    CheckConstraint("channel in ('email', 'webhook', 'inbox')", name="channel"),
    CheckConstraint("state in ('pending', 'sent', 'parked')", name="state"),
)
Index("ix_deliveries_due", deliveries.c.next_attempt_at, postgresql_where=deliveries.c.state == "pending")
Index("ix_deliveries_inbox", deliveries.c.recipient, deliveries.c.created_at,
      postgresql_where=deliveries.c.channel == "inbox")
