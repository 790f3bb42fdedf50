"""Requests for disclosure recorded step by step as intake commands: the clocks notification keeps and the
request events it emits for audit's annual report."""

from __future__ import annotations

from gongkai.shared import contracts as c
from gongkai.shared.testing import Tap, bearer, publish
from notification_helpers import STAFF, command, deadlines_of, new_item


async def send(settings, type: str, data: dict, token: dict = STAFF):
    envelope = command(type, data, subject=data.get("request_id"))
    await publish(settings, "intake", envelope, headers={"authorization": token["Authorization"]})
    return envelope


def caused_by(envelope):
    return lambda e: e.causationid == envelope.id


async def test_a_request_with_a_third_party_and_an_extension_is_answered_on_time(settings, notification):
    request = new_item()
    async with Tap(settings, "events", "#") as events:
        registered = await send(settings, c.REGISTER_REQUEST, {
            "request_id": request, "unit": "办公室", "applicant_kind": "natural-person", "received_on": "2026-09-01",
            "subject": "申请公开2025年度道路运输行政处罚统计", "checked_complete": True})
        received = await events.wait_for(c.REQUEST_RECEIVED)
        opened = await events.wait_for(c.DEADLINE_OPENED, caused_by(registered))

        consulted = await send(settings, c.CONSULT_THIRD_PARTY, {"request_id": request, "on": "2026-09-10"})
        await events.wait_for(c.REQUEST_THIRD_PARTY_CONSULTED)
        third_party = await events.wait_for(c.DEADLINE_OPENED, caused_by(consulted))

        await send(settings, c.RECORD_THIRD_PARTY_REPLY, {"request_id": request, "on": "2026-09-17"})
        await events.wait_for(c.REQUEST_THIRD_PARTY_REPLIED)
        resumed = await events.wait_for(c.DEADLINE_RECOMPUTED)

        await send(settings, c.EXTEND_REQUEST, {"request_id": request, "working_days": 10, "approved_by": "sun.qiang",
                                                "reason": "涉及多个科室，需汇总"})
        extended = await events.wait_for(c.REQUEST_EXTENDED)
        await events.wait_for(c.DEADLINE_RECOMPUTED, lambda e: e.data["previous_due_on"] == "2026-10-12")
        twice = await send(settings, c.EXTEND_REQUEST, {"request_id": request, "working_days": 5,
                                                        "approved_by": "sun.qiang", "reason": "再次延期"})
        refused = await events.wait_for(c.INTAKE_REJECTED, lambda e: e.data["command_id"] == twice.id)

        await send(settings, c.ANSWER_REQUEST, {"request_id": request, "outcome": "partly-granted",
                                                "answered_on": "2026-10-20"})
        answered = await events.wait_for(c.REQUEST_ANSWERED)
        met = await events.wait_for(c.DEADLINE_MET, lambda e: e.data["rule"] == c.RULE_REQUEST_REPLY)
    assert received.data["applicant_kind"] == "natural-person" and received.subject == request
    assert opened.data["rule"] == c.RULE_REQUEST_REPLY and opened.data["due_on"] == "2026-09-29"
    assert len(events.of_type(c.DEADLINE_OPENED)) == 2   # reply and third party; no correction clock
    assert third_party.data["rule"] == c.RULE_REQUEST_THIRD_PARTY and third_party.data["due_on"] == "2026-10-08"
    assert resumed.data["due_on"] == "2026-10-12"   # 5 working days waiting for the third party do not count
    assert extended.data["approved_by"] == "sun.qiang" and extended.data["working_days"] == 10
    assert refused.data["status"] == 409 and "only once" in refused.data["reason"]
    assert answered.data["outcome"] == "partly-granted" and answered.data["late"] is False
    assert met.data["due_on"] == "2026-10-26" and met.data["late"] is False
    states = {d["rule"]: d["state"] for d in await deadlines_of(notification, request)}
    assert states == {c.RULE_REQUEST_REPLY: "met", c.RULE_REQUEST_THIRD_PARTY: "met"}


async def test_a_correction_stops_the_reply_clock_which_restarts_from_the_corrected_request(settings, notification):
    request = new_item()
    async with Tap(settings, "events", "#") as events:
        await send(settings, c.REGISTER_REQUEST, {"request_id": request, "applicant_kind": "commercial",
                                                  "received_on": "2026-09-28", "subject": "申请公开某线路补贴"})
        await events.wait_for(c.REQUEST_RECEIVED)
        await send(settings, c.ASK_REQUEST_CORRECTION, {"request_id": request, "on": "2026-09-30"})
        asked = await events.wait_for(c.REQUEST_CORRECTION_ASKED)
        correction_met = await events.wait_for(c.DEADLINE_MET)
        await send(settings, c.RECORD_REQUEST_CORRECTION, {"request_id": request, "on": "2026-10-12"})
        await events.wait_for(c.REQUEST_CORRECTION_RECEIVED)
        restarted = await events.wait_for(c.DEADLINE_RECOMPUTED)
        await send(settings, c.ANSWER_REQUEST, {"request_id": request, "outcome": "granted",
                                                "answered_on": "2026-11-20"})
        answered = await events.wait_for(c.REQUEST_ANSWERED)
    assert asked.data["on"] == "2026-09-30"
    assert correction_met.data["rule"] == c.RULE_REQUEST_CORRECTION and correction_met.data["late"] is False
    assert restarted.data["due_on"] == "2026-11-09"   # 20 working days from 2026-10-12
    assert answered.data["late"] is True and answered.data["applicant_kind"] == "commercial"


async def test_bad_request_steps_are_refused_with_the_reason(settings, notification):
    request = new_item()
    async with Tap(settings, "events", "intake.#") as events:
        bad = [
            await send(settings, c.ANSWER_REQUEST, {"request_id": "no-such", "outcome": "granted",
                                                    "answered_on": "2026-10-01"}),
            await send(settings, c.REGISTER_REQUEST, {"request_id": request, "applicant_kind": "martian",
                                                      "received_on": "2026-10-01", "subject": "x"}),
            await send(settings, c.EXTEND_REQUEST, {"request_id": request, "working_days": 21,
                                                    "approved_by": "x", "reason": "y"}),
            await send(settings, c.REGISTER_REQUEST, {"request_id": request, "applicant_kind": "other",
                                                      "received_on": "2026-10-01", "subject": "x"},
                       token=bearer("dev-reviewer-token")),
        ]
        for envelope in bad:
            await events.wait_for(c.INTAKE_REJECTED, lambda e, sent=envelope: e.data["command_id"] == sent.id)
    status = {e.data["command_id"]: e.data["status"] for e in events.of_type(c.INTAKE_REJECTED)}
    assert [status[e.id] for e in bad] == [404, 422, 422, 403]
    assert await deadlines_of(notification, request) == []
