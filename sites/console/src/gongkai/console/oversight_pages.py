"""The office's oversight pages (监督检查, 实施方案七(三); 定期报送, 六(五)): the inspections by state and unit with
the form for a new one, one inspection with the checklist's five points as the service gives them, its findings,
rectifications (the due date the working-day calendar gives, and notification's clock) and every step with who
took it and when; the units' scorecard; the periodic reports to the district office with their delivery.

The oversight service decides who may read and who may act (the office and administrators act, auditors read):
the console asks it with the person's own token and shows its refusal, which the service records, rather than
deciding for it. The forms are shown to the roles the service lets act.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import MultiDict

from . import problems, steps
from .client import ApiError, Unreachable
from .labels import INSPECTION_KINDS, INSPECTION_STATES, SCHEDULES, SEVERITIES
from .web import console_of, notice, posted, render, signed_in

router = APIRouter()

ACTING = ("publisher", "administrator")  # who the oversight service lets take a step: the forms are theirs

PLAN: steps.Forms = {"new": ("安排检查", [
    ("unit", "被检查单位", "text", {}), ("kind", "检查方式", "select", INSPECTION_KINDS),
    ("on", "检查日期", "date", {}), ("inspectors", "检查人员（每行一人）", "lines", {})], "已安排检查。")}
CHECKLIST: steps.Forms = {"checklist": ("记录检查结果", [("results", "检查结果", "checklist", {})],
                                        "检查结果已记录。")}
FORMS: steps.Forms = {
    "findings": ("记录发现的问题", [("point", "检查要点", "select", {}), ("severity", "严重程度", "select", SEVERITIES),
                                    ("text", "问题", "textarea", {})], "问题已记录。"),
    "rectifications": ("下达整改", [
        ("finding_id", "问题", "select", {}), ("text", "整改要求", "textarea", {}),
        ("working_days", "整改期限（工作日，1–60，按工作日历计算）", "number", {}), ("on", "下达日期", "date", {})],
        "已下达整改；到期日按工作日历计算，到期前提醒被检查单位。"),
    "closure": ("办结检查", [("on", "办结日期", "date", {}), ("note", "说明（选填）", "textarea", {})], "检查已办结。"),
}
RECTIFIED: steps.Forms = {"closure": ("整改销号（附佐证材料）", [("evidence", "佐证材料", "textarea", {}),
                                                              ("on", "销号日期", "date", {})], "整改已销号。")}
BY_STATE = {"inspected": ["findings", "rectifications", "closure"], "rectifying": ["findings", "rectifications"]}
COMPILE: steps.Forms = {"new": ("编制定期报告", [
    ("schedule", "报告类型", "select", SCHEDULES),
    ("period", "报告期间（月报如 2026-11，季报如 2026-Q3）", "text", {})],
    "报告已编制，等待报送区政务公开办公室。")}
REDELIVER: steps.Forms = {"redelivery": ("重新报送", [], "已重新安排报送。")}

# the figures of a unit, as the scorecard and a report name them
FIGURES = {"published": "发布", "published_on_time": "按时发布", "published_late": "逾期发布", "withdrawn": "撤回",
           "requests_received": "收到申请", "requests_answered": "已答复", "requests_answered_in_time": "按时答复",
           "inspections": "检查", "findings": "问题", "open_rectifications": "未销号整改",
           "overdue_rectifications": "逾期整改"}


async def _names(request: Request, token: str) -> dict[str, str]:
    """Each staff member's name by id (the service's directory), so a step says who took it."""
    people = (await console_of(request).api.get("oversight", "/people", token))["people"]
    return {p["id"]: p["name"] for p in people}


# ---- the inspections -------------------------------------------------------------------------------------


async def _listing(request: Request, token: str, *, state: str = "", unit: str = "", status: int = 200,
                   form: str = "", values: Any = None, errors: dict[str, str] | None = None,
                   alert: list[str] | None = None) -> Response:
    rows = await console_of(request).api.get("oversight", "/inspections", token, state=state or None,
                                             unit=unit or None)
    return render(request, "inspections.html", status=status, rows=rows, state=state, unit=unit,
                  forms=[("new", *PLAN["new"])], form=form, values=values if values is not None else MultiDict(),
                  errors=errors or {}, alert=alert or [])


@router.get("/inspections")
async def listing(request: Request, state: str = "", unit: str = "") -> Response:
    session = signed_in(request)
    return await _listing(request, session.token, state=state if state in INSPECTION_STATES else "",
                          unit=unit.strip()[:128])


async def _create(request: Request, path: str, fields: Any, again: Callable[..., Awaitable[Response]]
                  ) -> tuple[dict[str, Any], Response | None]:
    """The form's fields posted to oversight at ``path``: what it made, or, refused, the page ``again`` with the
    errors beside the fields they concern and the rest above the form."""
    session, form = await posted(request)
    try:
        made: dict[str, Any] = await console_of(request).api.post(
            "oversight", path, session.token, steps.body_of(fields, form),
            idempotency_key=str(form.get("idempotency_key") or "") or None)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        errors, general = problems.field_errors(exc.detail, [n for n, *_ in fields])
        return {}, await again(request, session.token, status=exc.status, form="new", values=form, errors=errors,
                               alert=[problems.explained(g) for g in general])
    return made, None


@router.post("/inspections/new")
async def plan(request: Request) -> Response:
    made, refused = await _create(request, "/inspections", PLAN["new"][1], _listing)
    if refused is not None:
        return refused
    notice(request, PLAN["new"][2])
    return RedirectResponse(f"/inspections/{made['inspection_id']}", status_code=303)


async def _clocks(request: Request, token: str, rectifications: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Notification's clock of each rectification, by its id (none shown when notification does not answer)."""
    api = console_of(request).api

    async def one(rid: str) -> list[dict[str, Any]]:
        try:
            found: list[dict[str, Any]] = (await api.get("notification", "/deadlines", token, item_id=rid,
                                                         rule="inspection-rectification"))["deadlines"]
        except (ApiError, Unreachable):
            return []
        return found

    found = await asyncio.gather(*(one(r["rectification_id"]) for r in rectifications))
    return {r["rectification_id"]: clocks[-1] for r, clocks in zip(rectifications, found, strict=True) if clocks}


async def _page(request: Request, token: str, inspection_id: str, *, status: int = 200, form: str = "",
                values: Any = None, errors: dict[str, str] | None = None, alert: list[str] | None = None
                ) -> Response:
    api = console_of(request).api
    found, checklist, names = await asyncio.gather(
        api.get("oversight", f"/inspections/{inspection_id}", token), api.get("oversight", "/checklist", token),
        _names(request, token))
    points = {p["id"]: p["name"] for p in checklist["points"]}
    busy = {r["finding_id"] for r in found["rectifications"] if r["closed_on"] is None}
    free = {f["finding_id"]: f"{f['finding_id']} {points.get(f['point'], f['point'])}：{f['text'][:40]}"
            for f in found["findings"] if f["finding_id"] not in busy}
    choices = {"point": points, "finding_id": free}
    forms = []
    for name in BY_STATE.get(found["state"], []):
        if name == "rectifications" and not free:
            continue
        title, fields, done = FORMS[name]
        forms.append((name, title, [(n, t, k, choices.get(n, ch)) for n, t, k, ch in fields], done))
    return render(request, "inspection.html", status=status, i=found, checklist=checklist, points=points,
                  names=names, clocks=await _clocks(request, token, found["rectifications"]), forms=forms,
                  checklist_form=CHECKLIST["checklist"], rectified=RECTIFIED["closure"], form=form,
                  values=values if values is not None else MultiDict(), errors=errors or {}, alert=alert or [])


@router.get("/inspections/{inspection_id}")
async def one(request: Request, inspection_id: str) -> Response:
    session = signed_in(request)
    return await _page(request, session.token, inspection_id)


def _results(form: Any) -> dict[str, Any]:
    """Each point listed with the result chosen and its note; a point left unanswered is sent without one, so
    the service refuses the checklist and names it."""
    results = []
    for point in form.getlist("point"):
        note = str(form.get(f"note:{point}") or "").replace("\r\n", "\n").strip()
        if form.get(f"result:{point}"):
            results.append({"point": str(point), "result": str(form.get(f"result:{point}")),
                            **({"note": note} if note else {})})
    return {"results": results}


@router.post("/inspections/{inspection_id}/checklist")
async def record_checklist(request: Request, inspection_id: str) -> Response:
    return await steps.post_step(request, service="oversight", path=f"/inspections/{inspection_id}/checklist",
                                 subject=inspection_id, form_id="checklist", forms=CHECKLIST, page=_page,
                                 back=f"/inspections/{inspection_id}", roles=(), body=_results)


def _route(form_id: str) -> None:
    async def route(request: Request, inspection_id: str) -> Response:
        return await steps.post_step(request, service="oversight", path=f"/inspections/{inspection_id}/{form_id}",
                                     subject=inspection_id, form_id=form_id, forms=FORMS, page=_page,
                                     back=f"/inspections/{inspection_id}", roles=())

    router.add_api_route(f"/inspections/{{inspection_id}}/{form_id}", route, methods=["POST"],
                         name=f"inspection-{form_id}")


for _form in FORMS:
    _route(_form)


@router.post("/inspections/{inspection_id}/rectifications/{rectification_id}/closure")
async def close_rectification(request: Request, inspection_id: str, rectification_id: str) -> Response:
    async def page(request: Request, token: str, subject: str, **shown: Any) -> Response:
        return await _page(request, token, subject, **{**shown, "form": f"closure:{rectification_id}"})

    return await steps.post_step(request, service="oversight",
                                 path=f"/inspections/{inspection_id}/rectifications/{rectification_id}/closure",
                                 subject=inspection_id, form_id="closure", forms=RECTIFIED, page=page,
                                 back=f"/inspections/{inspection_id}", roles=())


# ---- the scorecard ---------------------------------------------------------------------------------------


@router.get("/scorecard")
async def scorecard(request: Request) -> Response:
    session = signed_in(request)
    cards = await console_of(request).api.get("oversight", "/scorecards", session.token)
    return render(request, "scorecard.html", cards=cards)


# ---- the periodic reports --------------------------------------------------------------------------------


async def _reports(request: Request, token: str, subject: str = "", *, status: int = 200, form: str = "",
                   values: Any = None, errors: dict[str, str] | None = None, alert: list[str] | None = None
                   ) -> Response:
    rows, names = await asyncio.gather(console_of(request).api.get("oversight", "/reports", token),
                                       _names(request, token))
    return render(request, "reports.html", status=status, rows=rows, names=names, forms=[("new", *COMPILE["new"])],
                  form=form, values=values if values is not None else MultiDict(), errors=errors or {},
                  alert=alert or [])


@router.get("/reports")
async def reports(request: Request) -> Response:
    session = signed_in(request)
    return await _reports(request, session.token)


@router.post("/reports/new")
async def compile_report(request: Request) -> Response:
    made, refused = await _create(request, "/reports", COMPILE["new"][1], _reports)
    if refused is not None:
        return refused
    notice(request, f"报告 {made['report_id']} 已编制，报送截止日期 {made.get('due_on') or '—'}；"
                    "系统将报送区政务公开办公室并等待回执。")
    return RedirectResponse(f"/reports/{made['report_id']}", status_code=303)


@router.get("/reports/{report_id}")
async def report(request: Request, report_id: str) -> Response:
    session = signed_in(request)
    found, names = await asyncio.gather(
        console_of(request).api.get("oversight", f"/reports/{report_id}", session.token),
        _names(request, session.token))
    return render(request, "report.html", r=found, names=names, c=found["content"], figures=FIGURES,
                  forms=[("redelivery", *REDELIVER["redelivery"])], form="",
                  values=MultiDict(), errors={}, alert=[])


@router.post("/reports/{report_id}/redelivery")
async def redeliver(request: Request, report_id: str) -> Response:
    return await steps.post_step(request, service="oversight", path=f"/reports/{report_id}/redelivery",
                                 subject=report_id, form_id="redelivery", forms=REDELIVER, page=_reports,
                                 back=f"/reports/{report_id}", roles=())
