"""Inspections through the service's HTTP routes and AMQP intake, on the real broker and database.

An inspection is planned, its checklist recorded, a finding and its rectification entered, the rectification
closed with evidence and the inspection closed; each refusal (wrong role, out of order, bad dates, unknown point,
no evidence) answers with its reason, changes nothing, and is recorded as ``access.refused`` or
``intake.rejected``. The scorecard counts the facts other services emit.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import pytest
from gongkai.oversight.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import Tap, bearer, migrate, publish, running

OFFICE, ADMIN = bearer("dev-publisher-token"), bearer("dev-admin-token")
CLERK, AUDITOR = bearer("dev-submitter-token"), bearer("dev-auditor-token")
POINTS = ("standardised-work", "rules-in-place", "leadership-attention", "regulations-studied",
          "public-utilities-guided")
UNIT = "运输管理科"


def today() -> date:
    return local_date(datetime.now(UTC))


def all_points(not_met: str = "rules-in-place") -> dict:
    return {"results": [{"point": p, "result": "not-met" if p == not_met else "met"} for p in POINTS]}


@pytest.fixture
async def oversight(settings):
    await migrate(settings, ("oversight",))
    app = create_app(settings)
    async with running(app) as client:
        yield client


async def plan(http, on: date | None = None, kind: str = "unannounced") -> str:
    planned = await http.post("/inspections", headers=OFFICE, json={
        "unit": UNIT, "kind": kind, "on": (on or today()).isoformat(), "inspectors": ["孙强", "周敏"]})
    assert planned.status_code == 201, planned.text
    return str(planned.json()["inspection_id"])


async def test_the_checklist_is_the_plans_five_points(oversight):
    listed = await oversight.get("/checklist", headers=AUDITOR)
    assert listed.status_code == 200
    assert [p["name"] for p in listed.json()["points"]] == [
        "规范化开展工作", "规章制度是否建立健全", "领导是否重视", "学习贯彻《条例》情况",
        "规范指导下属公用事业单位办事公开"]
    assert tuple(p["id"] for p in listed.json()["points"]) == POINTS


async def test_an_inspection_from_plan_to_closure_with_a_rectification_closed_on_evidence(oversight, settings):
    http, day = oversight, today().isoformat()
    async with Tap(settings, "events", "oversight.#") as tap:
        iid = await plan(http)
        recorded = await http.post(f"/inspections/{iid}/checklist", headers=OFFICE, json=all_points())
        assert recorded.status_code == 200 and recorded.json()["state"] == "inspected", recorded.text
        assert recorded.json()["points_not_met"] == 1
        finding = await http.post(f"/inspections/{iid}/findings", headers=OFFICE, json={
            "point": "rules-in-place", "severity": "major", "text": "未建立政务公开保密审查制度"})
        fid = finding.json()["finding_id"]
        ordered = await http.post(f"/inspections/{iid}/rectifications", headers=ADMIN, json={
            "finding_id": fid, "text": "建立保密审查制度并报办公室备案", "working_days": 10, "on": day})
        assert ordered.status_code == 200 and ordered.json()["state"] == "rectifying", ordered.text
        rid = ordered.json()["rectification_id"]
        assert date.fromisoformat(ordered.json()["due_on"]) > today()

        early = await http.post(f"/inspections/{iid}/closure", headers=OFFICE, json={"on": day})
        assert early.status_code == 409 and rid in early.json()["detail"]
        bare = await http.post(f"/inspections/{iid}/rectifications/{rid}/closure", headers=OFFICE,
                               json={"evidence": "   ", "on": day})
        assert bare.status_code == 422 and "evidence" in bare.json()["detail"]
        missing = await http.post(f"/inspections/{iid}/rectifications/{rid}/closure", headers=OFFICE,
                                  json={"on": day})
        assert missing.status_code == 422
        still = await http.get(f"/inspections/{iid}", headers=AUDITOR)
        assert still.json()["rectifications"][0]["closed_on"] is None and still.json()["state"] == "rectifying"

        closed = await http.post(f"/inspections/{iid}/rectifications/{rid}/closure", headers=OFFICE, json={
            "evidence": "《政务公开保密审查制度》已于本日印发（运管〔2026〕12号）", "on": day})
        assert closed.status_code == 200 and closed.json()["state"] == "inspected", closed.text
        again = await http.post(f"/inspections/{iid}/rectifications/{rid}/closure", headers=OFFICE, json={
            "evidence": "再次提交", "on": day})
        assert again.status_code == 409
        done = await http.post(f"/inspections/{iid}/closure", headers=OFFICE, json={"on": day})
        assert done.status_code == 200 and done.json()["state"] == "closed"
        await tap.wait_for(c.OVERSIGHT_INSPECTION_CLOSED)

    kinds = [e.type for _, e in tap.messages]
    assert kinds == [c.OVERSIGHT_INSPECTION_PLANNED, c.OVERSIGHT_CHECKLIST_RECORDED, c.OVERSIGHT_FINDING_RECORDED,
                     c.OVERSIGHT_RECTIFICATION_ORDERED, c.OVERSIGHT_RECTIFICATION_CLOSED,
                     c.OVERSIGHT_INSPECTION_CLOSED]
    [ordered_fact] = tap.of_type(c.OVERSIGHT_RECTIFICATION_ORDERED)
    assert ordered_fact.subject == rid and ordered_fact.data["working_days"] == 10
    assert ordered_fact.data["unit"] == UNIT and ordered_fact.data["due_on"] == ordered.json()["due_on"]
    [closed_fact] = tap.of_type(c.OVERSIGHT_RECTIFICATION_CLOSED)
    assert len(closed_fact.data["evidence_sha256"]) == 64 and "evidence" not in closed_fact.data
    shown = (await http.get(f"/inspections/{iid}", headers=AUDITOR)).json()
    assert shown["kind"] == "unannounced" and shown["inspectors"] == ["孙强", "周敏"]
    assert [d["step"] for d in shown["history"]] == ["plan", "record_checklist", "record_finding",
                                                     "order_rectification", "close_rectification", "close"]


async def test_each_bad_step_is_refused_with_its_reason_recorded_and_changes_nothing(oversight, settings):
    http, day = oversight, today()
    async with Tap(settings, "events", "access.refused.*") as refusals:
        wrong_role = await http.post("/inspections", headers=CLERK, json={
            "unit": UNIT, "kind": "announced", "on": day.isoformat(), "inspectors": ["孙强"]})
        assert wrong_role.status_code == 403
        nobody = await http.post("/inspections", headers=OFFICE, json={
            "unit": UNIT, "kind": "announced", "on": day.isoformat(), "inspectors": []})
        assert nobody.status_code == 422
        twice = await http.post("/inspections", headers=OFFICE, json={
            "unit": UNIT, "kind": "announced", "on": day.isoformat(), "inspectors": ["孙强", "孙强"]})
        assert twice.status_code == 422 and "twice" in twice.json()["detail"]
        bad_kind = await http.post("/inspections", headers=OFFICE, json={
            "unit": UNIT, "kind": "surprise", "on": day.isoformat(), "inspectors": ["孙强"]})
        assert bad_kind.status_code == 422

        ahead = await plan(http, on=day + timedelta(days=7), kind="announced")
        too_soon = await http.post(f"/inspections/{ahead}/checklist", headers=OFFICE, json=all_points())
        assert too_soon.status_code == 422 and "before that day" in too_soon.json()["detail"]
        finding_first = await http.post(f"/inspections/{ahead}/findings", headers=OFFICE, json={
            "point": "rules-in-place", "severity": "minor", "text": "x"})
        assert finding_first.status_code == 409 and "planned" in finding_first.json()["detail"]

        iid = await plan(http)
        partial = await http.post(f"/inspections/{iid}/checklist", headers=OFFICE,
                                  json={"results": [{"point": "rules-in-place", "result": "met"}]})
        assert partial.status_code == 422 and "missing" in partial.json()["detail"]
        unknown = await http.post(f"/inspections/{iid}/checklist", headers=OFFICE, json={"results": [
            *all_points()["results"], {"point": "canteen", "result": "met"}]})
        assert unknown.status_code == 422 and "canteen" in unknown.json()["detail"]
        not_staff = await http.post(f"/inspections/{iid}/checklist", headers=AUDITOR, json=all_points())
        assert not_staff.status_code == 403
        untouched = (await http.get(f"/inspections/{iid}", headers=AUDITOR)).json()
        assert untouched["state"] == "planned" and untouched["results"] == []

        assert (await http.post(f"/inspections/{iid}/checklist", headers=OFFICE, json=all_points())).status_code == 200
        no_finding = await http.post(f"/inspections/{iid}/rectifications", headers=OFFICE, json={
            "finding_id": f"{iid}-F9", "text": "整改", "working_days": 5, "on": day.isoformat()})
        assert no_finding.status_code == 422 and "no finding" in no_finding.json()["detail"]
        fid = (await http.post(f"/inspections/{iid}/findings", headers=OFFICE, json={
            "point": "leadership-attention", "severity": "serious", "text": "领导未听取政务公开工作汇报"})).json()[
            "finding_id"]
        before = await http.post(f"/inspections/{iid}/rectifications", headers=OFFICE, json={
            "finding_id": fid, "text": "整改", "working_days": 5, "on": (day - timedelta(days=1)).isoformat()})
        assert before.status_code == 422 and "before" in before.json()["detail"]
        future = await http.post(f"/inspections/{iid}/rectifications", headers=OFFICE, json={
            "finding_id": fid, "text": "整改", "working_days": 5, "on": (day + timedelta(days=1)).isoformat()})
        assert future.status_code == 422 and "after today" in future.json()["detail"]
        too_long = await http.post(f"/inspections/{iid}/rectifications", headers=OFFICE, json={
            "finding_id": fid, "text": "整改", "working_days": 61, "on": day.isoformat()})
        assert too_long.status_code == 422
        unknown_rect = await http.post(f"/inspections/{iid}/rectifications/{iid}-R1/closure", headers=OFFICE,
                                       json={"evidence": "材料", "on": day.isoformat()})
        assert unknown_rect.status_code == 409  # nothing is being rectified
        unheard = await http.post("/inspections/JC-20260101-XXXXXX/closure", headers=OFFICE,
                                  json={"on": day.isoformat()})
        assert unheard.status_code == 404
        await refusals.wait_for(c.ACCESS_REFUSED, lambda e: e.data["status"] == 404)

    unchanged = (await http.get(f"/inspections/{iid}", headers=AUDITOR)).json()
    assert unchanged["state"] == "inspected" and unchanged["rectifications"] == []
    statuses = sorted(e.data["status"] for e in refusals.of_type(c.ACCESS_REFUSED))
    assert statuses.count(403) == 2 and statuses.count(409) == 2 and 404 in statuses
    assert statuses.count(422) >= 8


async def test_an_intake_command_reaches_the_same_handler_and_a_refused_one_is_answered(oversight, settings):
    day = today().isoformat()
    async with Tap(settings, "events", "#") as tap:
        good = new_event(c.PLAN_INSPECTION, {"unit": "客运管理科", "kind": "announced", "on": day,
                                             "inspectors": ["孙强"]}, source="/test", actor="sun.qiang")
        await publish(settings, "intake", good, headers={"authorization": "Bearer dev-publisher-token"})
        planned = await tap.wait_for(c.OVERSIGHT_INSPECTION_PLANNED)
        bad = new_event(c.PLAN_INSPECTION, {"unit": "客运管理科", "kind": "announced", "on": day,
                                            "inspectors": ["孙强"]}, source="/test", actor="li.na")
        await publish(settings, "intake", bad, headers={"authorization": "Bearer dev-submitter-token"})
        rejected = await tap.wait_for(c.INTAKE_REJECTED, lambda e: e.causationid == bad.id)
    assert planned.data["unit"] == "客运管理科" and planned.causationid == good.id
    assert rejected.data["status"] == 403 and "publisher or administrator" in rejected.data["reason"]
    listed = (await oversight.get("/inspections", headers=AUDITOR, params={"unit": "客运管理科"})).json()
    assert len(listed) == 1 and listed[0]["inspection_id"] == planned.subject


async def test_the_scorecard_counts_other_services_facts_once_beside_the_units_inspections(oversight, settings):
    now = datetime.now(UTC)
    met = [new_event(c.DEADLINE_MET, {"deadline_id": f"d{n}", "item_id": f"item-{n}", "rule": rule,
                                      "due_on": today().isoformat(), "closed_at": now.isoformat(), "late": late,
                                      "unit": UNIT}, source="/gongkai/notification", actor="service:notification")
           for n, (rule, late) in enumerate([("proactive-publication", False), ("proactive-publication", True),
                                             ("change-publication", False), ("review-sla", True)])]
    answered = new_event(c.REQUEST_ANSWERED, {"request_id": "YSQ-1", "unit": UNIT, "applicant_kind": "natural-person",
                                              "outcome": "granted", "answered_on": today().isoformat(), "late": True},
                         source="/gongkai/notification", actor="service:notification")
    assigned = new_event(c.REQUESTS_ASSIGNED, {"request_id": "YSQ-1", "on": today().isoformat(), "unit": UNIT},
                         source="/gongkai/requests", actor="service:requests")
    withdrawn = new_event(c.DISCLOSURE_WITHDRAWN, {
        "item_id": "item-0", "version": 1, "category": "S01", "unit": UNIT, "audience": "public", "channels": [],
        "reason": "信息有误", "withdrawn_by": "sun.qiang", "withdrawn_at": now.isoformat()},
        source="/gongkai/publishing", actor="sun.qiang")
    iid = await plan(oversight)
    await oversight.post(f"/inspections/{iid}/checklist", headers=OFFICE, json=all_points())
    fid = (await oversight.post(f"/inspections/{iid}/findings", headers=OFFICE, json={
        "point": "rules-in-place", "severity": "minor", "text": "制度未上墙"})).json()["finding_id"]
    await oversight.post(f"/inspections/{iid}/rectifications", headers=OFFICE, json={
        "finding_id": fid, "text": "整改", "working_days": 3, "on": today().isoformat()})
    for event in (*met, answered, assigned, withdrawn, met[0]):  # the first again: a redelivery counts once
        await publish(settings, "events", event)

    async def card():
        return (await oversight.get(f"/scorecards/{UNIT}", headers=AUDITOR)).json()

    async with asyncio.timeout(20):
        while (found := await card()).get("withdrawn") != 1 or found.get("requests_answered") != 1 \
                or found.get("published") != 3 or found.get("requests_received") != 1:
            await asyncio.sleep(0.2)
    assert (found["published"], found["published_on_time"], found["published_late"]) == (3, 2, 1)
    assert found["on_time_rate"] == round(2 / 3, 4)
    assert (found["requests_answered"], found["requests_answered_in_time"]) == (1, 0)
    assert (found["inspections"], found["findings"], found["open_rectifications"]) == (1, 1, 1)
    assert found["points_not_met_last"] == 1
    nothing = await oversight.get("/scorecards/无此单位", headers=AUDITOR)
    assert nothing.status_code == 404
    assert (await oversight.get("/scorecards", headers=CLERK)).status_code == 403
