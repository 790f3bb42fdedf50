"""A year without holiday data: provisional deadlines and an alert to the administrators; loading the year
(an intake command) recomputes every open deadline it touches, announced and audited as events."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime

from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import Tap, environment, publish
from notification_helpers import ADMIN, STAFF, command, deadlines_of, handled, new_item, submitted

YEAR_2027 = {
    "year": 2027, "notice": "国务院办公厅关于2027年部分节假日安排的通知", "reference": "测试用",
    "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03", "working": []},
                 {"name": "春节", "from": "2027-02-06", "to": "2027-02-13", "working": ["2027-01-31"]}],
}


def load(data: dict) -> object:
    return command(c.LOAD_CALENDAR_YEAR, data, subject=str(data.get("year")))


async def send(settings, envelope, token: dict = ADMIN) -> None:
    await publish(settings, "intake", envelope, headers={"authorization": token["Authorization"]})


async def test_a_deadline_into_2027_is_provisional_alerts_the_administrators_and_is_recomputed_on_load(
        settings, notification):
    item = new_item()
    async with Tap(settings, "events", "#") as events:
        await publish(settings, "events", submitted(item, datetime(2026, 12, 21, 2, tzinfo=UTC),
                                                    formed_on=date(2026, 12, 21)))
        opened = await events.wait_for(c.DEADLINE_OPENED)
        alert = await events.wait_for(c.CALENDAR_YEAR_MISSING)
        await handled(settings, alert)
        admin_inbox = (await notification.get("/inbox", headers=ADMIN)).json()["messages"]

        loading = load(YEAR_2027)
        await send(settings, loading)
        loaded = await events.wait_for(c.CALENDAR_YEAR_LOADED)
        recomputed = await events.wait_for(c.DEADLINE_RECOMPUTED)
    # Weekends only: 15 working days after Monday 2026-12-21 is Monday 2027-01-11 …
    assert (opened.data["due_on"], opened.data["provisional"]) == ("2027-01-11", True)
    assert alert.data["year"] == 2027 and alert.data["deadline_id"] == opened.data["deadline_id"]
    assert [m["event_type"] for m in admin_inbox] == [c.CALENDAR_YEAR_MISSING] and "2027" in admin_inbox[0]["title"]
    # … and with 2027-01-01 a holiday, Tuesday 2027-01-12.
    assert loaded.causationid == loading.id and loaded.data["recomputed"] == 1 and loaded.data["replaced"] is False
    assert recomputed.data["previous_due_on"] == "2027-01-11" and recomputed.data["due_on"] == "2027-01-12"
    assert recomputed.data["provisional"] is False and recomputed.data["recipients"] == ["li.na"]
    [deadline] = await deadlines_of(notification, item)
    assert (deadline["due_on"], deadline["provisional"]) == ("2027-01-12", False)


async def test_a_corrected_year_recomputes_again_and_says_it_replaced_the_data(settings, notification):
    item = new_item()
    async with Tap(settings, "events", "#") as events:
        await send(settings, load(YEAR_2027))
        await events.wait_for(c.CALENDAR_YEAR_LOADED)
        await publish(settings, "events", submitted(item, datetime(2027, 1, 25, 2, tzinfo=UTC),
                                                    formed_on=date(2027, 1, 25)))
        opened = await events.wait_for(c.DEADLINE_OPENED)
        corrected = {**YEAR_2027, "holidays": [YEAR_2027["holidays"][0],
                                               {"name": "春节", "from": "2027-02-05", "to": "2027-02-12",
                                                "working": ["2027-01-31", "2027-02-20"]}]}
        await send(settings, load(corrected))
        reloaded = await events.wait_for(c.CALENDAR_YEAR_LOADED, lambda e: e.data["replaced"])
        recomputed = await events.wait_for(c.DEADLINE_RECOMPUTED)
    assert opened.data["provisional"] is False
    assert reloaded.data["recomputed"] == 1 and recomputed.data["previous_due_on"] == opened.data["due_on"]
    assert "更正2027年节假日安排" in recomputed.data["reason"]


async def test_a_bad_year_or_a_non_administrator_is_refused_with_the_reason_and_nothing_stored(settings, notification):
    both = {**YEAR_2027, "holidays": [{"name": "春节", "from": "2027-02-06", "to": "2027-02-13",
                                       "working": ["2027-02-06"]}]}
    early = {**YEAR_2027, "year": 1948, "holidays": [{"name": "元旦", "from": "1948-01-01", "to": "1948-01-01"}]}
    async with Tap(settings, "events", "intake.#") as events:
        commands = [load(both), load(early), load(YEAR_2027)]
        await send(settings, commands[0])
        await send(settings, commands[1])
        await send(settings, commands[2], token=STAFF)
        for sent in commands:
            await events.wait_for(c.INTAKE_REJECTED, lambda e, sent=sent: e.data["command_id"] == sent.id)
    reasons = {e.data["command_id"]: (e.data["status"], e.data["reason"]) for e in events.of_type(c.INTAKE_REJECTED)}
    assert reasons[commands[0].id] == (422, "2027-02-06 is listed both as a holiday (春节) and as a working day (春节)")
    assert reasons[commands[1].id] == (422, "year 1948 is before 1949 or after 9999")
    assert reasons[commands[2].id][0] == 403
    from notification_helpers import sql

    assert await sql(settings, "select year from notification.calendar_years") == []


YEAR_2027_FILE = """year = 2027
notice = "国务院办公厅关于2027年部分节假日安排的通知"
reference = "测试用"

[[holidays]]
name = "元旦"
from = 2027-01-01
to = 2027-01-03
working = []
"""


def main(argv: list[str]) -> int:
    """``gongkai …`` with this service's own commands (registered as the gongkai command registers them)."""
    import argparse

    from gongkai.notification import cli

    parser = argparse.ArgumentParser(prog="gongkai")
    cli.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)


async def test_gongkai_calendar_load_prints_how_many_open_deadlines_it_recomputed(
        settings, notification, monkeypatch, tmp_path, capsys, caplog):
    """The command prints the count from ``calendar.loaded`` (the answer sent to its reply queue), however many
    ``deadline.recomputed`` the load also caused, and aio-pika loses no message on the way out."""
    for name, value in environment(settings).items():
        monkeypatch.setenv(name, value)
    items = [new_item(), new_item()]
    async with Tap(settings, "events", "#") as events:
        for item in items:
            await publish(settings, "events", submitted(item, datetime(2026, 12, 21, 2, tzinfo=UTC),
                                                        formed_on=date(2026, 12, 21)))
        for item in items:
            await events.wait_for(c.DEADLINE_OPENED, lambda e, item=item: e.data["item_id"] == item)
    year = tmp_path / "2027.toml"
    year.write_text(YEAR_2027_FILE, encoding="utf-8")
    caplog.set_level(logging.WARNING)
    code = await asyncio.to_thread(main, ["calendar", "load", str(year), "--token", "dev-admin-token"])
    out, err = capsys.readouterr()
    assert (code, out.splitlines()[-1]) == (0, "loaded: 2 open deadlines recomputed"), err
    assert [r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("aio_pika", "aiormq")] == []
    assert "lost" not in err
    assert {d["due_on"] for item in items for d in await deadlines_of(notification, item)} == {"2027-01-12"}


async def test_an_answer_sent_more_than_once_is_taken_once_and_no_message_is_reported_lost(settings, monkeypatch,
                                                                                          caplog):
    """The relay sends at least once: more copies of the answer (a relay that crashed after sending) arrive while
    the command is closing its reply queue; they go with the queue, without aio-pika's 'message lost'."""
    import aio_pika
    from gongkai.notification.cli import _send
    from gongkai.shared.testing import connect_as
    from gongkai.shared.topology import Topology

    for name, value in environment(settings).items():
        monkeypatch.setenv(name, value)
    admin = await connect_as(settings, None)
    async with admin:
        channel = await admin.channel()
        intake = await channel.get_queue(Topology(settings.namespace).queue("notification.intake"))

        async def answer_three_times(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            loaded = c.CalendarYearLoaded(
                year=2027, notice="通知", reference="测试用", replaced=False, loaded_by="admin", holidays=1,
                make_up_working_days=0, recomputed=3)
            reply = new_event(c.CALENDAR_YEAR_LOADED, loaded, source="/gongkai/notification", actor="service:test",
                              subject="2027", causationid=message.message_id)
            for _ in range(3):
                await channel.default_exchange.publish(aio_pika.Message(reply.to_bytes(), message_id=reply.id),
                                                       routing_key=message.reply_to)
            await message.ack()

        await intake.consume(answer_three_times)
        caplog.set_level(logging.WARNING)
        answer = await _send(YEAR_2027, "dev-admin-token")
        await asyncio.sleep(0.5)
    assert answer is not None and answer.data["recomputed"] == 3
    assert [r.getMessage() for r in caplog.records if r.name.split(".")[0] in ("aio_pika", "aiormq")] == []
