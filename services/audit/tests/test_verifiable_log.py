"""The verifiable log against the real broker and database: the runtime role, the tree, signed
checkpoints, proofs, recorded queries, exports and bad requests."""

from __future__ import annotations

import asyncio
import base64
import csv
import io
import json
from typing import Any

import asyncpg
import pytest
from gongkai.audit import merkle
from gongkai.audit.app import build, create_app
from gongkai.audit.checkpoint import Verifier, open_note
from gongkai.audit.config import AuditConfig
from gongkai.audit.record import from_message
from gongkai.audit.repository import APPEND_LOCK
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import bearer, migrate, publish, running
from sqlalchemy import text

AUDITOR = bearer("dev-auditor-token")
CONFIG = AuditConfig(checkpoint_interval_seconds=3600)


async def sql(settings: Settings, statement: str, *args: Any, as_service: bool = False) -> list[asyncpg.Record]:
    """Run ``statement`` as the administrator, or ``as_service`` (audit's runtime role)."""
    url = settings.database_url_for("audit") if as_service else settings.database_url
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        return await connection.fetch(statement, *args)
    finally:
        await connection.close()


@pytest.fixture
async def audit(settings: Settings):
    await migrate(settings, ("audit",))
    app = create_app(settings, CONFIG)
    async with running(app) as client:
        client.handlers = app.state.audit
        yield client


def event(type: str = c.DEADLINE_OPENED, subject: str = "item-1", source: str = "/gongkai/notification",
          **data: Any):
    return new_event(type, data, source=source, actor="service:notification", subject=subject)


async def recorded(settings: Settings, count: int, timeout: float = 15.0) -> list[asyncpg.Record]:
    """The entries that are not auditors' queries, once there are ``count`` of them."""
    async with asyncio.timeout(timeout):
        while True:
            rows = await sql(settings, "select * from audit.events where type is distinct from $1 order by seq",
                             c.AUDIT_QUERY_RECORDED)
            if len(rows) >= count:
                return rows
            await asyncio.sleep(0.05)


async def sign(client) -> dict[str, Any]:
    response = await client.post("/log/checkpoints", headers=AUDITOR)
    assert response.status_code == 200, response.text
    return response.json()


def verifier() -> Verifier:
    return CONFIG.signer().verifier


def b64(text: str) -> bytes:
    return base64.b64decode(text)


# ---- the runtime role -----------------------------------------------------------------------


@pytest.mark.parametrize("table", ["events", "tree_nodes", "checkpoints", "facts"])
@pytest.mark.parametrize("statement", ["update audit.{t} set {c} = {c}", "delete from audit.{t}",
                                       "truncate audit.{t}"])
async def test_the_runtime_role_may_not_update_delete_or_truncate_the_log(settings, table, statement):
    await migrate(settings, ("audit",))
    column = {"events": "seq", "tree_nodes": "level", "checkpoints": "size", "facts": "seq"}[table]
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
        await sql(settings, statement.format(t=table, c=column), as_service=True)


async def test_the_runtime_role_may_insert_and_read_the_log(settings):
    await migrate(settings, ("audit",))
    await sql(settings, "insert into audit.events (seq, record_key, exchange, routing_key, dead_lettered, valid,"
                        " body) values (1, 'k', 'x', 'r', false, false, 'b')", as_service=True)
    assert [r["seq"] for r in await sql(settings, "select seq from audit.events", as_service=True)] == [1]


async def test_the_service_runs_as_its_runtime_role(settings, audit):
    async with audit.handlers.service.sessions() as session:
        assert (await session.execute(text("select current_user"))).scalar_one() == settings.database_role("audit")


# ---- appends and the tree -------------------------------------------------------------------


async def test_two_replicas_appending_at_once_keep_seq_dense_and_the_tree_whole(settings):
    await migrate(settings, ("audit",))
    replicas = [build(settings, CONFIG) for _ in range(2)]
    messages = [event(subject=f"item-{i}") for i in range(200)]
    try:
        await asyncio.gather(*(replicas[i % 2][1].record(from_message(
            m.to_bytes(), exchange="ns.events", routing_key=m.routing_key, message_id=m.id, headers={},
            dead_lettered=False)) for i, m in enumerate(messages)))
    finally:
        for service, _ in replicas:
            await service.engine.dispose()
    rows = await sql(settings, "select seq, body from audit.events order by seq")
    assert [r["seq"] for r in rows] == list(range(1, 201))
    frontier = merkle.Frontier()
    for row in rows:
        frontier.append(merkle.leaf_hash(row["body"]))
    nodes = {(r["level"], r["index"]): r["hash"] for r in await sql(settings, "select * from audit.tree_nodes")}
    assert len(nodes) == 2 * 200 - bin(200).count("1")
    assert merkle.root_of(200, nodes) == frontier.root()


async def test_every_entry_proves_included_in_a_signed_checkpoint_and_checkpoints_prove_consistent(settings, audit):
    for message in [event(subject=f"item-{i}") for i in range(7)]:
        await publish(settings, "events", message)
    await recorded(settings, 7)
    first = await sign(audit)
    old = open_note(first["note"], verifier())
    assert (old.origin, old.size) == (CONFIG.origin, first["size"])
    rows = {r["seq"]: r["body"] for r in await sql(settings, "select seq, body from audit.events")}
    for seq in range(1, old.size + 1):
        proof = (await audit.get("/log/proofs/inclusion", params={"seq": seq, "size": old.size},
                                 headers=AUDITOR)).json()
        merkle.verify_inclusion(seq - 1, old.size, merkle.leaf_hash(rows[seq]), [b64(p) for p in proof["proof"]],
                                old.root)

    for message in [event(subject=f"later-{i}") for i in range(5)]:
        await publish(settings, "events", message)
    await recorded(settings, 12)
    new = open_note((await sign(audit))["note"], verifier())
    assert new.size > old.size
    proof = (await audit.get("/log/proofs/consistency", params={"from": old.size, "to": new.size},
                             headers=AUDITOR)).json()
    merkle.verify_consistency(old.size, new.size, old.root, new.root, [b64(p) for p in proof["proof"]])

    # The operator rewrites history: entry 2 changed, the whole tree recomputed, a new checkpoint signed.
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        async with connection.transaction():  # holding the append lock, as a careful forger would
            await connection.execute("select pg_advisory_xact_lock(hashtext($1))", APPEND_LOCK)
            await connection.execute("alter table audit.events disable trigger user;"
                                     " update audit.events set body = 'rewritten' where seq = 2;"
                                     " alter table audit.tree_nodes disable trigger user;"
                                     " delete from audit.tree_nodes")
            frontier, made = merkle.Frontier(), []
            for row in await connection.fetch("select body from audit.events order by seq"):
                made += frontier.append(merkle.leaf_hash(row["body"]))
            await connection.executemany("insert into audit.tree_nodes values ($1, $2, $3)", made)
    finally:
        await connection.close()
    await publish(settings, "events", event(subject="after-the-rewrite"))
    await recorded(settings, 13)
    rewritten = open_note((await sign(audit))["note"], verifier())
    proof = (await audit.get("/log/proofs/consistency", params={"from": old.size, "to": rewritten.size},
                             headers=AUDITOR)).json()
    with pytest.raises(merkle.ProofError):
        merkle.verify_consistency(old.size, rewritten.size, old.root, rewritten.root, [b64(p) for p in proof["proof"]])


async def test_a_checkpoint_is_signed_only_when_the_log_grew_and_is_emitted_as_an_event(settings, audit):
    await publish(settings, "events", event())
    await recorded(settings, 1)
    first = await sign(audit)
    announced = await recorded(settings, 2)
    checkpoint_event = json.loads(announced[-1]["body"])
    assert checkpoint_event["type"] == c.AUDIT_CHECKPOINT and checkpoint_event["data"]["note"] == first["note"]
    assert Verifier.parse(checkpoint_event["data"]["key"]) == verifier()
    assert await audit.handlers.checkpoint() is None, "only its own checkpoint event came after it"
    await publish(settings, "events", event(subject="item-2"))
    await recorded(settings, 3)
    assert (await audit.handlers.checkpoint())["size"] > first["size"]


async def test_an_auditors_query_is_itself_an_entry_of_the_log(settings, audit):
    await publish(settings, "events", event(subject="item-9"))
    await recorded(settings, 1)
    response = await audit.get("/events", params={"item": "item-9", "limit": 10}, headers=AUDITOR)
    assert response.status_code == 200 and len(response.json()["events"]) == 1
    (query,) = await sql(settings, "select * from audit.events where type = $1", c.AUDIT_QUERY_RECORDED)
    envelope = json.loads(query["body"])
    assert envelope["actor"] == "zhou.min" and envelope["data"]["query"] == "events"
    assert envelope["data"]["parameters"] == {"item": "item-9", "after_seq": 0, "limit": 10}
    assert envelope["data"]["result_count"] == 1
    checkpoint = open_note((await sign(audit))["note"], verifier())
    proof = (await audit.get("/log/proofs/inclusion", params={"seq": query["seq"], "size": checkpoint.size},
                             headers=AUDITOR)).json()
    merkle.verify_inclusion(query["seq"] - 1, checkpoint.size, merkle.leaf_hash(query["body"]),
                            [b64(p) for p in proof["proof"]], checkpoint.root)


async def test_queries_filter_by_item_actor_type_unit_and_time_and_export_as_csv_and_json_lines(settings, audit):
    sent = [event(c.DISCLOSURE_SUBMITTED, "item-a", source="/gongkai/publishing", unit="办公室"),
            event(c.DISCLOSURE_SUBMITTED, "item-b", source="/gongkai/publishing", unit="运输管理科"),
            event(c.DEADLINE_OPENED, "item-a", unit="办公室")]
    for message in sent:
        await publish(settings, "events", message)
    await recorded(settings, 3)

    async def ids(**params) -> list[str]:
        response = await audit.get("/events", params=params, headers=AUDITOR)
        assert response.status_code == 200, response.text
        return [e["envelope"]["id"] for e in response.json()["events"]
                if e["envelope"]["type"] != c.AUDIT_QUERY_RECORDED]

    assert await ids(unit="办公室") == [sent[0].id, sent[2].id]
    assert await ids(item="item-a", type=c.DEADLINE_OPENED) == [sent[2].id]
    assert await ids(**{"from": "2000-01-01T00:00:00+00:00", "to": "2000-01-02T00:00:00+00:00"}) == []
    assert len(await ids(**{"from": "2026-01-01T00:00:00+08:00", "to": "2030-01-01T00:00:00+08:00"})) >= 3

    jsonl = await audit.get("/events/export", params={"format": "jsonl", "unit": "办公室"}, headers=AUDITOR)
    assert jsonl.status_code == 200 and jsonl.headers["content-type"].startswith("application/x-ndjson")
    assert [json.loads(line)["envelope"]["id"] for line in jsonl.text.splitlines()] == [sent[0].id, sent[2].id]
    table = await audit.get("/events/export", params={"format": "csv", "item": "item-b"}, headers=AUDITOR)
    assert table.status_code == 200
    (header, row) = list(csv.reader(io.StringIO(table.text)))
    assert header[:2] == ["seq", "received_at"] and row[header.index("id")] == sent[1].id
    assert json.loads(row[header.index("data")]) == {"unit": "运输管理科"}
    exports = [json.loads(r["body"])["data"] for r in await sql(
        settings, "select body from audit.events where type = $1 order by seq", c.AUDIT_QUERY_RECORDED)
        if json.loads(r["body"])["data"]["query"].startswith("export")]
    assert [(e["query"], e["result_count"], e["completed"]) for e in exports] == [("export-jsonl", 2, True),
                                                                                  ("export-csv", 1, True)]


# ---- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(("path", "params"), [
    ("/log/proofs/inclusion", {"seq": 1, "size": 99}),
    ("/log/proofs/inclusion", {"seq": 3, "size": 2}),
    ("/log/proofs/inclusion", {"seq": 0, "size": 2}),
    ("/log/proofs/consistency", {"from": 1, "to": 99}),
    ("/log/proofs/consistency", {"from": 2, "to": 1}),
    ("/log/proofs/consistency", {"from": -1, "to": 1}),
    ("/events", {"limit": 100000}),
    ("/events", {"from": "2026-02-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"}),
    ("/events", {"from": "1900-01-01T00:00:00+08:00", "to": "2026-01-01T00:00:00+08:00"}),
    ("/events", {"from": "2026-01-01T00:00:00"}),
    ("/events/export", {"format": "xml"}),
    ("/events/export", {"from": "2000-01-01T00:00:00+00:00", "to": "2099-01-01T00:00:00+00:00"}),
    ("/statistics", {"from": "2026-12-31", "to": "2026-01-01"}),
    ("/statistics", {"from": "0001-01-01", "to": "9999-12-31"}),
    ("/reports/annual", {"year": 99999}),
])
async def test_absurd_requests_get_a_clear_422_and_leave_the_log_intact(settings, audit, path, params):
    await publish(settings, "events", event())
    await recorded(settings, 1)
    await publish(settings, "events", event(subject="item-2"))
    before = await recorded(settings, 2)
    checkpoint = await sign(audit)
    response = await audit.get(path, params=params, headers=AUDITOR)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    after = await sql(settings, "select seq, body from audit.events order by seq")
    assert [(r["seq"], r["body"]) for r in after][:len(before)] == [(r["seq"], r["body"]) for r in before]
    assert (await audit.get("/log/checkpoints/latest", headers=AUDITOR)).json()["root"] == checkpoint["root"]


async def test_an_event_from_an_unknown_source_is_recorded_flagged_and_not_counted(settings, audit):
    stranger = event(c.DISCLOSURE_SUBMITTED, "item-x", source="/somewhere-else", unit="办公室", category="S01")
    await publish(settings, "events", stranger)
    (row,) = await recorded(settings, 1)
    assert row["flag"] == "unknown-source" and row["valid"]
    assert await sql(settings, "select * from audit.facts") == []
    shown = (await audit.get("/events", params={"type": c.DISCLOSURE_SUBMITTED}, headers=AUDITOR)).json()
    assert shown["events"][0]["flag"] == "unknown-source"


async def test_a_message_without_an_envelope_is_recorded_as_invalid_and_counted_for_nothing(settings, audit):
    await publish(settings, "events", event(c.DISCLOSURE_SUBMITTED, "item-y", source="/gongkai/publishing"),
                  body=b'{"type": "gongkai.disclosure.submitted.v1", "data": {"unit": "x"}}')
    (row,) = await recorded(settings, 1)
    assert not row["valid"] and row["type"] is None
    assert await sql(settings, "select * from audit.facts") == []
    assert len(await sql(settings, "select * from audit.tree_nodes where level = 0")) == 1
