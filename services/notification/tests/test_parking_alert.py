"""When anything is parked the administrators are told, in their inbox and by e-mail, once an hour at most."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from gongkai.notification.app import create_app
from gongkai.notification.parking_alert import ParkingAlert
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import Tap, connect_as, migrate, publish, running
from notification_helpers import ADMIN, Mailbox, quiet, sql


async def park_one(settings) -> str:
    """A review command that review's queue refuses (review is not running): dead-lettered, parked."""
    command = new_event(c.DECIDE_REVIEW, {"case_id": "case-1"}, source="/tests/staff-tool", actor="staff-tool")
    await publish(settings, "intake", command, headers={"authorization": "Bearer dev-reviewer-token"})
    connection = await connect_as(settings, None)
    async with connection:
        queue = await (await connection.channel()).get_queue(f"{settings.namespace}.review.intake", ensure=False)
        while (message := await queue.get(fail=False)) is None:
            await asyncio.sleep(0.05)
        await message.reject(requeue=False)
    return command.id


async def mailed(mailbox: Mailbox, count: int) -> None:
    async with asyncio.timeout(15):
        while len(mailbox.messages) < count:
            await asyncio.sleep(0.1)


async def test_the_administrators_are_told_once_an_hour_while_anything_is_parked(settings):
    await migrate(settings, ("notification",))
    with Mailbox() as mailbox:
        app = create_app(settings, quiet(parking_check_interval=0.2, sender_interval=0.2, smtp_port=mailbox.port))
        alert = ParkingAlert(app.state.service, app.state.deliveries)
        async with running(app) as client, Tap(settings, "events", "parking.#") as events:
            assert await alert.check() is None  # nothing parked, nobody told
            await park_one(settings)
            waiting = await events.wait_for(c.PARKING_WAITING)
            assert waiting.data == {"queues": {f"{settings.namespace}.parking": 1,
                                               f"{settings.namespace}.audit.parking": 0}, "total": 1}
            assert waiting.source == "/gongkai/notification"
            [notice] = (await client.get("/inbox", headers=ADMIN)).json()["messages"]
            assert notice["title"] == "【死信告警】1条消息处理失败，已搁置待处理"
            assert f"{settings.namespace}.parking 1条" in notice["body"] and "gongkai parking list" in notice["body"]
            await mailed(mailbox, 1)

            # Not again this hour, whichever replica asks; the next hour, if still parked, again.
            assert await alert.check() is None
            later = await alert.check(datetime.now(UTC) + timedelta(hours=1))
            assert later is not None and later.id != waiting.id
            await mailed(mailbox, 2)
    assert [m["To"] for m in mailbox.messages] == ["admin@example.gov.cn"] * 2
    assert all("死信告警" in m["Subject"] for m in mailbox.messages)
    rows = await sql(settings, "select event_id, channel, recipient from notification.deliveries order by channel")
    assert {(r["event_id"], r["channel"], r["recipient"]) for r in rows} == {
        (event, channel, "admin") for event in (waiting.id, later.id) for channel in ("email", "inbox")}
