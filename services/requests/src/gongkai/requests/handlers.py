"""What the requests service does with each command and event. HTTP and AMQP intake reach the same handlers.

Each command loads the request (locked), asks the domain for the next state, saves it and emits the fact that
moves notification's clocks. A refusal raises ``Refused``: nothing is saved, nothing emitted.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.calendar import WorkingCalendar, local_date
from gongkai.shared.decisions import KeyRing
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Conflict, NotFound, Refused
from gongkai.shared.identity import Principal, Role
from gongkai.shared.origin import Origin
from pydantic import BaseModel

from . import domain, fees, letters
from .domain import Actor, Request
from .letters import LetterKind
from .store import RequestsWork

log = logging.getLogger("gongkai.requests")

# Who a staff member is in the workflow, by their roles. The office head approves extensions: in the
# directory that is the publisher (负责人 of the office that publishes).
ACTORS_OF: dict[Role, frozenset[Actor]] = {
    Role.submitter: frozenset({Actor.registrar, Actor.handler}),
    Role.publisher: frozenset({Actor.registrar, Actor.handler, Actor.office, Actor.office_head}),
    Role.administrator: frozenset({Actor.registrar, Actor.handler, Actor.office}),
}
APPLICANT = Principal(id="public:portal", name="门户网站申请人", unit="public", roles=frozenset())
DEFAULT_AGENCY = "某市交通运输局"
CHANNEL_NAMES = {c.ReceiptChannel.online: "互联网（门户网站）", c.ReceiptChannel.in_person: "当面提交",
                 c.ReceiptChannel.registered_post: "邮寄（挂号信）", c.ReceiptChannel.ordinary_post: "平常信函",
                 c.ReceiptChannel.fax: "传真", c.ReceiptChannel.email: "电子邮件"}
REVIEW_OUTCOMES = {c.REVIEW_APPROVED: "approved", c.REVIEW_REJECTED: "rejected", c.REVIEW_BLOCKED: "blocked",
                   c.REVIEW_REDACTION_REQUESTED: "redaction_requested", c.REVIEW_WITHHELD: "withheld"}


def actors_of(principal: Principal) -> frozenset[Actor]:
    if principal.id == APPLICANT.id:
        return frozenset({Actor.applicant})
    found: frozenset[Actor] = frozenset()
    for role in principal.roles:
        found |= ACTORS_OF.get(role, frozenset())
    return found


def new_tracking_number(today: date) -> str:
    """``YSQ-20261202-7KQ2MX``: the day, and six characters no one can guess in a run."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"YSQ-{today:%Y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


class Requests:
    """The handlers: they need an origin for their events, the working-day calendar, review's keys and a clock."""

    def __init__(self, origin: Origin, calendar: WorkingCalendar, review_keys: KeyRing,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC), agency: str = DEFAULT_AGENCY) -> None:
        self.origin = origin
        self.agency = agency
        self.calendar = calendar
        self.review_keys = review_keys
        self.now = now
        self.fees = fees.load()

    def today(self) -> date:
        return local_date(self.now())

    def _emit(self, uow: RequestsWork, kind: str, data: BaseModel, request_id: str, cause: Envelope) -> None:
        uow.emit(self.origin.event(kind, data, subject=request_id, cause=cause))

    async def _letter(self, uow: RequestsWork, request: Request, kind: LetterKind, cause: Envelope,
                      **context: Any) -> letters.Letter:
        """Render, store and announce a letter of ``kind`` about ``request`` (its hash goes to the log)."""
        applicant = ((await uow.requests.applicant_of(request.request_id)) or {}).get("applicant", {})
        number = len(await uow.requests.letters_of(request.request_id)) + 1
        letter = letters.render(kind, letter_id=f"{request.request_id}-L{number}", request_id=request.request_id,
                                issued_on=self.today(), agency=self.agency,
                                applicant=applicant.get("name", "申请人"), received_on=request.received_on,
                                description=request.description, **context)
        await uow.requests.add_letter(letter)
        self._emit(uow, c.REQUESTS_LETTER_ISSUED, c.RequestsLetterIssued(
            request_id=request.request_id, letter_id=letter.letter_id, kind=kind.value, name=letter.name,
            issued_on=letter.issued_on, sha256=letter.sha256), request.request_id, cause)
        return letter

    async def _load(self, uow: RequestsWork, request_id: str) -> Request:
        found = await uow.requests.get(request_id, for_update=True)
        if found is None:
            raise NotFound(f"no request {request_id}")
        return found

    # ---- intake ------------------------------------------------------------------------------------

    async def receive(self, data: c.ReceiveRequest, command: Envelope, principal: Principal, uow: RequestsWork
                      ) -> dict[str, Any]:
        today = self.today()
        received_on = domain.receipt_date(data.channel, today=today, submitted_on=data.submitted_on,
                                          signed_on=data.signed_on, confirmed_on=data.confirmed_on)
        return await self._intake(data, data.channel, received_on, command, principal, uow)

    async def submit_online(self, data: c.SubmitOnlineRequest, command: Envelope, principal: Principal,
                            uow: RequestsWork) -> dict[str, Any]:
        if data.website:
            raise Refused("the request was not accepted", status=400)  # a field people do not see was filled
        received_on = domain.receipt_date(c.ReceiptChannel.online, today=self.today())
        return await self._intake(data, c.ReceiptChannel.online, received_on, command, principal, uow)

    async def _intake(self, data: c.RequestBody, channel: c.ReceiptChannel, received_on: date, command: Envelope,
                      principal: Principal, uow: RequestsWork) -> dict[str, Any]:
        secret = secrets.token_urlsafe(18)
        applicant = {"applicant": data.applicant.model_dump(mode="json"),
                     "contact": data.contact.model_dump(mode="json"), "purpose": data.purpose,
                     "delivery": data.delivery.value, "delivery_channel": data.delivery_channel}
        for _ in range(5):
            request = domain.receive(new_tracking_number(received_on), channel, data.applicant.kind,
                                     data.description, received_on, person=principal.id, actors=actors_of(principal))
            if await uow.requests.add(request, domain.secret_hash(secret), applicant):
                break
        else:  # pragma: no cover - 32^6 numbers a day
            raise Conflict("no free tracking number; try again")
        self._emit(uow, c.REQUESTS_RECEIVED, c.RequestsReceived(
            request_id=request.request_id, channel=channel, applicant_kind=request.applicant_kind,
            received_on=received_on, subject=request.subject), request.request_id, command)
        receipt = await self._letter(uow, request, LetterKind.receipt, command, channel=CHANNEL_NAMES[channel])
        return {"letter_id": receipt.letter_id, "request_id": request.request_id,
                "tracking_number": request.request_id, "secret": secret,
                "received_on": received_on.isoformat(), "state": request.state.value,
                "acknowledgement": f"您的政府信息公开申请已于{received_on:%Y年%m月%d日}收到，"
                                   f"登记号 {request.request_id}。请凭登记号和查询码查询办理进度。"}

    # ---- steps ----------------------------------------------------------------------------------------

    async def ask_correction(self, data: c.AskCorrection, command: Envelope, principal: Principal,
                             uow: RequestsWork) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.ask_correction(request, list(data.items), data.on, data.correct_within, self.calendar,
                                      person=principal.id, actors=actors_of(principal), today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_CORRECTION_ASKED, c.RequestsStep(
            request_id=after.request_id, on=data.on, unit=after.unit, items=list(after.correction_items),
            correct_by=after.correct_by), after.request_id, command)
        await self._letter(uow, after, LetterKind.correction, command, items=list(after.correction_items),
                           correct_by=after.correct_by)
        return _answer(after, correct_by=after.correct_by.isoformat() if after.correct_by else None)

    async def record_correction(self, data: c.RecordCorrection, command: Envelope, principal: Principal,
                                uow: RequestsWork) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.record_correction(request, data.on, data.description, person=principal.id,
                                         actors=actors_of(principal), today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_CORRECTED, c.RequestsStep(request_id=after.request_id, on=data.on, unit=after.unit),
                   after.request_id, command)
        return _answer(after)

    async def close_uncorrected(self, data: c.CloseUncorrected, command: Envelope, principal: Principal,
                                uow: RequestsWork) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.close_uncorrected(request, data.on, person=principal.id, actors=actors_of(principal),
                                         today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_WITHDRAWN, c.RequestsStep(
            request_id=after.request_id, on=data.on, unit=after.unit, note="逾期未补正，视为放弃申请"),
            after.request_id, command)
        self._answered(uow, after, command)
        return _answer(after)

    async def assign(self, data: c.AssignRequest, command: Envelope, principal: Principal, uow: RequestsWork
                     ) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.assign(request, data.unit, data.on, person=principal.id, actors=actors_of(principal),
                              today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_ASSIGNED, c.RequestsStep(request_id=after.request_id, on=data.on, unit=after.unit),
                   after.request_id, command)
        return _answer(after)

    async def consult(self, data: c.StartConsultation, command: Envelope, principal: Principal, uow: RequestsWork
                      ) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.consult(request, data.party, data.whom, data.on, person=principal.id,
                               actors=actors_of(principal), today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_CONSULTATION_STARTED, c.RequestsStep(
            request_id=after.request_id, on=data.on, unit=after.unit, party=data.party, note=data.whom),
            after.request_id, command)
        await self._letter(uow, after, LetterKind.consultation, command, whom=data.whom)
        return _answer(after)

    async def record_consultation_reply(self, data: c.RecordConsultationReply, command: Envelope,
                                        principal: Principal, uow: RequestsWork) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.record_consultation_reply(request, data.on, data.note, person=principal.id,
                                                 actors=actors_of(principal), today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_CONSULTATION_REPLIED, c.RequestsStep(
            request_id=after.request_id, on=data.on, unit=after.unit, note=data.note), after.request_id, command)
        return _answer(after)

    async def extend(self, data: c.ExtendReply, command: Envelope, principal: Principal, uow: RequestsWork
                     ) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.extend(request, data.working_days, data.reason, data.on, person=principal.id,
                              actors=actors_of(principal), today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_EXTENDED, c.RequestsExtended(
            request_id=after.request_id, working_days=data.working_days, approved_by=principal.id,
            reason=data.reason, unit=after.unit), after.request_id, command)
        await self._letter(uow, after, LetterKind.extension, command, reason=data.reason,
                           working_days=data.working_days)
        return _answer(after, extended_days=data.working_days)

    async def draft_reply(self, data: c.DraftReply, command: Envelope, principal: Principal, uow: RequestsWork
                          ) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.draft_reply(request, data.outcome, data.text, data.disclosed, person=principal.id,
                                   actors=actors_of(principal), today=self.today())
        await uow.requests.save(after)
        reply = after.reply
        assert reply is not None
        self._emit(uow, c.REQUESTS_REPLY_DRAFTED, c.RequestsStep(
            request_id=after.request_id, on=self.today(), unit=after.unit,
            note=f"{domain.OUTCOME_NAMES[reply.outcome]}（第{reply.draft}稿，{reply.content_hash}）"),
            after.request_id, command)
        if reply.needs_review:
            self._emit(uow, c.REQUESTS_REPLY_SUBMITTED, c.DisclosureSubmitted(
                item_id=c.reply_item_id(after.request_id), version=reply.draft, title=reply.title, body=reply.body,
                category=c.REPLY_CATEGORY, audience=c.Audience.internal, channels=[], unit=after.unit,
                submitted_by=principal.id, content_hash=reply.content_hash, authors=[principal.id],
                deadline_rule=None), after.request_id, command)
        return _answer(after, draft=reply.draft, content_hash=reply.content_hash, review=reply.review)

    async def send_reply(self, data: c.SendReply, command: Envelope, principal: Principal, uow: RequestsWork
                         ) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.send_reply(request, data.answered_on, data.content_hash, person=principal.id,
                                  actors=actors_of(principal), today=self.today())
        await uow.requests.save(after)
        self._answered(uow, after, command)
        reply = after.reply
        assert reply is not None
        letter = await self._letter(uow, after, LetterKind.reply, command,
                                    outcome=domain.OUTCOME_NAMES[reply.outcome], text=reply.text,
                                    disclosed=reply.disclosed, basis=letters.REPLY_BASIS[reply.outcome])
        return _answer(after, answered_on=data.answered_on.isoformat(), letter_id=letter.letter_id)

    async def record_challenge(self, data: c.RecordChallenge, command: Envelope, principal: Principal,
                               uow: RequestsWork) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.record_challenge(request, data.kind, data.result, data.on, data.note, person=principal.id,
                                        actors=actors_of(principal), today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_CHALLENGE_RECORDED, c.RequestsChallengeRecorded(
            request_id=after.request_id, kind=data.kind, result=data.result, on=data.on,
            applicant_kind=after.applicant_kind, unit=after.unit), after.request_id, command)
        return _answer(after)

    # ---- information processing fees (国办函〔2020〕109号) -----------------------------------------------------

    async def notify_fee(self, data: c.NotifyFee, command: Envelope, principal: Principal, uow: RequestsWork
                         ) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        nth = data.nth if data.nth is not None else await uow.requests.nth_this_month(request.request_id)
        fee = fees.fee(self.fees, nth=nth, pages=data.pages, minutes=data.minutes, megabytes=data.megabytes)
        after = domain.notify_fee(request, fee, self.fees.pay_within, data.on, self.calendar, person=principal.id,
                                  actors=actors_of(principal), today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_FEE_NOTIFIED, c.RequestsStep(
            request_id=after.request_id, on=data.on, unit=after.unit, note=f"{fee.yuan}元（{fee.band}）",
            correct_by=after.pay_by, fee_yuan=fee.yuan), after.request_id, command)
        letter = await self._letter(uow, after, LetterKind.fee, command, yuan=fee.yuan, band=fee.band,
                                    pay_by=after.pay_by, basis=self.fees.basis)
        return _answer(after, fee_yuan=fee.yuan, band=fee.band, letter_id=letter.letter_id,
                       pay_by=after.pay_by.isoformat() if after.pay_by else None)

    async def record_fee_payment(self, data: c.RecordFeePayment, command: Envelope, principal: Principal,
                                 uow: RequestsWork) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.record_payment(request, data.on, data.note, person=principal.id, actors=actors_of(principal),
                                      today=self.today())
        return await self._settled(uow, after, data.on, after.history[-1].note, command, paid=after.fee_yuan)

    async def waive_fee(self, data: c.WaiveFee, command: Envelope, principal: Principal, uow: RequestsWork
                        ) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.waive_fee(request, data.reason, data.on, person=principal.id, actors=actors_of(principal),
                                 today=self.today())
        return await self._settled(uow, after, data.on, f"减免：{data.reason}", command, paid=0)

    async def _settled(self, uow: RequestsWork, after: Request, on: date, note: str | None, command: Envelope,
                       *, paid: int | None) -> dict[str, Any]:
        """Paid or waived: the request is examined again and the reply clock resumes."""
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_FEE_SETTLED, c.RequestsStep(request_id=after.request_id, on=on, unit=after.unit,
                                                                note=note, fee_yuan=paid), after.request_id, command)
        return _answer(after)

    async def close_unpaid(self, data: c.CloseUnpaid, command: Envelope, principal: Principal, uow: RequestsWork
                           ) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.close_unpaid(request, data.on, person=principal.id, actors=actors_of(principal),
                                    today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_WITHDRAWN, c.RequestsStep(
            request_id=after.request_id, on=data.on, unit=after.unit, note="逾期未缴纳信息处理费，视为放弃申请"),
            after.request_id, command)
        self._answered(uow, after, command)
        return _answer(after)

    async def make_public(self, data: c.MakePublic, command: Envelope, principal: Principal, uow: RequestsWork
                          ) -> dict[str, Any]:
        request = await self._load(uow, data.request_id)
        after = domain.make_public(request, data.item_id, data.on, person=principal.id, actors=actors_of(principal),
                                   today=self.today())
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_MADE_PUBLIC, c.RequestsMadePublic(
            request_id=after.request_id, item_id=data.item_id, on=data.on, unit=after.unit), after.request_id, command)
        return _answer(after)

    def _answered(self, uow: RequestsWork, request: Request, cause: Envelope) -> None:
        assert request.outcome is not None and request.answered_on is not None
        self._emit(uow, c.REQUESTS_ANSWERED, c.RequestsAnswered(
            request_id=request.request_id, outcome=request.outcome, answered_on=request.answered_on,
            applicant_kind=request.applicant_kind, unit=request.unit,
            content_hash=request.reply.content_hash if request.reply else None), request.request_id, cause)

    # ---- notification's reply clock ---------------------------------------------------------------------

    async def on_clock(self, data: c.DeadlineOpened | c.DeadlineRecomputed, event: Envelope, uow: RequestsWork
                       ) -> None:
        """The reply clock opened or moved: its due date is kept for the applicant's status page."""
        if data.rule != c.RULE_REQUEST_REPLY:
            return
        request = await uow.requests.get(data.item_id, for_update=True)
        if request is None:
            return  # a request registered by command in notification alone, or another item
        after = domain.reply_due(request, data.due_on, event.time.isoformat())
        if after is not None:
            await uow.requests.save(after)

    # ---- review's decisions ----------------------------------------------------------------------------

    async def on_review_decided(self, decision: c.SignedDecision, event: Envelope, uow: RequestsWork) -> None:
        """Review decided on a reply draft: approval makes it sendable, anything else sends it back to drafting."""
        if not c.is_reply_item(decision.item_id):
            return  # a disclosure item: publishing's business
        problem = self.review_keys.problem(event.type, decision)
        if problem is not None:
            log.warning("review decision on a reply refused: signature",
                        extra={"item_id": decision.item_id, "reason": problem})
            return
        request_id = decision.item_id.removeprefix(c.REPLY_ITEM_PREFIX)
        request = await uow.requests.get(request_id, for_update=True)
        if request is None:
            log.warning("review decision on a reply to an unknown request", extra={"item_id": decision.item_id})
            return
        outcome = REVIEW_OUTCOMES[event.type]
        on = local_date(decision.decided_at or event.time)
        if isinstance(decision, c.RedactionRequested):
            await self._redact(uow, request, decision, event, on)
            return
        after = domain.review_decided(request, decision.version, decision.content_hash, outcome, decision.reviewer, on)
        if after is None:
            log.info("review decision for another draft of the reply", extra={"item_id": decision.item_id})
            return
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_REPLY_REVIEWED, c.RequestsReplyReviewed(
            request_id=request_id, draft=decision.version, content_hash=decision.content_hash, outcome=outcome,
            decided_by=decision.reviewer), request_id, event)


    async def _redact(self, uow: RequestsWork, request: Request, decision: c.RedactionRequested, event: Envelope,
                      on: date) -> None:
        """部分公开 by redaction: the next draft without the spans goes to review, bound to its own hash."""
        try:
            after = domain.redacted(request, decision.version, decision.content_hash, list(decision.spans),
                                    decision.case_id, decision.reviewer, on)
        except Refused as refused:
            log.warning("redaction of a reply refused; it goes back to drafting",
                        extra={"request_id": request.request_id, "reason": refused.reason})
            after = domain.review_decided(request, decision.version, decision.content_hash, "redaction_requested",
                                          decision.reviewer, on)
        if after is None:
            log.info("redaction for another draft of the reply", extra={"request_id": request.request_id})
            return
        await uow.requests.save(after)
        self._emit(uow, c.REQUESTS_REPLY_REVIEWED, c.RequestsReplyReviewed(
            request_id=request.request_id, draft=decision.version, content_hash=decision.content_hash,
            outcome="redaction_requested", decided_by=decision.reviewer), request.request_id, event)
        reply = after.reply
        if reply is not None and reply.redaction_of == decision.case_id and reply.draft == decision.version + 1:
            self._emit(uow, c.REQUESTS_REPLY_SUBMITTED, c.DisclosureSubmitted(
                item_id=c.reply_item_id(after.request_id), version=reply.draft, title=reply.title, body=reply.body,
                category=c.REPLY_CATEGORY, audience=c.Audience.internal, channels=[], unit=after.unit,
                submitted_by=reply.drafted_by, content_hash=reply.content_hash, authors=[reply.drafted_by],
                deadline_rule=None, redaction_of_case=decision.case_id), after.request_id, event)


def _answer(request: Request, **more: Any) -> dict[str, Any]:
    return {"request_id": request.request_id, "state": request.state.value, **more}
