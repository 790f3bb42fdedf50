"""The publishing schema."""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from sqlalchemy import Column, DateTime, Integer, PrimaryKeyConstraint, String, Table, Text
from sqlalchemy.dialects.postgresql import ARRAY

SCHEMA = "publishing"
metadata = service_metadata(SCHEMA)

versions = Table(
    "versions", metadata,
    Column("item_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("category", String(32), nullable=False),
    Column("audience", String(16), nullable=False),
    Column("channels", ARRAY(String(32)), nullable=False),
    Column("unit", String(128), nullable=False),
    Column("submitted_by", String(128), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("content_hash", String(80), nullable=False),
    Column("state", String(16), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    PrimaryKeyConstraint("item_id", "version"),
)
