"""The requests schema: one row per request, its workflow state as a document beside the columns it is found by."""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from gongkai.shared.ratelimit import form_hits_table
from sqlalchemy import Column, Date, DateTime, Index, String, Table, Text, func
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "requests"
metadata = service_metadata(SCHEMA)

requests = Table(
    "requests", metadata,
    Column("request_id", String(64), primary_key=True, comment="the tracking number the applicant is given"),
    Column("secret_sha256", String(64), nullable=False, comment="SHA-256 of the applicant's secret; never the secret"),
    Column("channel", String(24), nullable=False),
    Column("applicant_kind", String(24), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("state", String(24), nullable=False),
    Column("unit", String(128)),
    Column("applicant", JSONB, nullable=False, comment="identity, contact, delivery form wanted"),
    Column("workflow", JSONB, nullable=False, comment="the domain's Request: steps, correction, extension, reply"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_requests_state_received_on", requests.c.state, requests.c.received_on)

letters = Table(
    "letters", metadata,
    Column("letter_id", String(80), primary_key=True),
    Column("request_id", String(64), nullable=False),
    Column("kind", String(24), nullable=False, comment="receipt, correction, consultation, extension, reply"),
    Column("issued_on", Date, nullable=False),
    Column("html", Text, nullable=False, comment="the letter as it was issued"),
    Column("sha256", String(64), nullable=False, comment="SHA-256 of html (UTF-8)"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_letters_request_id", letters.c.request_id)

form_hits = form_hits_table(metadata)  # the public forms' rate limits, shared by every replica
