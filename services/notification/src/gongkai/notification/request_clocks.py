"""Requests for disclosure (依申请公开): notification keeps the clocks (reply, correction, third party) and emits
the request events audit counts. The steps come as the requests service's facts (``requests.received`` …, which
keeps the workflow), or as staff intake commands (``request.register`` …) where no requests service is used.

- register: the reply clock (20 working days) starts from the day the request was received, and the
  correction clock (7) unless the request was found complete at registration.
- ask_correction: meets the correction clock; the reply clock stops until the corrected request arrives.
- record_correction: the reply clock starts again from the day the correction was received.
- consult_third_party: opens the third-party clock (15); the reply clock pauses meanwhile.
- record_third_party_reply: meets it; the reply clock resumes, moved by the working days it stood still.
- extend: once, by up to 20 working days, with who approved it.
- fee notified (requests.fee_notified): the reply clock pauses until the fee is paid or waived
  (requests.fee_settled), when it resumes moved by the working days it stood still (国办函〔2020〕109号).
- answer: meets the reply clock (late or not) with the national outcome; any other clock is cancelled.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.deadline_rules import Policy
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Conflict, Forbidden, NotFound, Refused
from gongkai.shared.identity import Principal, Role

from . import domain
from .domain import Deadline, State
from .handlers import Clocks
from .store import NotificationWork

STAFF_ROLES = (Role.submitter, Role.publisher, Role.administrator)


def _staff(principal: Principal) -> None:
    if not any(role in principal.roles for role in STAFF_ROLES):
        raise Forbidden(f"{principal.id} may not record request steps (needs submitter, publisher or administrator)")


class RequestClocks:
    """The request steps: they need the clocks (origin, policy, calendar, open, close, moved) and nothing else."""

    def __init__(self, clocks: Clocks) -> None:
        self.clocks = clocks

    @property
    def policy(self) -> Policy:
        return self.clocks.policy

    def _event(self, type: str, data: c.Payload, request_id: str, cause: Envelope) -> Envelope:
        return self.clocks.origin.event(type, data, subject=request_id, cause=cause)

    async def _request(self, uow: NotificationWork, request_id: str) -> dict[str, Any]:
        await uow.deadlines.lock(f"request:{request_id}")
        found = await uow.requests.get(request_id)
        if found is None:
            raise NotFound(f"request {request_id} is not registered")
        if found["answered_on"] is not None:
            raise Conflict(f"request {request_id} was answered on {found['answered_on']}")
        return found

    async def _reply(self, uow: NotificationWork, request_id: str) -> Deadline:
        reply = await uow.deadlines.live_deadline(request_id, c.RULE_REQUEST_REPLY)
        if reply is None:
            raise Conflict(f"request {request_id} has no running reply clock")
        return reply

    async def _close_by(self, uow: NotificationWork, command: Envelope, request_id: str, on: date) -> None:
        """Meet and cancel the clocks the policy names for this step."""
        for rules, state in ((self.policy.met_by(command.type), State.met),
                             (self.policy.cancelled_by(command.type), State.cancelled)):
            for rule in rules:
                if rule.id == c.RULE_REQUEST_REPLY:
                    continue
                current = await uow.deadlines.live_deadline(request_id, rule.id)
                if current is not None:
                    await self.clocks.close(uow, command, current, state, on)

    # ---- the staff's commands (notification.intake) -------------------------------------------------

    async def register(self, data: c.RegisterRequest, command: Envelope, principal: Principal,
                       uow: NotificationWork) -> dict[str, Any]:
        _staff(principal)
        return await self._register(data, command, principal.id, uow)

    async def ask_correction(self, data: c.RecordRequestStep, command: Envelope, principal: Principal,
                             uow: NotificationWork) -> dict[str, Any]:
        _staff(principal)
        return await self._ask_correction(data, command, principal.id, uow)

    async def record_correction(self, data: c.RecordRequestStep, command: Envelope, principal: Principal,
                                uow: NotificationWork) -> dict[str, Any]:
        _staff(principal)
        return await self._record_correction(data, command, principal.id, uow)

    async def consult_third_party(self, data: c.RecordRequestStep, command: Envelope, principal: Principal,
                                  uow: NotificationWork) -> dict[str, Any]:
        _staff(principal)
        return await self._consult_third_party(data, command, principal.id, uow)

    async def record_third_party_reply(self, data: c.RecordRequestStep, command: Envelope, principal: Principal,
                                       uow: NotificationWork) -> dict[str, Any]:
        _staff(principal)
        return await self._record_third_party_reply(data, command, principal.id, uow)

    async def extend(self, data: c.ExtendRequest, command: Envelope, principal: Principal,
                     uow: NotificationWork) -> dict[str, Any]:
        _staff(principal)
        return await self._extend(data, command, principal.id, uow)

    async def answer(self, data: c.AnswerRequest, command: Envelope, principal: Principal,
                     uow: NotificationWork) -> dict[str, Any]:
        _staff(principal)
        return await self._answer(data, command, principal.id, uow)

    # ---- the requests service's facts (notification.deadlines) -------------------------------------------
    # The requests service keeps the workflow and emits a fact per step; the same clock steps follow, with the
    # fact's type in the rules (deadline_rules.toml) beside the command's.

    async def on_received(self, fact: c.RequestsReceived, event: Envelope, uow: NotificationWork) -> None:
        await self._register(c.RegisterRequest(request_id=fact.request_id, unit=fact.unit,
                                               applicant_kind=fact.applicant_kind, received_on=fact.received_on,
                                               subject=fact.subject or fact.request_id), event, event.actor, uow)

    async def on_correction_asked(self, fact: c.RequestsStep, event: Envelope, uow: NotificationWork) -> None:
        await self._ask_correction(_step(fact), event, event.actor, uow)

    async def on_corrected(self, fact: c.RequestsStep, event: Envelope, uow: NotificationWork) -> None:
        await self._record_correction(_step(fact), event, event.actor, uow)

    async def on_consultation_started(self, fact: c.RequestsStep, event: Envelope, uow: NotificationWork) -> None:
        await self._consult_third_party(_step(fact), event, event.actor, uow)

    async def on_consultation_replied(self, fact: c.RequestsStep, event: Envelope, uow: NotificationWork) -> None:
        await self._record_third_party_reply(_step(fact), event, event.actor, uow)

    async def on_fee_notified(self, fact: c.RequestsStep, event: Envelope, uow: NotificationWork) -> None:
        """A fee notice: the reply clock pauses as for a consultation, without a clock of its own."""
        await self._request(uow, fact.request_id)
        reply = await self._reply(uow, fact.request_id)
        await uow.deadlines.save(domain.pause(reply, fact.on))

    async def on_fee_settled(self, fact: c.RequestsStep, event: Envelope, uow: NotificationWork) -> None:
        """The fee paid or waived: the reply clock resumes, moved by the working days it stood still."""
        await self._request(uow, fact.request_id)
        reply = await self._reply(uow, fact.request_id)
        if reply.state is not State.paused:
            raise Conflict(f"request {fact.request_id} is not waiting for a fee")
        cal = await self.clocks.calendar(uow)
        after = domain.resume(reply, self.policy.rule(c.RULE_REQUEST_REPLY), cal, fact.on,
                              escalate_after=self.policy.escalate_after, today=domain.local_date(event.time))
        await self.clocks.moved(uow, event, reply, after, f"等待缴纳信息处理费期间不计入（至{fact.on}）", cal)

    async def on_extended(self, fact: c.RequestsExtended, event: Envelope, uow: NotificationWork) -> None:
        await self._extend(c.ExtendRequest(request_id=fact.request_id, working_days=fact.working_days,
                                           approved_by=fact.approved_by, reason=fact.reason), event, event.actor, uow)

    async def on_answered(self, fact: c.RequestsAnswered, event: Envelope, uow: NotificationWork) -> None:
        await self._answer(c.AnswerRequest(request_id=fact.request_id, outcome=fact.outcome,
                                           answered_on=fact.answered_on), event, event.actor, uow)

    # ---- the clock steps, whoever asked for them ----------------------------------------------------------

    async def _register(self, data: c.RegisterRequest, command: Envelope, person: str, uow: NotificationWork
                       ) -> dict[str, Any]:
        await uow.deadlines.lock(f"request:{data.request_id}")
        if not await uow.requests.add(request_id=data.request_id, unit=data.unit,
                                      applicant_kind=data.applicant_kind.value, received_on=data.received_on,
                                      subject=data.subject, registered_by=person):
            raise Conflict(f"request {data.request_id} is already registered")
        received = c.RequestReceived(request_id=data.request_id, unit=data.unit, applicant_kind=data.applicant_kind,
                                     received_on=data.received_on, subject=data.subject)
        uow.emit(self._event(c.REQUEST_RECEIVED, received, data.request_id, command))
        cal = await self.clocks.calendar(uow)
        opened = {}
        for rule in self.policy.opened_by(command.type):
            if rule.id == c.RULE_REQUEST_CORRECTION and data.checked_complete:
                continue
            deadline = await self.clocks.open(uow, command, rule, cal, subject=data.request_id,
                                              item_id=data.request_id, version=1, start=data.received_on,
                                              unit=data.unit, person=person)
            if deadline:
                opened[rule.id] = deadline.due_on.isoformat()
        return {"request_id": data.request_id, "due": opened}

    async def _ask_correction(self, step: c.RecordRequestStep, command: Envelope, person: str,
                             uow: NotificationWork) -> dict[str, Any]:
        found = await self._request(uow, step.request_id)
        if await uow.deadlines.live_deadline(step.request_id, c.RULE_REQUEST_CORRECTION) is None:
            raise Conflict(f"request {step.request_id} has no open correction clock: a correction is asked once, "
                           "within 7 working days of receipt")
        reply = await self._reply(uow, step.request_id)
        await self._close_by(uow, command, step.request_id, step.on)
        await uow.deadlines.save(domain.pause(reply, step.on))
        uow.emit(self._event(c.REQUEST_CORRECTION_ASKED, c.RequestStep(request_id=step.request_id, unit=found["unit"],
                                                                       on=step.on, note=step.note),
                             step.request_id, command))
        return {"request_id": step.request_id, "reply_clock": "paused"}

    async def _record_correction(self, step: c.RecordRequestStep, command: Envelope, person: str,
                                uow: NotificationWork) -> dict[str, Any]:
        found = await self._request(uow, step.request_id)
        reply = await self._reply(uow, step.request_id)
        waiting_third_party = await uow.deadlines.live_deadline(step.request_id, c.RULE_REQUEST_THIRD_PARTY)
        if reply.state is not State.paused or waiting_third_party is not None:
            raise Conflict(f"request {step.request_id} is not waiting for a correction")
        cal = await self.clocks.calendar(uow)
        rule = self.policy.rule(c.RULE_REQUEST_REPLY)
        after = domain.restart(reply, rule, cal, step.on, escalate_after=self.policy.escalate_after,
                               today=domain.local_date(command.time))
        uow.emit(self._event(c.REQUEST_CORRECTION_RECEIVED, c.RequestStep(
            request_id=step.request_id, unit=found["unit"], on=step.on, note=step.note), step.request_id, command))
        await self.clocks.moved(uow, command, reply, after, f"{step.on}收到补正，答复期限重新计算", cal)
        return {"request_id": step.request_id, "due_on": after.due_on.isoformat()}

    async def _consult_third_party(self, step: c.RecordRequestStep, command: Envelope, person: str,
                                  uow: NotificationWork) -> dict[str, Any]:
        found = await self._request(uow, step.request_id)
        reply = await self._reply(uow, step.request_id)
        await self._close_by(uow, command, step.request_id, step.on)
        cal = await self.clocks.calendar(uow)
        due = {}
        for rule in self.policy.opened_by(command.type):
            opened = await self.clocks.open(uow, command, rule, cal, subject=step.request_id,
                                            item_id=step.request_id, version=1, start=step.on, unit=found["unit"],
                                            person=person)
            if opened is None:
                raise Conflict(f"request {step.request_id} is already waiting for a third party")
            due[rule.id] = opened.due_on.isoformat()
        await uow.deadlines.save(domain.pause(reply, step.on))
        uow.emit(self._event(c.REQUEST_THIRD_PARTY_CONSULTED, c.RequestStep(
            request_id=step.request_id, unit=found["unit"], on=step.on, note=step.note), step.request_id, command))
        return {"request_id": step.request_id, "reply_clock": "paused", "due": due}

    async def _record_third_party_reply(self, step: c.RecordRequestStep, command: Envelope, person: str,
                                       uow: NotificationWork) -> dict[str, Any]:
        found = await self._request(uow, step.request_id)
        if await uow.deadlines.live_deadline(step.request_id, c.RULE_REQUEST_THIRD_PARTY) is None:
            raise Conflict(f"request {step.request_id} is not waiting for a third party")
        reply = await self._reply(uow, step.request_id)
        await self._close_by(uow, command, step.request_id, step.on)
        cal = await self.clocks.calendar(uow)
        after = domain.resume(reply, self.policy.rule(c.RULE_REQUEST_REPLY), cal, step.on,
                              escalate_after=self.policy.escalate_after, today=domain.local_date(command.time))
        uow.emit(self._event(c.REQUEST_THIRD_PARTY_REPLIED, c.RequestStep(
            request_id=step.request_id, unit=found["unit"], on=step.on, note=step.note), step.request_id, command))
        await self.clocks.moved(uow, command, reply, after, f"征求第三方意见期间不计入（至{step.on}）", cal)
        return {"request_id": step.request_id, "due_on": after.due_on.isoformat()}

    async def _extend(self, data: c.ExtendRequest, command: Envelope, person: str, uow: NotificationWork
                     ) -> dict[str, Any]:
        found = await self._request(uow, data.request_id)
        reply = await self._reply(uow, data.request_id)
        await self._close_by(uow, command, data.request_id, domain.local_date(command.time))
        cal = await self.clocks.calendar(uow)
        after = domain.extend(reply, self.policy.rule(c.RULE_REQUEST_REPLY), cal, data.working_days,
                              escalate_after=self.policy.escalate_after, today=domain.local_date(command.time))
        await uow.requests.update(data.request_id, extension_approved_by=data.approved_by)
        uow.emit(self._event(c.REQUEST_EXTENDED, c.RequestExtended(
            request_id=data.request_id, unit=found["unit"], working_days=data.working_days,
            approved_by=data.approved_by, reason=data.reason), data.request_id, command))
        await self.clocks.moved(uow, command, reply, after,
                                f"经{data.approved_by}同意延长{data.working_days}个工作日：{data.reason}", cal)
        return {"request_id": data.request_id, "due_on": after.due_on.isoformat()}

    async def _answer(self, data: c.AnswerRequest, command: Envelope, person: str, uow: NotificationWork
                     ) -> dict[str, Any]:
        found = await self._request(uow, data.request_id)
        if data.answered_on < found["received_on"]:
            raise Refused(f"answered_on {data.answered_on} is before the request was received "
                          f"({found['received_on']})", status=422)
        reply = await self._reply(uow, data.request_id)
        await self._close_by(uow, command, data.request_id, data.answered_on)
        closed = await self.clocks.close(uow, command, reply, State.met, data.answered_on)
        await uow.requests.update(data.request_id, answered_on=data.answered_on, outcome=data.outcome.value)
        answered = c.RequestAnswered(request_id=data.request_id, unit=found["unit"],
                                     applicant_kind=c.ApplicantKind(found["applicant_kind"]), outcome=data.outcome,
                                     answered_on=data.answered_on, late=bool(closed.late))
        uow.emit(self._event(c.REQUEST_ANSWERED, answered, data.request_id, command))
        return {"request_id": data.request_id, "late": bool(closed.late), "due_on": closed.due_on.isoformat()}


def _step(fact: c.RequestsStep) -> c.RecordRequestStep:
    return c.RecordRequestStep(request_id=fact.request_id, on=fact.on, note=fact.note)
