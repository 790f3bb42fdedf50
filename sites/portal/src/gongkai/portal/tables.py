"""The portal's schema: what it knows of each public item, its version history, and its search terms.

No outbox and no inbox: the portal sends nothing, and its merge (``domain.apply``) makes a redelivered or
duplicated event harmless, so it needs no record of what it has seen.
"""

from __future__ import annotations

from gongkai.shared.db import NAMING
from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

SCHEMA = "portal"
metadata = MetaData(schema=SCHEMA, naming_convention=NAMING)

items = Table(
    "items", metadata,
    Column("item_id", String(64), primary_key=True),
    Column("category", String(32), nullable=False),
    Column("category_name", Text, nullable=False),
    Column("version", Integer, comment="the highest published version seen"),
    Column("title", Text, comment="that version's title"),
    Column("published_at", DateTime(timezone=True)),
    Column("channels", ARRAY(String(32)), nullable=False),
    Column("body", Text, comment="null while the item is withdrawn: its text is not kept"),
    Column("summary", Text),
    Column("content_hash", String(80)),
    Column("attachments", JSONB, nullable=False),
    Column("first_published_at", DateTime(timezone=True)),
    Column("withdrawn_version", Integer, comment="the highest withdrawn version seen"),
    Column("withdrawn_title", Text),
    Column("withdrawn_at", DateTime(timezone=True)),
    Column("withdrawal_reason", Text),
    # Derived from the columns above by domain.Item, kept for the lists' indexes.
    Column("live", Boolean, nullable=False, comment="shown with its text (not withdrawn, or restored)"),
    Column("shown_title", Text, nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("year", Integer, nullable=False, comment="calendar year (Asia/Shanghai) of the first publication"),
    Column("search_title", Text, nullable=False, comment="folded title (gongkai.shared.search.normalise)"),
    Column("search_text", Text, nullable=False, comment="folded text; the title alone while withdrawn"),
    Column("terms", ARRAY(Text), nullable=False, comment="characters, bigrams and words of search_text"),
    Column("due_on", Date, comment="when its first publication was due (its category's time limit)"),
    Column("late", Boolean, comment="first published after due_on; null: no due date known"),
)
# Lists are newest change first, across all items, by category or by year (index order = page order).
Index("ix_items_changed", items.c.changed_at.desc(), items.c.item_id)
Index("ix_items_category", items.c.category, items.c.changed_at.desc(), items.c.item_id)
Index("ix_items_year", items.c.year, items.c.changed_at.desc(), items.c.item_id)
Index("ix_items_late", items.c.category, items.c.first_published_at.desc(), postgresql_where=items.c.late)
Index("ix_items_terms", items.c.terms, postgresql_using="gin", postgresql_with={"fastupdate": "off"})

versions = Table(
    "versions", metadata,
    Column("item_id", String(64), ForeignKey(items.c.item_id, ondelete="CASCADE"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("title", Text, nullable=False),
    Column("action", String(16), nullable=False, comment="published or updated"),
    Column("published_at", DateTime(timezone=True), nullable=False),
    PrimaryKeyConstraint("item_id", "version"),
)
