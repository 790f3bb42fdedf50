"""The auditor's pages (审计员): the log searched, an item's trail, refusals, checkpoints and how to verify them,
exports, the annual report's tables and the per-unit statistics. Every query is audit's, and audit records
each one in the log itself (``audit.query_recorded``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from . import problems
from .client import ApiError
from .web import console_of, notice, posted, render, signed_in, today

router = APIRouter()


def _moment(value: str) -> str | None:
    """``datetime-local`` (Beijing time) as ISO 8601 with its offset, which audit requires."""
    value = (value or "").strip()
    if not value:
        return None
    return f"{value}:00+08:00" if len(value) == 16 else value


def _filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    return {"item": q.get("item") or None, "actor": q.get("actor") or None, "type": q.get("type") or None,
            "from": _moment(q.get("from", "")), "to": _moment(q.get("to", ""))}


async def _query(call: Awaitable[Any], fields: tuple[str, ...]) -> tuple[Any, dict[str, str], list[str]]:
    try:
        return await call, {}, []
    except ApiError as exc:
        if exc.status != 422:
            raise
        errors, alert = problems.field_errors(exc.detail.replace("query ", ""), fields)
        return None, errors, alert


@router.get("/audit")
async def search_events(request: Request, after_seq: int = 0) -> Response:
    session = signed_in(request, "auditor")
    chosen = _filters(request)
    found: Any = None
    errors: dict[str, str] = {}
    alert: list[str] = []
    if any(chosen.values()) or request.query_params.get("all"):
        found, errors, alert = await _query(console_of(request).api.get(
            "audit", "/events", session.token, **chosen, after_seq=after_seq, limit=50),
            ("item", "actor", "type", "from", "to"))
    return render(request, "audit_events.html", found=found, q=request.query_params, errors=errors, alert=alert,
                  export=str(request.url.include_query_params()).split("?", 1)[-1] if found else "")


@router.get("/audit/refusals")
async def refusals(request: Request, after_seq: int = 0) -> Response:
    session = signed_in(request, "auditor")
    q = request.query_params
    found, errors, alert = await _query(console_of(request).api.get(
        "audit", "/refusals", session.token, item=q.get("item") or None, person=q.get("person") or None,
        **{"from": _moment(q.get("from", "")), "to": _moment(q.get("to", ""))}, after_seq=after_seq, limit=50),
        ("item", "person", "from", "to"))
    return render(request, "audit_refusals.html", found=found, q=q, errors=errors, alert=alert)


@router.get("/audit/items/{item_id}")
async def trail(request: Request, item_id: str) -> Response:
    session = signed_in(request, "auditor")
    api = console_of(request).api
    try:
        events = (await api.get("audit", f"/items/{item_id}/events", session.token))["events"]
    except ApiError as exc:
        if exc.status != 404:
            raise
        events = []
    refused = (await api.get("audit", "/refusals", session.token, item=item_id, limit=200))["refusals"]
    return render(request, "audit_trail.html", item_id=item_id, events=events, refusals=refused)


@router.get("/audit/log")
async def log(request: Request) -> Response:
    session = signed_in(request, "auditor")
    api = console_of(request).api
    key = await api.get("audit", "/log/key", session.token)
    try:
        latest = await api.get("audit", "/log/checkpoints/latest", session.token)
    except ApiError as exc:
        if exc.status != 404:
            raise
        latest = None
    return render(request, "audit_log.html", key=key, latest=latest, audit_url=console_of(request).settings.audit_url)


@router.post("/audit/log/checkpoint")
async def sign_checkpoint(request: Request) -> Response:
    session, _ = await posted(request, "auditor")
    try:
        signed = await console_of(request).api.post("audit", "/log/checkpoints", session.token)
        notice(request, f"检查点已签署：{signed['size']} 条。")
    except ApiError as exc:
        if exc.status != 404:
            raise
        notice(request, "日志还是空的，没有可签署的检查点。")
    return RedirectResponse("/audit/log", status_code=303)


@router.get("/audit/export")
async def export(request: Request, format: str = "csv") -> Response:
    """Audit's export streamed through: the browser has no token, the console adds it."""
    session = signed_in(request, "auditor")
    format = "jsonl" if format == "jsonl" else "csv"
    api = console_of(request).api
    params = {**_filters(request), "format": format}
    opened = api.stream("audit", "/events/export", session.token, params)
    response = await opened.__aenter__()

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_bytes():
                yield chunk
        finally:
            await opened.__aexit__(None, None, None)

    name = f"audit-events.{format}"
    return StreamingResponse(body(), media_type=response.headers.get("content-type", "application/octet-stream"),
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/audit/reports")
async def annual_report(request: Request, year: int | None = None) -> Response:
    session = signed_in(request, "auditor")
    year = year or today().year
    report = await console_of(request).api.get("audit", "/reports/annual", session.token, year=year)
    return render(request, "audit_report.html", report=report, year=year)


@router.get("/audit/statistics")
async def statistics(request: Request) -> Response:
    session = signed_in(request, "auditor")
    q = request.query_params
    since = q.get("from") or date(today().year, 1, 1).isoformat()
    until = q.get("to") or today().isoformat()
    found, errors, alert = await _query(console_of(request).api.get(
        "audit", "/statistics", session.token, unit=q.get("unit") or None, **{"from": since, "to": until}),
        ("from", "to", "unit"))
    return render(request, "audit_statistics.html", found=found, since=since, until=until, unit=q.get("unit", ""),
                  errors=errors, alert=alert)
