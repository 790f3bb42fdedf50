"""Alembic, one schema per service: each service keeps its own migrations and version table.

``upgrade(service, url, roles=...)`` creates the database when it is missing, creates or updates the
service's roles (``roles.py``), takes an advisory lock so two replicas never migrate at once, hands the
schema to its owner role, applies the service's migrations to its schema only as that owner, and gives
the runtime role its privileges. Without ``roles`` the migrations run as the connecting user.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from .accounts import DATABASE_PARTIES
from .accounts import SERVICES as SERVICES
from .roles import ServiceRoles, adopt, ensure_roles, grant_runtime

SCHEMAS = DATABASE_PARTIES  # every schema `gongkai migrate` makes: the services' and the portal's


def alembic_config(service: str, database_url: str, roles: ServiceRoles | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", f"gongkai.{service}:migrations")
    config.attributes["database_url"] = database_url
    config.attributes["schema"] = service
    config.attributes["roles"] = roles
    return config


def upgrade(service: str, database_url: str, revision: str = "head", roles: ServiceRoles | None = None) -> None:
    asyncio.run(_prepare(database_url, roles))
    command.upgrade(alembic_config(service, database_url, roles), revision)


async def _prepare(database_url: str, roles: ServiceRoles | None) -> None:
    await ensure_database(database_url)
    if roles is not None:
        await ensure_roles(database_url, roles)


async def ensure_database(database_url: str) -> None:
    """Create the database named in the URL if it does not exist (a fresh machine has none)."""
    parts = urlsplit(database_url.replace("+asyncpg", ""))
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    connection = await asyncpg.connect(admin)
    try:
        if not await connection.fetchval("select 1 from pg_database where datname = $1", name):
            await connection.execute(f'create database "{name}"')
    except asyncpg.DuplicateDatabaseError:
        pass
    finally:
        await connection.close()


def run_env(metadata: MetaData) -> None:
    """The body of every service's ``migrations/env.py``."""
    config = context.config
    schema = config.attributes["schema"]
    if context.is_offline_mode():
        context.configure(url=config.attributes["database_url"], target_metadata=metadata,
                          version_table_schema=schema, include_schemas=True, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    asyncio.run(_run_online(config.attributes["database_url"], metadata, schema))


async def _run_online(database_url: str, metadata: MetaData, schema: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_migrate, metadata, schema)
            await connection.commit()
    finally:
        await engine.dispose()


def _migrate(connection: Connection, metadata: MetaData, schema: str) -> None:
    connection.execute(text("select pg_advisory_xact_lock(hashtext(:key))"), {"key": f"gongkai.migrate.{schema}"})
    roles: ServiceRoles | None = context.config.attributes.get("roles")
    if roles is None:
        connection.execute(text(f'create schema if not exists "{schema}"'))
    else:
        adopt(connection, roles)
        connection.execute(text(f'set local role "{roles.owner}"'))

    def include_name(name: str | None, type_: str, _parent: object) -> bool:
        return name == schema if type_ == "schema" else True

    context.configure(connection=connection, target_metadata=metadata, version_table_schema=schema,
                      include_schemas=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()
    if roles is not None:
        grant_runtime(connection, roles)


@contextmanager
def as_administrator() -> Iterator[None]:
    """In a migration: run a step as the administrator (``CREATE ROLE``), then go back to the schema owner."""
    from alembic import op

    roles: ServiceRoles | None = context.config.attributes.get("roles")
    if roles is not None:
        op.execute("reset role")
    try:
        yield
    finally:
        if roles is not None:
            op.execute(f'set local role "{roles.owner}"')


def create_messaging_tables_v1(schema: str) -> None:
    """The outbox and inbox of ``schema`` as first released; for each service's first migration.

    Frozen: a later change to these tables is a new migration in every service, not an edit here.
    """
    import sqlalchemy as sa
    from alembic import op
    from sqlalchemy.dialects import postgresql

    op.create_table(
        "inbox",
        sa.Column("message_id", sa.String(length=300), nullable=False),
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("result", postgresql.JSONB(astext_type=sa.Text()), nullable=True,
                  comment="the answer given the first time, replayed to a retried command"),
        sa.PrimaryKeyConstraint("message_id", name="pk_inbox"),
        schema=schema,
    )
    op.create_table(
        "outbox",
        sa.Column("seq", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("event_id", sa.String(length=128), nullable=False),
        sa.Column("exchange", sa.String(length=32), nullable=False,
                  comment="logical exchange: events, public, intake"),
        sa.Column("routing_key", sa.String(length=256), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("correlation_id", sa.String(length=128), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
        schema=schema,
    )
    op.create_index("ix_outbox_pending", "outbox", ["next_attempt_at", "seq"], unique=False, schema=schema,
                    postgresql_where=sa.text("sent_at IS NULL"))


def add_outbox_reply_to_v2(schema: str) -> None:
    """The outbox's ``reply_to``: an event that answers a staff tool's command goes to its reply queue too.

    Frozen, like ``create_messaging_tables_v1``.
    """
    import sqlalchemy as sa
    from alembic import op

    op.add_column("outbox", sa.Column("reply_to", sa.String(length=256), nullable=True,
                                      comment="the reply queue of the staff tool whose command this event answers"),
                  schema=schema)


def drop_outbox_reply_to_v2(schema: str) -> None:
    from alembic import op

    op.drop_column("outbox", "reply_to", schema=schema)


def drop_messaging_tables_v1(schema: str) -> None:
    from alembic import op

    op.drop_index("ix_outbox_pending", table_name="outbox", schema=schema)
    op.drop_table("outbox", schema=schema)
    op.drop_table("inbox", schema=schema)
