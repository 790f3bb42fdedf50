"""A role per service in PostgreSQL: the owner migrations run as, and a runtime role with only DML on its own schema."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest
from gongkai.shared.accounts import DATABASE_PARTIES
from gongkai.shared.migrations import upgrade
from gongkai.shared.roles import roles_of
from gongkai.shared.settings import Settings
from gongkai.shared.testing import migrate

DENIED = asyncpg.InsufficientPrivilegeError


async def run(url: str, statement: str) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return await connection.fetch(statement)
    finally:
        await connection.close()


def as_service(settings: Settings, service: str) -> str:
    return settings.database_url_for(service)


@pytest.fixture
async def migrated(settings: Settings) -> Settings:
    await migrate(settings, ("publishing", "review"))
    return settings


async def test_a_service_logs_in_as_its_runtime_role_and_reads_and_writes_its_own_tables(migrated):
    url = as_service(migrated, "publishing")
    assert (await run(url, "select current_user"))[0][0] == migrated.database_role("publishing")
    await run(url, "insert into publishing.inbox (message_id, consumer) values ('m-1', 'test')")
    await run(url, "update publishing.inbox set consumer = 'again' where message_id = 'm-1'")
    await run(url, "delete from publishing.inbox where message_id = 'm-1'")


@pytest.mark.parametrize("statement", ["select * from review.inbox", "select * from review.outbox",
                                       "insert into review.inbox (message_id, consumer) values ('x', 'y')"])
async def test_a_services_runtime_role_cannot_read_or_write_another_services_schema(migrated, statement):
    with pytest.raises(DENIED, match="permission denied for schema review"):
        await run(as_service(migrated, "publishing"), statement)


@pytest.mark.parametrize("statement", [
    "create table publishing.mine (id int)",
    "create table public.mine (id int)",
    "alter table publishing.outbox add column extra int",
    "drop table publishing.inbox",
    "create index ix_mine on publishing.inbox (consumer)",
    "truncate publishing.inbox",
    "update publishing.alembic_version set version_num = '0001'",
])
async def test_a_runtime_role_cannot_create_alter_or_drop_anything_nor_touch_the_version_table(migrated, statement):
    with pytest.raises(DENIED, match=r"permission denied|must be owner"):
        await run(as_service(migrated, "publishing"), statement)


async def test_the_schema_and_everything_in_it_belong_to_the_owner_role(migrated):
    owners = await run(migrated.database_url, """
        select n.nspname, pg_get_userbyid(n.nspowner) as schema_owner, c.relname, pg_get_userbyid(c.relowner) as owner
          from pg_namespace n left join pg_class c on c.relnamespace = n.oid
         where n.nspname in ('publishing', 'review')""")
    assert owners and {(r["nspname"], r["schema_owner"]) for r in owners} == {
        ("publishing", migrated.database_owner("publishing")), ("review", migrated.database_owner("review"))}
    assert {(r["nspname"], r["owner"]) for r in owners if r["relname"]} == {
        ("publishing", migrated.database_owner("publishing")), ("review", migrated.database_owner("review"))}
    login = await run(migrated.database_url, f"select rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb "
                                             f"from pg_roles where rolname like '{migrated.database_role_prefix}%'")
    assert {r["rolname"]: r["rolcanlogin"] for r in login} == {
        **{migrated.database_role(s): True for s in DATABASE_PARTIES},
        **{migrated.database_owner(s): False for s in DATABASE_PARTIES}}
    assert not any(r["rolsuper"] or r["rolcreaterole"] or r["rolcreatedb"] for r in login)


async def test_a_schema_made_before_there_were_roles_is_handed_to_its_owner_and_migrating_again_changes_nothing(
        settings):
    await asyncio.to_thread(upgrade, "audit", settings.database_url, "0002")  # as the administrator, no roles
    made = await run(settings.database_url, "select count(*) from pg_class c join pg_namespace n on "
                                            "n.oid = c.relnamespace where n.nspname = 'audit'")
    await migrate(settings, ("audit",))
    await migrate(settings, ("audit",))
    rows = await run(settings.database_url, """
        select c.relname, pg_get_userbyid(c.relowner) as owner from pg_class c
          join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'audit'
        union all
        select p.proname, pg_get_userbyid(p.proowner) from pg_proc p
          join pg_namespace n on n.oid = p.pronamespace where n.nspname = 'audit'""")
    assert len(rows) > made[0][0] > 0
    assert {r["owner"] for r in rows} == {settings.database_owner("audit")}
    audit = as_service(settings, "audit")
    await run(audit, "insert into audit.inbox (message_id, consumer) values ('m-1', 'test')")
    with pytest.raises(DENIED, match="permission denied for table events"):
        await run(audit, "update audit.events set valid = false")


async def test_a_table_a_later_migration_makes_is_covered_by_the_default_privileges(migrated):
    owner, schema = migrated.database_owner("publishing"), "publishing"
    connection = await asyncpg.connect(migrated.database_url.replace("+asyncpg", ""))
    try:
        await connection.execute(f'set role "{owner}"; create table {schema}.later (id int)')
    finally:
        await connection.close()
    await run(as_service(migrated, "publishing"), f"insert into {schema}.later values (1)")
    assert (await run(as_service(migrated, "publishing"), f"select id from {schema}.later"))[0][0] == 1


def test_the_runtime_privileges_of_audit_are_insert_and_select_only_but_for_its_inbox_and_outbox():
    privileges = roles_of(Settings(), "audit").privileges
    assert privileges.tables == ("select", "insert")
    assert set(privileges.per_table) == {"inbox", "outbox"}
    assert roles_of(Settings(), "publishing").privileges.tables == ("select", "insert", "update", "delete")
