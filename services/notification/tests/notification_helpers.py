"""Notification's test helpers: events as the other services send them, and ways to look inside."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime

import asyncpg
from gongkai.notification.settings import NotificationSettings
from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.settings import Settings
from gongkai.shared.testing import bearer

STAFF = bearer("dev-submitter-token")
ADMIN = bearer("dev-admin-token")
HASH = "sha256:" + "a" * 64


def quiet(**overrides) -> NotificationSettings:
    """Options for tests: no background monitor (tests call ``check(now)``), a fast sender."""
    return NotificationSettings(**{"monitor_interval": 0, "sender_interval": 0, **overrides})


def at(event: Envelope, moment: datetime) -> Envelope:
    return event.model_copy(update={"time": moment})


def new_item() -> str:
    return str(uuid.uuid4())


def submitted(item_id: str, moment: datetime, *, version: int = 1, formed_on: date | None = None,
              unit: str = "办公室", submitted_by: str = "li.na", category: str = "S05", **deadline: object
              ) -> Envelope:
    """``deadline``: the catalogue's ``deadline_rule`` and ``deadline_days``, as publishing sends them."""
    data = c.DisclosureSubmitted(item_id=item_id, version=version, title="2026年道路运输行政许可事项公告",
                                 body="公告如下。", category=category, audience=c.Audience.public,
                                 channels=[c.Channel.portal], unit=unit, submitted_by=submitted_by,
                                 content_hash=HASH, formed_on=formed_on, **deadline)
    return at(new_event(c.DISCLOSURE_SUBMITTED, data, source="/gongkai/publishing", actor=submitted_by,
                        subject=item_id), moment)


def changed(item_id: str, moment: datetime, changed_on: date) -> Envelope:
    data = c.InformationChanged(item_id=item_id, unit="运输管理科", category="S05", changed_on=changed_on,
                                marked_by="wang.fang")
    return at(new_event(c.DISCLOSURE_INFORMATION_CHANGED, data, source="/gongkai/publishing", actor="wang.fang",
                        subject=item_id), moment)


def published(item_id: str, moment: datetime, *, version: int = 1, category: str = "S05") -> Envelope:
    data = c.DisclosurePublished(item_id=item_id, version=version, content_hash=HASH, audience=c.Audience.public,
                                 channels=[c.Channel.portal], category=category, published_at=moment)
    return at(new_event(c.DISCLOSURE_PUBLISHED, data, source="/gongkai/publishing", actor="service:publishing",
                        subject=item_id), moment)


def withheld(item_id: str, moment: datetime) -> Envelope:
    data = c.DisclosureWithheld(item_id=item_id, version=1, category="S05", legal_reason="state-secret",
                                decided_by="zhao.lei")
    return at(new_event(c.DISCLOSURE_WITHHELD, data, source="/gongkai/publishing", actor="zhao.lei",
                        subject=item_id), moment)


def case_opened(case_id: str, item_id: str, moment: datetime) -> Envelope:
    data = c.ReviewCaseOpened(case_id=case_id, item_id=item_id, version=1, content_hash=HASH, unit="办公室",
                              category="S05", submitted_by="li.na")
    return at(new_event(c.REVIEW_CASE_OPENED, data, source="/gongkai/review", actor="service:review",
                        subject=item_id), moment)


def case_decided(type: str, case_id: str, item_id: str, moment: datetime) -> Envelope:
    if type == c.REVIEW_CASE_VOIDED:
        data: c.Payload = c.CaseVoided(case_id=case_id, item_id=item_id, version=1, superseded_by=2)
    else:
        data = c.ReviewDecided(case_id=case_id, item_id=item_id, version=1, content_hash=HASH, reviewer="zhao.lei")
    return at(new_event(type, data, source="/gongkai/review", actor="zhao.lei", subject=item_id), moment)


def command(type: str, data: dict, subject: str | None = None) -> Envelope:
    return new_event(type, data, source="/gongkai/cli", actor="cli", subject=subject)


async def handled(settings: Settings, *events: Envelope, queue: str = "notification.deadlines",
                  timeout: float = 15.0) -> None:
    """Wait until the service's inbox holds every event: it was handled, whether or not it emitted anything."""
    keys = [f"{queue}:{e.id}" for e in events]
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        async with asyncio.timeout(timeout):
            query = "select count(*) from notification.inbox where message_id = any($1::text[])"
            while await connection.fetchval(query, keys) < len(keys):
                await asyncio.sleep(0.05)
    finally:
        await connection.close()


async def sql(settings: Settings, query: str, *args):
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        return await connection.fetch(query, *args)
    finally:
        await connection.close()


async def deadlines_of(client, item_id: str) -> list[dict]:
    response = await client.get("/deadlines", params={"item_id": item_id}, headers=STAFF)
    assert response.status_code == 200, response.text
    return response.json()["deadlines"]




# ---- receivers: a real SMTP server (aiosmtpd) and a small HTTP server for webhooks -------------------

class Mailbox:
    """An aiosmtpd server on a free port, keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        self.messages.append(email.message_from_bytes(envelope.original_content, policy=policy.default))
        return "250 OK"

    def __enter__(self) -> Mailbox:
        import socket

        from aiosmtpd.controller import Controller

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class WebhookReceiver:
    """An HTTP server that answers every POST with ``status`` (or never answers, with ``hang``)."""

    def __init__(self, status: int = 200, hang: bool = False) -> None:
        self.status = status
        self.hang = hang
        self.requests: list[tuple[dict[str, str], bytes]] = []

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            pairs = (line.split(":", 1) for line in lines[1:] if ":" in line)
            headers = {k.strip().lower(): v.strip() for k, v in pairs}
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            self.requests.append((headers, body))
            if self.hang:
                await asyncio.sleep(3600)
            writer.write(f"HTTP/1.1 {self.status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def __aenter__(self) -> WebhookReceiver:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/hook"
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()


def contacts_file(tmp_path, *, email: bool = True, webhook: str | None = None) -> str:
    """A contacts file: 李娜 (submitter, with e-mail and webhook when given), the office and the administrator."""
    person = ['id = "li.na"', 'name = "李娜"', 'unit = "办公室"', 'roles = ["submitter", "request-handler"]']
    if email:
        person.append('email = "li.na@example.gov.cn"')
    if webhook:
        person.append(f'webhook = "{webhook}"')
    text = ("[[people]]\n" + "\n".join(person) + "\n\n"
            '[[people]]\nid = "sun.qiang"\nname = "孙强"\nunit = "政务公开领导小组办公室"\nroles = ["office"]\n\n'
            '[[people]]\nid = "admin"\nname = "系统管理员"\nunit = "信息中心"\nroles = ["administrator"]\n')
    path = tmp_path / "contacts.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)
