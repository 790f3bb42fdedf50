"""What the HTTP API answers: the response models, built from the domain's ``Request``."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from .domain import OUTCOME_NAMES, Request
from .letters import Letter


class Acknowledgement(BaseModel):
    request_id: str
    tracking_number: str
    secret: str
    received_on: date
    state: str
    acknowledgement: str
    letter_id: str = Field(description="the 登记回执's letter")


class StepAnswer(BaseModel):
    request_id: str
    state: str
    correct_by: str | None = None
    extended_days: int | None = None
    draft: int | None = None
    content_hash: str | None = None
    review: str | None = None
    answered_on: str | None = None
    letter_id: str | None = None
    fee_yuan: int | None = None   # a fee notice: the amount, the band that applied and the day to pay by
    band: str | None = None
    pay_by: str | None = None


class LetterView(BaseModel):
    letter_id: str
    kind: str
    name: str
    issued_on: date
    sha256: str


class Step(BaseModel):
    step: str
    on: date
    person: str
    actor: str
    basis: str
    note: str | None = None


class RequestSummary(BaseModel):
    request_id: str
    state: str
    channel: str
    applicant_kind: str
    received_on: date
    unit: str | None
    subject: str
    correct_by: date | None
    extended_days: int | None
    outcome: str | None
    outcome_name: str | None
    answered_on: date | None
    due_on: date | None = None


class ReplyView(BaseModel):
    draft: int
    outcome: str
    outcome_name: str
    text: str
    disclosed: str | None
    content_hash: str
    review: str
    drafted_by: str


class RequestDetail(RequestSummary):
    description: str
    correction_items: list[str]
    consulting: str | None
    extended_by: str | None
    reply: ReplyView | None
    steps: list[Step]
    applicant: dict[str, Any]
    letters: list[LetterView] = []
    challenges: list[list[str]] = Field(default_factory=list, description="[kind, result, on] per 复议 / 诉讼")
    public_item: str | None = Field(None, description="the disclosure item the answer was made into, if it was")


class ApplicantStatus(BaseModel):
    """What the applicant sees: never who handled it, nor a draft that was not sent."""

    tracking_number: str
    state: str
    state_name: str  # the state as the applicant reads it
    received_on: date
    due_on: date | None = None
    correction_items: list[str]
    correct_by: date | None
    extended_days: int | None
    outcome_name: str | None
    answered_on: date | None
    reply: str | None
    steps: list[str]
    letters: list[LetterView]


def summary(r: Request) -> RequestSummary:
    return RequestSummary(
        request_id=r.request_id, state=r.state.value, channel=r.channel.value, applicant_kind=r.applicant_kind.value,
        received_on=r.received_on, unit=r.unit, subject=r.subject, correct_by=r.correct_by,
        extended_days=r.extended_days, outcome=r.outcome.value if r.outcome else None,
        outcome_name=OUTCOME_NAMES[r.outcome] if r.outcome else None, answered_on=r.answered_on,
        due_on=r.due_on if r.state not in ("answered", "withdrawn") else None)


def letter(x: Letter) -> LetterView:
    return LetterView(letter_id=x.letter_id, kind=x.kind.value, name=x.name, issued_on=x.issued_on, sha256=x.sha256)


def detail(r: Request, applicant: dict[str, Any], sent: list[Letter] | None = None) -> RequestDetail:
    reply = None
    if r.reply is not None:
        reply = ReplyView(draft=r.reply.draft, outcome=r.reply.outcome.value,
                          outcome_name=OUTCOME_NAMES[r.reply.outcome], text=r.reply.text,
                          disclosed=r.reply.disclosed, content_hash=r.reply.content_hash, review=r.reply.review,
                          drafted_by=r.reply.drafted_by)
    return RequestDetail(**summary(r).model_dump(), description=r.description,
                         correction_items=list(r.correction_items), consulting=r.consulting,
                         extended_by=r.extended_by, reply=reply,
                         steps=[Step.model_validate(d.to_dict()) for d in r.history], applicant=applicant,
                         letters=[letter(x) for x in sent or []], challenges=[list(x) for x in r.challenges],
                         public_item=r.public_item)


STEP_NAMES = {"receive": "收到申请", "ask_correction": "告知补正", "record_correction": "收到补正",
              "close_uncorrected": "逾期未补正，视为放弃申请", "assign": "承办", "consult": "征求意见",
              "record_consultation_reply": "收到意见", "extend": "延期答复", "draft_reply": "拟写答复",
              "review_decided": "保密审查", "send_reply": "已答复", "notify_fee": "收取信息处理费通知",
              "record_payment": "已缴纳信息处理费", "waive_fee": "减免信息处理费",
              "close_unpaid": "逾期未缴纳信息处理费，视为放弃申请", "make_public": "转为主动公开",
              "record_challenge": "复议诉讼情况"}


# The applicant is told where the request stands, not how the office works inside: the reply's confidentiality
# review is part of 办理中.
APPLICANT_STATES = {"received": "已登记", "correction-asked": "待补正", "withdrawn": "视为撤回申请",
                    "examining": "办理中", "consulting": "征求意见中", "reply-in-review": "办理中",
                    "reply-ready": "办理中", "answered": "已答复",
                    "awaiting-fee": "待缴纳信息处理费"}


def applicant_status(d: RequestDetail) -> ApplicantStatus:
    sent = d.reply if d.state == "answered" and d.reply else None
    return ApplicantStatus(
        tracking_number=d.request_id, state=d.state, state_name=APPLICANT_STATES.get(d.state, "办理中"),
        received_on=d.received_on, due_on=d.due_on,
        correction_items=d.correction_items,
        correct_by=d.correct_by, extended_days=d.extended_days, outcome_name=d.outcome_name,
        answered_on=d.answered_on,
        reply=(sent.text + (f"\n\n{sent.disclosed}" if sent.disclosed else "")) if sent else None,
        steps=[f"{s.on} {STEP_NAMES.get(s.step, s.step)}" for s in d.steps
               if s.step not in ("draft_reply", "review_decided")],
        letters=[x for x in d.letters if x.kind != "consultation"])
