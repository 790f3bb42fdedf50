"""Periodic reports to the district office, on the real broker and database and a real HTTP receiver.

A quarterly report is compiled from the figures oversight holds, delivered by a signed webhook that the receiver
verifies (after two refusals: retried with backoff), and acknowledged by the district's signed call back; each bad
input — a period not ended or malformed, the same period twice, the wrong role, a bad signature, an unknown report,
an acknowledgement of an undelivered report or with another receipt — is refused with its reason and changes nothing.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, date, datetime

import pytest
from gongkai.oversight.app import OversightSettings, create_app
from gongkai.oversight.reports import sign, verify
from gongkai.oversight.schedule import load
from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import Tap, bearer, migrate, publish, running

OFFICE, CLERK, AUDITOR = bearer("dev-publisher-token"), bearer("dev-submitter-token"), bearer("dev-auditor-token")
SECRET = "a-secret-agreed-with-the-district"


class District:
    """The district office's endpoint: refuses the first ``failures`` deliveries (503), then takes a report only
    when its HMAC-SHA256 over ``timestamp.body`` checks out."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.attempts = 0
        self.taken: list[tuple[dict[str, str], bytes]] = []
        self.arrived = asyncio.Event()

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, v in (h.split(":", 1) for h in head[1:] if ":" in h)}
        body = await reader.readexactly(int(headers["content-length"]))
        self.attempts += 1
        if self.attempts <= self.failures:
            status = 503
        elif verify(SECRET, headers.get("x-gongkai-timestamp", ""), body, headers.get("x-gongkai-signature", "")):
            status = 200
            self.taken.append((headers, body))
            self.arrived.set()
        else:
            status = 401
        writer.write(f"HTTP/1.1 {status} X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()


@pytest.fixture
async def district():
    receiver = District(failures=2)
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    receiver.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/reports"
    yield receiver
    server.close()


def last_quarter() -> tuple[str, date, date]:
    today = local_date(datetime.now(UTC))
    period = load()[c.ReportSchedule.quarterly].last_ended(today)
    start, end = load()[c.ReportSchedule.quarterly].bounds(period)
    return period, start, end


def signed(body: dict, secret: str = SECRET, timestamp: int | None = None) -> tuple[bytes, dict[str, str]]:
    raw = json.dumps(body).encode()
    stamp = str(timestamp if timestamp is not None else int(time.time()))
    return raw, {"X-Gongkai-Timestamp": stamp, "X-Gongkai-Signature": sign(secret, stamp, raw),
                 "Content-Type": "application/json"}


def test_the_schedule_names_its_periods_and_refuses_what_is_not_one():
    schedules = load()
    monthly, quarterly = schedules[c.ReportSchedule.monthly], schedules[c.ReportSchedule.quarterly]
    assert monthly.bounds("2026-02") == (date(2026, 2, 1), date(2026, 2, 28))
    assert quarterly.bounds("2026-Q4") == (date(2026, 10, 1), date(2026, 12, 31))
    assert monthly.last_ended(date(2026, 1, 15)) == "2025-12"
    assert quarterly.last_ended(date(2026, 12, 2)) == "2026-Q3"
    assert quarterly.last_ended(date(2026, 1, 2)) == "2025-Q4"
    for bad in ("2026-13", "2026-Q5", "Q4-2026", "2026-11"):
        with pytest.raises(Exception, match="is not a quarter"):
            quarterly.bounds(bad)


async def test_a_quarterly_report_is_delivered_signed_after_retries_and_acknowledged(settings, district):
    await migrate(settings, ("oversight",))
    period, start, end = last_quarter()
    own = OversightSettings(district_report_url=district.url, district_report_secret=SECRET, report_interval=0.1,
                            report_backoff_seconds=0.05, report_schedule=False)
    met = new_event(c.DEADLINE_MET, {"deadline_id": "d1", "item_id": "item-1", "rule": "proactive-publication",
                                     "due_on": end.isoformat(), "closed_at": datetime(
                                         end.year, end.month, end.day, 2, tzinfo=UTC).isoformat(),
                                     "late": True, "unit": "运输管理科"},
                    source="/gongkai/notification", actor="service:notification")
    async with Tap(settings, "events", "oversight.#") as tap, Tap(settings, "events", "access.refused.*") as refusals, \
            running(create_app(settings, own)) as http:
        await publish(settings, "events", met)
        async with asyncio.timeout(20):  # the fact is counted before the report is compiled
            while not (await http.get("/scorecards", headers=AUDITOR)).json():
                await asyncio.sleep(0.1)

        not_ended = await http.post("/reports", headers=OFFICE, json={"schedule": "monthly",
                                                                      "period": f"{datetime.now(UTC):%Y-%m}"})
        assert not_ended.status_code == 422 and "compiled after that day" in not_ended.json()["detail"]
        malformed = await http.post("/reports", headers=OFFICE, json={"schedule": "quarterly", "period": "2026-13"})
        assert malformed.status_code == 422 and "is not a quarter" in malformed.json()["detail"]
        wrong_role = await http.post("/reports", headers=CLERK, json={"schedule": "quarterly", "period": period})
        assert wrong_role.status_code == 403

        compiled = await http.post("/reports", headers=OFFICE, json={"schedule": "quarterly", "period": period})
        assert compiled.status_code == 201, compiled.text
        rid = compiled.json()["report_id"]
        twice = await http.post("/reports", headers=OFFICE, json={"schedule": "quarterly", "period": period})
        assert twice.status_code == 409 and "compiled already" in twice.json()["detail"]

        delivered = await tap.wait_for(c.OVERSIGHT_REPORT_DELIVERED, timeout=20)

        ack, ack_headers = signed({"report_id": rid, "receipt_id": "区公开办收〔2026〕88号"})
        forged = await http.post("/district/acknowledgements", content=ack,
                                 headers={**ack_headers, "X-Gongkai-Signature": sign("not-the-secret-at-all",
                                          ack_headers["X-Gongkai-Timestamp"], ack)})
        stale_body, stale_headers = signed({"report_id": rid, "receipt_id": "x"}, timestamp=int(time.time()) - 3600)
        stale = await http.post("/district/acknowledgements", content=stale_body, headers=stale_headers)
        unknown_body, unknown_headers = signed({"report_id": "BS-quarterly-1999-Q1", "receipt_id": "x"})
        unknown = await http.post("/district/acknowledgements", content=unknown_body, headers=unknown_headers)
        still = (await http.get(f"/reports/{rid}", headers=AUDITOR)).json()

        good = await http.post("/district/acknowledgements", content=ack, headers=ack_headers)
        retried = await http.post("/district/acknowledgements", content=ack, headers=ack_headers)
        other_body, other_headers = signed({"report_id": rid, "receipt_id": "另一个回执"})
        other = await http.post("/district/acknowledgements", content=other_body, headers=other_headers)
        acknowledged = await tap.wait_for(c.OVERSIGHT_REPORT_ACKNOWLEDGED)
        forged_recorded = await refusals.wait_for(c.ACCESS_REFUSED, lambda e: e.data["status"] == 401)
        shown = (await http.get(f"/reports/{rid}", headers=AUDITOR)).json()

    assert district.attempts == 3 and len(district.taken) == 1  # two 503s, then taken
    headers, body = district.taken[0]
    assert headers["x-gongkai-report-id"] == rid
    report = json.loads(body)
    assert (report["schedule"], report["period"], report["period_start"], report["period_end"]) == (
        "quarterly", period, start.isoformat(), end.isoformat())
    [unit] = report["units"]
    assert (unit["unit"], unit["published"], unit["published_late"], unit["published_on_time"]) == (
        "运输管理科", 1, 1, 0)
    assert report["totals"]["published"] == 1 and report["totals"]["open_rectifications"] == 0
    assert delivered.data["attempts"] == 3 and delivered.data["sha256"] == compiled.json()["sha256"]
    assert (forged.status_code, stale.status_code, unknown.status_code) == (401, 401, 404)
    assert forged_recorded.data["what"] == "POST /district/acknowledgements" and forged_recorded.data["person"] is None
    assert still["state"] == "delivered" and still["receipt_id"] is None
    assert good.status_code == 200 and good.json()["state"] == "acknowledged"
    assert retried.status_code == 200 and other.status_code == 409
    assert acknowledged.data["receipt_id"] == "区公开办收〔2026〕88号"
    assert len(tap.of_type(c.OVERSIGHT_REPORT_ACKNOWLEDGED)) == 1
    assert (shown["state"], shown["receipt_id"], shown["attempts"]) == ("acknowledged", "区公开办收〔2026〕88号", 3)
    assert shown["content"] == report


async def test_a_delivery_that_keeps_failing_is_failed_and_can_be_tried_again(settings):
    await migrate(settings, ("oversight",))
    receiver = District(failures=1000)
    server = await asyncio.start_server(receiver.serve, "127.0.0.1", 0)
    url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/reports"
    own = OversightSettings(district_report_url=url, district_report_secret=SECRET, report_interval=0.1,
                            report_backoff_seconds=0.01, report_max_attempts=3, report_schedule=True)
    try:
        async with Tap(settings, "events", "oversight.#") as tap, running(create_app(settings, own)) as http:
            compiled = await tap.wait_for(c.OVERSIGHT_REPORT_COMPILED)  # the schedule compiles the last periods
            async with asyncio.timeout(20):
                while (await http.get(f"/reports/{compiled.subject}", headers=AUDITOR)).json()["state"] != "failed":
                    await asyncio.sleep(0.1)
            failed = (await http.get(f"/reports/{compiled.subject}", headers=AUDITOR)).json()
            early, early_headers = signed({"report_id": compiled.subject, "receipt_id": "QZ-1"})
            before = await http.post("/district/acknowledgements", content=early, headers=early_headers)
            not_failed = await http.post("/reports/BS-quarterly-1999-Q1/redelivery", headers=OFFICE)
            again = await http.post(f"/reports/{compiled.subject}/redelivery", headers=OFFICE)
            listed = (await http.get("/reports", headers=AUDITOR)).json()
    finally:
        server.close()
    assert (failed["state"], failed["attempts"], failed["last_error"]) == ("failed", 3, "HTTP 503")
    assert not tap.of_type(c.OVERSIGHT_REPORT_DELIVERED)
    assert before.status_code == 409 and "acknowledged after delivery" in before.json()["detail"]
    assert not_failed.status_code == 404 and again.json()["state"] == "pending"
    assert {r["schedule"] for r in listed} == {"monthly", "quarterly"}
