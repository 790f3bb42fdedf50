"""Each service's (and the portal's) migrations build exactly the schema its code declares, and can be undone."""

from __future__ import annotations

import asyncio
import importlib

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from gongkai.shared.db import create_engine
from gongkai.shared.migrations import SCHEMAS, alembic_config, upgrade
from gongkai.shared.roles import roles_of
from sqlalchemy import text


def _diff(connection, metadata, schema):
    def include_name(name, type_, _parent):
        return name == schema if type_ == "schema" else True

    context = MigrationContext.configure(connection, opts={"include_schemas": True, "include_name": include_name,
                                                           "version_table_schema": schema})
    return compare_metadata(context, metadata)


@pytest.mark.parametrize("service", SCHEMAS)
async def test_the_migrated_schema_matches_the_tables_the_service_declares(settings, service):
    await asyncio.to_thread(upgrade, service, settings.database_url, roles=roles_of(settings, service))
    metadata = importlib.import_module(f"gongkai.{service}.tables").metadata
    engine = create_engine(settings.database_url)
    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff, metadata, service)
    await engine.dispose()
    assert diff == []


@pytest.mark.parametrize("service", SCHEMAS)
async def test_migrations_go_down_to_nothing_and_up_again(settings, service):
    """As the owner role, the way `gongkai migrate` runs them."""
    roles = roles_of(settings, service)
    config = alembic_config(service, settings.database_url, roles)
    await asyncio.to_thread(upgrade, service, settings.database_url, roles=roles)
    await asyncio.to_thread(command.downgrade, config, "base")
    engine = create_engine(settings.database_url)
    async with engine.connect() as connection:
        left = (await connection.execute(text(
            "select count(*) from information_schema.tables"
            " where table_schema = :s and table_name <> 'alembic_version'"), {"s": service})).scalar()
    await engine.dispose()
    assert left == 0
    await asyncio.to_thread(upgrade, service, settings.database_url, roles=roles)


async def test_upgrading_publishing_refolds_the_search_index_of_items_published_before(settings):
    await asyncio.to_thread(upgrade, "publishing", settings.database_url, "0003",
                            roles=roles_of(settings, "publishing"))
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(text("insert into publishing.search_index (item_id, title, text, terms) "
                                      "values ('old', '道路運輸公告', '道路運輸公告', array['運','輸','運輸'])"))
    await asyncio.to_thread(upgrade, "publishing", settings.database_url, roles=roles_of(settings, "publishing"))
    async with engine.connect() as connection:
        title, terms = (await connection.execute(text(
            "select title, terms from publishing.search_index where item_id = 'old'"))).one()
    await engine.dispose()
    assert title == "道路运输公告" and "运输" in terms and "運輸" not in terms
