"""Auditors' HTTP API: what the log holds about an item, and the log itself page by page."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from gongkai.shared.errors import NotFound
from gongkai.shared.http import requires
from gongkai.shared.identity import Principal, Role

from .handlers import Audit

router = APIRouter(tags=["audit"])

Auditor = Annotated[Principal, Depends(requires(Role.auditor))]


def audit(request: Request) -> Audit:
    return request.app.state.audit


@router.get("/items/{item_id}/events",
            summary="Every recorded message about an item, and the commands that caused them, in order")
async def item_events(item_id: str, _: Auditor, handlers: Annotated[Audit, Depends(audit)]) -> dict[str, Any]:
    trail = await handlers.trail(item_id)
    if not trail:
        raise NotFound(f"nothing recorded for item {item_id}")
    return {"item_id": item_id, "events": trail}


@router.get("/events", summary="The log in recording order, filtered by type or actor, paged by seq")
async def list_events(
    _: Auditor,
    handlers: Annotated[Audit, Depends(audit)],
    type: Annotated[str | None, Query(max_length=128)] = None,
    actor: Annotated[str | None, Query(max_length=128)] = None,
    after_seq: Annotated[int, Query(ge=0, description="return records with a greater seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> dict[str, Any]:
    return await handlers.events(type=type, actor=actor, after_seq=after_seq, limit=limit)
