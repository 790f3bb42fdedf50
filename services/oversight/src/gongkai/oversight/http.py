"""The oversight service's HTTP API: inspections under /inspections, the checklist, the units' scorecards.

Every write turns its body into the same command an AMQP intake message carries and runs the same handler; a
refusal is answered with its status and reason and recorded as ``access.refused``.
"""

# No ``from __future__ import annotations``: FastAPI reads the body models as real annotations.

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from gongkai.shared import contracts as c
from gongkai.shared.errors import NotFound
from gongkai.shared.http import IdempotencyKey, problems, requires, run_command, service_of
from gongkai.shared.identity import Principal, Role

from . import annual, repository, views
from .handlers import Oversight
from .reads import Reads
from .reports import SIGNATURE_HEADER, TIMESTAMP_HEADER

router = APIRouter(tags=["inspections"])
district = APIRouter(tags=["district reports"])

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
    return await run_command(request, SOURCE, kind, data, principal, handler, key, subject)


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
            responses=problems(401, 403, 404, 422))
async def scorecard(unit: Annotated[c.Line, Path(min_length=1, max_length=128)], principal: Readers, reads: ReadsOf,
                    handlers: Handlers) -> views.Scorecard:
    found = next((s for s in await reads.scorecards(handlers.today()) if s.unit == unit), None)
    if found is None:
        raise NotFound(f"nothing is known of a unit {unit}")
    return found



# ---- the annual report's figures and texts ---------------------------------------------------------------------

annual_router = APIRouter(tags=["annual report"])
Year = Annotated[int, Path(ge=2000, le=2100, description="the year the report is of")]


@annual_router.post("/annual-reports/{year}/figures", response_model=views.AnnualAnswer, responses=WRITES,
                    summary="Enter figures of a year's annual report (规章, 规范性文件, 行政许可, 行政处罚, 行政强制, "
                            "行政事业性收费, 信息处理费), each kept with who entered it (the office, administrators)")
async def enter_figures(year: Year, body: c.EnterReportFiguresBody, principal: Staff, request: Request,
                        handlers: Handlers, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.ENTER_REPORT_FIGURES, {**body.model_dump(mode="json"), "year": year}, principal,
                      handlers.enter_report_figures, idempotency_key, f"annual-report:{year}")


@annual_router.post("/annual-reports/{year}/texts/{section}", response_model=views.AnnualAnswer, responses=WRITES,
                    summary="Save a section's text of a year's annual report: overview (一), problems (五), other (六)")
async def save_text(year: Year, section: c.ReportSection, body: c.SaveReportTextBody, principal: Staff,
                    request: Request, handlers: Handlers, idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.SAVE_REPORT_TEXT, {**body.model_dump(mode="json"), "year": year,
                                                    "section": section.value}, principal,
                      handlers.save_report_text, idempotency_key, f"annual-report:{year}")


@annual_router.get("/annual-reports/{year}", responses=problems(401, 403, 422),
                   summary="A year's entered figures and texts, each with who entered it and when, and every entry")
async def annual_entries(year: Year, principal: Readers, request: Request) -> dict[str, Any]:
    async with service_of(request).sessions() as session:
        return await annual.entered(session, year)


# ---- periodic reports to the district office ----------------------------------------------------------------

ReportId = Annotated[c.Line, Path(min_length=1, max_length=64, description="the report's id")]


@district.post("/reports", status_code=201, response_model=views.ReportAnswer, responses=WRITES,
               summary="Compile the report of a period (2026-11 monthly, 2026-Q4 quarterly) that has ended; it is "
                       "delivered to the district office by the sender (the office, administrators)")
async def compile_report(body: c.CompileReport, principal: Staff, request: Request, handlers: Handlers,
                         idempotency_key: IdempotencyKey = None) -> dict[str, Any]:
    return await _run(request, c.COMPILE_REPORT, body.model_dump(mode="json"), principal, handlers.compile_report,
                      idempotency_key)


@district.get("/reports", summary="The reports, latest period first, with their delivery and acknowledgement",
              responses=problems(401, 403, 422))
async def reports(principal: Readers, request: Request,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[views.ReportSummary]:
    async with service_of(request).sessions() as session:
        return [views.report_summary(r) for r in await repository.reports_listed(session, limit)]


@district.get("/reports/{report_id}", summary="One report with its content as delivered",
              responses=problems(401, 403, 404, 422))
async def report(report_id: ReportId, principal: Readers, request: Request) -> views.ReportDetail:
    async with service_of(request).sessions() as session:
        found = await repository.get_report(session, report_id)
    if found is None:
        raise NotFound(f"no report {report_id}")
    return views.report_detail(found)


@district.post("/reports/{report_id}/redelivery", response_model=views.ReportAnswer, responses=WRITES,
               summary="Try a failed delivery again, from its first attempt (the office, administrators)")
async def redeliver(report_id: ReportId, principal: Staff, request: Request, handlers: Handlers) -> dict[str, Any]:
    async with service_of(request).uow() as uow:
        answer = await handlers.reports.redeliver(uow, report_id)  # type: ignore[arg-type]
        await uow.commit()
    return answer


@district.post("/district/acknowledgements", response_model=views.ReportAnswer,
               responses=problems(400, 401, 404, 409, 413, 422),
               summary="The district office acknowledges a delivered report with its receipt number, signed like "
                       "the delivery: X-Gongkai-Timestamp, X-Gongkai-Signature (sha256=HMAC over timestamp.body)",
               openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
                   "schema": c.AcknowledgeReport.model_json_schema()}}}})
async def acknowledge(request: Request, handlers: Handlers,
                      timestamp: Annotated[str, Header(alias=TIMESTAMP_HEADER, max_length=20)] = "",
                      signature: Annotated[str, Header(alias=SIGNATURE_HEADER, max_length=100)] = ""
                      ) -> dict[str, Any]:
    body = await request.body()
    async with service_of(request).uow() as uow:
        answer = await handlers.reports.acknowledge(uow, body, timestamp, signature)  # type: ignore[arg-type]
        await uow.commit()
    return answer
