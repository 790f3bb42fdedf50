"""Delivery: each notification to each person on each channel is one row, sent until it succeeds or parks.

- One row per (event, channel, recipient), created with the inbox record of the event that asked for it:
  a redelivered event adds nothing.
- The in-app inbox is written at once; e-mail (SMTP) and webhooks (HMAC-SHA256 signed) are sent by the
  sender loop, which locks due rows with ``FOR UPDATE SKIP LOCKED`` (replicas share the work), sends,
  and commits the result after the send. A crash in between leaves the row pending: it is sent again
  (at least once, never lost). A failure is retried with exponential backoff (``notification.failed``);
  after ``max_attempts`` the row is parked (``notification.parked``), reported to the administrators and
  listed by ``GET /deliveries?state=parked``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import smtplib
import time
import uuid
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import httpx
from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope
from gongkai.shared.origin import Origin

from . import templates
from .contacts import Contacts, Person
from .settings import NotificationSettings
from .store import NotificationWork, Works

log = logging.getLogger("gongkai.notification.delivery")

SIGNATURE_HEADER = "X-Gongkai-Signature"
TIMESTAMP_HEADER = "X-Gongkai-Timestamp"
DELIVERY_HEADER = "X-Gongkai-Delivery"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 over ``<timestamp>.<body>``; a receiver recomputes and compares."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None,
           tolerance: float = 300) -> bool:
    """What a webhook receiver does: the signature matches and the timestamp is recent (no replays)."""
    fresh = abs((now if now is not None else time.time()) - int(timestamp)) <= tolerance
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


class Deliveries:
    """It needs the origin of its events, a unit of work per sending round, the contacts and its settings."""

    def __init__(self, origin: Origin, uow: Works, contacts: Contacts, settings: NotificationSettings) -> None:
        self.origin = origin
        self.uow = uow
        self.contacts = contacts
        self.settings = settings
        self._wake = asyncio.Event()

    # ---- events that ask for notifications (queue notification.deliveries) --------------------

    async def on_deadline_notice(self, notice: c.DeadlineReminder | c.DeadlineRecomputed, event: Envelope,
                                 uow: NotificationWork) -> None:
        """due_soon, overdue, recomputed: tell each recipient the event names, on each of their channels."""
        people = [p for p in (self.contacts.by_id(r) for r in notice.recipients) if p]
        await self.queue(uow, event, people)

    async def on_year_missing(self, missing: c.CalendarYearMissing, event: Envelope, uow: NotificationWork) -> None:
        await self.queue(uow, event, self.contacts.with_role("administrator"))

    async def on_parked(self, failed: c.DeliveryFailed, event: Envelope, uow: NotificationWork) -> None:
        """A delivery gave up: the administrators read it in their in-app inbox (never by the failing path)."""
        await self.queue(uow, event, self.contacts.with_role("administrator"), channels=("inbox",))

    async def queue(self, uow: NotificationWork, event: Envelope, people: list[Person],
                    channels: tuple[str, ...] = ("inbox", "email", "webhook")) -> None:
        now = datetime.now(UTC)
        rows: list[dict[str, Any]] = []
        for person in people:
            title, body = templates.render(event.type, event.data, person.name)
            for channel, address in person.channels():
                if channel not in channels:
                    continue
                inbox = channel == "inbox"
                rows.append({
                    "delivery_id": str(uuid.uuid4()), "event_id": event.id, "event_type": event.type,
                    "deadline_id": event.data.get("deadline_id") or event.data.get("delivery_id"),
                    "channel": channel, "recipient": person.id, "address": address, "title": title, "body": body,
                    "state": "sent" if inbox else "pending", "attempts": 1 if inbox else 0,
                    "next_attempt_at": None if inbox else now, "sent_at": now if inbox else None,
                })
        await uow.deliveries.add(rows)
        if any(r["state"] == "pending" for r in rows):
            self._wake.set()

    # ---- sending -------------------------------------------------------------------------------

    async def send_due(self, now: datetime | None = None) -> int:
        """One round: send every pending delivery due by ``now``. Returns how many were attempted."""
        attempted = 0
        while True:
            moment = now or datetime.now(UTC)
            async with self.uow() as uow:
                rows = await uow.deliveries.claim(moment, self.settings.sender_batch)
                if not rows:
                    break
                errors = await asyncio.gather(*(self._send(row) for row in rows))
                for row, error in zip(rows, errors, strict=True):
                    await self._record(uow, row, error, moment)
                await uow.commit()
            attempted += len(rows)
            if len(rows) < self.settings.sender_batch:
                break
        return attempted

    async def _record(self, uow: NotificationWork, row: dict[str, Any], error: str | None, now: datetime) -> None:
        attempts = row["attempts"] + 1
        if error is None:
            await uow.deliveries.mark(row["delivery_id"], state="sent", attempts=attempts,
                                      sent_at=datetime.now(UTC), next_attempt_at=None, last_error=None)
            return
        parked = attempts >= self.settings.max_attempts
        delay = min(self.settings.backoff_seconds * 2 ** (attempts - 1), self.settings.backoff_max_seconds)
        retry_at = None if parked else now + timedelta(seconds=delay)
        await uow.deliveries.mark(row["delivery_id"], state="parked" if parked else "pending",
                                  attempts=attempts, next_attempt_at=retry_at, last_error=error[:2000])
        log.warning("delivery failed", extra={"delivery_id": row["delivery_id"], "channel": row["channel"],
                                              "attempts": attempts, "parked": parked, "error": error})
        data = c.DeliveryFailed(delivery_id=row["delivery_id"], channel=row["channel"], recipient=row["recipient"],
                                attempts=attempts, error=error[:500], retry_at=retry_at,
                                deadline_id=row["deadline_id"], source_event=row["event_id"])
        kind = c.NOTIFICATION_PARKED if parked else c.NOTIFICATION_FAILED
        uow.emit(self.origin.event(kind, data, subject=row["deadline_id"]))

    async def _send(self, row: dict[str, Any]) -> str | None:
        """None when sent; otherwise what went wrong."""
        try:
            if row["channel"] == "email":
                await asyncio.to_thread(self._send_email, row)
            elif row["channel"] == "webhook":
                await self._send_webhook(row)
            return None
        except Exception as exc:  # every failure is recorded and retried, whatever it was
            return f"{type(exc).__name__}: {exc}" or type(exc).__name__

    def _send_email(self, row: dict[str, Any]) -> None:
        s = self.settings
        message = EmailMessage()
        message["Subject"] = row["title"]
        message["From"] = s.smtp_from
        message["To"] = row["address"]
        message["Message-ID"] = f"<{row['delivery_id']}@gongkai>"
        message.set_content(row["body"], charset="utf-8")
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout) as smtp:
            if s.smtp_starttls:
                smtp.starttls()
            if s.smtp_user and s.smtp_password:
                smtp.login(s.smtp_user, s.smtp_password)
            smtp.send_message(message)

    async def _send_webhook(self, row: dict[str, Any]) -> None:
        person = self.contacts.by_id(row["recipient"])
        secret = (person.webhook_secret if person and person.webhook_secret else None) or self.settings.webhook_secret
        body = json.dumps({
            "delivery_id": row["delivery_id"], "event_id": row["event_id"], "event_type": row["event_type"],
            "deadline_id": row["deadline_id"], "recipient": row["recipient"], "title": row["title"],
            "text": row["body"],
        }, ensure_ascii=False).encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: sign(secret, timestamp, body), DELIVERY_HEADER: row["delivery_id"]}
        async with httpx.AsyncClient(timeout=self.settings.webhook_timeout) as client:
            response = await client.post(row["address"], content=body, headers=headers)
        if response.status_code >= 300:
            raise RuntimeError(f"HTTP {response.status_code} from {row['address']}")

    # ---- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        """The loop the service runs in the background; every replica may run it."""
        while True:
            try:
                await self.send_due()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delivery round failed; trying again")
            self._wake.clear()
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.settings.sender_interval)
            except TimeoutError:
                pass
