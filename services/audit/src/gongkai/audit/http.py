"""Auditors' HTTP API: queries, refusals, exports, statistics, and what verifying the log takes (entries, proofs,
signed checkpoints, the public key). Every route needs the auditor role."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from gongkai.shared.contracts import Line
from gongkai.shared.errors import NotFound, Refused
from gongkai.shared.http import problems, requires
from gongkai.shared.identity import Principal, Role

from . import annual_rendering, views
from .handlers import Audit

router = APIRouter(tags=["audit"])

Auditor = Annotated[Principal, Depends(requires(Role.auditor))]
# The whole annual report is read by those who write and submit it too (it is published in full).
ReportReader = Annotated[Principal, Depends(requires(Role.auditor, Role.publisher, Role.administrator,
                                                     Role.submitter))]
MAX_SPAN = timedelta(days=3661)  # ten years: a longer range is a mistake, not a question
MAX_SIZE = 2**62


def audit(request: Request) -> Audit:
    service: Audit = request.app.state.audit
    return service


Handlers = Annotated[Audit, Depends(audit)]


def _span(since: date | datetime | None, until: date | datetime | None) -> None:
    if since is not None and until is not None:
        if until < since:
            raise Refused(f"'to' ({until}) is before 'from' ({since})", status=422)
        if until - since > MAX_SPAN:
            raise Refused("a range longer than ten years is refused: ask for a shorter one", status=422)
    for moment in (since, until):
        if moment is not None and not 2000 <= moment.year <= 2100:
            raise Refused(f"{moment} is outside the years 2000–2100 the log can hold", status=422)


Since = Annotated[datetime | None, Query(alias="from", description="recorded at or after (ISO 8601, with offset)")]
Until = Annotated[datetime | None, Query(alias="to", description="recorded before (ISO 8601, with offset)")]
Item = Annotated[Line | None, Query(max_length=256, description="the item id (the envelope's subject)")]


def _window(since: datetime | None, until: datetime | None) -> None:
    for moment in (since, until):
        if moment is not None and moment.tzinfo is None:
            raise Refused("'from' and 'to' need a time zone offset, e.g. 2026-01-01T00:00:00+08:00", status=422)
    _span(since, until)


def filters(
    type: Annotated[Line | None, Query(max_length=128)] = None,
    actor: Annotated[Line | None, Query(max_length=128)] = None,
    item: Item = None,
    unit: Annotated[Line | None, Query(max_length=128, description="data.unit, else the actor's unit")] = None,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    _window(since, until)
    return {"type": type, "actor": actor, "item": item, "unit": unit, "since": since, "until": until}


Filters = Annotated[dict[str, Any], Depends(filters)]
QUERY = problems(401, 403, 422)


@router.get("/items/{item_id}/events",
            summary="Every recorded message about an item, and the commands that caused them, in order",
            responses=problems(401, 403, 404, 422))
async def item_events(item_id: Annotated[Line, Path(min_length=1, max_length=256)], auditor: Auditor,
                      handlers: Handlers) -> views.Trail:
    trail = await handlers.trail(auditor, item_id)
    if not trail:
        raise NotFound(f"nothing recorded for item {item_id}")
    return views.Trail.model_validate({"item_id": item_id, "events": trail})


@router.get("/events", summary="The log in recording order, filtered by type, actor, item, unit and time, "
                               "paged by seq", responses=QUERY)
async def list_events(
    auditor: Auditor, handlers: Handlers, chosen: Filters,
    after_seq: Annotated[int, Query(ge=0, le=MAX_SIZE, description="return records with a greater seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> views.EventPage:
    return views.EventPage.model_validate(await handlers.events(auditor, after_seq=after_seq, limit=limit, **chosen))


@router.get("/refusals", summary="Refused requests and messages (access.refused, intake.rejected, "
                                 "publication_refused) per item and per person, paged by seq", responses=QUERY)
async def list_refusals(
    auditor: Auditor, handlers: Handlers, item: Item = None,
    person: Annotated[Line | None, Query(max_length=128, description="the person refused")] = None,
    since: Since = None, until: Until = None,
    after_seq: Annotated[int, Query(ge=0, le=MAX_SIZE, description="return refusals with a greater seq")] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> views.RefusalPage:
    _window(since, until)
    return views.RefusalPage.model_validate(await handlers.refusals(
        auditor, item=item, person=person, since=since, until=until, after_seq=after_seq, limit=limit))


EXPORTED: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}},
                      "text/csv": {"schema": {"type": "string"}}},
          "description": "one entry a line (JSON lines), or CSV with a header row"}}


@router.get("/events/export", summary="The same filters, every matching entry, streamed as CSV or JSON lines",
            response_class=StreamingResponse, responses={**EXPORTED, **QUERY})
async def export_events(auditor: Auditor, handlers: Handlers, chosen: Filters,
                        format: Literal["csv", "jsonl"] = "jsonl") -> StreamingResponse:
    rows = handlers.export(auditor, format, **chosen)
    if format == "jsonl":
        return StreamingResponse(_jsonl(rows), media_type="application/x-ndjson")
    return StreamingResponse(_csv(rows), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": 'attachment; filename="audit-events.csv"'})


CSV_COLUMNS = ("seq", "received_at", "exchange", "routing_key", "valid", "flag", "user_id", "dead_lettered",
               "dead_letter_reason", "id", "type", "source", "time", "subject", "actor", "actorunit", "data")


async def _jsonl(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    async for row in rows:
        yield (json.dumps(row, ensure_ascii=False, default=str) + "\n").encode()


async def _csv(rows: AsyncIterator[dict[str, Any]]) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_COLUMNS)
    async for row in rows:
        envelope = row["envelope"] or {}
        writer.writerow([row["seq"], row["received_at"], row["exchange"], row["routing_key"], row["valid"],
                         row["flag"] or "", row["user_id"] or "", row["dead_lettered"], row["dead_letter_reason"] or "",
                         *(envelope.get(k, "") for k in ("id", "type", "source", "time", "subject", "actor",
                                                         "actorunit")),
                         json.dumps(envelope.get("data"), ensure_ascii=False) if row["valid"] else row["raw"]])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue().encode()


# ---- verifying the log ----------------------------------------------------------------------


@router.get("/log/entries", summary="Raw entries (base64 body) with the leaf hash the tree recorded, by seq",
            responses=QUERY)
async def log_entries(
    auditor: Auditor, handlers: Handlers,
    after_seq: Annotated[int, Query(ge=0, le=MAX_SIZE)] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 1000,
    up_to: Annotated[int | None, Query(ge=0, le=MAX_SIZE, description="no entry after this seq")] = None,
) -> views.RawEntries:
    return views.RawEntries.model_validate(await handlers.entries(auditor, after_seq=after_seq, limit=limit,
                                                                  up_to=up_to))


@router.get("/log/checkpoints", summary="Signed checkpoints in order of size", responses=QUERY)
async def list_checkpoints(
    _: Auditor, handlers: Handlers,
    after_size: Annotated[int, Query(ge=0, le=MAX_SIZE)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> views.Checkpoints:
    return views.Checkpoints.model_validate({"checkpoints": await handlers.checkpoints(after_size=after_size,
                                                                                       limit=limit)})


@router.get("/log/checkpoints/latest", summary="The latest signed checkpoint", responses=problems(401, 403, 404, 422))
async def latest_checkpoint(_: Auditor, handlers: Handlers) -> views.Checkpoint:
    return views.Checkpoint.model_validate(await handlers.latest_checkpoint())


@router.post("/log/checkpoints", summary="Sign a checkpoint now (when the log grew), and return the latest",
             responses=problems(401, 403, 404, 413, 422))
async def sign_checkpoint(_: Auditor, handlers: Handlers) -> views.Checkpoint:
    await handlers.checkpoint()
    return views.Checkpoint.model_validate(await handlers.latest_checkpoint())


@router.get("/log/key", summary="The log's origin and its verifier key (name+key id+base64 Ed25519 key)",
            responses=QUERY)
async def public_key(_: Auditor, handlers: Handlers) -> views.PublicKey:
    return views.PublicKey.model_validate(handlers.public_key())


@router.get("/log/proofs/inclusion", summary="RFC 6962 inclusion proof of entry seq in the tree of a size",
            responses=QUERY)
async def inclusion_proof(
    _: Auditor, handlers: Handlers,
    seq: Annotated[int, Query(ge=1, le=MAX_SIZE)],
    size: Annotated[int, Query(ge=1, le=MAX_SIZE, description="a checkpoint's size")],
) -> views.InclusionProof:
    return views.InclusionProof.model_validate(await handlers.inclusion(seq, size))


@router.get("/log/proofs/consistency", summary="RFC 6962 consistency proof between two tree sizes", responses=QUERY)
async def consistency_proof(
    _: Auditor, handlers: Handlers,
    old: Annotated[int, Query(alias="from", ge=0, le=MAX_SIZE)],
    new: Annotated[int, Query(alias="to", ge=0, le=MAX_SIZE)],
) -> views.ConsistencyProof:
    return views.ConsistencyProof.model_validate(await handlers.consistency(old, new))


# ---- statistics -----------------------------------------------------------------------------


@router.get("/statistics", summary="Per unit: submitted, approved, rejected, blocked, withheld by legal reason, "
                                   "published on time and late, withdrawn, reminders, escalations",
            responses=QUERY)
async def unit_statistics(
    auditor: Auditor, handlers: Handlers,
    since: Annotated[date, Query(alias="from")],
    until: Annotated[date, Query(alias="to", description="inclusive")],
    unit: Annotated[Line | None, Query(max_length=128)] = None,
) -> views.Statistics:
    _span(since, until)
    return views.Statistics.model_validate(await handlers.statistics(auditor, since=since, until=until, unit=unit))


@router.get("/reports/annual", summary="The annual report's tables 二, 三 and 四 (国办公开办函〔2021〕30号)",
            responses=QUERY)
async def annual_report(auditor: Auditor, handlers: Handlers,
                        year: Annotated[int, Query(ge=2000, le=2100)]) -> views.AnnualReport:
    return views.AnnualReport.model_validate(await handlers.annual_report(auditor, year))


RENDERED: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": views.FullAnnualReport.model_json_schema()},
                      "text/html": {"schema": {"type": "string"}}, "application/pdf": {"schema": {"type": "string"}},
                      "text/plain": {"schema": {"type": "string"}}},
          "description": "the report as JSON (every section, figure and check), HTML, PDF or plain text"}}


@router.get("/reports/annual/full", summary="The whole annual report (国办公开办函〔2021〕30号): 一 to 六 with the "
                                            "entered figures and the consistency checks, as JSON, HTML, PDF or text",
            response_model=views.FullAnnualReport, responses={**RENDERED, **QUERY})
async def full_annual_report(reader: ReportReader, handlers: Handlers,
                             year: Annotated[int, Query(ge=2000, le=2100)],
                             format: Literal["json", "html", "pdf", "text"] = "json") -> Any:
    report = await handlers.full_annual_report(reader, year, format)
    if format == "json":
        return views.FullAnnualReport.model_validate(report)
    if format == "text":
        return Response(annual_rendering.text(report), media_type="text/plain; charset=utf-8")
    page = annual_rendering.html(report)
    if format == "html":
        return Response(page, media_type="text/html; charset=utf-8")
    return Response(annual_rendering.pdf(page), media_type="application/pdf",
                    headers={"content-disposition": f'inline; filename="annual-report-{year}.pdf"'})
