"""The public forms' rate limits in the database: two replicas (two engines, two apps' limits) count the same
hits, concurrent hits past the limit are refused, and no address or phone number is stored as such."""

from __future__ import annotations

import asyncio

import pytest
from gongkai.shared.db import create_engine, service_metadata, session_factory
from gongkai.shared.ratelimit import FormLimits, contact_key, form_hits_table
from sqlalchemy import select, text
from starlette.requests import Request

SCHEMA = "formhitstest"


def client(address: str) -> Request:
    return Request({"type": "http", "headers": [], "client": (address, 40000)})


@pytest.fixture
async def replicas(settings):
    metadata = service_metadata(SCHEMA)
    table = form_hits_table(metadata)
    engines = [create_engine(settings.database_url) for _ in range(2)]
    async with engines[0].begin() as connection:
        await connection.execute(text(f"drop schema if exists {SCHEMA} cascade"))
        await connection.execute(text(f"create schema {SCHEMA}"))
        await connection.run_sync(metadata.create_all)
    limits = [FormLimits(3, 2, False, sessions=session_factory(e), table=table) for e in engines]
    yield limits, session_factory(engines[0]), table
    async with engines[0].begin() as connection:
        await connection.execute(text(f"drop schema {SCHEMA} cascade"))
    for engine in engines:
        await engine.dispose()


async def test_two_replicas_count_the_same_hits_of_an_address_and_of_a_contact(replicas):
    (one, two), sessions, table = replicas
    phone = contact_key("138-1234-5678", None)
    assert await one.exceeded(client("10.0.0.1"), phone) is None
    assert await two.exceeded(client("10.0.0.1"), contact_key("13812345678", None)) is None
    refused = await one.exceeded(client("10.0.0.2"), phone)  # a third from that phone, on either replica
    assert refused is not None and refused[0] == "contact" and 86_000 < refused[1] <= 86_400
    assert await two.exceeded(client("10.0.0.1"), None) is None  # the address's third hit
    address = await one.exceeded(client("10.0.0.1"), None)
    assert address is not None and address[0] == "address" and 3500 < address[1] <= 3600
    async with sessions() as session:
        stored = (await session.execute(select(table.c.key_sha256))).scalars().all()
    assert stored and all(len(k) == 64 for k in stored)
    assert not any("10.0.0" in k or "13812345678" in k for k in stored)


async def test_concurrent_hits_past_the_limit_are_refused_on_both_replicas(replicas):
    (one, two), _, _ = replicas
    answers = await asyncio.gather(*((one if n % 2 else two).exceeded(client("10.9.9.9"), None) for n in range(8)))
    assert sum(a is None for a in answers) == 3  # the limit, not one more, whatever the interleaving
