"""The review schema."""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from sqlalchemy import Column, DateTime, Index, Integer, String, Table, Text, UniqueConstraint, text
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
    Column("state", String(24), nullable=False,
           comment="open, approved, rejected, blocked, redaction_requested, withheld, voided"),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(128)),
    Column("decided_at", DateTime(timezone=True)),
    Column("reason", Text),
    Column("summary", Text),
    Column("attachments", JSONB, nullable=False, server_default=text("'[]'::jsonb"),
           comment="the version's attachments (name, media_type, size, sha256, text)"),
    Column("risk", String(16), nullable=False, server_default="none", comment="blocked, high, medium, low, none"),
    Column("required_approvals", Integer, nullable=False, server_default="1"),
    Column("approvals", JSONB, nullable=False, server_default=text("'[]'::jsonb"),
           comment="approvals so far: [{reviewer, at}]"),
    Column("legal_reason", String(32), comment="with withheld: the legal ground"),
    Column("spans", JSONB, nullable=False, server_default=text("'[]'::jsonb"),
           comment="with redaction_requested: the spans to remove"),
    Column("superseded_by", Integer, comment="with voided: the version that replaced this one"),
    Column("authors", JSONB, nullable=False, server_default=text("'[]'::jsonb"),
           comment="who created, wrote or submitted a version of the item: none of them may decide"),
    Column("redaction_requested_by", String(128),
           comment="a redacted version: the reviewer who asked for it, who may not be its only approver"),
    UniqueConstraint("item_id", "version"),
)
Index("ix_cases_state_opened_at", cases.c.state, cases.c.opened_at)
