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
)

SCHEMA = "notification"
metadata = service_metadata(SCHEMA)

deadlines = Table(
    "deadlines", metadata,
    Column("deadline_id", String(64), primary_key=True),
    Column("item_id", String(64), nullable=False),
    Column("version", Integer, nullable=False, comment="the item version whose submission opened it"),
    Column("rule", String(32), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("opened_on", Date, nullable=False, comment="opened_at as a date in the agency's time zone"),
    Column("due_on", Date, nullable=False),
    Column("state", String(16), nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("late", Boolean),
    CheckConstraint("state in ('open', 'met', 'cancelled')", name="state"),
)
Index("ix_deadlines_item", deadlines.c.item_id, deadlines.c.version)
Index("ix_deadlines_state_due", deadlines.c.state, deadlines.c.due_on)
# At most one open deadline per item and rule, even with several replicas.
Index("uq_deadlines_open", deadlines.c.item_id, deadlines.c.rule, unique=True,
      postgresql_where=deadlines.c.state == "open")

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
