"""Staff HTTP API of notification: read the deadlines."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from gongkai.shared.http import current_principal
from gongkai.shared.identity import Principal

from .domain import State
from .handlers import Notification

router = APIRouter(tags=["deadlines"])


def notification(request: Request) -> Notification:
    return request.app.state.notification


@router.get("/deadlines", summary="Deadlines, optionally of one item or in one state (any staff member)")
async def list_deadlines(
    principal: Annotated[Principal, Depends(current_principal)],
    handlers: Annotated[Notification, Depends(notification)],
    item_id: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    state: State | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    found = await handlers.deadlines(item_id=item_id, state=state, limit=limit)
    return {
        "deadlines": [
            {"deadline_id": d.deadline_id, "item_id": d.item_id, "version": d.version, "rule": d.rule,
             "opened_on": d.opened_on, "due_on": d.due_on, "state": d.state.value, "closed_at": d.closed_at,
             "late": d.late}
            for d in found
        ],
    }
