"""The participation schema: one row per opinion, consultation, comment and hearing registration, each document
beside the columns it is found and counted by.

The person's name and contact are kept in their own column, read only by staff routes: nothing public and no
event carries them.
"""

from __future__ import annotations

from gongkai.shared.db import service_metadata
from gongkai.shared.ratelimit import form_hits_table
from sqlalchemy import Boolean, Column, Date, DateTime, Index, Integer, String, Table, UniqueConstraint, func
from sqlalchemy.dialects.postgresql import JSONB

SCHEMA = "participation"
metadata = service_metadata(SCHEMA)

opinions = Table(
    "opinions", metadata,
    Column("opinion_id", String(64), primary_key=True, comment="the number the person is given"),
    Column("secret_sha256", String(64), nullable=False, comment="SHA-256 of the person's secret; never the secret"),
    Column("channel", String(24), nullable=False),
    Column("topic", String(32), nullable=False),
    Column("unit", String(128)),
    Column("state", String(24), nullable=False),
    Column("received_on", Date, nullable=False),
    Column("hidden", Boolean, nullable=False, server_default="false"),
    Column("published", Boolean, nullable=False, server_default="false"),
    Column("fingerprint", String(64), nullable=False, comment="SHA-256 of the text without case, spaces or "
                                                              "punctuation: duplicates"),
    Column("contact_key", String(320), comment="the contact as one key (digits of the phone, e-mail), for duplicates"),
    Column("person", JSONB, nullable=False, comment="name and contact: never public"),
    Column("document", JSONB, nullable=False, comment="the domain's Opinion: steps, reply, publication"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_opinions_state_received_on", opinions.c.state, opinions.c.received_on)
Index("ix_opinions_fingerprint", opinions.c.fingerprint, opinions.c.received_on)
Index("ix_opinions_published", opinions.c.published, opinions.c.received_on)

consultations = Table(
    "consultations", metadata,
    Column("consultation_id", String(64), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("unit", String(128), nullable=False),
    Column("state", String(24), nullable=False),
    Column("opens_on", Date, nullable=False),
    Column("closes_on", Date, nullable=False),
    Column("document", JSONB, nullable=False, comment="the domain's Consultation: draft, records, report"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_consultations_state_opens_on", consultations.c.state, consultations.c.opens_on)

comments = Table(
    "comments", metadata,
    Column("comment_id", String(64), primary_key=True),
    Column("consultation_id", String(64), nullable=False),
    Column("number", Integer, nullable=False),
    Column("shown", Boolean, nullable=False, server_default="false"),
    Column("hidden", Boolean, nullable=False, server_default="false"),
    Column("fingerprint", String(64), nullable=False),
    Column("contact_key", String(320)),
    Column("person", JSONB, nullable=False, comment="name and contact: never public"),
    Column("document", JSONB, nullable=False, comment="the domain's Comment: text, its screening, hidden and why"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("updated_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    UniqueConstraint("consultation_id", "number", name="uq_comments_consultation_id_number"),
)
Index("ix_comments_consultation_id_fingerprint", comments.c.consultation_id, comments.c.fingerprint)

registrations = Table(
    "registrations", metadata,
    Column("registration_id", String(64), primary_key=True),
    Column("consultation_id", String(64), nullable=False),
    Column("hearing_id", String(16), nullable=False),
    Column("registered_on", Date, nullable=False),
    Column("person", JSONB, nullable=False, comment="name, contact and statement: never public"),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)
Index("ix_registrations_consultation_id_hearing_id", registrations.c.consultation_id, registrations.c.hearing_id)

form_hits = form_hits_table(metadata)  # the public forms' rate limits, shared by every replica
