"""Consultations (征求意见) over HTTP: the staff's steps under /consultations, the public's pages and forms under
/public/consultations. Each route runs the same handler its AMQP command reaches.

The public sees only what review approved (the draft, each comment's text, the feedback report) and the
hearings' notices; never a commenter's or registrant's name or contact.
"""

# No ``from __future__ import annotations``: the step routes are made in a loop, with their body models as
# real annotations.

from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from gongkai.shared import contracts as c
from gongkai.shared.calendar import local_date
from gongkai.shared.errors import NotFound
from gongkai.shared.http import IdempotencyKey, problems
from gongkai.shared.identity import Principal
from pydantic import BaseModel, Field

from .consultations import Comment, Consultation, CState
from .handlers import PUBLIC
from .http import Handlers, Readers, ReadsDep, Staff, _run, limited
from .views import ConsultationDetail

consultations_router = APIRouter(tags=["consultations"])
consultations_public = APIRouter(tags=["public"])

ConsultationId = Annotated[c.Line, Path(min_length=1, max_length=64, description="the consultation's number")]
HearingId = Annotated[c.Line, Path(min_length=1, max_length=16, description="H1, H2 …")]
CommentId = Annotated[c.Line, Path(min_length=1, max_length=64)]
PUBLIC_STATES = (CState.approved.value, CState.closed.value, CState.report_in_review.value, CState.reported.value)


class HearingView(BaseModel):
    hearing_id: str
    title: str
    held_on: date
    place: str
    capacity: int
    registered: int
    full: bool
    announced_on: date
    representatives: int
    record: str | None


class CommentView(BaseModel):
    comment_id: str
    number: int
    text: str = Field(description="as review approved it")
    shown_at: datetime | None


class PublicConsultationView(BaseModel):
    consultation_id: str
    kind: str
    kind_name: str
    title: str
    body: str = Field(description="the draft and its documents, as approved")
    unit: str
    opens_on: date
    closes_on: date
    status: Literal["upcoming", "open", "closed"]
    comments: int
    hearings: list[HearingView]
    feedback: str | None = Field(description="the feedback report, once published")


class PublicConsultationDetail(PublicConsultationView):
    shown_comments: list[CommentView]


class Answer(BaseModel):
    consultation_id: str
    state: str | None = None
    opens_on: str | None = None
    closes_on: str | None = None
    content_hash: str | None = None
    record_id: str | None = None
    closed_on: str | None = None
    version: int | None = None
    adopted: int | None = None
    partly: int | None = None
    not_adopted: int | None = None
    comment_id: str | None = None
    number: int | None = None
    acknowledgement: str | None = None
    hidden: bool | None = None
    hearing_id: str | None = None
    registration_id: str | None = None
    registered: int | None = None
    capacity: int | None = None


def _today() -> date:
    return local_date(datetime.now(UTC))


def status_of(x: Consultation, today: date) -> Literal["upcoming", "open", "closed"]:
    if x.state is CState.approved and today < x.opens_on:
        return "upcoming"
    return "open" if x.open_on(today) else "closed"


def hearing_view(x: Consultation) -> list[HearingView]:
    return [HearingView(hearing_id=h.hearing_id, title=h.title, held_on=h.held_on, place=h.place,
                        capacity=h.capacity, registered=h.registered, full=h.registered >= h.capacity,
                        announced_on=h.announced_on, representatives=len(h.representatives), record=h.record)
            for h in x.hearings]


def public_view(x: Consultation, kinds: dict[str, str], today: date) -> PublicConsultationView:
    report = x.report.body if x.state is CState.reported and x.report else None
    return PublicConsultationView(
        consultation_id=x.consultation_id, kind=x.kind, kind_name=kinds.get(x.kind, x.kind), title=x.draft.title,
        body=x.draft.body, unit=x.unit, opens_on=x.opens_on, closes_on=x.closes_on, status=status_of(x, today),
        comments=x.comments, hearings=hearing_view(x), feedback=report)


def comment_view(m: Comment) -> CommentView:
    return CommentView(comment_id=m.comment_id, number=m.number, text=m.publication.body,
                       shown_at=m.publication.published_at)


# ---- staff -----------------------------------------------------------------------------------------------


@consultations_router.post("/consultations", status_code=201, response_model=Answer,
                           summary="Draft a consultation on a major decision (staff): the draft goes to the "
                                   "confidentiality review and opens for comments only once approved",
                           responses=problems(400, 401, 403, 409, 413, 422))
async def create(body: c.CreateConsultation, principal: Staff, request: Request, handlers: Handlers,
                 idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.CREATE_CONSULTATION, body.model_dump(mode="json"), principal,
                      handlers.consultations.create, idempotency_key)


@consultations_router.get("/consultations", summary="Consultations, newest first (staff and auditors)",
                          responses=problems(401, 403, 422))
async def staff_list(principal: Readers, reads: ReadsDep,
                     state: Literal["in-review", "rejected", "approved", "closed", "report-in-review",
                                    "reported"] | None = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    found = await reads.consultations((state,) if state else None, limit)
    return [{"consultation_id": x.consultation_id, "kind": x.kind, "title": x.title, "unit": x.unit,
             "state": x.state.value, "opens_on": x.opens_on.isoformat(), "closes_on": x.closes_on.isoformat(),
             "comments": x.comments, "status": status_of(x, _today())} for x in found]


@consultations_router.get("/consultations/{consultation_id}", response_model=ConsultationDetail,
                          summary="One consultation with every comment (and its writer's contact), record and "
                                  "registration (staff and auditors)", responses=problems(401, 403, 404, 422))
async def staff_detail(consultation_id: ConsultationId, principal: Readers, reads: ReadsDep) -> ConsultationDetail:
    found = await reads.consultation_detail(consultation_id)
    if found is None:
        raise NotFound(f"no consultation {consultation_id}")
    return found


def _step(path: str, kind: str, body_model: type[BaseModel], name: str, summary: str, *,
          hearing: bool = False, comment: bool = False) -> None:
    handler_name = name

    async def run(request: Request, handlers: Any, principal: Principal, data: dict[str, Any],
                  key: str | None, subject: str) -> dict[str, Any]:
        handler: Callable[..., Awaitable[dict[str, Any]]] = getattr(handlers.consultations, handler_name)
        return await _run(request, kind, data, principal, handler, key, subject)

    if hearing:
        async def step_h(consultation_id: ConsultationId, hearing_id: HearingId,
                         body: body_model,  # type: ignore[valid-type]
                         principal: Staff, request: Request, handlers: Handlers,
                         idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
            data = {**BaseModel.model_dump(body, mode="json"), "consultation_id": consultation_id,
                    "hearing_id": hearing_id}
            return await run(request, handlers, principal, data, idempotency_key, consultation_id)
        step: Callable[..., Awaitable[dict[str, Any]]] = step_h
        route = f"/consultations/{{consultation_id}}/hearings/{{hearing_id}}/{path}"
    elif comment:
        async def step_c(consultation_id: ConsultationId, comment_id: CommentId,
                         body: body_model,  # type: ignore[valid-type]
                         principal: Staff, request: Request, handlers: Handlers,
                         idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
            data = {**BaseModel.model_dump(body, mode="json"), "consultation_id": consultation_id,
                    "comment_id": comment_id}
            return await run(request, handlers, principal, data, idempotency_key, consultation_id)
        step = step_c
        route = f"/consultations/{{consultation_id}}/comments/{{comment_id}}/{path}"
    else:
        async def step_x(consultation_id: ConsultationId, body: body_model,  # type: ignore[valid-type]
                         principal: Staff, request: Request, handlers: Handlers,
                         idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
            data = {**BaseModel.model_dump(body, mode="json"), "consultation_id": consultation_id}
            return await run(request, handlers, principal, data, idempotency_key, consultation_id)
        step = step_x
        route = f"/consultations/{{consultation_id}}/{path}"
    step.__name__ = name
    consultations_router.post(route, summary=summary, response_model=Answer,
                              responses=problems(400, 401, 403, 404, 409, 413, 422))(step)


_step("hiding", c.HIDE_COMMENT, c.HideBody, "hide_comment",
      "Hide a comment with the reason (moderation, the office): never deleted; a shown one is taken down",
      comment=True)
_step("expert-opinions", c.RECORD_EXPERT_OPINION, c.ExpertOpinionBody, "record_expert_opinion",
      "Record an expert's opinion (专家论证): the feedback report answers it")
_step("hearings", c.ANNOUNCE_HEARING, c.HearingBody, "announce_hearing",
      "Announce a hearing (听证会, the office) while the draft is open: refused with less notice than policy.toml's")
_step("representatives", c.SELECT_REPRESENTATIVES, c.RepresentativesBody, "select_representatives",
      "Select the hearing's representatives from its registrations (the office)", hearing=True)
_step("record", c.RECORD_HEARING, c.HearingRecordBody, "record_hearing",
      "Record the hearing (听证笔录), on or after the day it was held", hearing=True)
_step("research-visits", c.RECORD_RESEARCH_VISIT, c.ResearchVisitBody, "record_research_visit",
      "Record a research visit (专题调研)")
_step("closing", c.CLOSE_CONSULTATION, c.CloseBody, "close",
      "Close the consultation after its last day (the office): consultation.closed goes out on the public exchange")
_step("feedback-report", c.PUBLISH_FEEDBACK, c.FeedbackBody, "publish_feedback",
      "The feedback report (the office): every comment not hidden and every expert opinion answered — adopted, "
      "partly or not, each with its reason — else refused; it goes to review and is published when approved")


# ---- the public -------------------------------------------------------------------------------------------


@consultations_public.get("/public/consultations", summary="Consultations whose draft was approved: open, "
                                                           "upcoming or closed (with the feedback report)",
                          responses=problems(422))
async def public_list(reads: ReadsDep, status: Literal["open", "upcoming", "closed", "all"] = "all",
                      limit: Annotated[int, Query(ge=1, le=100)] = 20) -> list[PublicConsultationView]:
    today = _today()
    found = [public_view(x, reads.kind_names(), today) for x in await reads.consultations(PUBLIC_STATES, 500)]
    return [v for v in found if status in ("all", v.status)][:limit]


@consultations_public.get("/public/consultations/{consultation_id}", response_model=PublicConsultationDetail,
                          summary="One consultation as the public sees it, with the comments shown",
                          responses=problems(404, 422))
async def public_detail(consultation_id: ConsultationId, reads: ReadsDep) -> PublicConsultationDetail:
    x = await reads.consultation(consultation_id)
    if x is None or x.state.value not in PUBLIC_STATES:
        raise NotFound(f"no consultation {consultation_id}")
    shown = [comment_view(m) for m in await reads.shown_comments(consultation_id)]
    return PublicConsultationDetail(**public_view(x, reads.kind_names(), _today()).model_dump(),
                                    shown_comments=shown)


@consultations_public.post("/public/consultations/{consultation_id}/comments", status_code=201,
                           response_model=Answer,
                           summary="Comment on an open draft: shown once screened; refused before it opens and "
                                   "after its close date (409); too many from one address or contact: 429",
                           responses=problems(400, 404, 409, 413, 422, 429))
async def submit_comment(consultation_id: ConsultationId, body: c.CommentBody, request: Request,
                         handlers: Handlers, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    await limited(request, body.contact)
    data = {**body.model_dump(mode="json"), "consultation_id": consultation_id}
    return await _run(request, c.SUBMIT_COMMENT, data, PUBLIC, handlers.consultations.submit_comment,
                      idempotency_key, consultation_id)


@consultations_public.post("/public/consultations/{consultation_id}/hearings/{hearing_id}/registrations",
                           status_code=201, response_model=Answer,
                           summary="Register for a hearing with a name and a phone or e-mail (never public): "
                                   "refused when its places are taken or it was held (409)",
                           responses=problems(400, 404, 409, 413, 422, 429))
async def register(consultation_id: ConsultationId, hearing_id: HearingId, body: c.RegistrationBody,
                   request: Request, handlers: Handlers, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    await limited(request, body.contact)
    data = {**body.model_dump(mode="json"), "consultation_id": consultation_id, "hearing_id": hearing_id}
    return await _run(request, c.REGISTER_FOR_HEARING, data, PUBLIC, handlers.consultations.register_for_hearing,
                      idempotency_key, consultation_id)
