"""The requests service's handlers on an in-memory unit of work: what each command stores and emits.

No broker and no database: the handlers see the fake through ``store.RequestsWork``.
``tests/test_requests_end_to_end.py`` runs the same path through the real broker and database
with review and notification.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from gongkai.requests.domain import Request, State, secret_hash
from gongkai.requests.handlers import APPLICANT, Requests
from gongkai.requests.letters import Letter, LetterKind
from gongkai.requests.repository import identity_key
from gongkai.shared import contracts as c
from gongkai.shared import decisions
from gongkai.shared.calendar import shipped_calendar
from gongkai.shared.decisions import KeyRing
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.errors import Conflict, Refused
from gongkai.shared.fakes import FakeUnitOfWork
from gongkai.shared.identity import Principal, Role
from gongkai.shared.keys import Signer
from gongkai.shared.origin import Origin

SIGNER = Signer.generate("review-test")
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # noon in Shanghai, a Tuesday
CLERK = Principal(id="li.na", name="李娜", unit="办公室", roles=frozenset({Role.submitter}))
HEAD = Principal(id="sun.qiang", name="孙强", unit="办公室", roles=frozenset({Role.publisher}))
LETTER = {"applicant": {"kind": "natural-person", "name": "张三", "id_kind": "身份证",
                        "id_number": "110105194912310021"},
          "contact": {"phone": "010-12345678", "address": "北京市朝阳区某路1号"},
          "description": "请公开2026年城区公交线路调整的论证材料", "delivery": "paper",
          "channel": "registered-post", "signed_on": "2026-11-30"}


class InMemoryRequests:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[Request, str, dict[str, Any]]] = {}
        self.letters: list[Letter] = []

    async def add(self, request: Request, secret_sha256: str, applicant: dict[str, Any]) -> bool:
        if request.request_id in self.rows:
            return False
        self.rows[request.request_id] = (request, secret_sha256, applicant)
        return True

    async def get(self, request_id: str, *, for_update: bool = False) -> Request | None:
        found = self.rows.get(request_id)
        return found[0] if found else None

    async def save(self, request: Request) -> None:
        _, secret, applicant = self.rows[request.request_id]
        self.rows[request.request_id] = (request, secret, applicant)

    async def secret_of(self, request_id: str) -> str | None:
        found = self.rows.get(request_id)
        return found[1] if found else None

    async def applicant_of(self, request_id: str) -> dict[str, Any] | None:
        found = self.rows.get(request_id)
        return found[2] if found else None

    async def nth_this_month(self, request_id: str) -> int:
        request, _, applicant = self.rows[request_id]
        order = list(self.rows)  # insertion order stands for the order received on the same day
        return sum(1 for other, _, theirs in self.rows.values()
                   if identity_key(theirs) == identity_key(applicant)
                   and (other.received_on.year, other.received_on.month)
                   == (request.received_on.year, request.received_on.month)
                   and (other.received_on, order.index(other.request_id))
                   <= (request.received_on, order.index(request_id)))

    async def add_letter(self, letter: Letter) -> None:
        self.letters.append(letter)

    async def letters_of(self, request_id: str) -> list[Letter]:
        return [x for x in self.letters if x.request_id == request_id]


class FakeRequestsWork(FakeUnitOfWork):
    def __init__(self, requests: InMemoryRequests) -> None:
        super().__init__()
        self.requests = requests


@pytest.fixture
def store() -> InMemoryRequests:
    return InMemoryRequests()


@pytest.fixture
def handlers() -> Requests:
    return Requests(Origin.of("requests"), shipped_calendar(), KeyRing([SIGNER.verifier]), now=lambda: NOW)


def command(kind: str, data: dict[str, Any], principal: Principal) -> tuple[Any, Envelope]:
    envelope = new_event(kind, data, source="/test", actor=principal.id)
    model = {c.RECEIVE_REQUEST: c.ReceiveRequest, c.SUBMIT_ONLINE_REQUEST: c.SubmitOnlineRequest,
             c.ASSIGN_REQUEST: c.AssignRequest, c.DRAFT_REPLY: c.DraftReply, c.SEND_REPLY: c.SendReply,
             c.EXTEND_REPLY: c.ExtendReply, c.NOTIFY_FEE: c.NotifyFee, c.RECORD_FEE_PAYMENT: c.RecordFeePayment,
             c.WAIVE_FEE: c.WaiveFee, c.CLOSE_UNPAID: c.CloseUnpaid}[kind]
    return model.model_validate(data), envelope


async def run(handlers: Requests, store: InMemoryRequests, name: str, kind: str, data: dict[str, Any],
              principal: Principal = CLERK) -> tuple[dict[str, Any], FakeRequestsWork]:
    payload, envelope = command(kind, data, principal)
    uow = FakeRequestsWork(store)
    return await getattr(handlers, name)(payload, envelope, principal, uow), uow


async def to_review(handlers: Requests, store: InMemoryRequests) -> tuple[str, FakeRequestsWork]:
    answer, _ = await run(handlers, store, "receive", c.RECEIVE_REQUEST, LETTER)
    rid = answer["request_id"]
    await run(handlers, store, "assign", c.ASSIGN_REQUEST, {"request_id": rid, "unit": "运输管理科",
                                                             "on": "2026-11-30"}, HEAD)
    _, uow = await run(handlers, store, "draft_reply", c.DRAFT_REPLY, {
        "request_id": rid, "outcome": "granted", "text": "现将您申请的信息提供如下。", "disclosed": "论证报告全文"})
    return rid, uow


def decision(rid: str, version: int, content_hash: str, signer: Signer = SIGNER) -> tuple[c.ReviewDecided, Envelope]:
    data = c.ReviewDecided(case_id="case-1", item_id=c.reply_item_id(rid), version=version, content_hash=content_hash,
                           reviewer="zhao.lei", reviewers=["zhao.lei"], decided_at=NOW)
    signed = decisions.sign(c.REVIEW_APPROVED, data, signer)
    assert isinstance(signed, c.ReviewDecided)
    return signed, new_event(c.REVIEW_APPROVED, signed, source="/gongkai/review", actor="zhao.lei")


async def test_a_letter_is_received_on_the_day_signed_for_and_acknowledged_with_a_secret(handlers, store):
    answer, uow = await run(handlers, store, "receive", c.RECEIVE_REQUEST, LETTER)
    assert answer["received_on"] == "2026-11-30" and answer["tracking_number"].startswith("YSQ-20261130-")
    assert "登记号" in answer["acknowledgement"]
    [issued] = uow.of_type(c.REQUESTS_LETTER_ISSUED)
    [receipt] = store.letters
    assert (receipt.kind, receipt.letter_id, issued.data["sha256"]) == (
        LetterKind.receipt, answer["letter_id"], receipt.sha256)
    assert "张三" in receipt.html and "2026年11月30日" in receipt.html and "邮寄（挂号信）" in receipt.html
    [received] = uow.of_type(c.REQUESTS_RECEIVED)
    assert received.data["received_on"] == "2026-11-30" and received.data["channel"] == "registered-post"
    _, stored, applicant = store.rows[answer["request_id"]]
    assert stored == secret_hash(answer["secret"]) and answer["secret"] not in str(applicant)


async def test_the_portal_form_is_received_today_and_its_honeypot_refuses(handlers, store):
    form = {k: v for k, v in LETTER.items() if k not in ("channel", "signed_on")}
    answer, uow = await run(handlers, store, "submit_online", c.SUBMIT_ONLINE_REQUEST, form, APPLICANT)
    assert answer["received_on"] == "2026-12-01" and uow.types() == [c.REQUESTS_RECEIVED,
                                                                                   c.REQUESTS_LETTER_ISSUED]
    with pytest.raises(Refused):
        await run(handlers, store, "submit_online", c.SUBMIT_ONLINE_REQUEST, {**form, "website": "x"}, APPLICANT)
    assert len(store.rows) == 1


async def test_staff_may_not_use_the_online_channel(handlers, store):
    with pytest.raises(Refused, match="portal"):
        await run(handlers, store, "submit_online", c.SUBMIT_ONLINE_REQUEST,
                  {k: v for k, v in LETTER.items() if k not in ("channel", "signed_on")}, CLERK)


async def test_a_disclosing_draft_goes_to_review_bound_to_its_hash(handlers, store):
    rid, uow = await to_review(handlers, store)
    [submitted] = uow.of_type(c.REQUESTS_REPLY_SUBMITTED)
    body = c.DisclosureSubmitted.model_validate(submitted.data)
    assert body.item_id == c.reply_item_id(rid) and body.version == 1 and body.authors == ["li.na"]
    assert body.content_hash == c.content_hash(body.title, body.body, body.category, body.audience, body.channels)
    assert body.deadline_rule is None and "论证报告全文" in body.body


async def test_a_reply_is_refused_before_approval_and_nothing_is_emitted(handlers, store):
    rid, _ = await to_review(handlers, store)
    with pytest.raises(Conflict, match="before its approval"):
        await run(handlers, store, "send_reply", c.SEND_REPLY, {"request_id": rid, "answered_on": "2026-12-01"})
    assert store.rows[rid][0].state is State.reply_in_review


async def test_an_approval_of_the_draft_makes_it_sendable_once_with_its_hash(handlers, store):
    rid, uow = await to_review(handlers, store)
    content_hash = uow.of_type(c.REQUESTS_REPLY_SUBMITTED)[0].data["content_hash"]
    data, event = decision(rid, 1, content_hash)
    review_uow = FakeRequestsWork(store)
    await handlers.on_review_decided(data, event, review_uow)
    assert review_uow.types() == [c.REQUESTS_REPLY_REVIEWED] and store.rows[rid][0].state is State.reply_ready
    answer, sent = await run(handlers, store, "send_reply", c.SEND_REPLY,
                             {"request_id": rid, "answered_on": "2026-12-01", "content_hash": content_hash})
    assert answer["state"] == "answered"
    [answered] = sent.of_type(c.REQUESTS_ANSWERED)
    assert answered.data["outcome"] == "granted" and answered.data["content_hash"] == content_hash
    reply = store.letters[-1]
    assert reply.kind is LetterKind.reply and answer["letter_id"] == reply.letter_id
    assert "予以公开" in reply.html and "论证报告全文" in reply.html and "行政复议" in reply.html


async def test_a_forged_or_mismatched_approval_changes_nothing(handlers, store):
    rid, uow = await to_review(handlers, store)
    content_hash = uow.of_type(c.REQUESTS_REPLY_SUBMITTED)[0].data["content_hash"]
    for data, event in (decision(rid, 1, content_hash, Signer.generate("forger")),
                        decision(rid, 1, "sha256:" + "0" * 64), decision(rid, 2, content_hash)):
        review_uow = FakeRequestsWork(store)
        await handlers.on_review_decided(data, event, review_uow)
        assert review_uow.emitted == []
    assert store.rows[rid][0].state is State.reply_in_review


async def test_a_decision_on_a_disclosure_item_is_not_the_requests_services(handlers, store):
    data, event = decision("x", 1, "sha256:" + "0" * 64)
    data = data.model_copy(update={"item_id": "item-1"})
    uow = FakeRequestsWork(store)
    await handlers.on_review_decided(data, event, uow)
    assert uow.emitted == []


async def test_an_extension_names_the_office_head_who_approved_it(handlers, store):
    answer, _ = await run(handlers, store, "receive", c.RECEIVE_REQUEST, LETTER)
    rid = answer["request_id"]
    with pytest.raises(Refused, match="office-head"):
        await run(handlers, store, "extend", c.EXTEND_REPLY,
                  {"request_id": rid, "working_days": 10, "reason": "需调取档案", "on": "2026-12-01"}, CLERK)
    _, uow = await run(handlers, store, "extend", c.EXTEND_REPLY,
                       {"request_id": rid, "working_days": 10, "reason": "需调取档案", "on": "2026-12-01"}, HEAD)
    [extended] = uow.of_type(c.REQUESTS_EXTENDED)
    assert store.letters[-1].kind is LetterKind.extension and "10个工作日" in store.letters[-1].html
    assert extended.data["approved_by"] == "sun.qiang" and extended.data["working_days"] == 10
    with pytest.raises(Conflict, match="once"):
        await run(handlers, store, "extend", c.EXTEND_REPLY,
                  {"request_id": rid, "working_days": 5, "reason": "再延", "on": "2026-12-01"}, HEAD)


def test_the_fixed_clock_is_a_working_day():
    assert shipped_calendar().is_working_day(date(2026, 12, 1))


async def test_a_redaction_request_sends_the_redacted_draft_to_review_as_the_cases_redaction(handlers, store):
    rid, uow = await to_review(handlers, store)
    submitted = uow.of_type(c.REQUESTS_REPLY_SUBMITTED)[0].data
    start = submitted["body"].index("论证报告全文")
    data = c.RedactionRequested(case_id="case-1", item_id=c.reply_item_id(rid), version=1,
                                content_hash=submitted["content_hash"], reviewer="zhao.lei", decided_at=NOW,
                                spans=[c.Span(field="body", start=start, end=start + 2)], reason="涉及个人信息")
    signed = decisions.sign(c.REVIEW_REDACTION_REQUESTED, data, SIGNER)
    event = new_event(c.REVIEW_REDACTION_REQUESTED, signed, source="/gongkai/review", actor="zhao.lei")
    review_uow = FakeRequestsWork(store)
    await handlers.on_review_decided(signed, event, review_uow)
    assert review_uow.types() == [c.REQUESTS_REPLY_REVIEWED, c.REQUESTS_REPLY_SUBMITTED]
    again = c.DisclosureSubmitted.model_validate(review_uow.of_type(c.REQUESTS_REPLY_SUBMITTED)[0].data)
    assert (again.version, again.redaction_of_case) == (2, "case-1") and "×××报告全文" in again.body
    assert again.content_hash != submitted["content_hash"] and store.rows[rid][0].state is State.reply_in_review



async def test_a_fee_notice_sends_the_letter_and_pauses_until_paid(handlers, store):
    answer, _ = await run(handlers, store, "receive", c.RECEIVE_REQUEST, LETTER)
    rid = answer["request_id"]
    await run(handlers, store, "assign", c.ASSIGN_REQUEST, {"request_id": rid, "unit": "运输管理科",
                                                             "on": "2026-11-30"}, HEAD)
    notice = {"request_id": rid, "on": "2026-12-01", "nth": 31}
    with pytest.raises(Refused, match="office"):
        await run(handlers, store, "notify_fee", c.NOTIFY_FEE, notice, CLERK)
    answer, uow = await run(handlers, store, "notify_fee", c.NOTIFY_FEE, notice, HEAD)
    assert (answer["state"], answer["fee_yuan"]) == ("awaiting-fee", 200)
    [fact] = uow.of_type(c.REQUESTS_FEE_NOTIFIED)
    assert fact.data["on"] == "2026-12-01" and "200元" in fact.data["note"] and fact.data["fee_yuan"] == 200
    letter = store.letters[-1]
    assert letter.kind is LetterKind.fee and "200元" in letter.html and "国办函〔2020〕109号" in letter.html
    pay_by = date.fromisoformat(answer["pay_by"])
    assert pay_by == shipped_calendar().add_working_days(date(2026, 12, 1), 20)
    assert f"{pay_by.year}年{pay_by.month}月{pay_by.day}日前缴纳" in letter.html
    with pytest.raises(Conflict, match="awaiting payment"):
        await run(handlers, store, "draft_reply", c.DRAFT_REPLY, {
            "request_id": rid, "outcome": "unavailable-not-held", "text": "本机关不掌握。"})
    answer, uow = await run(handlers, store, "record_fee_payment", c.RECORD_FEE_PAYMENT,
                            {"request_id": rid, "on": "2026-12-01", "note": "收据 0001"}, HEAD)
    assert answer["state"] == "examining"
    [settled] = uow.of_type(c.REQUESTS_FEE_SETTLED)
    assert settled.data["note"] == "收据 0001" and settled.data["fee_yuan"] == 200  # what the annual report's 六 sums


async def test_without_nth_the_fee_counts_the_applicants_requests_of_that_month(handlers, store):
    same = {**LETTER, "applicant": {**LETTER["applicant"], "id_number": " 110105194912310021 ".lower()}}
    other = {**LETTER, "applicant": {**LETTER["applicant"], "id_number": "310101198001010011"}}
    last_month = {**LETTER, "signed_on": "2026-10-30"}
    await run(handlers, store, "receive", c.RECEIVE_REQUEST, last_month)
    ids = []
    for n in range(11):
        await run(handlers, store, "receive", c.RECEIVE_REQUEST, other)
        answer, _ = await run(handlers, store, "receive", c.RECEIVE_REQUEST, same if n % 2 else LETTER)
        ids.append(answer["request_id"])
    for rid in (ids[0], ids[10]):
        await run(handlers, store, "assign", c.ASSIGN_REQUEST, {"request_id": rid, "unit": "运输管理科",
                                                                 "on": "2026-11-30"}, HEAD)
    with pytest.raises(Refused, match="no fee is due"):
        await run(handlers, store, "notify_fee", c.NOTIFY_FEE, {"request_id": ids[0], "on": "2026-12-01"}, HEAD)
    answer, _ = await run(handlers, store, "notify_fee", c.NOTIFY_FEE, {"request_id": ids[10], "on": "2026-12-01"},
                          HEAD)
    assert (answer["fee_yuan"], answer["band"].startswith("当月第11件")) == (100, True)


async def test_a_waiver_needs_the_office_head_and_a_closing_unpaid_waits_for_the_day_to_pay_by(handlers, store):
    answer, _ = await run(handlers, store, "receive", c.RECEIVE_REQUEST, LETTER)
    rid = answer["request_id"]
    await run(handlers, store, "assign", c.ASSIGN_REQUEST, {"request_id": rid, "unit": "运输管理科",
                                                             "on": "2026-11-30"}, HEAD)
    await run(handlers, store, "notify_fee", c.NOTIFY_FEE, {"request_id": rid, "on": "2026-12-01", "nth": 12}, HEAD)
    with pytest.raises(Conflict, match="until"):
        await run(handlers, store, "close_unpaid", c.CLOSE_UNPAID, {"request_id": rid, "on": "2026-12-01"}, HEAD)
    waiver = {"request_id": rid, "on": "2026-12-01", "reason": "申请人为低保户"}
    with pytest.raises(Refused, match="office-head"):
        await run(handlers, store, "waive_fee", c.WAIVE_FEE, waiver, CLERK)
    answer, uow = await run(handlers, store, "waive_fee", c.WAIVE_FEE, waiver, HEAD)
    assert answer["state"] == "examining"
    [settled] = uow.of_type(c.REQUESTS_FEE_SETTLED)
    assert settled.data["note"] == "减免：申请人为低保户" and settled.data["fee_yuan"] == 0
