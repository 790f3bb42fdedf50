"""What the participation service does with each consultation command, and with review's decisions on a draft, a
comment or a feedback report. A refusal raises ``Refused``: nothing is saved, nothing emitted.

A comment's text is screened by the confidentiality review like any text the public will see (item
``comment:<id>``): review's detectors run on it, a comment with no finding of low risk is approved by review's
policy at once, one with a phone number or an ID number waits for a reviewer, who may ask for its redaction. It
shows only as approved. The writer's name and contact never leave the ``comments.person`` column.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Conflict, Forbidden, NotFound, Refused
from gongkai.shared.identity import Principal
from gongkai.shared.origin import Origin
from gongkai.shared.ratelimit import contact_key
from pydantic import BaseModel

from . import consultations as rules
from .consultations import Comment, Consultation, CState
from .domain import Publication, fingerprint, has_contact
from .policy import Policy
from .store import ParticipationWork

log = logging.getLogger("gongkai.participation")

PUBLIC_ID = "public:portal"


def _token() -> str:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(6))


class Consultations:
    def __init__(self, origin: Origin, policy: Policy, now: Callable[[], datetime], today: Callable[[], date],
                 staff: Callable[[Principal, str], None], office: Callable[[Principal, str], None]) -> None:
        self.origin = origin
        self.policy = policy
        self.now = now
        self.today = today
        self.staff = staff
        self.office = office

    def _emit(self, uow: ParticipationWork, kind: str, data: BaseModel, subject: str, cause: Envelope) -> None:
        uow.emit(self.origin.event(kind, data, subject=subject, cause=cause))

    def _public(self, uow: ParticipationWork, kind: str, key: str, data: BaseModel, subject: str,
                cause: Envelope) -> None:
        uow.emit(self.origin.event(kind, data, subject=subject, cause=cause), exchange="public", routing_key=key)

    def _submit(self, uow: ParticipationWork, item_id: str, pub: Publication, category: str, unit: str | None,
                cause: Envelope) -> None:
        self._emit(uow, c.PUBLICATION_SUBMITTED, c.DisclosureSubmitted(
            item_id=item_id, version=pub.version, title=pub.title, body=pub.body, category=category,
            audience=c.Audience.public, channels=[], unit=unit, submitted_by=pub.submitted_by,
            content_hash=pub.content_hash, authors=[pub.submitted_by], deadline_rule=None,
            redaction_of_case=pub.redaction_of), item_id, cause)

    async def _load(self, uow: ParticipationWork, consultation_id: str) -> Consultation:
        found = await uow.consultations.get(consultation_id, for_update=True)
        if found is None:
            raise NotFound(f"no consultation {consultation_id}")
        return found

    async def _record(self, uow: ParticipationWork, after: Consultation, kind: c.RecordKind, record_id: str,
                      on: date, cause: Envelope, note: str | None = None) -> dict[str, Any]:
        await uow.consultations.save(after)
        self._emit(uow, c.CONSULTATION_RECORDED, c.ConsultationRecorded(
            consultation_id=after.consultation_id, kind=kind, record_id=record_id, on=on, note=note),
            after.consultation_id, cause)
        return _answer(after, record_id=record_id)

    # ---- the draft ------------------------------------------------------------------------------------

    async def create(self, data: c.CreateConsultation, command: Envelope, principal: Principal,
                     uow: ParticipationWork) -> dict[str, Any]:
        self.staff(principal, "drafting a consultation")
        today = self.today()
        for _ in range(5):
            x = rules.create(f"ZQ-{data.opens_on:%Y%m%d}-{_token()}", data, self.policy, person=principal.id,
                             today=today)
            if await uow.consultations.add(x):
                break
        else:  # pragma: no cover
            raise Conflict("no free number; try again")
        self._emit(uow, c.CONSULTATION_CREATED, c.ConsultationCreated(
            consultation_id=x.consultation_id, kind=x.kind, unit=x.unit, opens_on=x.opens_on, closes_on=x.closes_on),
            x.consultation_id, command)
        self._submit(uow, f"{c.CONSULTATION_ITEM_PREFIX}{x.consultation_id}", x.draft, c.CONSULTATION_CATEGORY,
                     x.unit, command)
        return _answer(x, opens_on=x.opens_on.isoformat(), closes_on=x.closes_on.isoformat(),
                       content_hash=x.draft.content_hash)

    # ---- comments ------------------------------------------------------------------------------------

    async def submit_comment(self, data: c.SubmitComment, command: Envelope, principal: Principal,
                             uow: ParticipationWork) -> dict[str, Any]:
        if principal.id != PUBLIC_ID:
            raise Forbidden("comments come from the portal's form")
        if data.website:
            raise Refused("the comment was not accepted", status=400)
        x = await self._load(uow, data.consultation_id)
        today = self.today()
        m = rules.comment(x, f"{x.consultation_id}-C{_token()}", data.text, today=today)
        print_ = fingerprint(m.text)
        contact = contact_key(data.contact.phone, data.contact.email)
        if await uow.consultations.comment_duplicate(x.consultation_id, print_, contact):
            raise Conflict("the same comment on this draft was received already")
        person = {"name": data.name, "contact": data.contact.model_dump(mode="json")}
        await uow.consultations.add_comment(m, person, print_, contact)
        after = x.model_copy(update={"comments": m.number})
        await uow.consultations.save(after)
        self._emit(uow, c.COMMENT_RECEIVED, c.CommentReceived(consultation_id=x.consultation_id,
                                                              comment_id=m.comment_id, received_on=today),
                   x.consultation_id, command)
        self._submit(uow, f"{c.COMMENT_ITEM_PREFIX}{m.comment_id}", m.publication, c.COMMENT_CATEGORY, x.unit,
                     command)
        return {"consultation_id": x.consultation_id, "comment_id": m.comment_id, "number": m.number,
                "state": "screening",
                "acknowledgement": f"您的意见已收到（第{m.number}条），经审核后公开显示；您的姓名和联系方式不会公开。"}

    async def hide_comment(self, data: c.HideComment, command: Envelope, principal: Principal,
                           uow: ParticipationWork) -> dict[str, Any]:
        self.office(principal, "hiding a comment")
        m = await uow.consultations.get_comment(data.comment_id, for_update=True)
        if m is None or m.consultation_id != data.consultation_id:
            raise NotFound(f"no comment {data.comment_id} of consultation {data.consultation_id}")
        was_shown = m.shown
        after = rules.hide_comment(m, data.reason, person=principal.id, today=self.today())
        await uow.consultations.save_comment(after)
        self._emit(uow, c.COMMENT_HIDDEN, c.ItemHidden(item_id=f"{c.COMMENT_ITEM_PREFIX}{m.comment_id}",
                                                       reason=data.reason.strip(), hidden_by=principal.id,
                                                       on=self.today()), m.consultation_id, command)
        if was_shown:
            self._public(uow, c.PUBLIC_COMMENT_WITHDRAWN, c.PUBLIC_COMMENT_WITHDRAWN_KEY, c.PublicCommentWithdrawn(
                consultation_id=m.consultation_id, comment_id=m.comment_id, reason=data.reason.strip(),
                withdrawn_at=self.now()), m.consultation_id, command)
        return {"consultation_id": m.consultation_id, "comment_id": m.comment_id, "hidden": True}

    # ---- records ---------------------------------------------------------------------------------------

    async def record_expert_opinion(self, data: c.RecordExpertOpinion, command: Envelope, principal: Principal,
                                    uow: ParticipationWork) -> dict[str, Any]:
        self.staff(principal, "recording an expert opinion")
        after = rules.expert(await self._load(uow, data.consultation_id), data, person=principal.id,
                             today=self.today())
        record = after.experts[-1]
        return await self._record(uow, after, c.RecordKind.expert, record.record_id, data.on, command, data.expert)

    async def announce_hearing(self, data: c.AnnounceHearing, command: Envelope, principal: Principal,
                               uow: ParticipationWork) -> dict[str, Any]:
        self.office(principal, "announcing a hearing")
        after = rules.announce_hearing(await self._load(uow, data.consultation_id), data,
                                       self.policy.hearing_notice_days, person=principal.id, today=self.today())
        hearing = after.hearings[-1]
        return await self._record(uow, after, c.RecordKind.hearing, hearing.hearing_id, self.today(), command,
                                  f"{hearing.held_on} {hearing.place}，{hearing.capacity}席")

    async def register_for_hearing(self, data: c.RegisterForHearing, command: Envelope, principal: Principal,
                                   uow: ParticipationWork) -> dict[str, Any]:
        if principal.id != PUBLIC_ID:
            raise Forbidden("registrations come from the portal's form")
        if data.website:
            raise Refused("the registration was not accepted", status=400)
        if not has_contact(data.contact) or not (data.contact.phone or data.contact.email):
            raise Refused("a registration gives a phone number or an e-mail, to confirm the place")
        x = await self._load(uow, data.consultation_id)  # locked: two registrations take turns with the cap
        after, hearing = rules.register(x, data.hearing_id, today=self.today())
        registration_id = f"{x.consultation_id}-{hearing.hearing_id}-R{_token()}"
        await uow.consultations.add_registration(registration_id, x.consultation_id, hearing.hearing_id,
                                                 self.today(), {"name": data.name, "statement": data.statement,
                                                                "contact": data.contact.model_dump(mode="json")})
        await uow.consultations.save(after)
        self._emit(uow, c.HEARING_REGISTERED, c.HearingRegistered(
            consultation_id=x.consultation_id, hearing_id=hearing.hearing_id, registration_id=registration_id,
            registered=hearing.registered, capacity=hearing.capacity), x.consultation_id, command)
        return {"consultation_id": x.consultation_id, "hearing_id": hearing.hearing_id,
                "registration_id": registration_id, "registered": hearing.registered, "capacity": hearing.capacity}

    async def select_representatives(self, data: c.SelectRepresentatives, command: Envelope, principal: Principal,
                                     uow: ParticipationWork) -> dict[str, Any]:
        self.office(principal, "selecting a hearing's representatives")
        x = await self._load(uow, data.consultation_id)
        registered = {r["registration_id"] for r in
                      await uow.consultations.registrations_of(x.consultation_id, data.hearing_id)}
        after = rules.select_representatives(x, data.hearing_id, list(data.registrations), registered, data.on,
                                             person=principal.id, today=self.today())
        return await self._record(uow, after, c.RecordKind.representatives, data.hearing_id, data.on, command,
                                  f"{len(set(data.registrations))}名代表")

    async def record_hearing(self, data: c.RecordHearing, command: Envelope, principal: Principal,
                             uow: ParticipationWork) -> dict[str, Any]:
        self.staff(principal, "recording a hearing")
        after = rules.record_hearing(await self._load(uow, data.consultation_id), data.hearing_id, data.record,
                                     data.on, person=principal.id, today=self.today())
        return await self._record(uow, after, c.RecordKind.hearing_record, data.hearing_id, data.on, command)

    async def record_research_visit(self, data: c.RecordResearchVisit, command: Envelope, principal: Principal,
                                    uow: ParticipationWork) -> dict[str, Any]:
        self.staff(principal, "recording a research visit")
        after = rules.research(await self._load(uow, data.consultation_id), data, person=principal.id,
                               today=self.today())
        return await self._record(uow, after, c.RecordKind.research, after.research[-1].record_id, data.on, command,
                                  data.place)

    # ---- closing and the feedback report ----------------------------------------------------------------

    async def close(self, data: c.CloseConsultation, command: Envelope, principal: Principal,
                    uow: ParticipationWork) -> dict[str, Any]:
        self.office(principal, "closing a consultation")
        after = rules.close(await self._load(uow, data.consultation_id), data.on, person=principal.id,
                            today=self.today())
        await uow.consultations.save(after)
        self._emit(uow, c.CONSULTATION_CLOSED, c.ConsultationClosed(
            consultation_id=after.consultation_id, closed_on=data.on, comments=after.comments),
            after.consultation_id, command)
        self._public(uow, c.PUBLIC_CONSULTATION_CLOSED, c.PUBLIC_CONSULTATION_CLOSED_KEY, c.PublicConsultationClosed(
            consultation_id=after.consultation_id, closed_on=data.on, comments=after.comments),
            after.consultation_id, command)
        return _answer(after, closed_on=data.on.isoformat())

    async def publish_feedback(self, data: c.PublishFeedback, command: Envelope, principal: Principal,
                               uow: ParticipationWork) -> dict[str, Any]:
        self.office(principal, "publishing a feedback report")
        x = await self._load(uow, data.consultation_id)
        after = rules.feedback(x, data.summary, list(data.answers), await uow.consultations.comments_of(
            x.consultation_id), person=principal.id, today=self.today())
        await uow.consultations.save(after)
        assert after.report is not None
        self._submit(uow, f"{c.FEEDBACK_ITEM_PREFIX}{after.consultation_id}", after.report, c.FEEDBACK_CATEGORY,
                     after.unit, command)
        return _answer(after, version=after.report.version, content_hash=after.report.content_hash,
                       **rules.counts(after))

    # ---- review's decisions ---------------------------------------------------------------------------------

    async def on_decided(self, decision: c.SignedDecision, outcome: str, event: Envelope,
                         uow: ParticipationWork) -> None:
        item = decision.item_id
        if item.startswith(c.COMMENT_ITEM_PREFIX):
            await self._comment_decided(decision, outcome, event, uow)
            return
        prefix = c.CONSULTATION_ITEM_PREFIX if item.startswith(c.CONSULTATION_ITEM_PREFIX) else c.FEEDBACK_ITEM_PREFIX
        x = await uow.consultations.get(item.removeprefix(prefix), for_update=True)
        if x is None:
            log.warning("review decision on an unknown consultation", extra={"item_id": item})
            return
        draft = prefix == c.CONSULTATION_ITEM_PREFIX
        pub = x.draft if draft else x.report
        if pub is None:
            return
        category = c.CONSULTATION_CATEGORY if draft else c.FEEDBACK_CATEGORY
        new = self._decide(pub, decision, outcome, category)
        if new is None:
            log.info("review decision for another version", extra={"item_id": item})
            return
        changes: dict[str, Any] = {"draft": new} if draft else {"report": new}
        if new.review == "approved":
            changes["state"] = CState.approved if draft else CState.reported
        elif new.review != "pending":
            changes["state"] = CState.rejected if draft else CState.closed  # a report goes back to be redone
        after = x.model_copy(update=changes)
        await uow.consultations.save(after)
        self._reviewed(uow, decision, outcome, x.consultation_id, event)
        if new.review == "pending":  # the redacted version
            self._submit(uow, item, new, category, x.unit, event)
        elif new.review == "approved" and new.published_at is not None and draft:
            kind = self.policy.kinds.get(x.kind)
            self._public(uow, c.PUBLIC_CONSULTATION_OPENED, c.PUBLIC_CONSULTATION_OPENED_KEY, c.PublicConsultation(
                consultation_id=x.consultation_id, version=new.version, kind=x.kind,
                kind_name=kind.name if kind else x.kind, title=new.title, body=new.body, unit=x.unit,
                opens_on=x.opens_on, closes_on=x.closes_on, published_at=new.published_at,
                content_hash=new.content_hash), x.consultation_id, event)
        elif new.review == "approved" and new.published_at is not None:
            self._public(uow, c.PUBLIC_FEEDBACK_PUBLISHED, c.PUBLIC_FEEDBACK_PUBLISHED_KEY, c.PublicFeedback(
                consultation_id=x.consultation_id, version=new.version, title=new.title, body=new.body,
                published_at=new.published_at, content_hash=new.content_hash, **rules.counts(after)),
                x.consultation_id, event)

    async def _comment_decided(self, decision: c.SignedDecision, outcome: str, event: Envelope,
                               uow: ParticipationWork) -> None:
        m = await uow.consultations.get_comment(decision.item_id.removeprefix(c.COMMENT_ITEM_PREFIX),
                                                for_update=True)
        if m is None:
            log.warning("review decision on an unknown comment", extra={"item_id": decision.item_id})
            return
        new = self._decide(m.publication, decision, outcome, c.COMMENT_CATEGORY)
        if new is None:
            return
        after = m.model_copy(update={"publication": new})
        await uow.consultations.save_comment(after)
        self._reviewed(uow, decision, outcome, m.consultation_id, event)
        if new.review == "pending":
            self._submit(uow, decision.item_id, new, c.COMMENT_CATEGORY, None, event)
        elif after.shown and new.published_at is not None:
            self._public(uow, c.PUBLIC_COMMENT_SHOWN, c.PUBLIC_COMMENT_SHOWN_KEY, c.PublicComment(
                consultation_id=m.consultation_id, comment_id=m.comment_id, number=m.number, text=new.body,
                shown_at=new.published_at, content_hash=new.content_hash), m.consultation_id, event)

    def _decide(self, pub: Publication, decision: c.SignedDecision, outcome: str, category: str
                ) -> Publication | None:
        if isinstance(decision, c.RedactionRequested):
            try:
                return rules.redacted(pub, decision.version, decision.content_hash, list(decision.spans),
                                      decision.case_id, category)
            except Refused as refused:
                log.warning("redaction refused; the text is not shown", extra={"reason": refused.reason})
        return rules.decided(pub, decision.version, decision.content_hash, outcome, self.now())

    def _reviewed(self, uow: ParticipationWork, decision: c.SignedDecision, outcome: str, subject: str,
                  cause: Envelope) -> None:
        self._emit(uow, c.PUBLICATION_REVIEWED, c.PublicationReviewed(
            item_id=decision.item_id, version=decision.version, content_hash=decision.content_hash, outcome=outcome,
            decided_by=decision.reviewer), subject, cause)


def _answer(x: Consultation, **more: Any) -> dict[str, Any]:
    return {"consultation_id": x.consultation_id, "state": x.state.value, **more}


def comment_view(m: Comment) -> dict[str, Any]:
    return {"comment_id": m.comment_id, "number": m.number, "text": m.publication.body,
            "shown_at": m.publication.published_at, "content_hash": m.publication.content_hash}
