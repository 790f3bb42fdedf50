"""Writes held back to the end of a batch, against the real database: what they add up to, in how many statements,
and a lone message's broken constraint failing that message alone."""

from __future__ import annotations

import pytest
from gongkai.shared.db import create_engine, service_metadata, session_factory
from gongkai.shared.unit_of_work import UnitOfWork
from gongkai.shared.writes import Writes
from sqlalchemy import Column, Index, Integer, MetaData, String, Table, select, text
from sqlalchemy.exc import IntegrityError

SCHEMA = "writestest"


def tables(metadata: MetaData) -> tuple[Table, Table]:
    things = Table("things", metadata, Column("id", String(16), primary_key=True),
                   Column("state", String(16), nullable=False), Column("n", Integer, nullable=False))
    # A partial unique index, as notification's live deadlines have: one live thing of a name at a time.
    Index("uq_things_live", things.c.state, unique=True, postgresql_where=things.c.state == "live")
    labels = Table("labels", metadata, Column("id", String(16), primary_key=True),
                   Column("label", String(16), nullable=False))
    return things, labels


@pytest.fixture
async def store(settings):
    metadata = service_metadata(SCHEMA)
    things, labels = tables(metadata)
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(text(f"drop schema if exists {SCHEMA} cascade"))
        await connection.execute(text(f"create schema {SCHEMA}"))
        await connection.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    yield sessions, metadata.tables[f"{SCHEMA}.outbox"], metadata.tables[f"{SCHEMA}.inbox"], things, labels
    async with engine.begin() as connection:
        await connection.execute(text(f"drop schema {SCHEMA} cascade"))
    await engine.dispose()


async def rows(sessions, table) -> dict[str, tuple]:
    async with sessions() as session:
        return {row[0]: tuple(row[1:]) for row in (await session.execute(select(table))).all()}


async def test_a_batch_of_writes_adds_up_to_what_one_by_one_would_write_in_a_statement_per_kind(store):
    sessions, outbox, inbox, things, labels = store
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        uow.writes.insert(things, {"id": "old"}, {"state": "live", "n": 0})
        await uow.commit()
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        w = uow.writes
        for n in range(50):
            w.insert(things, {"id": f"t{n}"}, {"state": "new", "n": n})
            w.update(things, {"id": f"t{n}"}, {"n": n * 10})  # into its insert
        w.update(things, {"id": "old"}, {"state": "met"})  # out of the unique index ...
        w.insert(things, {"id": "next"}, {"state": "live", "n": 1})  # ... before its successor goes in
        w.upsert(labels, {"id": "a"}, {"label": "first"})
        w.upsert(labels, {"id": "a"}, {"label": "second"})  # the last wins
        w.insert_ignore(labels, {"id": "b"}, {"label": "kept"})
        w.insert_ignore(labels, {"id": "b"}, {"label": "ignored"})  # the first stays
        await w.flush(uow.session)
        # One update of things, one insert of things (the new ones and the successor: the same columns), one upsert
        # and one insert-or-ignore of labels.
        assert w.statements == 4
        w.insert_ignore(labels, {"id": "a"}, {"label": "ignored too"})  # a row that exists: nothing happens
        await uow.commit()
    found = await rows(sessions, things)
    assert found["old"] == ("met", 0) and found["next"] == ("live", 1)
    assert all(found[f"t{n}"] == ("new", n * 10) for n in range(50))
    assert await rows(sessions, labels) == {"a": ("second",), "b": ("kept",)}


async def test_a_lone_messages_broken_constraint_fails_it_in_its_savepoint_and_the_rest_commits(store):
    sessions, outbox, inbox, things, _ = store
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        async with uow.message():
            uow.writes.insert(things, {"id": "a"}, {"state": "live", "n": 1})
        with pytest.raises(IntegrityError):
            async with uow.message():
                uow.writes.insert(things, {"id": "b"}, {"state": "live", "n": 2})  # a second live thing
        assert len(uow.writes) == 0
        async with uow.message():
            uow.writes.insert(things, {"id": "c"}, {"state": "new", "n": 3})
        await uow.commit()
    assert await rows(sessions, things) == {"a": ("live", 1), "c": ("new", 3)}


async def test_what_is_held_is_dropped_with_a_rollback(store):
    sessions, outbox, inbox, things, _ = store
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        uow.writes.insert(things, {"id": "a"}, {"state": "new", "n": 1})
        await uow.rollback()
        assert len(uow.writes) == 0
    assert await rows(sessions, things) == {}


def test_a_write_that_cannot_be_merged_with_the_one_held_is_refused():
    metadata = MetaData()
    things, _ = tables(metadata)
    writes = Writes()
    writes.insert_ignore(things, {"id": "a"}, {"state": "new", "n": 1})
    with pytest.raises(ValueError):
        writes.update(things, {"id": "a"}, {"n": 2})  # whether the insert happens is known only once it ran
    with pytest.raises(ValueError):
        writes.insert(things, {"id": "a"}, {"state": "new", "n": 1})
