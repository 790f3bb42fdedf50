"""Inbox claims against the real database: one by one, and a whole batch's in one statement."""

from __future__ import annotations

import pytest
from gongkai.shared.db import create_engine, service_metadata, session_factory
from gongkai.shared.unit_of_work import UnitOfWork
from sqlalchemy import func, select, text

SCHEMA = "claimtest"


@pytest.fixture
async def store(settings):
    metadata = service_metadata(SCHEMA)
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(text(f"drop schema if exists {SCHEMA} cascade"))
        await connection.execute(text(f"create schema {SCHEMA}"))
        await connection.run_sync(metadata.create_all)
    yield session_factory(engine), metadata.tables[f"{SCHEMA}.outbox"], metadata.tables[f"{SCHEMA}.inbox"]
    async with engine.begin() as connection:
        await connection.execute(text(f"drop schema {SCHEMA} cascade"))
    await engine.dispose()


async def test_a_batch_claimed_ahead_answers_each_claim_as_one_by_one_would(store):
    sessions, outbox, inbox = store
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        assert await uow.claim("old", "q")
        await uow.commit()
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        # A redelivered copy in the same batch ("a" twice), one handled before ("old"), another queue's "a".
        await uow.claim_ahead([("a", "q"), ("old", "q"), ("a", "q"), ("b", "q"), ("a", "other")])
        answers = [await uow.claim(key, consumer) for key, consumer in
                   [("a", "q"), ("old", "q"), ("a", "q"), ("b", "q"), ("a", "other"), ("c", "q"), ("c", "q")]]
        await uow.commit()
    assert answers == [True, False, False, True, True, True, False]
    async with sessions() as session:
        ids = set((await session.execute(select(inbox.c.message_id))).scalars())
    assert ids == {"q:old", "q:a", "q:b", "other:a", "q:c"}


async def test_claims_made_ahead_are_undone_with_the_batch(store):
    sessions, outbox, inbox = store
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        await uow.claim_ahead([("a", "q"), ("b", "q")])
        await uow.rollback()
    async with sessions() as session:
        assert (await session.execute(select(func.count()).select_from(inbox))).scalar_one() == 0
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        await uow.claim_ahead([("a", "q")])
        assert await uow.claim("a", "q")
