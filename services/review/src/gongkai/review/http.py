"""Reviewers' HTTP API. Routes turn a request into a command and call the handlers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Query, Request
from gongkai.shared.contracts import DECIDE_REVIEW, DecideReview, Decision
from gongkai.shared.envelope import new_event
from gongkai.shared.errors import NotFound
from gongkai.shared.http import requires
from gongkai.shared.identity import Principal, Role
from pydantic import BaseModel

from .domain import State
from .handlers import Review, summary

router = APIRouter(tags=["cases"])

Reviewer = Annotated[Principal, Depends(requires(Role.reviewer))]


def review(request: Request) -> Review:
    return request.app.state.review


class DecisionBody(BaseModel):
    decision: Decision
    content_hash: str = DecideReview.model_fields["content_hash"]
    reason: str | None = DecideReview.model_fields["reason"]


@router.get("/cases", summary="Review cases, oldest first: the reviewers' queue (state=open) or any state")
async def list_cases(
    principal: Reviewer,
    handlers: Annotated[Review, Depends(review)],
    state: Literal["open", "approved", "rejected", "blocked", "all"] = "open",
    item_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[dict[str, Any]]:
    found = await handlers.cases(state=None if state == "all" else State(state), item_id=item_id, limit=limit)
    return [summary(case) for case in found]


@router.get("/cases/{case_id}", summary="One case with the full text under review")
async def get_case(
    case_id: str,
    principal: Reviewer,
    handlers: Annotated[Review, Depends(review)],
) -> dict[str, Any]:
    case = await handlers.case(case_id)
    if case is None:
        raise NotFound(f"no review case {case_id}")
    return {**summary(case), "body": case.body}


@router.post("/cases/{case_id}/decision", summary="Approve or reject exactly the content with content_hash")
async def decide_case(
    case_id: str,
    body: DecisionBody,
    principal: Reviewer,
    handlers: Annotated[Review, Depends(review)],
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> dict[str, Any]:
    command = new_event(DECIDE_REVIEW, {"case_id": case_id, **body.model_dump(mode="json")},
                        source="/gongkai/review/http", actor=principal.id, actorunit=principal.unit)
    return await handlers.service.execute(command, principal, handlers.decide, idempotency_key)
