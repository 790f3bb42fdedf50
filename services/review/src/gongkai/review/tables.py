"""The review schema."""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "review"
metadata = service_metadata(SCHEMA)

cases = Table(
    "cases", metadata,
    Column("case_id", String(64), primary_key=True),
    Column("item_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content_hash", String(80), nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("category", String(32), nullable=False),
    Column("unit", String(128)),
    Column("submitted_by", String(128), nullable=False),
    Column("findings", JSONB, nullable=False, comment="screening findings (gongkai.shared.contracts.Finding)"),
    Column("state", String(16), nullable=False, comment="open, approved, rejected, blocked"),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(128)),
    Column("decided_at", DateTime(timezone=True)),
    Column("reason", Text),
    UniqueConstraint("item_id", "version"),
)
Index("ix_cases_state_opened_at", cases.c.state, cases.c.opened_at)
