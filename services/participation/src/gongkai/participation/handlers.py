"""What the participation service does with each command and event. HTTP and AMQP intake reach the same handlers.

Each command loads its opinion (locked), asks the domain for the next value, saves it and emits the fact that
moves notification's clock or review's case. A refusal raises ``Refused``: nothing is saved, nothing emitted.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.decisions import KeyRing
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Conflict, Forbidden, NotFound, Refused
from gongkai.shared.identity import Principal, Role
from gongkai.shared.origin import Origin
from gongkai.shared.ratelimit import contact_key
from pydantic import BaseModel

from . import domain
from .consultation_handlers import Consultations
from .domain import Opinion
from .policy import Policy
from .store import ParticipationWork

log = logging.getLogger("gongkai.participation")

PUBLIC = Principal(id="public:portal", name="门户网站", unit="public", roles=frozenset())
STAFF_ROLES = frozenset({Role.submitter, Role.publisher, Role.administrator})
OFFICE_ROLES = frozenset({Role.publisher, Role.administrator})  # the office (办公室) routes, publishes, moderates
REVIEW_OUTCOMES = {c.REVIEW_APPROVED: "approved", c.REVIEW_REJECTED: "rejected", c.REVIEW_BLOCKED: "blocked",
                   c.REVIEW_REDACTION_REQUESTED: "redaction_requested", c.REVIEW_WITHHELD: "withheld"}


def staff(principal: Principal, what: str) -> None:
    if not principal.roles & STAFF_ROLES:
        raise Forbidden(f"{what} is taken by staff (submitter, publisher or administrator)")


def office(principal: Principal, what: str) -> None:
    if not principal.roles & OFFICE_ROLES:
        raise Forbidden(f"{what} is the office's (publisher or administrator)")


def new_number(prefix: str, today: date) -> str:
    """``YJ-20261202-7KQ2MX``: the day, and six characters no one can guess in a run."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"{prefix}-{today:%Y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


class Participation:
    """The handlers: they need an origin for their events, the policy, review's keys and a clock."""

    def __init__(self, origin: Origin, policy: Policy, review_keys: KeyRing,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.origin = origin
        self.policy = policy
        self.review_keys = review_keys
        self.now = now
        self.consultations = Consultations(origin, policy, lambda: self.now(), self.today, staff, office)

    def today(self) -> date:
        return local_date(self.now())

    def _emit(self, uow: ParticipationWork, kind: str, data: BaseModel, subject: str, cause: Envelope) -> None:
        uow.emit(self.origin.event(kind, data, subject=subject, cause=cause))

    async def _opinion(self, uow: ParticipationWork, opinion_id: str) -> Opinion:
        found = await uow.opinions.get(opinion_id, for_update=True)
        if found is None:
            raise NotFound(f"no opinion {opinion_id}")
        return found

    # ---- the opinion box: intake -------------------------------------------------------------------

    async def receive_opinion(self, data: c.ReceiveOpinion, command: Envelope, principal: Principal,
                              uow: ParticipationWork) -> dict[str, Any]:
        staff(principal, "entering a letter or a visit to the service hall")
        if data.channel is c.OpinionChannel.online:
            raise Refused("online opinions come from the portal's opinion box; staff enter letters and the service "
                          "hall's")
        return await self._intake(data, data.channel, data.received_on, command, principal, uow)

    async def submit_online_opinion(self, data: c.SubmitOnlineOpinion, command: Envelope, principal: Principal,
                                    uow: ParticipationWork) -> dict[str, Any]:
        if principal.id != PUBLIC.id:
            raise Forbidden("the opinion box's form is the portal's; staff enter letters and the service hall's")
        if data.website:
            raise Refused("the opinion was not accepted", status=400)  # a field people do not see was filled
        return await self._intake(data, c.OpinionChannel.online, self.today(), command, principal, uow)

    async def _intake(self, data: c.OpinionBody, channel: c.OpinionChannel, received_on: date, command: Envelope,
                      principal: Principal, uow: ParticipationWork) -> dict[str, Any]:
        today = self.today()
        first = domain.receive("-", data, channel, received_on, topics=self.policy.topics, person=principal.id,
                               today=today)
        fingerprint = domain.fingerprint(first.text)
        contact = contact_key(data.contact.phone, data.contact.email)
        if self.policy.duplicate_days:
            since = today - timedelta(days=self.policy.duplicate_days)
            earlier = await uow.opinions.duplicate_of(fingerprint, contact, since)
            if earlier is not None:
                raise Conflict(f"the same opinion was received on {earlier}; it is being handled under its first "
                               "number (a duplicate is not received twice)")
        secret = secrets.token_urlsafe(18)
        person = {"name": data.name, "contact": data.contact.model_dump(mode="json")}
        for _ in range(5):
            opinion = first.model_copy(update={"opinion_id": new_number("YJ", received_on)})
            if await uow.opinions.add(opinion, domain.secret_hash(secret), person, fingerprint, contact):
                break
        else:  # pragma: no cover - 32^6 numbers a day
            raise Conflict("no free number; try again")
        self._emit(uow, c.OPINION_RECEIVED, c.OpinionReceived(
            opinion_id=opinion.opinion_id, channel=channel, topic=opinion.topic, received_on=received_on,
            wants_reply=opinion.wants_reply), opinion.opinion_id, command)
        return {"opinion_id": opinion.opinion_id, "secret": secret, "received_on": received_on.isoformat(),
                "state": opinion.state.value,
                "acknowledgement": f"您的意见已于{received_on:%Y年%m月%d日}收到，编号 {opinion.opinion_id}。"
                                   + ("请凭编号和查询码查看答复。" if opinion.wants_reply else "感谢您的意见。")}

    # ---- the opinion box: steps ---------------------------------------------------------------------

    async def route_opinion(self, data: c.RouteOpinion, command: Envelope, principal: Principal,
                            uow: ParticipationWork) -> dict[str, Any]:
        office(principal, "routing an opinion to a unit")
        after = domain.route(await self._opinion(uow, data.opinion_id), data.unit, data.on, person=principal.id,
                             today=self.today())
        await uow.opinions.save(after)
        self._emit(uow, c.OPINION_ROUTED, c.OpinionRouted(opinion_id=after.opinion_id, unit=data.unit, on=data.on,
                                                          topic=after.topic), after.opinion_id, command)
        return _answer(after)

    async def reply_opinion(self, data: c.ReplyOpinion, command: Envelope, principal: Principal,
                            uow: ParticipationWork) -> dict[str, Any]:
        staff(principal, "replying to an opinion")
        after = domain.reply(await self._opinion(uow, data.opinion_id), data.text, data.answered_on,
                             person=principal.id, today=self.today())
        await uow.opinions.save(after)
        assert after.answered_on is not None and after.reply_sha256 is not None
        self._emit(uow, c.OPINION_ANSWERED, c.OpinionAnswered(
            opinion_id=after.opinion_id, answered_on=after.answered_on, unit=after.unit, topic=after.topic,
            content_sha256=after.reply_sha256), after.opinion_id, command)
        return _answer(after, answered_on=after.answered_on.isoformat(), late=after.late)

    async def hide_opinion(self, data: c.HideOpinion, command: Envelope, principal: Principal,
                           uow: ParticipationWork) -> dict[str, Any]:
        office(principal, "hiding an opinion")
        before = await self._opinion(uow, data.opinion_id)
        after = domain.hide(before, data.reason, person=principal.id, today=self.today())
        await uow.opinions.save(after)
        self._emit(uow, c.OPINION_HIDDEN, c.ItemHidden(item_id=f"{c.OPINION_ITEM_PREFIX}{after.opinion_id}",
                                                       reason=data.reason.strip(), hidden_by=principal.id,
                                                       on=self.today()), after.opinion_id, command)
        if before.published:
            event = self.origin.event(c.PUBLIC_OPINION_WITHDRAWN, c.PublicOpinionWithdrawn(
                opinion_id=after.opinion_id, reason=data.reason.strip(), withdrawn_at=self.now()),
                subject=after.opinion_id, cause=command)
            uow.emit(event, exchange="public", routing_key=c.PUBLIC_OPINION_WITHDRAWN_KEY)
        return _answer(after, hidden=True)

    async def publish_opinion(self, data: c.PublishOpinion, command: Envelope, principal: Principal,
                              uow: ParticipationWork) -> dict[str, Any]:
        office(principal, "publishing an opinion")
        after = domain.publish(await self._opinion(uow, data.opinion_id), data.title, data.opinion_text,
                               data.reply_text, person=principal.id, today=self.today())
        await uow.opinions.save(after)
        pub = after.publication
        assert pub is not None
        self._submit(uow, f"{c.OPINION_ITEM_PREFIX}{after.opinion_id}", pub, after.unit, command)
        return _answer(after, version=pub.version, content_hash=pub.content_hash, review=pub.review)

    def _submit(self, uow: ParticipationWork, item_id: str, pub: domain.Publication, unit: str | None,
                cause: Envelope) -> None:
        """Send a text the public would see to the confidentiality review, bound to its hash."""
        self._emit(uow, c.PUBLICATION_SUBMITTED, c.DisclosureSubmitted(
            item_id=item_id, version=pub.version, title=pub.title, body=pub.body, category=c.OPINION_CATEGORY,
            audience=c.Audience.public, channels=[], unit=unit, submitted_by=pub.submitted_by,
            content_hash=pub.content_hash, authors=[pub.submitted_by], deadline_rule=None,
            redaction_of_case=pub.redaction_of), item_id, cause)

    # ---- notification's reply clock -------------------------------------------------------------------

    async def on_clock(self, data: c.DeadlineOpened | c.DeadlineRecomputed, event: Envelope,
                       uow: ParticipationWork) -> None:
        """The reply clock opened or moved: its due date is kept for the queue and the statistics."""
        if data.rule != c.RULE_OPINION_REPLY:
            return
        opinion = await uow.opinions.get(data.item_id, for_update=True)
        if opinion is None:
            return
        after = domain.reply_due(opinion, data.due_on, event.time.isoformat())
        if after is not None:
            await uow.opinions.save(after)

    # ---- review's decisions ------------------------------------------------------------------------------

    async def on_review_decided(self, decision: c.SignedDecision, event: Envelope, uow: ParticipationWork) -> None:
        """Review decided on a text participation would show: approval publishes exactly that text."""
        if not c.is_participation_item(decision.item_id):
            return  # a disclosure item or a request's reply: not participation's
        problem = self.review_keys.problem(event.type, decision)
        if problem is not None:
            log.warning("review decision refused: signature", extra={"item_id": decision.item_id, "reason": problem})
            return
        if decision.item_id.startswith(c.OPINION_ITEM_PREFIX):
            await self._opinion_decided(decision, event, uow)
        else:
            await self.consultations.on_decided(decision, REVIEW_OUTCOMES[event.type], event, uow)

    async def _opinion_decided(self, decision: c.SignedDecision, event: Envelope, uow: ParticipationWork) -> None:
        opinion_id = decision.item_id.removeprefix(c.OPINION_ITEM_PREFIX)
        opinion = await uow.opinions.get(opinion_id, for_update=True)
        if opinion is None:
            log.warning("review decision on an unknown opinion", extra={"item_id": decision.item_id})
            return
        outcome = REVIEW_OUTCOMES[event.type]
        on = local_date(decision.decided_at or event.time)
        if isinstance(decision, c.RedactionRequested):
            try:
                after = domain.redacted(opinion, decision.version, decision.content_hash, list(decision.spans),
                                        decision.case_id, decision.reviewer, on)
            except Refused as refused:
                log.warning("redaction refused; the publication stops", extra={"reason": refused.reason})
                after = domain.review_decided(opinion, decision.version, decision.content_hash, outcome,
                                              decision.reviewer, on, self.now())
        else:
            after = domain.review_decided(opinion, decision.version, decision.content_hash, outcome,
                                          decision.reviewer, on, self.now())
        if after is None:
            log.info("review decision for another version of the publication", extra={"item_id": decision.item_id})
            return
        await uow.opinions.save(after)
        self._emit(uow, c.PUBLICATION_REVIEWED, c.PublicationReviewed(
            item_id=decision.item_id, version=decision.version, content_hash=decision.content_hash, outcome=outcome,
            decided_by=decision.reviewer), opinion_id, event)
        pub = after.publication
        assert pub is not None
        if pub.version == decision.version + 1 and pub.redaction_of == decision.case_id:
            self._submit(uow, decision.item_id, pub, after.unit, event)
        elif after.published and pub.published_at is not None:
            assert after.answered_on is not None
            public = c.PublicOpinion(
                opinion_id=after.opinion_id, version=pub.version, title=pub.title, body=pub.body, topic=after.topic,
                topic_name=self.policy.topic_name(after.topic), unit=after.unit, received_on=after.received_on,
                answered_on=after.answered_on, published_at=pub.published_at, content_hash=pub.content_hash)
            uow.emit(self.origin.event(c.PUBLIC_OPINION_PUBLISHED, public, subject=after.opinion_id, cause=event),
                     exchange="public", routing_key=c.PUBLIC_OPINION_PUBLISHED_KEY)


def _answer(opinion: Opinion, **more: Any) -> dict[str, Any]:
    return {"opinion_id": opinion.opinion_id, "state": opinion.state.value, **more}
