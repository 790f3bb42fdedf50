"""Operating the parking queues with `gongkai parking`, against the real broker, database and services.

A consumer that rejects (basic.reject without requeue) parks what it gets at once, as one failing five times
would. The facts it parks are replayed through their owner's outbox, so they come back as that service's
account, on the exchange and routing key they were first sent with; commands are published again on intake.
Every replay and drop is recorded in the audit log; refusals change nothing.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aio_pika
import asyncpg
import pytest
from gongkai.audit.app import create_app as create_audit
from gongkai.audit.config import AuditConfig
from gongkai.cli.main import main
from gongkai.notification.app import create_app as create_notification
from gongkai.notification.settings import NotificationSettings
from gongkai.publishing.app import create_app as create_publishing
from gongkai.review.app import create_app as create_review
from gongkai.shared import contracts as c
from gongkai.shared.envelope import CONTENT_TYPE, new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, connect_as, environment, migrate, publish, running
from review_decisions import review_event

SUBMITTER, REVIEWER = bearer("dev-submitter-token"), bearer("dev-reviewer-token")
NOTICE = {"title": "关于调整城区公交线路的公告", "body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}
OPERATOR = "ops.wu"


@pytest.fixture
async def env(settings: Settings, monkeypatch) -> Settings:
    """The `gongkai` command in this process sees the test's namespace, database and accounts."""
    for name, value in environment(settings).items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("GONGKAI_OPERATOR", OPERATOR)
    await migrate(settings)
    return settings


class Cli:
    def __init__(self, capsys) -> None:
        self.capsys = capsys

    async def __call__(self, *args: str) -> tuple[int, str, str]:
        self.capsys.readouterr()
        code = await asyncio.to_thread(main, ["parking", *args])
        out = self.capsys.readouterr()
        return code, out.out, out.err

    async def parked(self, **filters: str) -> list[dict]:
        args = [f"--{k}={v}" for k, v in filters.items()]
        code, out, err = await self("list", "--json", *args)
        assert code == 0, err
        return json.loads(out)

    async def wait_parked(self, count: int, timeout: float = 20.0, **filters: str) -> list[dict]:
        async with asyncio.timeout(timeout):
            while len(rows := await self.parked(**filters)) < count:
                await asyncio.sleep(0.2)
        return rows


@pytest.fixture
def gongkai(capsys) -> Cli:
    return Cli(capsys)


async def refuse(message: aio_pika.abc.AbstractIncomingMessage) -> None:
    await message.reject(requeue=False)


@asynccontextmanager
async def rejecting(settings: Settings, *queues: str) -> AsyncIterator[None]:
    """A consumer of these queues that refuses every message (no requeue): each is dead-lettered at once."""
    connection = await connect_as(settings, None)
    try:
        channel = await connection.channel()
        for name in queues:
            queue = await channel.get_queue(f"{settings.namespace}.{name}", ensure=False)
            await queue.consume(refuse)
        yield
    finally:
        await connection.close()


async def database(settings: Settings) -> asyncpg.Connection:
    return await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))


async def audit_rows(settings: Settings, where: str, *args: object) -> list[asyncpg.Record]:
    connection = await database(settings)
    try:
        return await connection.fetch(f"select * from audit.events where {where} order by seq", *args)
    finally:
        await connection.close()


async def eventually(fetch, until, timeout: float = 20.0):
    async with asyncio.timeout(timeout):
        while not until(result := await fetch()):
            await asyncio.sleep(0.2)
    return result


def quiet_audit(settings: Settings):
    return create_audit(settings, AuditConfig(checkpoint_interval_seconds=3600))


def quiet_notification(settings: Settings):
    return create_notification(settings, NotificationSettings(monitor_interval=0, sender_interval=0,
                                                              parking_check_interval=0))


async def test_a_fact_parked_by_review_and_by_audit_is_replayed_once_through_publishings_outbox(
        env, gongkai):
    settings = env
    ns = settings.namespace
    async with running(create_publishing(settings)) as publishing, running(quiet_notification(settings)):
        # Review and audit are down; whatever takes their messages meanwhile refuses them.
        async with rejecting(settings, "review.submissions", "audit.record"), \
                Tap(settings, "events", "disclosure.submitted.v1") as first:
            answer = await publishing.post("/items", json=NOTICE, headers=SUBMITTER)
            assert answer.status_code == 201, answer.text
            item_id = answer.json()["item_id"]
            submitted = await first.wait_for(c.DISCLOSURE_SUBMITTED)
            original = first.deliveries[0]
            connection = await database(settings)
            try:
                before = await eventually(lambda: connection.fetch(
                    "select deadline_id, rule from notification.deadlines where item_id = $1", item_id), bool)
                deadlines = len(before)
            finally:
                await connection.close()
            # Audit's queue refused notification's deadline.opened facts as well.
            parked_opened = {r["id"] for r in await gongkai.wait_parked(deadlines, type=c.DEADLINE_OPENED)}
            rows = [r for r in await gongkai.wait_parked(2 + deadlines) if r["id"] == submitted.id]

        # What is parked: one copy in each parking queue, with where and why it died.
        assert [(r["id"], r["type"], r["from"], r["died_in"], r["reason"], r["times"], r["parked_in"]) for r in rows] \
            == [(submitted.id, c.DISCLOSURE_SUBMITTED, "publishing", f"{ns}.review.submissions", "rejected", 1,
                 f"{ns}.parking"),
                (submitted.id, c.DISCLOSURE_SUBMITTED, "publishing", f"{ns}.audit.record", "rejected", 1,
                 f"{ns}.audit.parking")]
        assert {(r["exchange"], r["routing_key"], r["account"]) for r in rows} == {
            (f"{ns}.events", "disclosure.submitted.v1", settings.broker_account("publishing"))}
        assert rows[0]["died_at"]
        code, table, err = await gongkai("list")
        assert code == 0 and submitted.id in table and "review.submissions" in table and "audit.record" in table
        assert err.strip() == f"{2 + deadlines} parked (1 in {ns}.parking, {1 + deadlines} in {ns}.audit.parking)"

        code, shown, _ = await gongkai("show", submitted.id)
        assert code == 0
        shown = json.loads(shown)
        assert [copy["envelope"]["id"] for copy in shown["copies"]] == [submitted.id, submitted.id]
        assert shown["copies"][0]["headers"]["x-death"][0]["queue"] == f"{ns}.review.submissions"
        assert shown["copies"][0]["properties"]["user_id"] == settings.broker_account("publishing")

        async with running(create_review(settings)) as review, running(quiet_audit(settings)), \
                Tap(settings, "events", "disclosure.submitted.v1") as again, \
                Tap(settings, "events", "parking.#") as records:
            code, out, err = await gongkai("replay", submitted.id, "--reason", "review was down")
            assert code == 0, err
            assert out.strip() == \
                f"replayed {submitted.id} ({c.DISCLOSURE_SUBMITTED}): queued again in publishing's outbox"
            await again.wait_for(c.DISCLOSURE_SUBMITTED)
            replayed = again.deliveries[0]
            # As it first was: the same exchange, routing key, id, body, and publishing's own account.
            assert (replayed.exchange, replayed.routing_key, replayed.message_id, replayed.body, replayed.user_id) == \
                (original.exchange, original.routing_key, original.message_id, original.body, original.user_id)
            record = await records.wait_for(c.PARKING_REPLAYED)
            # notification's facts go back through notification's outbox.
            code, out, err = await gongkai("replay", "--all", "--type", "deadline.opened.v1", "--queue", "audit.record")
            assert code == 0, err
            assert len(out.splitlines()) == deadlines and "queued again in notification's outbox" in out
            cases = await eventually(lambda: review.get("/cases", params={"item_id": item_id}, headers=REVIEWER),
                                     lambda r: r.status_code == 200 and r.json())
            assert cases.json()[0]["item_id"] == item_id

            about = "event_id = $1 or (type = $2 and causation_id = $1)"
            entries = await eventually(lambda: audit_rows(settings, about, submitted.id, c.PARKING_REPLAYED),
                                       lambda rows: len(rows) >= 3)
            await eventually(lambda: audit_rows(settings, "type = $1", c.DEADLINE_OPENED),
                             lambda rows: parked_opened <= {e["event_id"] for e in rows})
            await asyncio.sleep(1.0)  # nothing more comes
            entries = await audit_rows(settings, about, submitted.id, c.PARKING_REPLAYED)
            opened = await audit_rows(settings, "type = $1", c.DEADLINE_OPENED)
            replays = await audit_rows(settings, "type = $1", c.PARKING_REPLAYED)
        assert await gongkai.parked() == []

    # Audit recorded the fact once, under the exchange it was sent to, and the dead letter, and the replay.
    assert sorted((e["type"], e["exchange"], e["dead_lettered"], e["flag"]) for e in entries) == sorted([
        (c.DISCLOSURE_SUBMITTED, f"{ns}.events", False, None),
        (c.DISCLOSURE_SUBMITTED, f"{ns}.dlx", True, None),
        (c.PARKING_REPLAYED, f"{ns}.events", False, None)])
    # notification's replayed deadline.opened too, once each (review's case then opened another clock).
    assert parked_opened <= {e["event_id"] for e in opened} and len(opened) == len({e["event_id"] for e in opened})
    assert {(e["exchange"], e["user_id"], e["flag"]) for e in opened} == {
        (f"{ns}.events", settings.broker_account("notification"), None)}
    assert len(replays) == 1 + deadlines
    assert sorted(e["user_id"] for e in replays) == sorted(
        [settings.broker_account("publishing")] + [settings.broker_account("notification")] * deadlines)
    logged = next(e for e in entries if e["type"] == c.PARKING_REPLAYED)
    assert logged["user_id"] == settings.broker_account("publishing") and logged["subject"] == item_id
    assert logged["actor"] == OPERATOR and logged["causation_id"] == submitted.id
    assert record.data["message_id"] == submitted.id and record.data["message_type"] == c.DISCLOSURE_SUBMITTED
    assert (record.data["via"], record.data["sent_by"], record.data["operator"], record.data["reason"]) == \
        ("outbox", "publishing", OPERATOR, "review was down")
    assert (record.data["exchange"], record.data["routing_key"]) == (f"{ns}.events", "disclosure.submitted.v1")
    assert sorted((copy["parked_in"], copy["queue"], copy["reason"]) for copy in record.data["copies"]) == [
        (f"{ns}.audit.parking", f"{ns}.audit.record", "rejected"), (f"{ns}.parking", f"{ns}.review.submissions",
                                                                    "rejected")]

    # Notification had handled the first copy: the replayed one changed nothing (its inbox absorbed it).
    connection = await database(settings)
    try:
        after = await connection.fetch("select deadline_id, rule from notification.deadlines where item_id = $1",
                                       item_id)
        assert set(before) <= set(after) and {row["rule"] for row in set(after) - set(before)} == {c.RULE_REVIEW}
        assert await connection.fetchval("select count(*) from notification.inbox where message_id = $1",
                                         f"notification.deadlines:{submitted.id}") == 1
        assert await connection.fetchval("select count(*) from review.cases where item_id = $1", item_id) == 1
        assert await connection.fetchval("select sent_at is not null from publishing.outbox where event_id = $1",
                                         submitted.id)
    finally:
        await connection.close()


async def submit_commands(settings: Settings, count: int) -> list[str]:
    ids = []
    for n in range(count):
        command = new_event(c.SUBMIT_DISCLOSURE, {**NOTICE, "title": f"{NOTICE['title']}（{n + 1}）"},
                            source="/tests/staff-tool", actor="staff-tool")
        await publish(settings, "intake", command, headers={"authorization": "Bearer dev-submitter-token"})
        ids.append(command.id)
    return ids


async def test_commands_keep_their_order_refusals_change_nothing_and_replays_and_drops_are_recorded(env, gongkai):
    settings = env
    ns = settings.namespace
    async with running(quiet_audit(settings)):
        # Publishing is down: its intake refuses everything. More than 32, the size past which a broker that
        # returned messages by closing the channel would shuffle them.
        async with rejecting(settings, "publishing.intake"):
            ids = await submit_commands(settings, 35)
            await gongkai.wait_parked(35)
        listed = [r["id"] for r in await gongkai.parked()]
        assert listed == ids and [r["id"] for r in await gongkai.parked()] == ids
        assert {(r["died_in"], r["exchange"], r["routing_key"]) for r in await gongkai.parked()} == {
            (f"{ns}.publishing.intake", f"{ns}.intake", "disclosure.submit.v1")}
        code, shown, _ = await gongkai("show", ids[0])
        assert json.loads(shown)["copies"][0]["headers"]["authorization"] == "<hidden>"

        # Refusals: a clear reason, nothing taken, nothing reordered, nothing recorded.
        code, _, err = await gongkai("replay", ids[0], "no-such-id")
        assert code == 1 and err.strip() == ("gongkai: nothing to replay: no parked message has the id no-such-id "
                                             "(`gongkai parking list` shows what is parked)")
        code, _, err = await gongkai("show", "no-such-id")
        assert code == 1 and "no parked message has the id no-such-id" in err
        with pytest.raises(SystemExit) as exited:
            await gongkai("drop", ids[1])
        assert exited.value.code == 2
        assert "the following arguments are required: --reason" in gongkai.capsys.readouterr().err
        code, _, err = await gongkai("drop", ids[1], "--reason", "   ")
        assert code == 1 and "drop needs --reason" in err
        code, _, err = await gongkai("replay")
        assert code == 1 and "give --all" in err
        assert [r["id"] for r in await gongkai.parked()] == ids
        assert await audit_rows(settings, "type like 'gongkai.parking.%'") == []

        code, out, err = await gongkai("drop", ids[1], "--reason", "sent twice by mistake")
        assert code == 0, err
        assert out.strip() == f"{ids[1]} ({c.SUBMIT_DISCLOSURE}): dropped (1 parked copy), recorded by audit"
        assert [r["id"] for r in await gongkai.parked()] == ids[:1] + ids[2:]
        dropped = await eventually(lambda: audit_rows(settings, "type = $1", c.PARKING_DROPPED), bool)

        async with running(create_publishing(settings)):
            code, out, err = await gongkai("replay", ids[0])
            assert code == 0, err
            assert out.strip() == (f"replayed {ids[0]} ({c.SUBMIT_DISCLOSURE}): published again on {ns}.intake as "
                                   "guest")
            code, out, err = await gongkai("replay", "--all", "--type", "disclosure.submit.v1", "--dry-run")
            assert code == 0 and len(out.splitlines()) == 33 and len(await gongkai.parked()) == 33
            code, out, err = await gongkai("replay", "--all", "--queue", "publishing.intake")
            assert code == 0, err
            assert len(out.splitlines()) == 33 and await gongkai.parked() == []
            connection = await database(settings)
            try:
                titles = await eventually(lambda: connection.fetch("select title from publishing.versions"),
                                          lambda rows: len(rows) >= 34)
            finally:
                await connection.close()
            replays = await eventually(lambda: audit_rows(settings, "type = $1", c.PARKING_REPLAYED),
                                       lambda rows: len(rows) >= 34)
            commands = await audit_rows(settings, "type = $1", c.SUBMIT_DISCLOSURE)

    assert len(titles) == 34 and f"{NOTICE['title']}（2）" not in {t["title"] for t in titles}
    # Each command is in the log once as sent (audit took it then) and once as a dead letter; each replay and the
    # drop once each.
    assert sorted(e["event_id"] for e in commands if not e["dead_lettered"]) == sorted(ids)
    assert sorted(e["event_id"] for e in commands if e["dead_lettered"]) == sorted(ids)
    assert {(e["exchange"], e["dead_lettered"]) for e in commands} == {(f"{ns}.intake", False), (f"{ns}.dlx", True)}
    assert len(replays) == 34 and {e["user_id"] for e in replays} == {settings.broker_account("audit")}
    assert {json.loads(e["body"])["data"]["message_id"] for e in replays} == set(ids) - {ids[1]}
    [drop] = dropped
    data = json.loads(drop["body"])["data"]
    assert (drop["user_id"], drop["actor"], data["message_id"], data["reason"], data["operator"]) == \
        (settings.broker_account("audit"), OPERATOR, ids[1], "sent twice by mistake", OPERATOR)
    assert data["copies"][0]["queue"] == f"{ns}.publishing.intake"
    via = {json.loads(e["body"])["data"]["via"] for e in replays}
    assert via == {"intake"}


async def test_a_forged_fact_is_never_replayed_and_its_drop_is_recorded_by_audit(env, gongkai):
    settings = env
    async with running(create_publishing(settings)) as publishing, running(quiet_audit(settings)):
        async with Tap(settings, "events", "disclosure.submitted.v1") as events:
            assert (await publishing.post("/items", json=NOTICE, headers=SUBMITTER)).status_code == 201
            submitted = await events.wait_for(c.DISCLOSURE_SUBMITTED)
        forged = review_event(c.REVIEW_APPROVED, submitted)
        # Notification's account may write the default exchange: straight into publishing's queue.
        connection = await connect_as(settings, "notification")
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            await channel.default_exchange.publish(
                aio_pika.Message(forged.to_bytes(), message_id=forged.id, content_type=CONTENT_TYPE,
                                 user_id=settings.broker_account("notification")),
                routing_key=f"{settings.namespace}.publishing.reviews", mandatory=True)
        [row] = await gongkai.wait_parked(1)
        assert (row["id"], row["from"], row["exchange"]) == (forged.id, "notification", "")

        code, _, err = await gongkai("replay", forged.id)
        assert code == 1 and "nothing replayed" in err and "there is nowhere to send it back to" in err
        assert [r["id"] for r in await gongkai.parked()] == [forged.id]

        code, _, err = await gongkai("drop", "--all", "--type", c.REVIEW_APPROVED, "--reason", "a forgery, reported")
        assert code == 0, err
        assert await gongkai.parked() == []
        [drop] = await eventually(lambda: audit_rows(settings, "type = $1", c.PARKING_DROPPED), bool)
    data = json.loads(drop["body"])["data"]
    assert (drop["user_id"], drop["subject"], data["account"], data["reason"]) == (
        settings.broker_account("audit"), submitted.subject, settings.broker_account("notification"),
        "a forgery, reported")


async def test_a_fact_from_the_wrong_account_on_its_own_exchange_is_refused_as_a_forgery(env, gongkai):
    settings = env
    async with rejecting(settings, "review.submissions"):
        forged = new_event(c.DISCLOSURE_SUBMITTED, {"item_id": "x"}, source="/gongkai/publishing",
                           actor="service:publishing")
        # The administrator may write any exchange, but not as publishing's account.
        await publish(settings, "events", forged, account=None, user_id=None)
        [row] = await gongkai.wait_parked(1)
    assert (row["id"], row["from"], row["account"], row["source"]) == (forged.id, "no account", None,
                                                                        "/gongkai/publishing")
    code, _, err = await gongkai("replay", forged.id)
    assert code == 1 and "consumers parked it as a forgery; it is never replayed" in err
    assert [r["id"] for r in await gongkai.parked()] == [forged.id]
