"""The publishing schema: items, their immutable versions, and the outbox and inbox."""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

SCHEMA = "publishing"
metadata = service_metadata(SCHEMA)

items = Table(
    "items", metadata,
    Column("item_id", String(64), primary_key=True),
    Column("category", String(32), nullable=False),
    Column("audience", String(16), nullable=False),
    Column("unit", String(128), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("current_version", Integer, nullable=False),
    Column("public_version", Integer, comment="the version the public sees (published, or withdrawn)"),
    Column("first_published_at", DateTime(timezone=True)),
    Column("changed_at", DateTime(timezone=True), comment="last publication, update or withdrawal"),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("withdrawal_reason", Text),
    Column("withdrawn_by", String(128)),
)
# Catalogue pages: newest change first, per category or across all (index order = page order).
Index("ix_items_catalogue", items.c.audience, items.c.category, items.c.changed_at.desc(), items.c.item_id,
      postgresql_where=items.c.public_version.isnot(None))
Index("ix_items_changed", items.c.audience, items.c.changed_at.desc(), items.c.item_id,
      postgresql_where=items.c.public_version.isnot(None))
Index("ix_items_unit", items.c.unit, items.c.created_at)

# The read side's search: the public version's normalised text and its terms (characters, bigrams, words).
# Kept apart from items so that catalogue pages scan narrow rows; the GIN index takes new entries at once
# (fastupdate off) so that a search never wades through a pending list.
search_index = Table(
    "search_index", metadata,
    Column("item_id", String(64), primary_key=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("terms", ARRAY(Text), nullable=False),
)
Index("ix_search_index_terms", search_index.c.terms, postgresql_using="gin",
      postgresql_with={"fastupdate": "off"})

versions = Table(
    "versions", metadata,
    Column("item_id", String(64), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("summary", Text),
    Column("category", String(32), nullable=False),
    Column("audience", String(16), nullable=False),
    Column("channels", ARRAY(String(32)), nullable=False),
    Column("attachments", JSONB, nullable=False, server_default=text("'[]'::jsonb")),
    Column("contact", String(200)),
    Column("formed_on", Date),
    Column("release_at", DateTime(timezone=True)),
    Column("unit", String(128), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("submitted_by", String(128)),
    Column("submitted_at", DateTime(timezone=True)),
    Column("content_hash", String(80), nullable=False),
    Column("state", String(24), nullable=False),
    Column("decided_at", DateTime(timezone=True)),
    Column("published_at", DateTime(timezone=True)),
    Column("action", String(16), comment="published or updated, once published"),
    Column("reason", Text, comment="rejection, withholding or withdrawal reason"),
    Column("legal_reason", String(32), comment="the legal ground of a withheld version"),
    PrimaryKeyConstraint("item_id", "version"),
)
Index("ix_versions_due", versions.c.release_at, postgresql_where=versions.c.state == "scheduled")
