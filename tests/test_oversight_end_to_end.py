"""An inspection from end to end, with the real broker and database: the office plans an unannounced visit
(暗访) to a unit, records the checklist and a finding, and orders it put right in 5 working days; notification,
running beside oversight, opens the rectification's clock from oversight's fact, its monitor reminds the unit and
the office (the reminder lands in the unit's in-app inbox), and the rectification closed with evidence meets
the clock on time, after which the inspection closes. A quarterly report delivered to the district office's
endpoint and left unacknowledged is escalated by notification; the district's signed acknowledgement meets it."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from gongkai.notification.app import create_app as notification_app
from gongkai.notification.settings import NotificationSettings
from gongkai.oversight.app import OversightSettings
from gongkai.oversight.app import create_app as oversight_app
from gongkai.oversight.reports import sign
from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.testing import Tap, bearer, migrate, running

OFFICE, AUDITOR = bearer("dev-publisher-token"), bearer("dev-auditor-token")
UNIT_CLERK = bearer("dev-submitter2-token")  # wang.fang of 运输管理科
UNIT = "运输管理科"
POINTS = ("standardised-work", "rules-in-place", "leadership-attention", "regulations-studied",
          "public-utilities-guided")


@pytest.fixture
def contacts(tmp_path):
    path = tmp_path / "contacts.toml"
    path.write_text('[[people]]\nid = "wang.fang"\nname = "王芳"\nunit = "运输管理科"\nroles = ["submitter"]\n\n'
                    '[[people]]\nid = "sun.qiang"\nname = "孙强"\nunit = "政务公开领导小组办公室"\n'
                    'roles = ["office"]\n',
                    encoding="utf-8")
    return path


async def test_a_rectification_is_reminded_by_notification_and_met_when_closed_with_evidence(settings, contacts):
    await migrate(settings, ("notification", "oversight"))
    day = local_date(datetime.now(UTC)).isoformat()
    options = NotificationSettings(contacts_file=contacts, monitor_interval=0.2, sender_interval=0.2)
    async with Tap(settings, "events", "deadline.#") as deadlines, \
            running(notification_app(settings, options)) as notification, running(oversight_app(settings)) as http:
        planned = await http.post("/inspections", headers=OFFICE, json={
            "unit": UNIT, "kind": "unannounced", "on": day, "inspectors": ["孙强", "周敏"]})
        iid = planned.json()["inspection_id"]
        await http.post(f"/inspections/{iid}/checklist", headers=OFFICE, json={"results": [
            {"point": p, "result": "partly" if p == "regulations-studied" else "met"} for p in POINTS]})
        finding = await http.post(f"/inspections/{iid}/findings", headers=OFFICE, json={
            "point": "regulations-studied", "severity": "minor", "text": "未组织《条例》专题学习"})
        fid = finding.json()["finding_id"]
        ordered = await http.post(f"/inspections/{iid}/rectifications", headers=OFFICE, json={
            "finding_id": fid, "text": "组织一次《条例》专题学习并报送学习记录", "working_days": 5, "on": day})
        assert ordered.status_code == 200, ordered.text
        rid, due_on = ordered.json()["rectification_id"], ordered.json()["due_on"]

        opened = await deadlines.wait_for(c.DEADLINE_OPENED, lambda e: e.data["item_id"] == rid)
        reminder = await deadlines.wait_for(c.DEADLINE_DUE_SOON, lambda e: e.data["item_id"] == rid, timeout=30)
        async with asyncio.timeout(20):  # notification's delivery consumer writes the inbox from the reminder
            while not (inbox := await notification.get("/inbox", headers=UNIT_CLERK)).json()["messages"]:
                await asyncio.sleep(0.2)

        closed = await http.post(f"/inspections/{iid}/rectifications/{rid}/closure", headers=OFFICE, json={
            "evidence": "12月2日组织全科学习《条例》，学习记录及签到表已报办公室", "on": day})
        assert closed.status_code == 200, closed.text
        met = await deadlines.wait_for(c.DEADLINE_MET, lambda e: e.data["item_id"] == rid)
        done = await http.post(f"/inspections/{iid}/closure", headers=OFFICE, json={"on": day})
        [clock] = (await notification.get("/deadlines", params={"item_id": rid}, headers=AUDITOR)).json()["deadlines"]

    assert opened.data["rule"] == c.RULE_RECTIFICATION and opened.data["unit"] == UNIT
    assert (opened.data["opened_on"], opened.data["due_on"]) == (day, due_on)  # one calendar, one due date
    assert reminder.data["working_days_left"] == 5 and set(reminder.data["recipients"]) == {"wang.fang", "sun.qiang"}
    [message] = inbox.json()["messages"]
    assert message["title"] == f"【期限提醒】监督检查问题整改：{due_on}到期（还剩5个工作日）", message
    assert met.data["late"] is False and (clock["state"], clock["late"]) == ("met", False)
    assert done.json()["state"] == "closed"


async def take_everything(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A district endpoint that takes every report (signatures are checked in the service's own tests)."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
    length = next(int(h.split(":")[1]) for h in head.split("\r\n") if h.lower().startswith("content-length"))
    await reader.readexactly(length)
    writer.write(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()
    writer.close()


async def test_an_unacknowledged_report_is_escalated_and_the_districts_acknowledgement_meets_it(settings, contacts):
    await migrate(settings, ("notification", "oversight"))
    server = await asyncio.start_server(take_everything, "127.0.0.1", 0)
    secret = "end-to-end-district-secret"
    own = OversightSettings(district_report_url=f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/in",
                            district_report_secret=secret, report_interval=0.2, report_schedule=False)
    # The monitor's clock a month on: the 5 working days for the acknowledgement are long past.
    options = NotificationSettings(contacts_file=contacts, monitor_interval=0.2, sender_interval=0,
                                   now=datetime.now(UTC) + timedelta(days=30))
    try:
        async with Tap(settings, "events", "deadline.#") as deadlines, \
                running(notification_app(settings, options)), running(oversight_app(settings, own)) as http:
            compiled = await http.post("/reports", headers=OFFICE, json={"schedule": "monthly", "period": (
                local_date(datetime.now(UTC)).replace(day=1) - timedelta(days=1)).strftime("%Y-%m")})
            assert compiled.status_code == 201, compiled.text
            rid = compiled.json()["report_id"]
            opened = await deadlines.wait_for(c.DEADLINE_OPENED, lambda e: e.data["item_id"] == rid, timeout=30)
            overdue = await deadlines.wait_for(c.DEADLINE_OVERDUE, lambda e: e.data["item_id"] == rid, timeout=30)

            body = json.dumps({"report_id": rid, "receipt_id": "区公开办收〔2026〕101号"}).encode()
            stamp = str(int(time.time()))
            acked = await http.post("/district/acknowledgements", content=body, headers={
                "X-Gongkai-Timestamp": stamp, "X-Gongkai-Signature": sign(secret, stamp, body)})
            met = await deadlines.wait_for(c.DEADLINE_MET, lambda e: e.data["item_id"] == rid)
    finally:
        server.close()
    assert opened.data["rule"] == c.RULE_REPORT_ACKNOWLEDGEMENT
    assert overdue.data["working_days_left"] < 0 and "sun.qiang" in overdue.data["recipients"]
    assert acked.status_code == 200 and acked.json()["state"] == "acknowledged"
    assert met.data["deadline_id"] == opened.data["deadline_id"]
