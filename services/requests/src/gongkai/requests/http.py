"""The requests service's HTTP API: staff steps under /requests, the applicant's form and status under /public.

Every route turns its body into the same command an AMQP intake message carries and runs the same handler.
The applicant's status answers only to the tracking number with its secret; anything else is the same 404,
and recorded as ``access.refused``.
"""

# No ``from __future__ import annotations``: the step routes are made in a loop, with their body models as
# real annotations.

import asyncio
import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from gongkai.shared import contracts as c
from gongkai.shared.errors import Hidden, NotFound
from gongkai.shared.http import (
    IdempotencyKey,
    current_principal,
    problems,
    record_public_refusal,
    requires,
    run_command,
    within_form_limits,
)
from gongkai.shared.identity import Principal, Role
from gongkai.shared.ratelimit import contact_key
from pydantic import BaseModel, Field

from . import letters, views
from .domain import secret_hash
from .handlers import APPLICANT, Requests
from .reads import Reads

router = APIRouter(tags=["requests"])
public = APIRouter(tags=["applicants"])

Staff = Annotated[Principal, Depends(requires(Role.submitter, Role.publisher, Role.administrator))]
Readers = Annotated[Principal, Depends(requires(Role.submitter, Role.publisher, Role.administrator, Role.auditor))]
RequestId = Annotated[c.Line, Path(min_length=1, max_length=64, description="the request's tracking number")]
SOURCE = "/gongkai/requests/http"
NOT_FOUND = "no request with this tracking number and secret"
LetterId = Annotated[c.Line, Path(min_length=1, max_length=80, description="the letter's id")]
Format = Annotated[Literal["html", "pdf"], Query(description="html as issued, or its PDF")]


def handlers_of(request: Request) -> Requests:
    handlers: Requests = request.app.state.requests
    return handlers


def reads_of(request: Request) -> Reads:
    reads: Reads = request.app.state.reads
    return reads


Handlers = Annotated[Requests, Depends(handlers_of)]


async def _run(request: Request, kind: str, data: dict[str, Any], principal: Principal,
               handler: Callable[..., Awaitable[dict[str, Any]]], key: str | None, subject: str | None = None
               ) -> dict[str, Any]:
    return await run_command(request, SOURCE, kind, data, principal, handler, key, subject)


@router.post("/requests", status_code=201, response_model=views.Acknowledgement,
             summary="Enter a request received by letter, in person, by fax or e-mail (staff), with the date of "
                     "receipt its channel needs (条例第三十一条); the answer holds the tracking number and secret",
             responses=problems(400, 401, 403, 409, 413, 422))
async def receive(body: c.ReceiveRequest, principal: Staff, request: Request, handlers: Handlers,
                  idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.RECEIVE_REQUEST, body.model_dump(mode="json"), principal, handlers.receive,
                      idempotency_key)


@router.get("/requests", summary="The request queue, oldest receipt first (staff and auditors)",
            responses=problems(401, 403, 422))
async def queue(principal: Readers, reads: Annotated[Reads, Depends(reads_of)],
                state: Literal["received", "correction-asked", "examining", "consulting", "awaiting-fee",
                               "reply-in-review", "reply-ready", "answered", "withdrawn", "open"] = "open",
                limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[views.RequestSummary]:
    return [views.summary(r) for r in await reads.queue(None if state == "open" else state, limit)]


@router.get("/requests/{request_id}", summary="One request with its applicant, steps and reply (staff and auditors)",
            responses=problems(401, 403, 404, 422))
async def one(request_id: RequestId, principal: Annotated[Principal, Depends(current_principal)],
              reads: Annotated[Reads, Depends(reads_of)]) -> views.RequestDetail:
    if not principal.roles & {Role.submitter, Role.publisher, Role.administrator, Role.auditor}:
        raise Hidden(f"no request {request_id}", why=f"{principal.id} is not staff of requests")
    found = await reads.detail(request_id)
    if found is None:
        raise NotFound(f"no request {request_id}")
    return found


@router.get("/requests/{request_id}/letters/{letter_id}", response_class=Response,
            summary="One letter as it was issued: HTML, or PDF with format=pdf (staff and auditors)",
            responses={**problems(401, 403, 404, 422),
                       200: {"content": {"text/html": {}, "application/pdf": {}}, "description": "the letter"}})
async def staff_letter(request_id: RequestId, letter_id: LetterId, principal: Readers,
                       reads: Annotated[Reads, Depends(reads_of)], format: Format = "html") -> Response:
    return await _letter_response(reads, request_id, letter_id, format, f"no letter {letter_id} of {request_id}")


async def _letter_response(reads: Reads, request_id: str, letter_id: str, format: str, missing: str) -> Response:
    found = next((x for x in await reads.letters(request_id) if x.letter_id == letter_id), None)
    if found is None:
        raise NotFound(missing)
    headers = {"X-Content-SHA256": found.sha256}
    if format == "pdf":
        return Response(await asyncio.to_thread(letters.pdf, found.html), media_type="application/pdf",
                        headers={**headers, "Content-Disposition": f'inline; filename="{letter_id}.pdf"'})
    return Response(found.html, media_type="text/html; charset=utf-8", headers=headers)


def _step(path: str, kind: str, body_model: type[BaseModel], name: str, summary: str) -> None:
    async def step(request_id: RequestId, body: body_model, principal: Staff,  # type: ignore[valid-type]
                   request: Request, handlers: Handlers, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
        data = {**BaseModel.model_dump(body, mode="json"), "request_id": request_id}
        return await _run(request, kind, data, principal, getattr(handlers, name), idempotency_key, request_id)

    step.__name__ = name
    router.post(f"/requests/{{request_id}}/{path}", summary=summary, response_model=views.StepAnswer,
                responses=problems(400, 401, 403, 404, 409, 413, 422))(step)


for _path, _kind, _model, _name, _summary in (
    ("correction-notice", c.ASK_CORRECTION, c.AskCorrectionBody, "ask_correction",
     "Ask once for a correction, listing everything to fix (条例第三十条); the reply clock stops"),
    ("correction", c.RECORD_CORRECTION, c.RecordCorrectionBody, "record_correction",
     "Record the corrected request: the reply clock starts again from its day"),
    ("withdrawal", c.CLOSE_UNCORRECTED, c.CloseUncorrectedBody, "close_uncorrected",
     "Close a request not corrected in the time given: deemed withdrawn"),
    ("assignment", c.ASSIGN_REQUEST, c.AssignRequestBody, "assign", "Give the request to the unit that examines it"),
    ("consultation", c.START_CONSULTATION, c.StartConsultationBody, "consult",
     "Consult a third party (条例第三十二条) or another agency: the reply clock pauses"),
    ("consultation-reply", c.RECORD_CONSULTATION_REPLY, c.RecordConsultationReplyBody, "record_consultation_reply",
     "Record the consulted party's answer: the reply clock resumes"),
    ("extension", c.EXTEND_REPLY, c.ExtendReplyBody, "extend",
     "Extend the reply once, by at most 20 working days (the office head; 条例第三十三条)"),
    ("reply-draft", c.DRAFT_REPLY, c.DraftReplyBody, "draft_reply",
     "Draft the reply with its national outcome; one that discloses goes to the confidentiality review"),
    ("challenge", c.RECORD_CHALLENGE, c.RecordChallengeBody, "record_challenge",
     "Record a reconsideration (复议) or lawsuit (诉讼) about an answered request and its result, for table 四"),
    ("fee-notice", c.NOTIFY_FEE, c.NotifyFeeBody, "notify_fee",
     "Give a fee notice (收取信息处理费通知, the office; 国办函〔2020〕109号): the fee from the bands in fees.toml, "
     "the 收费通知书 letter, and the reply clock pauses until it is paid or waived"),
    ("fee-payment", c.RECORD_FEE_PAYMENT, c.RecordFeePaymentBody, "record_fee_payment",
     "Record the fee's payment, within the time given: the reply clock resumes"),
    ("fee-waiver", c.WAIVE_FEE, c.WaiveFeeBody, "waive_fee",
     "Waive the fee (减免) with a reason (the office head): the reply clock resumes"),
    ("fee-withdrawal", c.CLOSE_UNPAID, c.CloseUnpaidBody, "close_unpaid",
     "Close a request whose fee was not paid in the time given: deemed given up"),
    ("public-item", c.MAKE_PUBLIC, c.MakePublicBody, "make_public",
     "Record that the answer was made into a disclosure item for everyone (a handler or the office; "
     "依申请公开转主动公开, 条例第四十四条): once, only for an answer that disclosed information"),
    ("reply", c.SEND_REPLY, c.SendReplyBody, "send_reply",
     "Send the reply: refused before a disclosing reply's approval, and unless content_hash is the approved one"),
):
    _step(_path, _kind, _model, _name, _summary)


# ---- the applicant's side ----------------------------------------------------------------------------------


@public.post("/public/requests", status_code=201, response_model=views.Acknowledgement,
             summary="The portal's request form: received the day it is acknowledged, with a tracking number and a "
                     "secret for the status page; too many from one address or contact: 429",
             responses=problems(400, 413, 422, 429))
async def submit_online(body: c.SubmitOnlineRequest, request: Request, handlers: Handlers,
                        idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    await within_form_limits(request, contact_key(body.contact.phone, body.contact.email), "requests")
    return await _run(request, c.SUBMIT_ONLINE_REQUEST, body.model_dump(mode="json"), APPLICANT,
                      handlers.submit_online, idempotency_key)


class StatusQuery(BaseModel):
    tracking_number: c.Line = Field(min_length=1, max_length=64)
    secret: c.Line = Field(min_length=1, max_length=128)


@public.post("/public/requests/status", response_model=views.ApplicantStatus,
             summary="The applicant's status of a request, by its tracking number and secret; anything else is 404",
             responses=problems(400, 404, 413, 422))
async def status(body: StatusQuery, request: Request, reads: Annotated[Reads, Depends(reads_of)]
                 ) -> views.ApplicantStatus:
    await _applicant(request, reads, body)
    found = await reads.detail(body.tracking_number)
    assert found is not None
    return views.applicant_status(found)


class LetterQuery(StatusQuery):
    letter_id: c.Line = Field(min_length=1, max_length=80)
    format: Literal["html", "pdf"] = "html"


@public.post("/public/requests/letter", response_class=Response,
             summary="One of the applicant's letters (not a third party's), by tracking number and secret; "
                     "anything else is 404", responses={**problems(400, 404, 413, 422), 200: {
                         "content": {"text/html": {}, "application/pdf": {}}, "description": "the letter"}})
async def applicant_letter(body: LetterQuery, request: Request, reads: Annotated[Reads, Depends(reads_of)]
                           ) -> Response:
    await _applicant(request, reads, body)
    own = [x for x in await reads.letters(body.tracking_number) if x.kind != letters.LetterKind.consultation]
    if not any(x.letter_id == body.letter_id for x in own):
        raise NotFound(f"no letter {body.letter_id} of this request")
    return await _letter_response(reads, body.tracking_number, body.letter_id, body.format, NOT_FOUND)


async def _applicant(request: Request, reads: Reads, body: StatusQuery) -> None:
    """Only the tracking number with its secret shows a request; a refusal is the same 404 whatever the reason."""
    stored = await reads.secret_of(body.tracking_number)
    if stored is None or not hmac.compare_digest(stored, secret_hash(body.secret)):
        why = "unknown tracking number" if stored is None else "wrong secret"
        await record_public_refusal(request, body.tracking_number, f"status lookup refused: {why}")
        raise NotFound(NOT_FOUND)
