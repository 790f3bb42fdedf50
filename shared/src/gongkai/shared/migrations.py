"""Alembic, one schema per service: each service keeps its own migrations and version table.

``upgrade(service, url)`` creates the database when it is missing, takes an advisory lock so two
replicas never migrate at once, and applies the service's migrations to its schema only.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit, urlunsplit

import asyncpg
from alembic import command, context
from alembic.config import Config
from sqlalchemy import MetaData, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

SERVICES = ("publishing", "review", "notification", "audit")


def alembic_config(service: str, database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", f"gongkai.{service}:migrations")
    config.attributes["database_url"] = database_url
    config.attributes["schema"] = service
    return config


def upgrade(service: str, database_url: str, revision: str = "head") -> None:
    asyncio.run(ensure_database(database_url))
    command.upgrade(alembic_config(service, database_url), revision)


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
    connection.execute(text(f'create schema if not exists "{schema}"'))

    def include_name(name: str | None, type_: str, _parent: object) -> bool:
        return name == schema if type_ == "schema" else True

    context.configure(connection=connection, target_metadata=metadata, version_table_schema=schema,
                      include_schemas=True, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()
