"""Staff HTTP API of publishing. Routes turn a request into a command and call the handlers.

Every write takes an ``Idempotency-Key`` header: a retried request gets the first answer and changes nothing.
Staff read the items of their own unit, reviewers the items awaiting review, auditors every item; to anyone
else an item does not exist (404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.http import IdempotencyKey, current_principal, problems, requires, service_of
from gongkai.shared.identity import Principal, Role
from pydantic import BaseModel, Field
from pydantic.json_schema import SkipJsonSchema

from . import views
from .domain import State
from .handlers import Publishing
from .reads import ItemReads

router = APIRouter(tags=["items"])

ItemId = Annotated[c.Line, Path(min_length=1, max_length=64, description="the item id")]
Staff = Annotated[Principal, Depends(current_principal)]
Submitter = Annotated[Principal, Depends(requires(Role.submitter))]


def publishing(request: Request) -> Publishing:
    handlers: Publishing = request.app.state.publishing
    return handlers


def item_reads(request: Request) -> ItemReads:
    reads: ItemReads = request.app.state.items
    return reads


Handlers = Annotated[Publishing, Depends(publishing)]
Reads = Annotated[ItemReads, Depends(item_reads)]


async def _run(request: Request, type: str, data: BaseModel | dict[str, Any], principal: Principal,
               handler: Any, idempotency_key: str | None, subject: str | None = None) -> dict[str, Any]:
    command = new_event(type, data, source="/gongkai/publishing/http", actor=principal.id,
                        actorunit=principal.unit, subject=subject)
    return await service_of(request).execute(command, principal, handler, idempotency_key)


# The path names the item: these bodies are the commands without ``item_id``.
class EditBody(c.EditDisclosure):
    item_id: SkipJsonSchema[str] = ""


class SubmitBody(BaseModel):
    version: c.VersionNo | None = Field(None, description="the draft to submit; the current version if omitted")


class ChangedBody(BaseModel):
    changed_on: c.Day = Field(description="the date the information changed")
    note: c.Text | None = Field(None, max_length=2000)


class ScheduleBody(BaseModel):
    version: c.VersionNo | None = None
    release_at: c.Moment


class WithdrawBody(BaseModel):
    reason: c.Text = Field(min_length=1, max_length=2000)


WRITE = problems(400, 401, 403, 404, 409, 413, 422)
# A command's route returns the handler's answer as it stored it (a dict, kept for an Idempotency-Key's retry);
# response_model says what FastAPI validates it into and documents.


@router.post("/items", status_code=201, summary="Submit a disclosure item (version 1) for review",
             responses=problems(400, 401, 403, 413, 422), response_model=views.VersionSummary)
async def submit_item(body: c.SubmitDisclosure, principal: Submitter, request: Request, handlers: Handlers,
                      idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.SUBMIT_DISCLOSURE, body, principal, handlers.submit, idempotency_key)


@router.post("/drafts", status_code=201, summary="Create a disclosure item as a draft (version 1)",
             responses=problems(400, 401, 403, 413, 422), response_model=views.VersionSummary)
async def create_draft(body: c.CreateDisclosure, principal: Submitter, request: Request, handlers: Handlers,
                       idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.CREATE_DISCLOSURE, body, principal, handlers.create, idempotency_key)


@router.post("/items/{item_id}/versions", status_code=201,
             summary="A new version of an item (a draft, or submitted with submit=true)", responses=WRITE,
             response_model=views.VersionSummary)
async def edit_item(item_id: ItemId, body: EditBody, principal: Staff, request: Request, handlers: Handlers,
                    idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    data = {**body.model_dump(mode="json"), "item_id": item_id}
    return await _run(request, c.EDIT_DISCLOSURE, data, principal, handlers.edit, idempotency_key, item_id)


@router.post("/items/{item_id}/submit", summary="Send the item's current draft to review", responses=WRITE,
             response_model=views.VersionSummary)
async def submit_draft(item_id: ItemId, principal: Staff, request: Request, handlers: Handlers,
                       body: SubmitBody | None = None, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    data = {"item_id": item_id, "version": body.version if body else None}
    return await _run(request, c.SUBMIT_VERSION, data, principal, handlers.submit_version, idempotency_key,
                      item_id)


@router.post("/items/{item_id}/information-changed",
             summary="Mark a published item's information as changed (an update is due)", responses=WRITE,
             response_model=views.ChangeRecorded)
async def information_changed(item_id: ItemId, body: ChangedBody, principal: Staff, request: Request,
                              handlers: Handlers, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    data = {"item_id": item_id, "changed_on": body.changed_on.isoformat(), "note": body.note}
    return await _run(request, c.MARK_INFORMATION_CHANGED, data, principal, handlers.mark_changed,
                      idempotency_key, item_id)


@router.post("/items/{item_id}/schedule", summary="Publish a version at a given time once it is approved",
             responses=WRITE, response_model=views.VersionSummary)
async def schedule(item_id: ItemId, body: ScheduleBody, principal: Staff, request: Request, handlers: Handlers,
                   idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    data = {"item_id": item_id, "version": body.version, "release_at": body.release_at.isoformat()}
    return await _run(request, c.SCHEDULE_RELEASE, data, principal, handlers.schedule, idempotency_key, item_id)


@router.post("/items/{item_id}/withdraw", summary="Withdraw a published item, with a reason; its content "
                                                  "leaves the public read side", responses=WRITE,
             response_model=views.VersionSummary)
async def withdraw(item_id: ItemId, body: WithdrawBody, principal: Staff, request: Request, handlers: Handlers,
                   idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    data = {"item_id": item_id, "reason": body.reason}
    return await _run(request, c.WITHDRAW_DISCLOSURE, data, principal, handlers.withdraw, idempotency_key, item_id)


@router.get("/items", summary="My unit's items: current version, state and publication due date",
            responses=problems(401, 422))
async def unit_items(principal: Staff, reads: Reads, state: State | None = None,
                     page: Annotated[int, Query(ge=1, le=10_000)] = 1,
                     per_page: Annotated[int, Query(ge=1, le=200)] = 50) -> views.UnitItems:
    return views.UnitItems.model_validate(
        await reads.unit_items(principal, state=state.value if state else None, page=page, per_page=per_page))


@router.get("/statistics", summary="Versions by category, state and legal ground (withheld items are counted)",
            responses=problems(401, 422))
async def statistics(principal: Staff, reads: Reads) -> views.Statistics:
    return views.Statistics.model_validate({"counts": await reads.counts()})


@router.get("/items/{item_id}", summary="An item's versions and their states (who may see it: see above)",
            responses=problems(401, 404, 422))
async def get_item(item_id: ItemId, principal: Staff, reads: Reads) -> views.StaffItem:
    item, versions = await reads.item(item_id, principal)
    return views.StaffItem(
        item_id=item_id, category=item.category, audience=item.audience, unit=item.unit,
        current_version=item.current_version, public_version=item.public_version, withdrawn_at=item.withdrawn_at,
        withdrawal_reason=item.withdrawal_reason,
        versions=[views.StaffVersion(
            version=v.version, state=v.state, title=v.title, summary=v.summary, body=v.body, category=v.category,
            audience=v.audience, channels=list(v.channels), unit=v.unit, contact=v.contact, formed_on=v.formed_on,
            release_at=v.release_at, attachments=[views.AttachmentView.model_validate(a) for a in v.attachments],
            created_by=v.created_by, submitted_by=v.submitted_by, submitted_at=v.submitted_at,
            content_hash=v.content_hash, decided_at=v.decided_at, published_at=v.published_at, action=v.action,
            reason=v.reason, legal_reason=v.legal_reason) for v in versions])
