"""A deadline from end to end, with the real broker and database: an item's information changes just before
National Day; the notification service (running, with its monitor's clock set to the reminder day) counts the
due date on the working-day calendar, reminds the submitter by e-mail (a real SMTP server) and by a signed
webhook (verified by the receiving server), and the publication of the update closes the deadline."""

from __future__ import annotations

import asyncio
import email
import hashlib
import hmac
import socket
from datetime import UTC, date, datetime
from email import policy

import pytest
from gongkai.notification.app import create_app
from gongkai.notification.settings import NotificationSettings
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import Tap, bearer, migrate, publish, running

SECRET = "end-to-end-webhook-secret"
ITEM = "item-national-day"
CHANGED_AT = datetime(2026, 9, 28, 2, 0, tzinfo=UTC)       # Monday 2026-09-28, 10:00 in Shanghai
REMINDER_DAY = datetime(2026, 10, 16, 1, 0, tzinfo=UTC)    # 5 working days before the due date


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.arrived = asyncio.Event()
        self.loop = asyncio.get_running_loop()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        self.loop.call_soon_threadsafe(self.arrived.set)
        return "250 OK"


class SignedWebhook:
    """Accepts a POST only when its HMAC-SHA256 over ``timestamp.body`` checks out."""

    def __init__(self) -> None:
        self.verified: list[bytes] = []
        self.refused = 0
        self.arrived = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in head[1:] if ":" in h)}
        body = await reader.readexactly(int(headers["content-length"]))
        timestamp, signature = headers.get("x-gongkai-timestamp", ""), headers.get("x-gongkai-signature", "")
        expected = "sha256=" + hmac.new(SECRET.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        ok = hmac.compare_digest(expected, signature)
        if ok:
            self.verified.append(body)
            self.arrived.set()
        else:
            self.refused += 1
        writer.write(f"HTTP/1.1 {200 if ok else 401} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
async def receivers(tmp_path):
    from aiosmtpd.controller import Controller

    mailbox, webhook = Mailbox(), SignedWebhook()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    server = await asyncio.start_server(webhook.serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/gongkai"
    contacts = tmp_path / "contacts.toml"
    contacts.write_text(
        f'[[people]]\nid = "wang.fang"\nname = "王芳"\nunit = "运输管理科"\nroles = ["submitter"]\n'
        f'email = "wang.fang@example.gov.cn"\nwebhook = "{url}"\n\n'
        '[[people]]\nid = "sun.qiang"\nname = "孙强"\nunit = "政务公开领导小组办公室"\nroles = ["office"]\n',
        encoding="utf-8")
    yield mailbox, webhook, NotificationSettings(
        contacts_file=contacts, smtp_port=smtp.port, webhook_secret=SECRET, now=REMINDER_DAY,
        monitor_interval=0.2, sender_interval=0.2)
    server.close()
    smtp.stop()


async def test_a_change_before_national_day_is_due_after_it_reminded_by_mail_and_webhook_and_met_by_publication(
        settings, receivers):
    mailbox, webhook, options = receivers
    await migrate(settings, ("notification",))
    async with Tap(settings, "events", "deadline.#") as deadlines, running(create_app(settings, options)) as client:
        changed = new_event(c.DISCLOSURE_INFORMATION_CHANGED, c.InformationChanged(
            item_id=ITEM, unit="运输管理科", category="S05", changed_on=date(2026, 9, 28), marked_by="wang.fang"),
            source="/gongkai/publishing", actor="wang.fang", subject=ITEM).model_copy(update={"time": CHANGED_AT})
        await publish(settings, "events", changed)
        opened = await deadlines.wait_for(c.DEADLINE_OPENED)
        reminder = await deadlines.wait_for(c.DEADLINE_DUE_SOON)   # the monitor runs at its configured clock

        async with asyncio.timeout(20):
            await mailbox.arrived.wait()
            await webhook.arrived.wait()
        inbox = (await client.get("/inbox", headers=bearer("dev-submitter2-token"))).json()["messages"]

        update = c.DisclosurePublished(item_id=ITEM, version=2, content_hash="sha256:" + "b" * 64,
                                       audience=c.Audience.public, channels=[c.Channel.portal], category="S05",
                                       action="updated", published_at=datetime(2026, 10, 20, 2, tzinfo=UTC))
        await publish(settings, "events", new_event(c.DISCLOSURE_PUBLISHED, update, source="/gongkai/publishing",
                                                    actor="service:publishing", subject=ITEM))
        met = await deadlines.wait_for(c.DEADLINE_MET)
        [deadline] = (await client.get("/deadlines", params={"item_id": ITEM}, headers=bearer("dev-auditor-token"))
                      ).json()["deadlines"]

    # 15 working days from Monday 09-28: 09-29, 09-30, (10-01 to 10-07 off), 10-08, 10-09, Saturday 10-10 …
    assert opened.data["rule"] == c.RULE_CHANGE_PUBLICATION
    assert (opened.data["opened_on"], opened.data["due_on"], opened.data["provisional"]) == \
        ("2026-09-28", "2026-10-23", False)
    assert reminder.data["working_days_left"] == 5 and reminder.data["recipients"] == ["wang.fang"]
    [mail] = mailbox.messages
    assert mail["To"] == "wang.fang@example.gov.cn"
    assert mail["Subject"] == "【期限提醒】信息变更后更新公开：2026-10-23到期（还剩5个工作日）"
    assert "王芳：" in mail.get_content()
    assert len(webhook.verified) == 1 and webhook.refused == 0 and "2026-10-23" in webhook.verified[0].decode()
    assert [m["title"] for m in inbox] == [mail["Subject"]]
    assert met.data["deadline_id"] == opened.data["deadline_id"] and met.data["late"] is False
    assert (deadline["state"], deadline["late"]) == ("met", False)
