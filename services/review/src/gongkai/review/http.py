"""Reviewers' HTTP API. Routes turn a request into a command and call the handlers.

Cases are read by reviewers and auditors only; to anyone else a case does not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from gongkai.shared.contracts import (
    DECIDE_REVIEW,
    MAX_BODY,
    MAX_SUMMARY,
    MAX_TITLE,
    DecideReview,
    Decision,
    Line,
    Span,
    Text,
    WithholdingReason,
)
from gongkai.shared.envelope import new_event
from gongkai.shared.errors import Hidden, NotFound, Refused
from gongkai.shared.http import IdempotencyKey, current_principal, problems, requires, service_of
from gongkai.shared.identity import Principal, Role
from pydantic import BaseModel, Field

from . import views
from .domain import State
from .handlers import Cases, Review, summary
from .policy import risk_of

router = APIRouter(tags=["cases"])

Reviewer = Annotated[Principal, Depends(requires(Role.reviewer))]
Staff = Annotated[Principal, Depends(current_principal)]
Readers = Annotated[Principal, Depends(requires(Role.reviewer, Role.auditor))]
CaseId = Annotated[Line, Path(min_length=1, max_length=64, description="the case id")]
STATES = Literal["open", "approved", "rejected", "blocked", "redaction_requested", "withheld", "voided", "all"]


def review(request: Request) -> Review:
    handlers: Review = request.app.state.review
    return handlers


def case_reads(request: Request) -> Cases:
    reads: Cases = request.app.state.cases
    return reads


def _as_in_command(name: str) -> Any:
    """``DecideReview``'s field ``name`` (its constraints, description and default): Any, as ``Field()`` is."""
    return DecideReview.model_fields[name]


class DecisionBody(BaseModel):
    decision: Decision
    content_hash: Line = _as_in_command("content_hash")
    reason: Text | None = _as_in_command("reason")
    spans: list[Span] = _as_in_command("spans")
    legal_reason: WithholdingReason | None = _as_in_command("legal_reason")


class ScreenAttachment(BaseModel):
    name: Line = Field("", max_length=255)
    media_type: Line = Field("", max_length=127)
    text: Text | None = Field(None, max_length=MAX_BODY)


class ScreenBody(BaseModel):
    title: Line = Field("", max_length=MAX_TITLE)
    body: Text = Field("", max_length=MAX_BODY)
    summary: Text | None = Field(None, max_length=MAX_SUMMARY)
    category: Line | None = Field(None, max_length=32, description="for the auto-approval rule")
    attachments: list[ScreenAttachment] = Field([], max_length=50)


@router.get("/cases", summary="Review cases, oldest first: the reviewers' queue (state=open) or any state "
                            "(reviewers and auditors)", responses=problems(401, 403, 422))
async def list_cases(
    principal: Readers,
    reads: Annotated[Cases, Depends(case_reads)],
    state: STATES = "open",
    item_id: Annotated[Line | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[views.CaseSummary]:
    found = await reads.cases(state=None if state == "all" else State(state), item_id=item_id, limit=limit)
    return [views.CaseSummary.model_validate(summary(case, with_context=True)) for case in found]


@router.get("/cases/{case_id}", summary="One case with the full text under review (reviewers and auditors; "
                                       "404 for anyone else)", responses=problems(401, 404, 422))
async def get_case(
    case_id: CaseId,
    principal: Staff,
    reads: Annotated[Cases, Depends(case_reads)],
) -> views.CaseDetail:
    if not principal.roles & {Role.reviewer, Role.auditor}:
        raise Hidden(f"no review case {case_id}", why=f"{principal.id} is neither reviewer nor auditor")
    case = await reads.case(case_id)
    if case is None:
        raise NotFound(f"no review case {case_id}")
    return views.CaseDetail.model_validate({**summary(case, with_context=True), "body": case.body,
                                            "summary": case.summary, "attachments": list(case.attachments)})


@router.post("/cases/{case_id}/decision",
             summary="Approve, reject, request redaction of or withhold exactly the content with content_hash",
             responses=problems(400, 401, 403, 404, 409, 413, 422), response_model=views.CaseSummary)
async def decide_case(
    case_id: CaseId,
    body: DecisionBody,
    principal: Reviewer,
    request: Request,
    handlers: Annotated[Review, Depends(review)],
    idempotency_key: IdempotencyKey = None,
) -> dict[str, Any]:
    command = new_event(DECIDE_REVIEW, {"case_id": case_id, **body.model_dump(mode="json", exclude_none=True)},
                        source="/gongkai/review/http", actor=principal.id, actorunit=principal.unit)
    return await service_of(request).execute(command, principal, handlers.decide, idempotency_key)


@router.post("/screen", tags=["screening"],
             summary="Screen a text as a submitted version would be: findings and risk; nothing is stored",
             responses=problems(400, 401, 413, 422))
async def screen_text(
    body: ScreenBody,
    principal: Staff,
    handlers: Annotated[Review, Depends(review)],
) -> views.Screening:
    if not (body.title.strip() or body.body.strip() or (body.summary or "").strip()
            or any((a.text or "").strip() or a.name for a in body.attachments)):
        raise Refused("nothing to screen: title, body, summary and attachments are all empty")
    screener = handlers.screener
    findings = screener.screen(body.title, body.body, body.summary, [a.model_dump() for a in body.attachments])
    risk = risk_of(findings)
    policy = screener.policy
    return views.Screening(risk=risk, blocked=policy.rejects(risk), findings=list(findings),
                           required_approvals=0 if policy.rejects(risk) else policy.approvals(risk))
