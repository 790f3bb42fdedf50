"""Audit against the real broker and database: every message kept once, dead letters, queries, append-only."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aio_pika
import asyncpg
import pytest
from gongkai.audit.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import CONTENT_TYPE, Envelope, new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import bearer, migrate, publish, running
from gongkai.shared.topology import Topology

AUDITOR = bearer("dev-auditor-token")
SUBMITTER_HEADER = {"authorization": "Bearer dev-submitter-token"}
ITEM = {"title": "2026年道路运输行政许可事项公告", "body": "现将许可事项公告如下。", "category": "S05"}

Page = list[dict[str, Any]]


@pytest.fixture
async def sequential(settings: Settings) -> Settings:
    """One message at a time per queue: once a later message is recorded, every earlier one was handled."""
    return settings.model_copy(update={"prefetch": 1})


@pytest.fixture
async def audit(sequential: Settings):
    await migrate(sequential, ("audit",))
    async with running(create_app(sequential)) as client:
        yield client


async def until(client, predicate: Callable[[Page], bool], timeout: float = 15.0) -> Page:
    """The whole log, once ``predicate`` holds for it."""
    async with asyncio.timeout(timeout):
        while True:
            response = await client.get("/events", params={"limit": 1000}, headers=AUDITOR)
            assert response.status_code == 200, response.text
            page = [e for e in response.json()["events"] if not is_query(e)]
            if predicate(page):
                return page
            await asyncio.sleep(0.05)


def is_query(entry: dict[str, Any]) -> bool:
    """The log records each auditor's query too; most tests look past those entries."""
    return bool(entry["envelope"]) and entry["envelope"]["type"] == c.AUDIT_QUERY_RECORDED


def has(event_id: str, *, dead: bool = False) -> Callable[[Page], bool]:
    return lambda page: any(e["envelope"] and e["envelope"]["id"] == event_id and e["dead_lettered"] == dead
                            for e in page)


async def send(settings: Settings, exchange: str, body: bytes, routing_key: str, *, message_id: str | None = None,
               headers: dict[str, Any] | None = None) -> None:
    """Publish raw bytes as a careless or hostile producer might (aiormq adds a message id when none is given)."""
    connection = await aio_pika.connect(settings.amqp_url)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        target = await channel.get_exchange(Topology(settings.namespace).exchange(exchange), ensure=False)
        await target.publish(aio_pika.Message(body, message_id=message_id, headers=headers or {},
                                              content_type=CONTENT_TYPE), routing_key=routing_key, mandatory=True)
    finally:
        await connection.close()


def event(type: str, subject: str | None, cause: Envelope | None = None, **data: Any) -> Envelope:
    if cause is not None:
        return cause.caused(type, data, source="/gongkai/publishing", actor="li.na", subject=subject)
    return new_event(type, data, source="/gongkai/publishing", actor="li.na", subject=subject)


NOT_QUERIES = f"select * from audit.events where type is distinct from '{c.AUDIT_QUERY_RECORDED}' order by seq"
EVERY_ROW = "select * from audit.events order by seq"


async def rows(settings: Settings, sql: str = NOT_QUERIES) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        return await connection.fetch(sql)
    finally:
        await connection.close()


async def test_every_message_on_every_exchange_is_recorded_once_even_when_sent_twice(sequential, audit):
    ns = sequential.namespace
    internal = event(c.DISCLOSURE_PUBLISHED, "item-1", item_id="item-1")
    public = event(c.PUBLIC_DISCLOSURE_PUBLISHED, "item-1", item_id="item-1")
    command = new_event(c.SUBMIT_DISCLOSURE, ITEM, source="/staff-tool", actor="staff-tool")
    for _ in range(2):
        await publish(sequential, "events", internal)
        await publish(sequential, "public", public, routing_key="portal.S05.published")
        await publish(sequential, "intake", command, headers=SUBMITTER_HEADER)
        await send(sequential, "events", b"\xff not json", "disclosure.submitted.v1", message_id="broken-1")
        await send(sequential, "events", b"[]", "disclosure.submitted.v1", message_id="not-an-envelope")
    sentinel = event(c.DEADLINE_OPENED, "item-2")
    await publish(sequential, "events", sentinel)

    page = await until(audit, has(sentinel.id))

    assert [(e["exchange"], e["routing_key"], e["valid"]) for e in page] == [
        (f"{ns}.events", "disclosure.published.v1", True),
        (f"{ns}.public", "portal.S05.published", True),
        (f"{ns}.intake", "disclosure.submit.v1", True),
        (f"{ns}.events", "disclosure.submitted.v1", False),
        (f"{ns}.events", "disclosure.submitted.v1", False),
        (f"{ns}.events", sentinel.routing_key, True),
    ]
    assert [e["envelope"]["id"] for e in page if e["valid"]] == [internal.id, public.id, command.id, sentinel.id]
    assert [e["raw"] for e in page if not e["valid"]] == ["\ufffd not json", "[]"]
    stored = await rows(sequential)
    assert len(stored) == 6, "duplicates are stored once"
    every = [r["seq"] for r in await rows(sequential, EVERY_ROW)]
    assert every == list(range(1, len(every) + 1)), "duplicates take no seq"
    assert stored[0]["body"] == internal.to_bytes() and stored[3]["body"] == b"\xff not json"
    assert stored[3]["record_key"] == f"{ns}.events:broken-1"
    assert stored[4]["record_key"] == f"{ns}.events:not-an-envelope"


async def test_an_intake_command_is_recorded_without_its_bearer_token(sequential, audit):
    command = new_event(c.SUBMIT_DISCLOSURE, ITEM, source="/staff-tool", actor="staff-tool")
    await publish(sequential, "intake", command, headers=SUBMITTER_HEADER)
    await until(audit, has(command.id))
    (stored,) = await rows(sequential)
    assert "dev-submitter-token" not in repr(dict(stored))
    assert stored["type"] == c.SUBMIT_DISCLOSURE and stored["actor"] == "staff-tool"


async def test_another_body_under_a_recorded_message_id_is_kept_too(sequential, audit):
    original = event(c.DISCLOSURE_PUBLISHED, "item-1", item_id="item-1")
    await publish(sequential, "events", original)
    await until(audit, has(original.id))
    await publish(sequential, "events", original, body=b"forged")
    page = await until(audit, lambda page: len(page) == 2)
    assert page[1]["raw"] == "forged"
    keys = [r["record_key"] for r in await rows(sequential)]
    assert keys[1].startswith(f"{keys[0]}:sha256:")


async def test_text_postgres_cannot_hold_is_recorded_and_readable_in_an_envelope_or_as_raw(sequential, audit):
    body = (b'{"id":"odd-1","source":"/x","type":"gongkai.odd.v1","actor":"a","subject":"item-odd",'
            b'"data":{"n":NaN,"s":"\\ud800","unit":"a\\u0000b"}}')
    control = b'{"id":"odd\\u0000-2","source":"/x","type":"gongkai.odd.v1","actor":"a","subject":"item-odd"}'
    await send(sequential, "events", body, "odd.v1", message_id="odd-1")
    await send(sequential, "events", control, "odd.v1", message_id="odd-2")
    trail = await until(audit, lambda page: len(page) == 2)
    assert trail[0]["valid"] and trail[0]["envelope"]["data"] == {"n": "NaN", "s": "?", "unit": "a\x00b"}
    # An envelope attribute with a control character is no envelope: kept as it came, shown raw.
    assert not trail[1]["valid"] and trail[1]["raw"] == control.decode()
    stored = await rows(sequential)
    assert [r["body"] for r in stored] == [body, control] and stored[0]["unit"] == "a\ufffdb"
    shown = await audit.get("/items/item-odd/events", headers=AUDITOR)
    assert shown.status_code == 200 and shown.json()["events"][0]["envelope"]["id"] == "odd-1"


async def test_dead_letters_are_recorded_as_such_with_the_queue_and_reason(sequential, audit):
    ns = sequential.namespace
    approval = event(c.REVIEW_APPROVED, "item-1", item_id="item-1")
    await publish(sequential, "events", approval)
    connection = await aio_pika.connect(sequential.amqp_url)
    try:
        channel = await connection.channel()
        reviews = await channel.get_queue(f"{ns}.publishing.reviews", ensure=False)
        delivered = await reviews.get(timeout=5, fail=True)
        await delivered.reject(requeue=False)  # RabbitMQ dead-letters it, with its own x-death header
    finally:
        await connection.close()
    decide = new_event(c.DECIDE_REVIEW, {"case_id": "case-1"}, source="/staff-tool", actor="zhao.lei")
    death = [{"queue": f"{ns}.review.intake", "reason": "rejected", "count": 1, "exchange": f"{ns}.intake",
              "routing-keys": ["review.decide.v1"]}]
    await send(sequential, "dlx", decide.to_bytes(), "review.decide.v1", message_id=decide.id,
               headers={"x-death": death})
    await send(sequential, "dlx", decide.to_bytes(), "review.decide.v1", message_id=decide.id,
               headers={"x-death": death})

    page = await until(audit, lambda p: all(f(p) for f in (has(approval.id), has(approval.id, dead=True),
                                                           has(decide.id, dead=True))))

    dead = [e for e in page if e["dead_lettered"]]
    assert len(dead) == 2 and [e["exchange"] for e in dead] == [f"{ns}.dlx"] * 2
    assert {e["dead_letter_reason"] for e in dead} == {"rejected"}
    alive = [e for e in page if not e["dead_lettered"]]
    assert [e["envelope"]["id"] for e in alive] == [approval.id], "the first delivery was recorded too"
    keys = {r["record_key"] for r in await rows(sequential, "select * from audit.events where dead_lettered")}
    assert keys == {f"dlx:{ns}.publishing.reviews:{approval.id}", f"dlx:{ns}.review.intake:{decide.id}"}


async def test_an_items_trail_holds_the_command_that_created_it_and_its_events_in_order(sequential, audit):
    ns = sequential.namespace
    command = new_event(c.SUBMIT_DISCLOSURE, ITEM, source="/staff-tool", actor="staff-tool")
    submitted = event(c.DISCLOSURE_SUBMITTED, "item-7", command, item_id="item-7")
    published = event(c.DISCLOSURE_PUBLISHED, "item-7", submitted, item_id="item-7")
    public = event(c.PUBLIC_DISCLOSURE_PUBLISHED, "item-7", submitted, item_id="item-7")
    other = event(c.DISCLOSURE_SUBMITTED, "item-8", item_id="item-8")
    for exchange, message, key in [("intake", command, None), ("events", submitted, None), ("events", other, None),
                                   ("events", published, None), ("public", public, "portal.S05.published")]:
        await publish(sequential, exchange, message, routing_key=key,
                      headers=SUBMITTER_HEADER if exchange == "intake" else None)
    await until(audit, has(public.id))

    response = await audit.get("/items/item-7/events", headers=AUDITOR)

    assert response.status_code == 200, response.text
    trail = response.json()["events"]
    assert [e["envelope"]["id"] for e in trail] == [command.id, submitted.id, published.id, public.id]
    assert [e["exchange"] for e in trail] == [f"{ns}.intake", f"{ns}.events", f"{ns}.events", f"{ns}.public"]
    assert [e["seq"] for e in trail] == sorted(e["seq"] for e in trail)
    assert all(e["received_at"] and e["dead_lettered"] is False for e in trail)
    assert trail[0]["envelope"]["data"] == ITEM
    missing = await audit.get("/items/no-such-item/events", headers=AUDITOR)
    assert missing.status_code == 404 and "no-such-item" in missing.json()["detail"]


async def test_the_log_is_filtered_by_type_and_actor_and_paged_by_seq(sequential, audit):
    sent = [new_event(c.DEADLINE_OPENED if i % 2 else c.DEADLINE_MET, {}, source="/gongkai/notification",
                      actor="service:notification" if i < 3 else "zhou.min", subject=f"item-{i}") for i in range(5)]
    for message in sent:
        await publish(sequential, "events", message)
    await until(audit, has(sent[-1].id))

    seen, after = [], 0
    while after is not None:
        response = await audit.get("/events", params={"limit": 2, "after_seq": after}, headers=AUDITOR)
        assert response.status_code == 200, response.text
        seen += [e["envelope"]["id"] for e in response.json()["events"] if not is_query(e)]
        after = response.json()["next_after_seq"]
    assert seen == [m.id for m in sent]

    opened = (await audit.get("/events", params={"type": c.DEADLINE_OPENED}, headers=AUDITOR)).json()
    assert [e["envelope"]["id"] for e in opened["events"]] == [sent[1].id, sent[3].id]
    assert opened["next_after_seq"] is None
    mine = (await audit.get("/events", params={"actor": "zhou.min", "type": c.DEADLINE_MET}, headers=AUDITOR)).json()
    assert [e["envelope"]["id"] for e in mine["events"]] == [sent[4].id]
    fourth = [r["seq"] for r in await rows(sequential)][3]
    later = (await audit.get("/events", params={"after_seq": fourth, "type": c.DEADLINE_MET}, headers=AUDITOR)).json()
    assert [e["envelope"]["id"] for e in later["events"]] == [sent[4].id]


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 1001}, {"limit": "x"}, {"after_seq": -1},
                                    {"after_seq": "first"}, {"type": "t" * 129}])
async def test_bad_query_values_are_refused(audit, params):
    response = await audit.get("/events", params=params, headers=AUDITOR)
    assert response.status_code == 422, response.text


@pytest.mark.parametrize("path", ["/events", "/items/item-1/events"])
@pytest.mark.parametrize(("headers", "status"), [({}, 401), (bearer("no-such-token"), 401),
                                                 (bearer("dev-submitter-token"), 403),
                                                 (bearer("dev-admin-token"), 403)])
async def test_only_an_auditor_may_read_the_log(audit, path, headers, status):
    response = await audit.get(path, headers=headers)
    assert response.status_code == status, response.text


async def test_concurrent_appends_get_a_dense_seq_in_commit_order(settings):
    """With the production prefetch, many messages are handled at once; seq still has no gaps."""
    await migrate(settings, ("audit",))
    sent = [event(c.DEADLINE_OPENED, f"item-{i}") for i in range(60)]
    async with running(create_app(settings)) as client:
        connection = await aio_pika.connect(settings.amqp_url)
        try:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(Topology(settings.namespace).exchange("events"), ensure=False)
            await asyncio.gather(*(exchange.publish(aio_pika.Message(m.to_bytes(), message_id=m.id),
                                                    routing_key=m.routing_key) for m in sent))
        finally:
            await connection.close()
        await until(client, lambda page: len(page) == len(sent))
    every = await rows(settings, EVERY_ROW)
    assert [r["seq"] for r in every] == list(range(1, len(every) + 1))
    assert {r["event_id"] for r in await rows(settings)} == {m.id for m in sent}


@pytest.mark.parametrize("statement", [
    "update audit.events set valid = false",
    "update audit.events set body = 'rewritten'::bytea where seq = 1",
    "delete from audit.events",
    "truncate audit.events",
])
async def test_the_log_refuses_update_delete_and_truncate(settings, statement):
    await migrate(settings, ("audit",))
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        await connection.execute("insert into audit.events (seq, record_key, exchange, routing_key, dead_lettered,"
                                 " valid, body) values (1, 'ns.events:e-1', 'ns.events', 'k', false, true, 'original')")
        with pytest.raises(asyncpg.PostgresError, match="append-only"):
            await connection.execute(statement)
        assert await connection.fetch("select seq, valid, body from audit.events") == [(1, True, b"original")]
    finally:
        await connection.close()
