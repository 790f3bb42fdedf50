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
