"""Requests for disclosure (依申请公开): the outcomes and applicant kinds of the national annual-report format
(国办公开办函〔2021〕30号, table 三), shared by the service that tracks request clocks and by audit's statistics.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from ._base import Day, Line, Payload, Text


class ApplicantKind(StrEnum):
    natural_person = "natural-person"          # 自然人
    commercial = "commercial"                  # 法人或其他组织：商业企业
    research = "research"                      # 科研机构
    social_welfare = "social-welfare"          # 社会公益组织
    legal_service = "legal-service"            # 法律服务机构
    other = "other"                            # 其他


class RequestOutcome(StrEnum):
    """办理结果, in the order of the national table."""

    granted = "granted"                                  # （一）予以公开
    partly_granted = "partly-granted"                    # （二）部分公开
    withheld_state_secret = "withheld-state-secret"      # （三）不予公开 1.属于国家秘密
    withheld_other_law = "withheld-other-law"            # 2.其他法律行政法规禁止公开
    withheld_security = "withheld-security"              # 3.危及“三安全一稳定”
    withheld_third_party = "withheld-third-party"        # 4.保护第三方合法权益
    withheld_internal = "withheld-internal"              # 5.属于三类内部事务信息
    withheld_process = "withheld-process"                # 6.属于四类过程性信息
    withheld_enforcement_file = "withheld-enforcement-file"  # 7.属于行政执法案卷
    withheld_query = "withheld-query"                    # 8.属于行政查询事项
    unavailable_not_held = "unavailable-not-held"        # （四）无法提供 1.本机关不掌握相关政府信息
    unavailable_needs_making = "unavailable-needs-making"  # 2.没有现成信息需要另行制作
    unavailable_unclear = "unavailable-unclear"          # 3.补正后申请内容仍不明确
    not_processed_petition = "not-processed-petition"    # （五）不予处理 1.信访举报投诉类申请
    not_processed_repeat = "not-processed-repeat"        # 2.重复申请
    not_processed_publication = "not-processed-publication"  # 3.要求提供公开出版物
    not_processed_excessive = "not-processed-excessive"  # 4.无正当理由大量反复申请
    not_processed_confirm = "not-processed-confirm"      # 5.要求行政机关确认或重新出具已获取信息
    other_no_correction = "other-no-correction"          # （六）其他处理 1.申请人逾期不补正
    other_no_fee = "other-no-fee"                        # 2.申请人逾期未缴纳费用
    other = "other"                                      # 3.其他


# ---- events (gongkai.events, routing key request.*) -------------------------------------------
# Emitted by the service that keeps the request clocks; counted by audit for table 三.

REQUEST_RECEIVED = "gongkai.request.received.v1"
REQUEST_CORRECTION_ASKED = "gongkai.request.correction_asked.v1"
REQUEST_CORRECTION_RECEIVED = "gongkai.request.correction_received.v1"
REQUEST_THIRD_PARTY_CONSULTED = "gongkai.request.third_party_consulted.v1"
REQUEST_THIRD_PARTY_REPLIED = "gongkai.request.third_party_replied.v1"
REQUEST_EXTENDED = "gongkai.request.extended.v1"
REQUEST_ANSWERED = "gongkai.request.answered.v1"


class RequestReceived(Payload):
    request_id: Line
    unit: Line | None = None
    applicant_kind: ApplicantKind
    received_on: Day
    subject: Text = Field(max_length=500)


class RequestStep(Payload):
    """A step on a request's clocks: correction asked or received, third party consulted or replied."""

    request_id: Line
    unit: Line | None = None
    on: Day
    note: Text | None = None


class RequestExtended(Payload):
    request_id: Line
    unit: Line | None = None
    working_days: int = Field(ge=1, le=20)
    approved_by: Line
    reason: Text


class RequestAnswered(Payload):
    request_id: Line
    unit: Line | None = None
    applicant_kind: ApplicantKind
    outcome: RequestOutcome
    answered_on: Day
    late: bool = False


# ---- commands (gongkai.intake, routing key request.*): staff record each step of a request ----------
# Handled by notification, which keeps the request clocks and emits the events above.

REGISTER_REQUEST = "gongkai.request.register.v1"
ASK_REQUEST_CORRECTION = "gongkai.request.ask_correction.v1"
RECORD_REQUEST_CORRECTION = "gongkai.request.record_correction.v1"
CONSULT_THIRD_PARTY = "gongkai.request.consult_third_party.v1"
RECORD_THIRD_PARTY_REPLY = "gongkai.request.record_third_party_reply.v1"
EXTEND_REQUEST = "gongkai.request.extend.v1"
ANSWER_REQUEST = "gongkai.request.answer.v1"


class RegisterRequest(Payload):
    request_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")
    unit: Line | None = Field(None, max_length=128, description="the unit that answers it")
    applicant_kind: ApplicantKind
    received_on: Day
    subject: Text = Field(min_length=1, max_length=500)
    checked_complete: bool = Field(False, description="found complete and clear: no correction clock opens")


class RecordRequestStep(Payload):
    """Correction asked or received, third party consulted or replied, on a date."""

    request_id: Line = Field(min_length=1, max_length=64)
    on: Day
    note: Text | None = Field(None, max_length=2000)


class ExtendRequest(Payload):
    request_id: Line = Field(min_length=1, max_length=64)
    working_days: int = Field(ge=1, le=20)
    approved_by: Line = Field(min_length=1, max_length=128, description="who approved the extension (负责人)")
    reason: Text = Field(min_length=1, max_length=2000)


class AnswerRequest(Payload):
    request_id: Line = Field(min_length=1, max_length=64)
    outcome: RequestOutcome
    answered_on: Day
