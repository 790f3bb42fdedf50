"""The outbox relay against the real broker and database: confirms, mandatory, replicas, backoff."""

from __future__ import annotations

import asyncio

import aio_pika
import pytest
from gongkai.shared import outbox as outbox_module
from gongkai.shared.db import create_engine, service_metadata, session_factory
from gongkai.shared.envelope import new_event
from gongkai.shared.outbox import OutboxRelay, outbox_health
from gongkai.shared.testing import Tap, get_eventually
from gongkai.shared.topology import Topology
from gongkai.shared.unit_of_work import DIRECT_SEND_GRACE, UnitOfWork
from sqlalchemy import event, select, text

SCHEMA = "relaytest"


@pytest.fixture
async def store(settings):
    metadata = service_metadata(SCHEMA)
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(text(f"create schema {SCHEMA}"))
        await connection.run_sync(metadata.create_all)
    sessions = session_factory(engine)
    yield sessions, metadata.tables[f"{SCHEMA}.outbox"], metadata.tables[f"{SCHEMA}.inbox"]
    await engine.dispose()


def relay_for(settings, sessions, outbox) -> OutboxRelay:
    """A relay as publishing's would be: its account, its user_id."""
    return OutboxRelay(sessions, outbox, Topology(settings.namespace), settings.amqp_url_for("publishing"),
                       user_id=settings.broker_account("publishing"), batch=50, idle_seconds=0.05)


async def write_events(sessions, outbox, inbox, count: int, routing_key: str = "disclosure.submitted.v1"):
    events = [new_event("gongkai.test.v1", {"n": n}, source="/test", actor="test") for n in range(count)]
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        for event in events:
            uow.emit(event, routing_key=routing_key)
        await uow.commit()
    return events


async def test_committed_events_are_published_in_order_with_their_ids_and_marked_sent(settings, store):
    sessions, outbox, inbox = store
    async with Tap(settings, "events") as tap:
        events = await write_events(sessions, outbox, inbox, 120)
        relay = relay_for(settings, sessions, outbox)
        await relay.start()
        await tap.wait_for("gongkai.test.v1", lambda e: e.data["n"] == 119)
        await relay.stop()
    assert [e.id for _, e in tap.messages] == [e.id for e in events]
    assert await outbox_health(sessions, outbox) == {"pending": 0, "failing": 0}


async def test_a_rolled_back_unit_of_work_sends_nothing(settings, store):
    sessions, outbox, inbox = store
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        uow.emit(new_event("gongkai.test.v1", {}, source="/test", actor="test"))
    async with sessions() as session:
        assert (await session.execute(select(outbox))).all() == []


async def test_an_unroutable_event_stays_pending_and_is_reported_while_the_others_go_out(settings, store):
    sessions, outbox, inbox = store
    topology = Topology(settings.namespace)
    connection = await aio_pika.connect(settings.amqp_url)
    async with connection:
        # Only one queue bound, for disclosure.submitted: no audit queue takes everything here.
        channel = await connection.channel()
        for name, _, _ in topology.all_queues():
            await channel.queue_delete(name, if_unused=False, if_empty=False)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(topology.exchange("events"), "disclosure.submitted.v1")
        unroutable = await write_events(sessions, outbox, inbox, 1, routing_key="disclosure.withdrawn.v1")
        routable = await write_events(sessions, outbox, inbox, 3)
        relay = relay_for(settings, sessions, outbox)
        await relay.start()
        received = [await get_eventually(queue) for _ in routable]
        await relay.stop()
    assert [m.message_id for m in received] == [e.id for e in routable]
    async with sessions() as session:
        row = (await session.execute(select(outbox).where(outbox.c.event_id == unroutable[0].id))).one()
    assert row.sent_at is None and row.attempts >= 1 and row.last_error.startswith("unroutable")
    assert await outbox_health(sessions, outbox) == {"pending": 1, "failing": 1}


async def test_two_relays_on_one_outbox_send_every_event_exactly_once(settings, store):
    sessions, outbox, inbox = store
    async with Tap(settings, "events") as tap:
        events = await write_events(sessions, outbox, inbox, 400)
        relays = [relay_for(settings, sessions, outbox) for _ in range(2)]
        await asyncio.gather(*(r.start() for r in relays))
        await tap.wait_for("gongkai.test.v1", lambda e: e.id == events[-1].id)
        await asyncio.gather(*(r.stop() for r in relays))
        await asyncio.sleep(0.2)
    ids = [e.id for _, e in tap.messages]
    assert sorted(ids) == sorted(e.id for e in events)


async def test_a_consumer_inbox_absorbs_a_redelivered_event(store):
    sessions, outbox, inbox = store
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        assert await uow.claim("event-1", "consumer") is True
        await uow.commit()
    async with UnitOfWork(sessions, outbox, inbox) as uow:
        assert await uow.claim("event-1", "consumer") is False
        assert await uow.claim("event-1", "another-consumer") is True


async def test_a_row_the_accounts_permissions_refuse_stays_pending_while_the_others_go_out(settings, store):
    """Refused publishes close the channel (ACCESS_REFUSED); the relay reopens it and sends the rest."""
    sessions, outbox, inbox = store
    async with Tap(settings, "events", "disclosure.#") as tap:
        before = await write_events(sessions, outbox, inbox, 3)
        refused = await write_events(sessions, outbox, inbox, 1, routing_key="review.approved.v1")
        after = await write_events(sessions, outbox, inbox, 3)
        relay = relay_for(settings, sessions, outbox)
        await relay.start()
        await tap.wait_for("gongkai.test.v1", lambda e: e.id == after[-1].id)
        await relay.stop()
    assert {e.id for _, e in tap.messages} == {e.id for e in before + after}
    assert {d.user_id for d in tap.deliveries} == {settings.broker_account("publishing")}
    async with sessions() as session:
        row = (await session.execute(select(outbox).where(outbox.c.event_id == refused[0].id))).one()
    assert row.sent_at is None and row.attempts >= 1 and "ACCESS_REFUSED" in row.last_error


async def test_rows_a_unit_of_work_commits_are_sent_at_once_without_the_poller(settings, store):
    """The committing process's relay sends its rows directly; the poller would take them only after the grace."""
    sessions, outbox, inbox = store
    relay = relay_for(settings, sessions, outbox)
    relay._idle = 3600  # the poller never runs on its own in this test: only the direct path can send
    await relay.start()
    async with Tap(settings, "events") as tap:
        events = [new_event("gongkai.test.v1", {"n": n}, source="/test", actor="test") for n in range(30)]
        async with UnitOfWork(sessions, outbox, inbox, on_commit=relay.committed) as uow:
            for event in events:
                uow.emit(event, routing_key="disclosure.submitted.v1")
            await uow.commit()
        async with sessions() as session:  # not yet due for any poller: the grace is still running
            due = (await session.execute(select(outbox.c.seq).where(outbox.c.next_attempt_at <= text("now()")))).all()
        assert due == []
        await tap.wait_for("gongkai.test.v1", lambda e: e.data["n"] == 29)
        async with asyncio.timeout(10):
            while (await outbox_health(sessions, outbox))["pending"]:
                await asyncio.sleep(0.05)
    await relay.stop()
    assert [e.id for _, e in tap.messages] == [e.id for e in events]


async def test_rows_a_stopping_relay_still_holds_are_sent_and_marked_sent_before_it_stops(settings, store):
    sessions, outbox, inbox = store
    relay = relay_for(settings, sessions, outbox)
    async with Tap(settings, "events") as tap:
        events = [new_event("gongkai.test.v1", {"n": n}, source="/test", actor="test") for n in range(30)]
        async with UnitOfWork(sessions, outbox, inbox, on_commit=relay.committed) as uow:
            for event in events:
                uow.emit(event, routing_key="disclosure.submitted.v1")
            await uow.commit()
        await relay.start()
        await relay.stop()  # at once: the rows are still on their way, or their confirms, or their marking
        await tap.wait_for("gongkai.test.v1", lambda e: e.data["n"] == 29)
    assert await outbox_health(sessions, outbox) == {"pending": 0, "failing": 0}
    assert sorted(e.id for _, e in tap.messages) == sorted(e.id for e in events)


async def test_a_stopping_replica_leaves_the_rows_another_replica_is_sending_to_it(settings, store):
    """Rows in their grace belong to the relay of the process that committed them: a replica that stops must not
    send them as well (each would reach every consumer twice)."""
    sessions, outbox, inbox = store
    committing, stopping = relay_for(settings, sessions, outbox), relay_for(settings, sessions, outbox)
    async with Tap(settings, "events") as tap:
        events = [new_event("gongkai.test.v1", {"n": n}, source="/test", actor="test") for n in range(10)]
        async with UnitOfWork(sessions, outbox, inbox, on_commit=committing.committed) as uow:  # held, not sent yet
            for event in events:
                uow.emit(event, routing_key="disclosure.submitted.v1")
            await uow.commit()
        await stopping.start()
        await stopping.stop()
        await committing.start()
        async with asyncio.timeout(10):  # the committing relay sends what it holds, on its direct path
            while committing._fresh or committing._in_flight:
                await asyncio.sleep(0.05)
        await tap.wait_for("gongkai.test.v1", lambda e: e.data["n"] == 9)
        await committing.stop()
        await asyncio.sleep(0.3)  # a second copy, had one been sent, would have reached the tap by now
    assert sorted(e.id for _, e in tap.messages) == sorted(e.id for e in events)


async def test_a_row_a_poller_sent_after_its_grace_is_not_sent_again_by_the_relay_that_committed_it(settings, store):
    """Under a backlog a committed row can wait in its relay past the grace; another replica's poller then sends it,
    and the committing relay, when it comes to the row, must not send it a second time."""
    sessions, outbox, inbox = store
    committing, replica = relay_for(settings, sessions, outbox), relay_for(settings, sessions, outbox)
    async with Tap(settings, "events") as tap:
        events = [new_event("gongkai.test.v1", {"n": n}, source="/test", actor="test") for n in range(20)]
        async with UnitOfWork(sessions, outbox, inbox, on_commit=committing.committed) as uow:  # not started yet
            for event in events:
                uow.emit(event, routing_key="disclosure.submitted.v1")
            await uow.commit()
        await replica.start()  # its poller takes the rows once their grace is over
        await tap.wait_for("gongkai.test.v1", lambda e: e.data["n"] == 19,
                           timeout=DIRECT_SEND_GRACE.total_seconds() + 10)
        async with asyncio.timeout(10):
            while (await outbox_health(sessions, outbox))["pending"]:
                await asyncio.sleep(0.05)
        await committing.start()  # its direct path still holds the 20 rows
        async with asyncio.timeout(10):
            while committing._fresh:
                await asyncio.sleep(0.05)
        await committing.stop()
        await replica.stop()
        await asyncio.sleep(0.3)  # a second copy, had one been sent, would have reached the tap by now
    assert sorted(e.id for _, e in tap.messages) == sorted(e.id for e in events)


async def test_rows_confirmed_close_together_are_marked_sent_in_one_statement(settings, store, monkeypatch):
    """Events committed one by one, as a quiet service commits them, do not cost a marking transaction each."""
    monkeypatch.setattr(outbox_module, "MARK_INTERVAL_SECONDS", 3.0)  # the ten events fit in one interval
    sessions, outbox, inbox = store
    relay = relay_for(settings, sessions, outbox)
    relay._idle = 3600  # only the direct path sends
    marks: list[str] = []

    def count_marks(_conn, _cursor, statement, _parameters, _context, _many):
        if statement.lstrip().lower().startswith(f"update {SCHEMA}.outbox") and "sent_at" in statement:
            marks.append(statement)

    engine = sessions.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", count_marks)
    await relay.start()
    try:
        async with Tap(settings, "events") as tap:
            for n in range(10):
                async with UnitOfWork(sessions, outbox, inbox, on_commit=relay.committed) as uow:
                    uow.emit(new_event("gongkai.test.v1", {"n": n}, source="/test", actor="test"),
                             routing_key="disclosure.submitted.v1")
                    await uow.commit()
                await tap.wait_for("gongkai.test.v1", lambda e, n=n: e.data["n"] == n)  # each confirmed alone
            async with asyncio.timeout(10):
                while (await outbox_health(sessions, outbox))["pending"]:
                    await asyncio.sleep(0.05)
    finally:
        await relay.stop()
        event.remove(engine, "before_cursor_execute", count_marks)
    assert len(marks) == 1, marks  # one per marking interval, not one per event
