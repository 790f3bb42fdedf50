"""The pool pings a connection only after it sat idle: a stale one is replaced, one in steady use costs nothing."""

from __future__ import annotations

import asyncio

import asyncpg
from gongkai.shared.db import create_engine
from sqlalchemy import text
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection


async def backend_pid(engine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(text("select pg_backend_pid()"))).scalar_one())


async def test_a_connection_killed_while_idle_is_replaced_before_use(settings):
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        killed = await backend_pid(engine)
        admin = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
        try:  # as a server restart would: the pooled connection's backend is gone
            assert await admin.fetchval("select pg_terminate_backend($1)", killed)
        finally:
            await admin.close()
        await asyncio.sleep(1.2)  # idle past the ping threshold
        assert await backend_pid(engine) != killed  # no error: the stale connection was found and replaced
    finally:
        await engine.dispose()


async def test_a_connection_in_steady_use_is_not_pinged(settings, monkeypatch):
    pings = 0
    ping = AsyncAdapt_asyncpg_connection.ping

    def counted(self: AsyncAdapt_asyncpg_connection) -> None:
        nonlocal pings
        pings += 1
        ping(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted)
    engine = create_engine(settings.database_url, pool_size=1)
    try:
        first = await backend_pid(engine)
        for _ in range(20):  # one transaction after another, as a consumer at a steady low load runs them
            assert await backend_pid(engine) == first
        assert pings == 0
        await asyncio.sleep(1.2)
        assert await backend_pid(engine) == first
        assert pings == 1  # idle long enough to be worth a ping
    finally:
        await engine.dispose()


async def test_a_lookup_prepared_while_its_table_was_small_uses_the_index_once_the_table_has_grown(settings):
    """With ``plan_each`` statements are planned for the table as it is: a generic plan made while the table was
    small would scan all of it for ever after, on that connection."""
    engine = create_engine(settings.database_url, pool_size=1, plan_each=True)
    lookup = text("select n.hash from unnest(cast(:levels as smallint[]), cast(:indexes as bigint[])) "
                  "as w(level, index) join plans.nodes n on n.level = w.level and n.index = w.index")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("create schema plans"))
            await connection.execute(text("create table plans.nodes (level smallint, index bigint, hash bytea, "
                                          "primary key (level, index)) with (autovacuum_enabled = false)"))
            await connection.execute(text("insert into plans.nodes select 1, g, sha256(g::text::bytea) "
                                          "from generate_series(1, 300) g"))
            await connection.execute(text("analyze plans.nodes"))  # as autovacuum does while the log is young
        for _ in range(10):  # on one pooled connection: its prepared statement would go generic by now
            async with engine.begin() as connection:
                await connection.execute(lookup, {"levels": [0, 1], "indexes": [1, 2]})
        async with engine.begin() as connection:
            await connection.execute(text("insert into plans.nodes select 0, g, sha256(g::text::bytea) "
                                          "from generate_series(1, 50000) g"))
        async with engine.begin() as connection:
            await connection.execute(text("select pg_stat_force_next_flush()"))  # this backend's counts so far
        async with engine.begin() as connection:
            scanned_before = (await connection.execute(text(
                "select coalesce(seq_tup_read, 0) from pg_stat_user_tables where schemaname = 'plans' "
                "and relname = 'nodes'"))).scalar_one()
            await connection.execute(lookup, {"levels": [0, 0], "indexes": [7, 8]})
        async with engine.begin() as connection:
            await connection.execute(text("select pg_stat_force_next_flush()"))
        await asyncio.sleep(0.1)
        async with engine.begin() as connection:
            scanned = (await connection.execute(text(
                "select coalesce(seq_tup_read, 0) from pg_stat_user_tables where schemaname = 'plans' "
                "and relname = 'nodes'"))).scalar_one()
        assert scanned == scanned_before  # the 50,300 rows were not read in a scan: the lookup went through the index
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("drop schema if exists plans cascade"))
        await engine.dispose()
