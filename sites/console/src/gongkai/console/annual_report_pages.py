"""The annual report's page (政府信息公开工作年度报告): the office enters the figures no event gives and the sections'
texts (oversight), everyone concerned sees the report as audit assembles it, its checks and its PDF, and a
submitter of the office submits it as an S08 disclosure item (a draft, then submitted to review), refused while a
check fails."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from . import problems
from .client import ApiError
from .web import console_of, notice, posted, render, signed_in, today

router = APIRouter()

READERS = ("publisher", "administrator", "submitter", "auditor")
OFFICE = ("publisher", "administrator")
SECTIONS = {"overview": "一、总体情况", "problems": "五、存在的主要问题及改进情况", "other": "六、其他需要报告的事项"}
CATEGORY = "S08"


def _year(year: int | None) -> int:
    """The report written in January is of the year before; from February on, of the year under way."""
    if year is not None:
        return year
    now = today()
    return now.year - 1 if now.month == 1 else now.year


async def _page(request: Request, year: int, *, status: int = 200, alert: list[str] | None = None,
                errors: dict[str, str] | None = None, values: Any = None) -> Response:
    session = signed_in(request, *READERS)
    api = console_of(request).api
    report = await api.get("audit", "/reports/annual/full", session.token, year=year)
    history = None
    if session.person.has("publisher", "administrator", "auditor"):
        history = (await api.get("oversight", f"/annual-reports/{year}", session.token))["history"]
    full_text = (await _rendered(request, session.token, year, "text"))[0].decode()
    return render(request, "annual_report.html", status=status, report=report, year=year, history=history,
                  full_text=full_text, sections=SECTIONS, alert=alert or [], errors=errors or {}, values=values or {})


@router.get("/annual-report")
async def annual_report(request: Request, year: int | None = None) -> Response:
    return await _page(request, _year(year))


@router.get("/annual-report/{year}/report.{format}")
async def rendered(request: Request, year: int, format: str) -> Response:
    """The report as audit renders it (HTML or PDF): the browser has no token, the console adds it."""
    session = signed_in(request, *READERS)
    if format not in ("html", "pdf"):
        return Response("html or pdf", status_code=404)
    body, media = await _rendered(request, session.token, year, format)
    # The report's page carries its own style and nothing else: no script, nothing loaded, never framed.
    policy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    return Response(body, media_type=media, headers={"Content-Security-Policy": policy} if format == "html" else {})


async def _rendered(request: Request, token: str, year: int, format: str) -> tuple[bytes, str]:
    async with console_of(request).api.stream("audit", "/reports/annual/full", token,
                                              {"year": year, "format": format}) as response:
        return await response.aread(), response.headers.get("content-type", "application/octet-stream")


@router.post("/annual-report/{year}/figures")
async def enter_figures(request: Request, year: int) -> Response:
    """Only the figures changed on the form are entered, so each keeps who really entered it."""
    session, form = await posted(request, *OFFICE)
    report = await console_of(request).api.get("audit", "/reports/annual/full", session.token, year=year)
    figures = []
    for key, figure in report["figures"].items():
        value = str(form.get(key) or "").strip()
        was = figure["shown"] if figure["source"] == "entered" else ""
        if value and value != was:
            note = str(form.get(f"{key}-note") or "").strip()
            figures.append({"figure": key, "value": value, **({"note": note} if note else {})})
    if not figures:
        notice(request, "没有改动的数据。")
        return RedirectResponse(f"/annual-report?year={year}", status_code=303)
    return await _entered(request, year, session.token, form, "figures", {"figures": figures},
                          f"已填报{len(figures)}项数据。")


@router.post("/annual-report/{year}/texts/{section}")
async def save_text(request: Request, year: int, section: str) -> Response:
    session, form = await posted(request, *OFFICE)
    return await _entered(request, year, session.token, form, f"texts/{section}",
                          {"text": str(form.get("text") or "").replace("\r\n", "\n")},
                          f"已保存{SECTIONS.get(section, section)}。")


async def _entered(request: Request, year: int, token: str, form: Any, what: str, body: dict[str, Any],
                   done: str) -> Response:
    """The office's entry posted to oversight (``/annual-reports/{year}/{what}``): back to the page with ``done``,
    or, refused, the page again with oversight's reason and the form as it was filled."""
    try:
        await console_of(request).api.post("oversight", f"/annual-reports/{year}/{what}", token, body,
                                           idempotency_key=str(form.get("idempotency_key") or "") or None)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        return await _page(request, year, status=exc.status, alert=[problems.chinese(exc.detail)], values=form)
    notice(request, done)
    return RedirectResponse(f"/annual-report?year={year}", status_code=303)


@router.post("/annual-report/{year}/submission")
async def submit(request: Request, year: int) -> Response:
    """The report as a disclosure item of S08: the text as its body, the PDF as its attachment; refused while a
    check fails. It is reviewed like any item and published on the portal once approved."""
    session, form = await posted(request, "submitter")
    api = console_of(request).api
    report = await api.get("audit", "/reports/annual/full", session.token, year=year)
    failing = [check for check in report["checks"] if check["holds"] is False]
    if failing:
        return await _page(request, year, status=409, values=form, alert=[
            f"有{len(failing)}项核对未通过，暂不能提交：" + "；".join(f"{c['rule']}（{c['why']}）" for c in failing)])
    text, _ = await _rendered(request, session.token, year, "text")
    pdf, _ = await _rendered(request, session.token, year, "pdf")
    body = text.decode()
    item = {"title": report["title"], "body": body, "category": CATEGORY,
            "summary": f"{report['agency']}{year}年政府信息公开工作年度报告（{report['format']}格式）",
            "attachments": [{"name": f"{report['title']}.pdf", "media_type": "application/pdf", "size": len(pdf),
                             "sha256": hashlib.sha256(pdf).hexdigest(), "text": body}]}
    key = str(form.get("idempotency_key") or "") or None
    try:
        made = await api.post("publishing", "/drafts", session.token, item, idempotency_key=key)
        await api.post("publishing", f"/items/{made['item_id']}/submit", session.token,
                       idempotency_key=f"{key}-submit" if key else None)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        return await _page(request, year, status=exc.status, alert=[problems.chinese(exc.detail)], values=form)
    notice(request, "年度报告已提交审查。")
    return RedirectResponse(f"/items/{made['item_id']}", status_code=303)
