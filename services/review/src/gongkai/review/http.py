"""Reviewers' HTTP API. Routes turn a request into a command and call the handlers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from gongkai.shared.contracts import (
    DECIDE_REVIEW,
    MAX_BODY,
    MAX_SUMMARY,
    MAX_TITLE,
    DecideReview,
    Decision,
    Span,
    WithholdingReason,
)
from gongkai.shared.envelope import new_event
from gongkai.shared.errors import NotFound, Refused
from gongkai.shared.http import current_principal, requires
from gongkai.shared.identity import Principal, Role
from pydantic import BaseModel, Field

from .domain import State
from .handlers import Review, summary
from .policy import risk_of

router = APIRouter(tags=["cases"])

Reviewer = Annotated[Principal, Depends(requires(Role.reviewer))]
STATES = Literal["open", "approved", "rejected", "blocked", "redaction_requested", "withheld", "voided", "all"]


def review(request: Request) -> Review:
    return request.app.state.review


class DecisionBody(BaseModel):
    decision: Decision
    content_hash: str = DecideReview.model_fields["content_hash"]
    reason: str | None = DecideReview.model_fields["reason"]
    spans: list[Span] = DecideReview.model_fields["spans"]
    legal_reason: WithholdingReason | None = DecideReview.model_fields["legal_reason"]


class ScreenAttachment(BaseModel):
    name: str = Field("", max_length=255)
    media_type: str = Field("", max_length=127)
    text: str | None = Field(None, max_length=MAX_BODY)


class ScreenBody(BaseModel):
    title: str = Field("", max_length=MAX_TITLE)
    body: str = Field("", max_length=MAX_BODY)
    summary: str | None = Field(None, max_length=MAX_SUMMARY)
    category: str | None = Field(None, max_length=32, description="for the auto-approval rule")
    attachments: list[ScreenAttachment] = Field([], max_length=50)


@router.get("/cases", summary="Review cases, oldest first: the reviewers' queue (state=open) or any state")
async def list_cases(
    principal: Reviewer,
    handlers: Annotated[Review, Depends(review)],
    state: STATES = "open",
    item_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    found = await handlers.cases(state=None if state == "all" else State(state), item_id=item_id, limit=limit)
    return [summary(case, with_context=True) for case in found]


@router.get("/cases/{case_id}", summary="One case with the full text under review")
async def get_case(
    case_id: str,
    principal: Reviewer,
    handlers: Annotated[Review, Depends(review)],
) -> dict[str, Any]:
    case = await handlers.case(case_id)
    if case is None:
        raise NotFound(f"no review case {case_id}")
    return {**summary(case, with_context=True), "body": case.body, "summary": case.summary,
            "attachments": list(case.attachments)}


@router.post("/cases/{case_id}/decision",
             summary="Approve, reject, request redaction of or withhold exactly the content with content_hash")
async def decide_case(
    case_id: str,
    body: DecisionBody,
    principal: Reviewer,
    handlers: Annotated[Review, Depends(review)],
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> dict[str, Any]:
    command = new_event(DECIDE_REVIEW, {"case_id": case_id, **body.model_dump(mode="json", exclude_none=True)},
                        source="/gongkai/review/http", actor=principal.id, actorunit=principal.unit)
    return await handlers.service.execute(command, principal, handlers.decide, idempotency_key)


@router.post("/screen", tags=["screening"],
             summary="Screen a text as a submitted version would be: findings and risk; nothing is stored")
async def screen_text(
    body: ScreenBody,
    principal: Annotated[Principal, Depends(current_principal)],
    handlers: Annotated[Review, Depends(review)],
) -> dict[str, Any]:
    if not (body.title.strip() or body.body.strip() or (body.summary or "").strip()
            or any((a.text or "").strip() or a.name for a in body.attachments)):
        raise Refused("nothing to screen: title, body, summary and attachments are all empty")
    screener = handlers.screener
    findings = screener.screen(body.title, body.body, body.summary, [a.model_dump() for a in body.attachments])
    risk = risk_of(findings)
    policy = screener.policy
    return {"risk": risk, "blocked": policy.rejects(risk),
            "required_approvals": 0 if policy.rejects(risk) else policy.approvals(risk),
            "findings": [f.model_dump(mode="json") for f in findings]}
