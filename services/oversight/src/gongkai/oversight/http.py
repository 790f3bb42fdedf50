"""The oversight service's HTTP API: inspections under /inspections, the checklist, the units' scorecards.

Every write turns its body into the same command an AMQP intake message carries and runs the same handler; a
refusal is answered with its status and reason and recorded as ``access.refused``.
"""

# No ``from __future__ import annotations``: FastAPI reads the body models as real annotations.

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.errors import NotFound
from gongkai.shared.http import IdempotencyKey, problems, requires, service_of
from gongkai.shared.identity import Principal, Role

from . import views
from .handlers import Oversight
from .reads import Reads

router = APIRouter(tags=["inspections"])

Staff = Annotated[Principal, Depends(requires(Role.publisher, Role.administrator))]
Readers = Annotated[Principal, Depends(requires(Role.publisher, Role.administrator, Role.auditor))]
InspectionId = Annotated[c.Line, Path(min_length=1, max_length=64, description="the inspection's id")]
RectificationId = Annotated[c.Line, Path(min_length=1, max_length=64, description="the rectification's id")]
SOURCE = "/gongkai/oversight/http"
WRITES = problems(400, 401, 403, 404, 409, 413, 422)


def handlers_of(request: Request) -> Oversight:
    handlers: Oversight = request.app.state.oversight
    return handlers


def reads_of(request: Request) -> Reads:
    reads: Reads = request.app.state.reads
    return reads


Handlers = Annotated[Oversight, Depends(handlers_of)]
ReadsOf = Annotated[Reads, Depends(reads_of)]


async def _run(request: Request, kind: str, data: dict[str, Any], principal: Principal, handler: Any,
               key: str | None, subject: str | None = None) -> dict[str, Any]:
    command = new_event(kind, data, source=SOURCE, actor=principal.id, actorunit=principal.unit, subject=subject)
    return await service_of(request).execute(command, principal, handler, key)


@router.get("/checklist", summary="The inspection checklist: the plan's five points (实施方案七(三))",
            responses=problems(401, 403))
async def checklist(principal: Readers, handlers: Handlers) -> views.ChecklistView:
    return views.ChecklistView(source=handlers.checklist.source, points=[
        views.ChecklistPoint(id=p.id, name=p.name, text=p.text) for p in handlers.checklist.points])


@router.post("/inspections", status_code=201, response_model=views.StepAnswer, responses=WRITES,
             summary="Plan an inspection (明查 announced, 暗访 unannounced) of a unit on a day by named inspectors "
                     "(the office, administrators)")
async def plan(body: c.PlanInspection, principal: Staff, request: Request, handlers: Handlers,
               idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.PLAN_INSPECTION, body.model_dump(mode="json"), principal, handlers.plan,
                      idempotency_key)


@router.get("/inspections", summary="Inspections, latest first (staff and auditors)", responses=problems(401, 403, 422))
async def listed(principal: Readers, reads: ReadsOf, unit: Annotated[str | None, Query(max_length=128)] = None,
                 state: Literal["planned", "inspected", "rectifying", "closed"] | None = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[views.InspectionSummary]:
    return [views.summary(i) for i in await reads.inspections(unit, state, limit)]


@router.get("/inspections/{inspection_id}", summary="One inspection: results, findings, rectifications, steps",
            responses=problems(401, 403, 404, 422))
async def one(inspection_id: InspectionId, principal: Readers, reads: ReadsOf) -> dict[str, Any]:
    found = await reads.inspection(inspection_id)
    if found is None:
        raise NotFound(f"no inspection {inspection_id}")
    document: dict[str, Any] = found.model_dump(mode="json")
    return document


@router.post("/inspections/{inspection_id}/checklist", response_model=views.StepAnswer, responses=WRITES,
             summary="Record the result of every checklist point, on or after the inspection's day")
async def record_checklist(inspection_id: InspectionId, body: c.RecordChecklistBody, principal: Staff,
                           request: Request, handlers: Handlers, idempotency_key: IdempotencyKey = None
                           ) -> dict[str, Any]:
    return await _run(request, c.RECORD_CHECKLIST, {**body.model_dump(mode="json"), "inspection_id": inspection_id},
                      principal, handlers.record_checklist, idempotency_key, inspection_id)


@router.post("/inspections/{inspection_id}/findings", response_model=views.StepAnswer, responses=WRITES,
             summary="Record a finding, with its checklist point and severity")
async def record_finding(inspection_id: InspectionId, body: c.RecordFindingBody, principal: Staff,
                         request: Request, handlers: Handlers, idempotency_key: IdempotencyKey = None
                         ) -> dict[str, Any]:
    return await _run(request, c.RECORD_FINDING, {**body.model_dump(mode="json"), "inspection_id": inspection_id},
                      principal, handlers.record_finding, idempotency_key, inspection_id)


@router.post("/inspections/{inspection_id}/rectifications", response_model=views.StepAnswer, responses=WRITES,
             summary="Order a finding put right within working days; notification keeps the clock")
async def order_rectification(inspection_id: InspectionId, body: c.OrderRectificationBody, principal: Staff,
                              request: Request, handlers: Handlers, idempotency_key: IdempotencyKey = None
                              ) -> dict[str, Any]:
    return await _run(request, c.ORDER_RECTIFICATION,
                      {**body.model_dump(mode="json"), "inspection_id": inspection_id}, principal,
                      handlers.order_rectification, idempotency_key, inspection_id)


@router.post("/inspections/{inspection_id}/rectifications/{rectification_id}/closure", response_model=views.StepAnswer,
             responses=WRITES, summary="Close a rectification with its evidence (refused without it)")
async def close_rectification(inspection_id: InspectionId, rectification_id: RectificationId,
                              body: c.CloseRectificationBody, principal: Staff, request: Request, handlers: Handlers,
                              idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    data = {**body.model_dump(mode="json"), "inspection_id": inspection_id, "rectification_id": rectification_id}
    return await _run(request, c.CLOSE_RECTIFICATION, data, principal, handlers.close_rectification,
                      idempotency_key, inspection_id)


@router.post("/inspections/{inspection_id}/closure", response_model=views.StepAnswer, responses=WRITES,
             summary="Close the inspection: refused while a rectification is open")
async def close(inspection_id: InspectionId, body: c.CloseInspectionBody, principal: Staff, request: Request,
                handlers: Handlers, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.CLOSE_INSPECTION, {**body.model_dump(mode="json"), "inspection_id": inspection_id},
                      principal, handlers.close, idempotency_key, inspection_id)


@router.get("/scorecards", summary="Every unit's scorecard: publications on time and late, withdrawals, requests "
                                   "answered in time, inspections and open rectifications (staff and auditors)",
            responses=problems(401, 403))
async def scorecards(principal: Readers, reads: ReadsOf, handlers: Handlers) -> list[views.Scorecard]:
    return await reads.scorecards(handlers.today())


@router.get("/scorecards/{unit}", summary="One unit's scorecard (staff and auditors)",
            responses=problems(401, 403, 404))
async def scorecard(unit: Annotated[c.Line, Path(min_length=1, max_length=128)], principal: Readers, reads: ReadsOf,
                    handlers: Handlers) -> views.Scorecard:
    found = next((s for s in await reads.scorecards(handlers.today()) if s.unit == unit), None)
    if found is None:
        raise NotFound(f"nothing is known of a unit {unit}")
    return found


