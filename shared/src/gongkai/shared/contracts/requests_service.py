"""The requests service's messages: an applicant's request for disclosure (依申请公开) from receipt to reply.

Commands (``gongkai.intake``, routing key ``requests.*``) are the staff's steps; the facts (``gongkai.events``,
``requests.*``) say what happened to a request. Notification turns the facts into the request clocks (it
consumes ``requests.#``), review screens a reply that discloses information (``requests.reply_submitted``,
the same payload as ``disclosure.submitted``), and audit records everything.

A reply's review case is about the item ``reply:<request_id>``, version = the draft's number, so that a
decision is bound to the hash of exactly the reply text it approved.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from ._base import Day, Int32, ItemId, Line, Payload, Text
from .requests import ApplicantKind, RequestOutcome

REPLY_ITEM_PREFIX = "reply:"
REPLY_CATEGORY = "request-reply"  # the review category of a reply: never auto-approved by the default policy
MAX_DESCRIPTION = 4_000            # the information described, as the portal form takes it
MAX_REPLY = 20_000


def reply_item_id(request_id: str) -> str:
    """The review item a reply to ``request_id`` is screened as."""
    return f"{REPLY_ITEM_PREFIX}{request_id}"


def is_reply_item(item_id: str) -> bool:
    return item_id.startswith(REPLY_ITEM_PREFIX)


class ReceiptChannel(StrEnum):
    """How a request came in (条例第二十九条): the date of receipt follows from it (第三十一条)."""

    online = "online"                    # 互联网渠道（门户网站申请表）
    in_person = "in-person"              # 当面提交
    registered_post = "registered-post"  # 邮寄（需签收：挂号信、EMS）
    ordinary_post = "ordinary-post"      # 平常信函（无需签收）
    fax = "fax"                          # 传真
    email = "email"                      # 电子邮件


class DeliveryForm(StrEnum):
    """The form in which the applicant wants the information (条例第四十条)."""

    paper = "paper"            # 纸质
    electronic = "electronic"  # 电子文档
    inspection = "inspection"  # 当场查阅
    other = "other"


class ApplicantIdentity(Payload):
    kind: ApplicantKind
    name: Line = Field(min_length=1, max_length=128, description="the person's or organisation's name")
    id_kind: Line = Field(min_length=1, max_length=32, description="身份证, 护照, 统一社会信用代码 …")
    id_number: Line = Field(min_length=1, max_length=64)
    representative: Line | None = Field(None, max_length=128, description="an organisation's legal representative")
    contact_person: Line | None = Field(None, max_length=128)


class Contact(Payload):
    phone: Line | None = Field(None, max_length=32)
    email: Line | None = Field(None, max_length=254)
    address: Line | None = Field(None, max_length=300)
    postcode: Line | None = Field(None, max_length=12)


class RequestBody(Payload):
    """What an applicant asks for, however it came in."""

    applicant: ApplicantIdentity
    contact: Contact
    description: Text = Field(min_length=1, max_length=MAX_DESCRIPTION, description="the information described")
    purpose: Text | None = Field(None, max_length=1_000)
    delivery: DeliveryForm = DeliveryForm.paper
    delivery_channel: Line | None = Field(None, max_length=64, description="邮寄, 电子邮件, 自行领取 …")


# ---- commands -------------------------------------------------------------------------------------

RECEIVE_REQUEST = "gongkai.requests.receive.v1"
SUBMIT_ONLINE_REQUEST = "gongkai.requests.submit_online.v1"
ASK_CORRECTION = "gongkai.requests.ask_correction.v1"
RECORD_CORRECTION = "gongkai.requests.record_correction.v1"
CLOSE_UNCORRECTED = "gongkai.requests.close_uncorrected.v1"
ASSIGN_REQUEST = "gongkai.requests.assign.v1"
START_CONSULTATION = "gongkai.requests.consult.v1"
RECORD_CONSULTATION_REPLY = "gongkai.requests.record_consultation_reply.v1"
EXTEND_REPLY = "gongkai.requests.extend.v1"
DRAFT_REPLY = "gongkai.requests.draft_reply.v1"
SEND_REPLY = "gongkai.requests.send_reply.v1"
RECORD_CHALLENGE = "gongkai.requests.record_challenge.v1"
NOTIFY_FEE = "gongkai.requests.notify_fee.v1"
RECORD_FEE_PAYMENT = "gongkai.requests.record_fee_payment.v1"
WAIVE_FEE = "gongkai.requests.waive_fee.v1"
CLOSE_UNPAID = "gongkai.requests.close_unpaid.v1"
MAKE_PUBLIC = "gongkai.requests.make_public.v1"


class ReceiveRequest(RequestBody):
    """Staff entry of a request that came by letter, in person, by fax or e-mail, with the dates its channel needs.

    In person: ``submitted_on``. Registered post: ``signed_on`` (签收之日). Ordinary post, fax and e-mail:
    ``confirmed_on``, the day the applicant confirmed it (确认之日).
    """

    channel: ReceiptChannel
    submitted_on: Day | None = None
    signed_on: Day | None = None
    confirmed_on: Day | None = None


class SubmitOnlineRequest(RequestBody):
    """The portal's form: received (confirmed) the day it is acknowledged."""

    website: Line | None = Field(None, max_length=200, description="leave empty (a field people do not see)")


class AskCorrectionBody(Payload):
    items: list[Text] = Field(min_length=1, max_length=20, description="everything to fix, in one notice")
    on: Day
    correct_within: int = Field(15, ge=1, le=30, description="working days the applicant has to correct it")


class AskCorrection(AskCorrectionBody):
    request_id: Line = Field(min_length=1, max_length=64)


class RecordCorrectionBody(Payload):
    on: Day
    description: Text | None = Field(None, max_length=MAX_DESCRIPTION, description="the corrected description")


class RecordCorrection(RecordCorrectionBody):
    request_id: Line = Field(min_length=1, max_length=64)


class CloseUncorrectedBody(Payload):
    on: Day


class CloseUncorrected(CloseUncorrectedBody):
    request_id: Line = Field(min_length=1, max_length=64)


class NotifyFeeBody(Payload):
    """收取信息处理费通知: the fee follows from the bands in the service's fees.toml (国办函〔2020〕109号)."""

    on: Day
    nth: int | None = Field(None, ge=1, le=10_000, description="the applicant's request number this calendar month "
                            "(按件); unset, the service counts the requests of the same identity received in the "
                            "month of this one, in the order they were received")
    pages: int = Field(0, ge=0, le=1_000_000, description="pages of the information (按量)")
    minutes: int = Field(0, ge=0, le=100_000, description="minutes of audio or video (按量)")
    megabytes: int = Field(0, ge=0, le=1_000_000, description="megabytes of electronic data (按量)")


class NotifyFee(NotifyFeeBody):
    request_id: Line = Field(min_length=1, max_length=64)


class RecordFeePaymentBody(Payload):
    on: Day
    note: Text | None = Field(None, max_length=2_000, description="the receipt's number, …")


class RecordFeePayment(RecordFeePaymentBody):
    request_id: Line = Field(min_length=1, max_length=64)


class WaiveFeeBody(Payload):
    on: Day
    reason: Text = Field(min_length=1, max_length=2_000, description="why the fee is waived (减免)")


class WaiveFee(WaiveFeeBody):
    request_id: Line = Field(min_length=1, max_length=64)


class CloseUnpaidBody(Payload):
    on: Day


class CloseUnpaid(CloseUnpaidBody):
    request_id: Line = Field(min_length=1, max_length=64)


class MakePublicBody(Payload):
    """依申请公开转主动公开 (条例第四十四条): the disclosure item the answer was made into, for everyone."""

    item_id: ItemId
    on: Day


class MakePublic(MakePublicBody):
    request_id: Line = Field(min_length=1, max_length=64)


class AssignRequestBody(Payload):
    unit: Line = Field(min_length=1, max_length=128)
    on: Day


class AssignRequest(AssignRequestBody):
    request_id: Line = Field(min_length=1, max_length=64)


class ConsultedParty(StrEnum):
    third_party = "third-party"  # 第三方（条例第三十二条）
    agency = "agency"            # 其他行政机关（条例第三十三条第二款）


class StartConsultationBody(Payload):
    party: ConsultedParty
    whom: Line = Field(min_length=1, max_length=200)
    on: Day


class StartConsultation(StartConsultationBody):
    request_id: Line = Field(min_length=1, max_length=64)


class RecordConsultationReplyBody(Payload):
    on: Day
    agrees: bool | None = Field(None, description="whether the party agrees to the disclosure")
    note: Text | None = Field(None, max_length=2_000)


class RecordConsultationReply(RecordConsultationReplyBody):
    request_id: Line = Field(min_length=1, max_length=64)


class ExtendReplyBody(Payload):
    working_days: Int32 = Field(description="1 to 20 (条例第三十三条)")
    reason: Text = Field(min_length=1, max_length=2_000)
    on: Day


class ExtendReply(ExtendReplyBody):
    request_id: Line = Field(min_length=1, max_length=64)


class DraftReplyBody(Payload):
    outcome: RequestOutcome
    text: Text = Field(min_length=1, max_length=MAX_REPLY, description="the 答复告知书's text")
    disclosed: Text | None = Field(None, max_length=MAX_REPLY,
                                   description="with 予以公开 / 部分公开: the information given to the applicant")


class DraftReply(DraftReplyBody):
    request_id: Line = Field(min_length=1, max_length=64)


class SendReplyBody(Payload):
    answered_on: Day
    content_hash: Line | None = Field(None, max_length=80, description="the approved reply's hash")


class SendReply(SendReplyBody):
    request_id: Line = Field(min_length=1, max_length=64)


class ChallengeKind(StrEnum):
    reconsideration = "reconsideration"  # 行政复议
    litigation = "litigation"            # 行政诉讼


class ChallengeResult(StrEnum):
    """The national report's table 四 columns."""

    upheld = "upheld"        # 结果维持
    corrected = "corrected"  # 结果纠正
    other = "other"          # 其他结果
    pending = "pending"      # 尚未审结


class RecordChallengeBody(Payload):
    kind: ChallengeKind
    result: ChallengeResult
    on: Day
    note: Text | None = Field(None, max_length=2_000)


class RecordChallenge(RecordChallengeBody):
    request_id: Line = Field(min_length=1, max_length=64)


# ---- facts -------------------------------------------------------------------------------------------

REQUESTS_RECEIVED = "gongkai.requests.received.v1"
REQUESTS_CORRECTION_ASKED = "gongkai.requests.correction_asked.v1"
REQUESTS_CORRECTED = "gongkai.requests.corrected.v1"
REQUESTS_WITHDRAWN = "gongkai.requests.withdrawn.v1"
REQUESTS_ASSIGNED = "gongkai.requests.assigned.v1"
REQUESTS_CONSULTATION_STARTED = "gongkai.requests.consultation_started.v1"
REQUESTS_CONSULTATION_REPLIED = "gongkai.requests.consultation_replied.v1"
REQUESTS_EXTENDED = "gongkai.requests.extended.v1"
REQUESTS_REPLY_DRAFTED = "gongkai.requests.reply_drafted.v1"
REQUESTS_REPLY_SUBMITTED = "gongkai.requests.reply_submitted.v1"
REQUESTS_REPLY_REVIEWED = "gongkai.requests.reply_reviewed.v1"
REQUESTS_ANSWERED = "gongkai.requests.answered.v1"
REQUESTS_LETTER_ISSUED = "gongkai.requests.letter_issued.v1"
REQUESTS_CHALLENGE_RECORDED = "gongkai.requests.challenge_recorded.v1"
REQUESTS_FEE_NOTIFIED = "gongkai.requests.fee_notified.v1"
REQUESTS_FEE_SETTLED = "gongkai.requests.fee_settled.v1"
REQUESTS_MADE_PUBLIC = "gongkai.requests.made_public.v1"


class RequestsReceived(Payload):
    """A request was received and acknowledged; its reply clock starts from ``received_on``."""

    request_id: Line
    channel: ReceiptChannel
    applicant_kind: ApplicantKind
    received_on: Day
    subject: Text = Field(max_length=500)
    unit: Line | None = None


class RequestsStep(Payload):
    """A step that moves a request's clocks: correction asked or made, consultation started or answered."""

    request_id: Line
    on: Day
    unit: Line | None = None
    note: Text | None = Field(None, max_length=2_000)
    items: list[Text] = Field(default_factory=list, max_length=20)
    correct_by: Day | None = None
    party: ConsultedParty | None = None
    fee_yuan: int | None = Field(None, ge=0, le=100_000_000, description="fee_notified: the information processing "
                                 "fee asked for; fee_settled: what was paid (0 when waived), in yuan")


class RequestsExtended(Payload):
    request_id: Line
    working_days: int = Field(ge=1, le=20)
    approved_by: Line
    reason: Text
    unit: Line | None = None


class RequestsReplyReviewed(Payload):
    """Review's outcome for a reply draft, as the requests service accepted it."""

    request_id: Line
    draft: int = Field(ge=1)
    content_hash: Line
    outcome: Line  # approved, rejected, blocked, redaction_requested, withheld, voided
    decided_by: Line | None = None


class RequestsAnswered(Payload):
    """The reply was sent (or the request ended without one: deemed withdrawn), with its national outcome."""

    request_id: Line
    outcome: RequestOutcome
    answered_on: Day
    applicant_kind: ApplicantKind
    unit: Line | None = None
    content_hash: Line | None = None


class RequestsLetterIssued(Payload):
    """A letter was issued (登记回执, 补正告知书 …): the requests service keeps it; the log keeps its hash."""

    request_id: Line
    letter_id: Line
    kind: Line
    name: Line
    issued_on: Day
    sha256: Line = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the letter's HTML as stored")


class RequestsMadePublic(Payload):
    """An answer was made into a disclosure item for everyone (依申请公开转主动公开); review screens it again."""

    request_id: Line
    item_id: ItemId
    on: Day
    unit: Line | None = None


class RequestsChallengeRecorded(Payload):
    """A reconsideration or a lawsuit about a request, and where it stands (table 四)."""

    request_id: Line
    kind: ChallengeKind
    result: ChallengeResult
    on: Day
    applicant_kind: ApplicantKind
    unit: Line | None = None

