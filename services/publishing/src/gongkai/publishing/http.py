"""Staff HTTP API of publishing. Routes turn a request into a command and call the handlers."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from gongkai.shared.contracts import SUBMIT_DISCLOSURE, SubmitDisclosure
from gongkai.shared.envelope import new_event
from gongkai.shared.errors import NotFound
from gongkai.shared.http import current_principal, requires
from gongkai.shared.identity import Principal, Role

from .handlers import Publishing

router = APIRouter(tags=["items"])


def publishing(request: Request) -> Publishing:
    return request.app.state.publishing


@router.post("/items", status_code=201, summary="Submit a disclosure item (version 1) for review")
async def submit_item(
    body: SubmitDisclosure,
    principal: Annotated[Principal, Depends(requires(Role.submitter))],
    handlers: Annotated[Publishing, Depends(publishing)],
    idempotency_key: Annotated[str | None, Header(max_length=128)] = None,
) -> dict[str, Any]:
    command = new_event(SUBMIT_DISCLOSURE, body, source="/gongkai/publishing/http", actor=principal.id,
                        actorunit=principal.unit)
    return await handlers.service.execute(command, principal, handlers.submit, idempotency_key)


@router.get("/items/{item_id}", summary="An item's versions and their states (staff)")
async def get_item(
    item_id: str,
    principal: Annotated[Principal, Depends(current_principal)],
    handlers: Annotated[Publishing, Depends(publishing)],
) -> dict[str, Any]:
    versions = await handlers.item(item_id)
    if not versions:
        raise NotFound(f"no item {item_id}")
    return {
        "item_id": item_id,
        "versions": [
            {"version": v.version, "state": v.state.value, "title": v.title, "category": v.category,
             "audience": v.audience.value, "channels": [c.value for c in v.channels], "unit": v.unit,
             "submitted_by": v.submitted_by, "submitted_at": v.submitted_at, "content_hash": v.content_hash,
             "published_at": v.published_at}
            for v in versions
        ],
    }
