"""Staff HTTP API of notification: deadlines, each person's in-app inbox, and parked deliveries."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from gongkai.shared.contracts import Line
from gongkai.shared.deadline_rules import OPTIONAL_RULES, RULES
from gongkai.shared.errors import NotFound
from gongkai.shared.http import current_principal, problems, requires
from gongkai.shared.identity import Principal, Role

from . import views
from .domain import State
from .reads import Reads

router = APIRouter(tags=["deadlines"])
inbox_router = APIRouter(tags=["inbox"])


def reads(request: Request) -> Reads:
    found: Reads = request.app.state.reads
    return found


@router.get("/deadlines", summary="Deadlines, optionally of one item, rule or state (any staff member)",
            responses=problems(401, 422))
async def list_deadlines(
    principal: Annotated[Principal, Depends(current_principal)],
    store: Annotated[Reads, Depends(reads)],
    item_id: Annotated[Line | None, Query(min_length=1, max_length=64)] = None,
    state: State | None = None,
    rule: Annotated[str | None, Query(pattern="^(" + "|".join((*RULES, *OPTIONAL_RULES)) + ")$")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> views.Deadlines:
    found = await store.deadlines(item_id=item_id, state=state, rule=rule, limit=limit)
    return views.Deadlines(deadlines=[
        views.DeadlineView(deadline_id=d.deadline_id, item_id=d.item_id, subject=d.subject, version=d.version,
                           rule=d.rule, opened_on=d.opened_on, due_on=d.due_on, provisional=d.provisional,
                           state=d.state, closed_at=d.closed_at, late=d.late, unit=d.unit,
                           extended_days=d.extended_days)
        for d in found])


def _message(row: dict[str, Any]) -> views.Message:
    return views.Message(message_id=row["delivery_id"], event_type=row["event_type"], deadline_id=row["deadline_id"],
                         title=row["title"], body=row["body"], created_at=row["created_at"], read_at=row["read_at"])


@inbox_router.get("/inbox", summary="My in-app notifications, newest first (each person sees only their own)",
                  responses=problems(401, 422))
async def my_inbox(
    principal: Annotated[Principal, Depends(current_principal)],
    store: Annotated[Reads, Depends(reads)],
    unread: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> views.Inbox:
    rows = await store.deliveries(channel="inbox", recipient=principal.id, limit=limit)
    return views.Inbox(messages=[_message(r) for r in rows if not (unread and r["read_at"])])


@inbox_router.post("/inbox/{message_id}/read", summary="Mark one of my notifications read (404 if not mine)",
                   responses=problems(401, 404, 422))
async def mark_read(
    message_id: Annotated[Line, Path(min_length=1, max_length=64)],
    principal: Annotated[Principal, Depends(current_principal)],
    store: Annotated[Reads, Depends(reads)],
) -> views.MarkedRead:
    if not await store.mark_read(principal.id, message_id, datetime.now(UTC)):
        raise NotFound(f"no message {message_id} in your inbox")
    return views.MarkedRead(message_id=message_id, read=True)


@inbox_router.get("/deliveries", summary="Deliveries by state, e.g. the parked ones (administrators)",
                  responses=problems(401, 403, 422))
async def list_deliveries(
    _: Annotated[Principal, Depends(requires(Role.administrator))],
    store: Annotated[Reads, Depends(reads)],
    state: Literal["pending", "sent", "parked"] | None = None,
    channel: Literal["email", "webhook", "inbox"] | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> views.Deliveries:
    rows = await store.deliveries(state=state, channel=channel, limit=limit)
    return views.Deliveries(deliveries=[views.Delivery.model_validate(r) for r in rows])
