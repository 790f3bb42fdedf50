"""A request's workflow as an explicit state machine, with no I/O.

Every step names who may take it (``Actor``), the states it may be taken from and its legal basis in the
Regulations on Open Government Information (《政府信息公开条例》). A step out of order, by the wrong actor,
dated in the future or before the request arrived, is refused with the reason and changes nothing: each
function returns a new ``Request`` or raises ``Refused``.

    received ──ask_correction──▶ correction-asked ──record_correction──▶ received
        │                              └──close_uncorrected──▶ withdrawn (deemed withdrawn)
        └──assign──▶ examining ──consult──▶ consulting ──record_consultation_reply──▶ examining
                        │  (extend: once, ≤ 20 working days, by the office head, from any open state)
                        └──draft_reply──▶ reply-in-review ──(review approves the hash)──▶ reply-ready
                        └──draft_reply (nothing disclosed)────────────────────────────▶ reply-ready
                        └──notify_fee──▶ awaiting-fee ──record_payment / waive_fee──▶ examining
                                              └──close_unpaid──▶ withdrawn (deemed withdrawn)
                                                                    reply-ready ──send_reply──▶ answered
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum

from gongkai.shared import contracts as c
from gongkai.shared.calendar import WorkingCalendar
from gongkai.shared.contracts import ReceiptChannel, RequestOutcome
from gongkai.shared.errors import Conflict, Forbidden, Refused

from .fees import Fee

MAX_EXTENSION = 20          # 条例第三十三条: 延长的期限最长不得超过20个工作日
CORRECTION_NOTICE_DAYS = 7  # 条例第三十条: 自收到申请之日起7个工作日内一次性告知


class State(StrEnum):
    received = "received"                  # 已登记
    correction_asked = "correction-asked"  # 待补正
    withdrawn = "withdrawn"                # 视为撤回（逾期未补正）
    examining = "examining"                # 审查中
    consulting = "consulting"              # 征求意见中
    awaiting_fee = "awaiting-fee"          # 待缴纳信息处理费
    reply_in_review = "reply-in-review"    # 答复保密审查中
    reply_ready = "reply-ready"            # 答复可发出
    answered = "answered"                  # 已答复


CLOSED = frozenset({State.withdrawn, State.answered})
OPEN = frozenset(State) - CLOSED


class Actor(StrEnum):
    applicant = "applicant"      # 申请人（门户网站）
    registrar = "registrar"      # 登记人员
    handler = "handler"          # 承办人员
    office = "office"            # 政府信息公开工作机构（办公室）
    office_head = "office-head"  # 机关负责人
    reviewer = "reviewer"        # 保密审查（审查服务的决定）


class Step(StrEnum):
    receive = "receive"
    ask_correction = "ask_correction"
    record_correction = "record_correction"
    close_uncorrected = "close_uncorrected"
    assign = "assign"
    consult = "consult"
    record_consultation_reply = "record_consultation_reply"
    extend = "extend"
    draft_reply = "draft_reply"
    review_decided = "review_decided"
    send_reply = "send_reply"
    record_challenge = "record_challenge"
    notify_fee = "notify_fee"
    record_payment = "record_payment"
    waive_fee = "waive_fee"
    close_unpaid = "close_unpaid"
    make_public = "make_public"


@dataclass(frozen=True)
class Rule:
    step: Step
    name: str                     # the step as staff call it
    sources: frozenset[State]     # the states it may be taken from
    actors: frozenset[Actor]
    basis: str                    # its legal basis


def _rule(step: Step, name: str, sources: set[State], actors: set[Actor], basis: str) -> Rule:
    return Rule(step, name, frozenset(sources), frozenset(actors), basis)


STAFF = {Actor.registrar, Actor.handler, Actor.office}
FEE_BASIS = "条例第四十二条（信息处理费）、《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"
RULES: dict[Step, Rule] = {r.step: r for r in (
    _rule(Step.receive, "登记", set(), {Actor.applicant, Actor.registrar},
          "条例第二十九条（申请的提出）、第三十一条（收到申请之日）"),
    _rule(Step.ask_correction, "告知补正", {State.received, State.examining}, {Actor.handler, Actor.office},
          "条例第三十条（一次性告知需要补正的事项和合理的补正期限）"),
    _rule(Step.record_correction, "收到补正", {State.correction_asked}, STAFF,
          "条例第三十条（答复期限自收到补正的申请之日起计算）"),
    _rule(Step.close_uncorrected, "逾期未补正", {State.correction_asked}, {Actor.handler, Actor.office},
          "条例第三十条（无正当理由逾期不补正的，视为放弃申请）"),
    _rule(Step.assign, "分办", {State.received}, {Actor.office}, "条例第四条（政府信息公开工作机构的职能）"),
    _rule(Step.consult, "征求意见", {State.examining}, {Actor.handler, Actor.office},
          "条例第三十二条（征求第三方意见）、第三十三条第二款（征求其他机关意见的时间不计入期限）"),
    _rule(Step.record_consultation_reply, "收到意见", {State.consulting}, {Actor.handler, Actor.office},
          "条例第三十二条（第三方自收到征求意见书之日起15个工作日内提出意见）"),
    _rule(Step.extend, "延期答复", {State.received, State.examining, State.consulting, State.reply_in_review,
                                    State.reply_ready}, {Actor.office_head},
          "条例第三十三条（经政府信息公开工作机构负责人同意，延长一次，不超过20个工作日）"),
    _rule(Step.draft_reply, "拟写答复", {State.examining, State.reply_in_review, State.reply_ready},
          {Actor.handler, Actor.office}, "条例第三十六条（根据下列情况分别作出答复）"),
    _rule(Step.review_decided, "保密审查", {State.reply_in_review}, {Actor.reviewer},
          "条例第十七条（公开前依照法律法规和国家有关规定对拟公开的政府信息进行审查）"),
    _rule(Step.send_reply, "答复", {State.reply_ready}, {Actor.handler, Actor.office},
          "条例第三十三条（答复期限）、第四十条（按申请人要求的形式提供）"),
    _rule(Step.record_challenge, "复议诉讼结果", {State.answered, State.withdrawn}, {Actor.handler, Actor.office},
          "条例第五十一条（申请行政复议或者提起行政诉讼）"),
    _rule(Step.notify_fee, "收取信息处理费通知", {State.examining}, {Actor.office},
          f"{FEE_BASIS}（收费通知，答复期限自缴费之日起计算）"),
    _rule(Step.record_payment, "收到缴费", {State.awaiting_fee}, {Actor.office},
          f"{FEE_BASIS}（缴费后恢复计算答复期限）"),
    _rule(Step.waive_fee, "减免信息处理费", {State.awaiting_fee}, {Actor.office_head}, f"{FEE_BASIS}（减免）"),
    _rule(Step.close_unpaid, "逾期未缴费", {State.awaiting_fee}, {Actor.office},
          f"{FEE_BASIS}（逾期未缴纳的，视为放弃申请）"),
    _rule(Step.make_public, "转为主动公开", {State.answered}, {Actor.handler, Actor.office},
          "条例第四十四条（可以公开的政府信息，可以纳入主动公开的范围）"),
)}

# 予以公开 and 部分公开 give the applicant information: such a reply is screened and approved first.
DISCLOSING = frozenset({RequestOutcome.granted, RequestOutcome.partly_granted})
# Outcomes the workflow itself gives, never a drafted reply.
BY_STEP = frozenset({RequestOutcome.other_no_correction, RequestOutcome.other_no_fee})

OUTCOME_NAMES: dict[RequestOutcome, str] = {
    RequestOutcome.granted: "予以公开",
    RequestOutcome.partly_granted: "部分公开",
    RequestOutcome.withheld_state_secret: "不予公开：属于国家秘密",
    RequestOutcome.withheld_other_law: "不予公开：其他法律行政法规禁止公开",
    RequestOutcome.withheld_security: "不予公开：危及“三安全一稳定”",
    RequestOutcome.withheld_third_party: "不予公开：保护第三方合法权益",
    RequestOutcome.withheld_internal: "不予公开：属于三类内部事务信息",
    RequestOutcome.withheld_process: "不予公开：属于四类过程性信息",
    RequestOutcome.withheld_enforcement_file: "不予公开：属于行政执法案卷",
    RequestOutcome.withheld_query: "不予公开：属于行政查询事项",
    RequestOutcome.unavailable_not_held: "无法提供：本机关不掌握相关政府信息",
    RequestOutcome.unavailable_needs_making: "无法提供：没有现成信息需要另行制作",
    RequestOutcome.unavailable_unclear: "无法提供：补正后申请内容仍不明确",
    RequestOutcome.not_processed_petition: "不予处理：信访举报投诉类申请",
    RequestOutcome.not_processed_repeat: "不予处理：重复申请",
    RequestOutcome.not_processed_publication: "不予处理：要求提供公开出版物",
    RequestOutcome.not_processed_excessive: "不予处理：无正当理由大量反复申请",
    RequestOutcome.not_processed_confirm: "不予处理：要求行政机关确认或重新出具已获取信息",
    RequestOutcome.other_no_correction: "其他处理：申请人逾期不补正",
    RequestOutcome.other_no_fee: "其他处理：申请人逾期未缴纳费用",
    RequestOutcome.other: "其他处理",
}


@dataclass(frozen=True)
class Done:
    """One step taken: what, on which day, by whom (person and actor), on what basis."""

    step: Step
    on: date
    person: str
    actor: Actor
    basis: str
    note: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"step": self.step.value, "on": self.on.isoformat(), "person": self.person,
                "actor": self.actor.value, "basis": self.basis, "note": self.note}

    @classmethod
    def from_dict(cls, d: dict[str, str | None]) -> Done:
        return cls(Step(str(d["step"])), date.fromisoformat(str(d["on"])), str(d["person"]), Actor(str(d["actor"])),
                   str(d["basis"]), d.get("note"))


@dataclass(frozen=True)
class Reply:
    draft: int
    outcome: RequestOutcome
    text: str
    disclosed: str | None
    title: str
    body: str
    content_hash: str
    drafted_by: str
    redaction_of: str | None = None  # the review case whose redaction this draft is
    # not-needed, pending, approved, rejected, blocked, redaction_requested, withheld
    review: str = "not-needed"

    @property
    def needs_review(self) -> bool:
        return self.outcome in DISCLOSING


@dataclass(frozen=True)
class Request:
    request_id: str
    channel: ReceiptChannel
    applicant_kind: c.ApplicantKind
    received_on: date
    description: str
    state: State = State.received
    unit: str | None = None
    correction_items: tuple[str, ...] = ()
    correct_by: date | None = None
    corrected_on: date | None = None
    consulting: str | None = None       # whom, while a consultation runs
    extended_days: int | None = None
    extended_by: str | None = None
    reply: Reply | None = None
    answered_on: date | None = None
    outcome: RequestOutcome | None = None
    history: tuple[Done, ...] = field(default_factory=tuple)
    challenges: tuple[tuple[str, str, str], ...] = ()  # (kind, result, on) of each 复议 / 诉讼, the latest per kind
    due_on: date | None = None          # the reply clock's due date, as notification last announced it
    fee_yuan: int | None = None         # the information processing fee asked for, in yuan
    fee_band: str | None = None         # the band that applied, in words
    pay_by: date | None = None          # the last day to pay it
    due_as_of: str | None = None        # the time of that announcement (ISO), so an older one changes nothing
    public_item: str | None = None      # the disclosure item the answer became (依申请公开转主动公开)

    @property
    def subject(self) -> str:
        return self.description[:500]


# ---- receipt ---------------------------------------------------------------------------------------


def receipt_date(channel: ReceiptChannel, *, today: date, submitted_on: date | None = None,
                 signed_on: date | None = None, confirmed_on: date | None = None) -> date:
    """The day a request counts as received (条例第三十一条), from the dates its channel needs.

    In person: the day it was handed in. Registered post: the day the agency signed for it. Ordinary post
    (no signature): the day the office confirmed it with the applicant. Online, fax and e-mail: the day both
    sides confirmed it. A date in the future is refused.
    """
    needed = {ReceiptChannel.in_person: ("submitted_on", submitted_on),
              ReceiptChannel.registered_post: ("signed_on", signed_on)}.get(channel, ("confirmed_on", confirmed_on))
    name, day = needed
    others = {"submitted_on": submitted_on, "signed_on": signed_on, "confirmed_on": confirmed_on}
    extra = sorted(k for k, v in others.items() if v is not None and k != name)
    if extra:
        raise Refused(f"{', '.join(extra)} does not apply to a request received by {channel.value}; give {name}")
    if channel is ReceiptChannel.online and day is None:
        day = today  # the portal confirms by its acknowledgement, the day it is given
    if day is None:
        raise Refused(f"{name} is required for a request received by {channel.value} (条例第三十一条)")
    if day > today:
        raise Refused(f"{name} {day} is in the future (today is {today})")
    return day


def receive(request_id: str, channel: ReceiptChannel, applicant_kind: c.ApplicantKind, description: str,
            received_on: date, *, person: str, actors: frozenset[Actor]) -> Request:
    online = channel is ReceiptChannel.online
    if online and Actor.applicant not in actors:
        raise Forbidden("online requests come from the portal's form; staff enter letters, visits, fax and e-mail")
    actor = _actor(RULES[Step.receive], actors if online else actors - {Actor.applicant})
    request = Request(request_id=request_id, channel=channel, applicant_kind=applicant_kind,
                      received_on=received_on, description=description)
    return _done(request, RULES[Step.receive], received_on, person, actor, f"{channel.value}")


# ---- steps ---------------------------------------------------------------------------------------------


def _actor(rule: Rule, actors: frozenset[Actor]) -> Actor:
    for actor in sorted(actors & rule.actors):
        return actor
    names = ", ".join(sorted(a.value for a in rule.actors))
    raise Forbidden(f"{rule.name} ({rule.step.value}) is taken by {names} ({rule.basis})")


def check(request: Request, step: Step, actors: frozenset[Actor], on: date, today: date) -> Actor:
    """The actor who takes ``step`` on ``on``; refused when out of order, by the wrong actor, or wrongly dated."""
    rule = RULES[step]
    if request.state is State.awaiting_fee and request.state not in rule.sources:
        raise Conflict(f"request {request.request_id} is awaiting payment of its information processing fee "
                       f"({request.fee_yuan}元, by {request.pay_by}): {rule.name} ({step.value}) waits until it is "
                       f"paid or waived ({FEE_BASIS})")
    if request.state not in rule.sources:
        allowed = ", ".join(sorted(s.value for s in rule.sources))
        raise Conflict(f"request {request.request_id} is {request.state.value}: {rule.name} ({step.value}) "
                       f"is taken only when it is {allowed} ({rule.basis})")
    actor = _actor(rule, actors)
    if on > today:
        raise Refused(f"{step.value} is dated {on}, in the future (today is {today})")
    if on < request.received_on:
        raise Refused(f"{step.value} is dated {on}, before the request was received ({request.received_on})")
    if request.history and on < request.history[-1].on:
        raise Refused(f"{step.value} is dated {on}, before the last step ({request.history[-1].step.value} on "
                      f"{request.history[-1].on})")
    return actor


def _done(request: Request, rule: Rule, on: date, person: str, actor: Actor, note: str | None = None,
          **changes: object) -> Request:
    step = Done(rule.step, on, person, actor, rule.basis, note)
    return replace(request, history=(*request.history, step), **changes)  # type: ignore[arg-type]


def ask_correction(request: Request, items: list[str], on: date, correct_within: int, cal: WorkingCalendar, *,
                   person: str, actors: frozenset[Actor], today: date) -> Request:
    actor = check(request, Step.ask_correction, actors, on, today)
    if request.correction_items:
        raise Conflict(f"request {request.request_id} was already asked to correct it on "
                       f"{_on(request, Step.ask_correction)}: a correction is asked once, listing everything "
                       "(条例第三十条)")
    later = [d.step.value for d in request.history if d.step in (Step.consult, Step.extend)]
    if later:
        raise Conflict(f"a correction is asked before the request is examined further (already: {', '.join(later)}); "
                       "条例第三十条")
    latest = cal.add_working_days(request.received_on, CORRECTION_NOTICE_DAYS)
    if on > latest:
        raise Conflict(f"a correction is asked within {CORRECTION_NOTICE_DAYS} working days of receipt "
                       f"(by {latest}); it is {on} (条例第三十条)")
    items = [i.strip() for i in items if i.strip()]
    if not items:
        raise Refused("items: list everything the applicant is to fix")
    correct_by = cal.add_working_days(on, correct_within)
    return _done(request, RULES[Step.ask_correction], on, person, actor, "；".join(items),
                 state=State.correction_asked, correction_items=tuple(items), correct_by=correct_by)


def record_correction(request: Request, on: date, description: str | None, *, person: str,
                      actors: frozenset[Actor], today: date) -> Request:
    actor = check(request, Step.record_correction, actors, on, today)
    back = State.examining if request.unit else State.received
    return _done(request, RULES[Step.record_correction], on, person, actor, None, state=back, corrected_on=on,
                 description=description or request.description)


def close_uncorrected(request: Request, on: date, *, person: str, actors: frozenset[Actor], today: date
                      ) -> Request:
    actor = check(request, Step.close_uncorrected, actors, on, today)
    assert request.correct_by is not None
    if on <= request.correct_by:
        raise Conflict(f"the applicant has until {request.correct_by} to correct the request; it is {on}")
    return _done(request, RULES[Step.close_uncorrected], on, person, actor, f"补正期限 {request.correct_by} 已过",
                 state=State.withdrawn, answered_on=on, outcome=RequestOutcome.other_no_correction)


def assign(request: Request, unit: str, on: date, *, person: str, actors: frozenset[Actor], today: date) -> Request:
    actor = check(request, Step.assign, actors, on, today)
    return _done(request, RULES[Step.assign], on, person, actor, unit, state=State.examining, unit=unit)


def consult(request: Request, party: c.ConsultedParty, whom: str, on: date, *, person: str,
            actors: frozenset[Actor], today: date) -> Request:
    actor = check(request, Step.consult, actors, on, today)
    return _done(request, RULES[Step.consult], on, person, actor, f"{party.value}: {whom}", state=State.consulting,
                 consulting=whom)


def record_consultation_reply(request: Request, on: date, note: str | None, *, person: str,
                              actors: frozenset[Actor], today: date) -> Request:
    actor = check(request, Step.record_consultation_reply, actors, on, today)
    return _done(request, RULES[Step.record_consultation_reply], on, person, actor, note, state=State.examining,
                 consulting=None)


def extend(request: Request, working_days: int, reason: str, on: date, *, person: str, actors: frozenset[Actor],
           today: date) -> Request:
    actor = check(request, Step.extend, actors, on, today)
    if request.extended_days is not None:
        raise Conflict(f"request {request.request_id} was already extended by {request.extended_days} working days "
                       f"(by {request.extended_by}): a reply is extended once (条例第三十三条)")
    if not 1 <= working_days <= MAX_EXTENSION:
        raise Refused(f"working_days {working_days}: an extension is 1 to {MAX_EXTENSION} working days "
                      "(条例第三十三条)")
    return _done(request, RULES[Step.extend], on, person, actor, reason, extended_days=working_days,
                 extended_by=person)


GIVEN = "\n\n【提供的政府信息】\n"  # between a reply's text and the information it gives, in the body reviewed
REDACTED = "×××"


def reply_hash(title: str, body: str) -> str:
    return c.content_hash(title, body, c.REPLY_CATEGORY, c.Audience.internal.value, [])


def reply_content(request_id: str, outcome: RequestOutcome, text: str, disclosed: str | None) -> tuple[str, str, str]:
    """Title, body and content hash of a reply: the hash binds review's approval to exactly this."""
    title = f"依申请公开答复 {request_id}（{OUTCOME_NAMES[outcome]}）"
    body = text if not disclosed else f"{text}{GIVEN}{disclosed}"
    return title, body, reply_hash(title, body)


def draft_reply(request: Request, outcome: RequestOutcome, text: str, disclosed: str | None, *, person: str,
                actors: frozenset[Actor], today: date) -> Request:
    actor = check(request, Step.draft_reply, actors, today, today)
    if outcome in BY_STEP:
        raise Refused(f"{OUTCOME_NAMES[outcome]} is recorded by its own step, not drafted as a reply")
    if outcome in DISCLOSING and not (disclosed or "").strip():
        raise Refused(f"a reply of {OUTCOME_NAMES[outcome]} gives information: put it in disclosed, "
                      "to be reviewed with the text")
    if outcome not in DISCLOSING and disclosed:
        raise Refused(f"a reply of {OUTCOME_NAMES[outcome]} discloses nothing: leave disclosed empty")
    title, body, content_hash = reply_content(request.request_id, outcome, text, disclosed)
    draft = (request.reply.draft + 1) if request.reply else 1
    reply = Reply(draft=draft, outcome=outcome, text=text, disclosed=disclosed, title=title, body=body,
                  content_hash=content_hash, drafted_by=person,
                  review="pending" if outcome in DISCLOSING else "not-needed")
    state = State.reply_in_review if reply.needs_review else State.reply_ready
    return _done(request, RULES[Step.draft_reply], today, person, actor, f"{OUTCOME_NAMES[outcome]}（第{draft}稿）",
                 state=state, reply=reply)


def review_decided(request: Request, draft: int, content_hash: str, decision: str, reviewer: str, on: date
                   ) -> Request | None:
    """Review's decision on a reply draft; None when it is about another draft or another text (nothing changes)."""
    reply = request.reply
    if request.state is not State.reply_in_review or reply is None or reply.draft != draft:
        return None
    if reply.content_hash != content_hash:
        return None
    rule = RULES[Step.review_decided]
    state = State.reply_ready if decision == "approved" else State.examining
    return _done(request, rule, max(on, request.history[-1].on), reviewer, Actor.reviewer, decision, state=state,
                 reply=replace(reply, review=decision))


def redacted(request: Request, draft: int, content_hash: str, spans: list[c.Span], case_id: str, reviewer: str,
             on: date) -> Request | None:
    """Review asked for these spans of the draft to be removed (部分公开): the next draft, with each span replaced by
    ×××, goes to review again. None when the request is about another draft or text; ``Refused`` for a span the
    draft does not have."""
    reply = request.reply
    if request.state is not State.reply_in_review or reply is None or reply.draft != draft \
            or reply.content_hash != content_hash:
        return None
    fields = {"title": reply.title, "body": reply.body}
    for span in sorted(spans, key=lambda s: s.start, reverse=True):  # from the end, so offsets hold
        text = fields.get(span.field)
        if text is None or span.end > len(text):
            raise Refused(f"span {span.field} {span.start}..{span.end} is not in the reply's draft {draft}")
        fields[span.field] = text[:span.start] + REDACTED + text[span.end:]
    body = fields["body"]
    text, given, disclosed = body.partition(GIVEN)
    new = Reply(draft=draft + 1, outcome=reply.outcome, text=text, disclosed=disclosed if given else None,
                title=fields["title"], body=body, content_hash=reply_hash(fields["title"], body),
                drafted_by=reply.drafted_by, redaction_of=case_id, review="pending")
    return _done(request, RULES[Step.review_decided], max(on, request.history[-1].on), reviewer, Actor.reviewer,
                 f"redaction_requested: 第{draft}稿删除{len(spans)}处，成为第{draft + 1}稿", reply=new)


def send_reply(request: Request, answered_on: date, content_hash: str | None, *, person: str,
               actors: frozenset[Actor], today: date) -> Request:
    reply = request.reply
    if request.state is State.reply_in_review and reply is not None:
        raise Conflict(f"the reply to {request.request_id} (draft {reply.draft}, {reply.content_hash}) is not "
                       "approved by the confidentiality review yet: it cannot be sent before its approval")
    actor = check(request, Step.send_reply, actors, answered_on, today)
    assert reply is not None
    if reply.needs_review:
        if reply.review != "approved":
            raise Conflict(f"the reply to {request.request_id} is not approved (review: {reply.review})")
        if content_hash != reply.content_hash:
            raise Conflict(f"the approved reply has the hash {reply.content_hash}; the reply sent must be exactly "
                           f"it (content_hash {content_hash or 'missing'})")
    return _done(request, RULES[Step.send_reply], answered_on, person, actor, OUTCOME_NAMES[reply.outcome],
                 state=State.answered, answered_on=answered_on, outcome=reply.outcome)


def record_challenge(request: Request, kind: c.ChallengeKind, result: c.ChallengeResult, on: date, note: str | None,
                     *, person: str, actors: frozenset[Actor], today: date) -> Request:
    """A reconsideration or lawsuit about a closed request; a later result of the same kind replaces the earlier
    (尚未审结 → 维持), and a decided one is not reopened as pending."""
    actor = check(request, Step.record_challenge, actors, on, today)
    before = next((c_ for c_ in request.challenges if c_[0] == kind.value), None)
    if before is not None and before[1] != c.ChallengeResult.pending.value and result is c.ChallengeResult.pending:
        raise Conflict(f"the {kind.value} about {request.request_id} was decided ({before[1]} on {before[2]}): "
                       "it is not pending again")
    challenges = (*(c_ for c_ in request.challenges if c_[0] != kind.value), (kind.value, result.value, on.isoformat()))
    return _done(request, RULES[Step.record_challenge], on, person, actor, f"{kind.value}: {result.value}",
                 challenges=challenges)


def make_public(request: Request, item_id: str, on: date, *, person: str, actors: frozenset[Actor],
                today: date) -> Request:
    """依申请公开转主动公开: an answer that disclosed information is given to everyone as a disclosure item, which
    the confidentiality review screens again before it is published. Once per request."""
    actor = check(request, Step.make_public, actors, on, today)
    if request.outcome not in DISCLOSING:
        raise Conflict(f"request {request.request_id} was answered {request.outcome.value if request.outcome else '-'}"
                       ": only an answer that disclosed information (予以公开, 部分公开) is made public")
    if request.public_item is not None:
        raise Conflict(f"request {request.request_id} was already made public as item {request.public_item}")
    return _done(request, RULES[Step.make_public], on, person, actor, f"item {item_id}", public_item=item_id)


def notify_fee(request: Request, fee: Fee, pay_within: int, on: date, cal: WorkingCalendar, *, person: str,
               actors: frozenset[Actor], today: date) -> Request:
    """收取信息处理费通知: the reply clock stands still until the fee is paid (or waived)."""
    actor = check(request, Step.notify_fee, actors, on, today)
    if fee.yuan <= 0:
        raise Refused(f"no fee is due ({fee.band}): a fee notice asks for an amount")
    if request.fee_yuan is not None:
        raise Conflict(f"request {request.request_id} was already given a fee notice ({request.fee_yuan}元)")
    if pay_within < 1:
        raise Refused(f"pay_within {pay_within}: the applicant is given at least one working day to pay")
    pay_by = cal.add_working_days(on, pay_within)
    return _done(request, RULES[Step.notify_fee], on, person, actor, f"{fee.yuan}元（{fee.band}），{pay_by}前缴纳",
                 state=State.awaiting_fee, fee_yuan=fee.yuan, fee_band=fee.band, pay_by=pay_by)


def record_payment(request: Request, on: date, note: str | None, *, person: str, actors: frozenset[Actor],
                   today: date) -> Request:
    actor = check(request, Step.record_payment, actors, on, today)
    assert request.pay_by is not None
    if on > request.pay_by:
        raise Conflict(f"the fee was to be paid by {request.pay_by}; a payment on {on} is late: close the request "
                       "as given up (close_unpaid) or waive the fee")
    return _done(request, RULES[Step.record_payment], on, person, actor, note or f"已缴纳{request.fee_yuan}元",
                 state=State.examining)


def waive_fee(request: Request, reason: str, on: date, *, person: str, actors: frozenset[Actor], today: date
              ) -> Request:
    actor = check(request, Step.waive_fee, actors, on, today)
    if not reason.strip():
        raise Refused("reason: a fee is waived (减免) for a reason, recorded with it")
    return _done(request, RULES[Step.waive_fee], on, person, actor, reason.strip(), state=State.examining)


def close_unpaid(request: Request, on: date, *, person: str, actors: frozenset[Actor], today: date) -> Request:
    actor = check(request, Step.close_unpaid, actors, on, today)
    assert request.pay_by is not None
    if on <= request.pay_by:
        raise Conflict(f"the applicant has until {request.pay_by} to pay the fee; it is {on}")
    return _done(request, RULES[Step.close_unpaid], on, person, actor, f"缴费期限 {request.pay_by} 已过",
                 state=State.withdrawn, answered_on=on, outcome=RequestOutcome.other_no_fee)


def _on(request: Request, step: Step) -> date | None:
    return next((d.on for d in reversed(request.history) if d.step is step), None)


# ---- tracking secrets --------------------------------------------------------------------------------


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def reply_due(request: Request, due_on: date, as_of: str) -> Request | None:
    """Notification's due date for the reply; None when an announcement as new or newer was taken already."""
    if request.due_as_of is not None and as_of <= request.due_as_of:
        return None
    return replace(request, due_on=due_on, due_as_of=as_of)
