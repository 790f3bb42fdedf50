"""Periodic reports to the district disclosure office (实施方案六(五)): compiled from the figures oversight holds,
delivered by a signed webhook with retries, acknowledged by the district with a signed call back.

- **Compile** (a command, or the schedule when a district endpoint is set): the report of one period of one
  schedule, per unit — published, on time, late, withdrawn; requests received and answered (in time); inspections,
  findings, open and overdue rectifications — with totals. Its JSON is stored byte for byte: it is what is signed.
- **Deliver** (the sender loop): ``POST GONGKAI_DISTRICT_REPORT_URL`` with ``X-Gongkai-Timestamp`` and
  ``X-Gongkai-Signature: sha256=<hex HMAC-SHA256 over "<timestamp>.<body>">`` (``GONGKAI_DISTRICT_REPORT_SECRET``)
  and ``X-Gongkai-Report-Id``. A 2xx is delivery: ``oversight.report_delivered``, and notification opens the
  acknowledgement clock. Anything else is retried after ``backoff × 2^(attempts−1)`` (capped); after
  ``max_attempts`` the report is ``failed`` (shown at ``GET /reports``; ``POST /reports/{id}/redelivery`` tries again).
- **Acknowledge**: the district calls ``POST /district/acknowledgements`` with ``{"report_id", "receipt_id"}``,
  signed the same way with the same secret. A delivery's 2xx says only that a server took the bytes; the
  acknowledgement says the office registered the report, under its receipt number: that is what meets the clock.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from gongkai.shared import contracts as c
from gongkai.shared.calendar import WorkingCalendar, local_date
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Conflict, NotFound, Refused
from gongkai.shared.origin import Origin

from . import repository, views
from .schedule import Schedule
from .store import OversightUnitOfWork, OversightWork

log = logging.getLogger("gongkai.oversight.reports")

TIMESTAMP_HEADER = "X-Gongkai-Timestamp"
SIGNATURE_HEADER = "X-Gongkai-Signature"
REPORT_HEADER = "X-Gongkai-Report-Id"
FIGURES = ("published", "published_on_time", "published_late", "withdrawn", "requests_received",
           "requests_answered", "requests_answered_in_time", "inspections", "findings", "open_rectifications",
           "overdue_rectifications")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 over ``<timestamp>.<body>``: what the district recomputes and compares."""
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None,
           tolerance: float = 300) -> bool:
    """The signature matches and the timestamp is within ``tolerance`` seconds of now (no replays)."""
    if not timestamp.isdigit():
        return False
    fresh = abs((now if now is not None else time.time()) - int(timestamp)) <= tolerance
    return fresh and hmac.compare_digest(sign(secret, timestamp, body), signature)


def report_id(schedule: c.ReportSchedule, period: str) -> str:
    return f"BS-{schedule.value}-{period}"  # 报送: one report per schedule and period


def content(rid: str, schedule: Schedule, period: str, start: date, end: date, due_on: date, agency: str,
            facts: dict[str, dict[str, int]], inspections: list[Any], today: date, compiled_at: datetime) -> bytes:
    cards = views.scorecards(facts, inspections, today)
    units = [{"unit": card.unit, **{name: getattr(card, name) for name in FIGURES}} for card in cards]
    totals = {name: sum(u[name] for u in units) for name in FIGURES}
    body = {"report_id": rid, "agency": agency, "schedule": schedule.id.value, "period": period,
            "period_start": start.isoformat(), "period_end": end.isoformat(), "due_on": due_on.isoformat(),
            "compiled_at": compiled_at.isoformat(), "units": units, "totals": totals}
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class Reports:
    """Compiling and acknowledging: it needs the origin of its events, the schedules, the calendar, the secret."""

    def __init__(self, origin: Origin, schedules: dict[c.ReportSchedule, Schedule], calendar: WorkingCalendar,
                 secret: str, agency: str, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.origin = origin
        self.schedules = schedules
        self.calendar = calendar
        self.secret = secret
        self.agency = agency
        self.now = now

    async def compile(self, uow: OversightWork, schedule_id: c.ReportSchedule, period: str, by: str,
                      cause: Envelope | None) -> dict[str, Any]:
        schedule = self.schedules.get(schedule_id)
        if schedule is None:
            raise Refused(f"no {schedule_id.value} schedule in the schedule file", status=422)
        start, end = schedule.bounds(period)
        now = self.now()
        today = local_date(now)
        if end >= today:
            raise Refused(f"{period} ends on {end}: its report is compiled after that day", status=422)
        rid = report_id(schedule.id, period)
        facts, inspections = await uow.reports.figures(start, end)
        due_on = self.calendar.add_working_days(end, schedule.deliver_within)
        body = content(rid, schedule, period, start, end, due_on, self.agency, facts, inspections, today, now)
        sha = hashlib.sha256(body).hexdigest()
        row = {"report_id": rid, "schedule": schedule.id.value, "period": period, "period_start": start,
               "period_end": end, "body": body.decode(), "sha256": sha, "state": "pending", "attempts": 0,
               "next_attempt_at": now, "compiled_by": by}
        if not await uow.reports.add(row):
            raise Conflict(f"the {schedule.id.value} report for {period} was compiled already ({rid})")
        uow.emit(self.origin.event(c.OVERSIGHT_REPORT_COMPILED, c.ReportCompiled(
            report_id=rid, schedule=schedule.id, period=period, period_start=start, period_end=end, sha256=sha),
            subject=rid, cause=cause))
        return {"report_id": rid, "state": "pending", "sha256": sha, "due_on": due_on.isoformat()}

    async def acknowledge(self, uow: OversightWork, body: bytes, timestamp: str, signature: str) -> dict[str, Any]:
        """The district's signed acknowledgement: a bad signature or an old timestamp is 401, and changes nothing."""
        if not verify(self.secret, timestamp, body, signature):
            raise Refused("the acknowledgement's signature does not verify (or its timestamp is not recent)",
                          status=401)
        try:
            data = c.AcknowledgeReport.model_validate_json(body)
        except ValueError as exc:
            raise Refused(f"the acknowledgement is not {{report_id, receipt_id}}: {exc}", status=422) from exc
        found = await uow.reports.get(data.report_id, for_update=True)
        if found is None:
            raise NotFound(f"no report {data.report_id}")
        if found["state"] == "acknowledged":
            if found["receipt_id"] == data.receipt_id:
                return _ack_answer(found)  # the district retried: the same answer, nothing emitted
            raise Conflict(f"report {data.report_id} was acknowledged with receipt {found['receipt_id']}")
        if found["state"] != "delivered":
            raise Conflict(f"report {data.report_id} is {found['state']}: it is acknowledged after delivery")
        at = self.now()
        await uow.reports.update(data.report_id, {"state": "acknowledged", "receipt_id": data.receipt_id,
                                                  "acknowledged_at": at})
        uow.emit(self.origin.event(c.OVERSIGHT_REPORT_ACKNOWLEDGED, c.ReportAcknowledged(
            report_id=data.report_id, receipt_id=data.receipt_id, acknowledged_at=at), subject=data.report_id))
        return {"report_id": data.report_id, "state": "acknowledged", "receipt_id": data.receipt_id}

    async def redeliver(self, uow: OversightWork, rid: str) -> dict[str, Any]:
        found = await uow.reports.get(rid, for_update=True)
        if found is None:
            raise NotFound(f"no report {rid}")
        if found["state"] != "failed":
            raise Conflict(f"report {rid} is {found['state']}: only a failed delivery is tried again")
        await uow.reports.update(rid, {"state": "pending", "attempts": 0, "next_attempt_at": self.now()})
        return {"report_id": rid, "state": "pending"}

    async def compile_due(self, uow: OversightWork) -> list[str]:
        """The schedule's own work: each schedule's last ended period gets its report once."""
        compiled = []
        for schedule in self.schedules.values():
            period = schedule.last_ended(local_date(self.now()))
            if await uow.reports.get(report_id(schedule.id, period)) is None:
                try:
                    compiled.append((await self.compile(uow, schedule.id, period, "service:oversight", None))[
                        "report_id"])
                except Conflict:
                    continue  # another replica compiled it in the meantime
        return compiled


def _ack_answer(row: dict[str, Any]) -> dict[str, Any]:
    return {"report_id": row["report_id"], "state": row["state"], "receipt_id": row["receipt_id"]}


class Sender:
    """The delivery loop: pending reports whose attempt is due, under a row lock, the outcome committed after."""

    def __init__(self, reports: Reports, uow: Callable[[], OversightUnitOfWork], url: str | None, *,
                 interval: float, max_attempts: int, backoff: float, backoff_max: float, timeout: float,
                 schedule_reports: bool) -> None:
        self.reports = reports
        self.uow = uow
        self.url = url
        self.interval = interval
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.backoff_max = backoff_max
        self.timeout = timeout
        self.schedule_reports = schedule_reports

    async def run(self) -> None:
        async with httpx.AsyncClient(timeout=self.timeout) as http:
            while True:
                try:
                    if self.schedule_reports:
                        async with self.uow() as uow:
                            if await self.reports.compile_due(uow):
                                await uow.commit()
                    await self.deliver_due(http)
                except Exception:  # the loop outlives a bad round (database away, a bug in one report)
                    log.exception("report round failed")
                await asyncio.sleep(self.interval)

    async def deliver_due(self, http: httpx.AsyncClient) -> int:
        if not self.url:
            return 0
        delivered = 0
        async with self.uow() as uow:
            rows = await repository.due_for_delivery(uow.session, self.reports.now(), 10)
            for row in rows:
                delivered += await self._deliver(http, uow, row)
            await uow.commit()
        return delivered

    async def _deliver(self, http: httpx.AsyncClient, uow: OversightUnitOfWork, row: dict[str, Any]) -> int:
        assert self.url is not None
        body = row["body"].encode()
        timestamp = str(int(time.time()))
        headers = {"Content-Type": "application/json; charset=utf-8", TIMESTAMP_HEADER: timestamp,
                   SIGNATURE_HEADER: sign(self.reports.secret, timestamp, body), REPORT_HEADER: row["report_id"]}
        attempts = row["attempts"] + 1
        error: str | None = None
        try:
            answer = await http.post(self.url, content=body, headers=headers)
            if not answer.is_success:
                error = f"HTTP {answer.status_code}"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        now = self.reports.now()
        if error is None:
            await uow.reports.update(row["report_id"], {"state": "delivered", "attempts": attempts,
                                                        "delivered_at": now, "last_error": None})
            uow.emit(self.reports.origin.event(c.OVERSIGHT_REPORT_DELIVERED, c.ReportDelivered(
                report_id=row["report_id"], schedule=c.ReportSchedule(row["schedule"]), period=row["period"],
                delivered_at=now, attempts=attempts, sha256=row["sha256"]), subject=row["report_id"]))
            return 1
        wait = min(self.backoff * 2 ** (attempts - 1), self.backoff_max)
        failed = attempts >= self.max_attempts
        log.warning("report delivery failed", extra={"report_id": row["report_id"], "attempts": attempts,
                                                     "error": error, "parked": failed})
        await uow.reports.update(row["report_id"], {
            "state": "failed" if failed else "pending", "attempts": attempts, "last_error": error,
            "next_attempt_at": None if failed else now + timedelta(seconds=wait)})
        return 0
