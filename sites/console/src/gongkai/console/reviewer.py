"""The reviewer's pages (审查员): the queue and a case, with the findings marked and the decisions.

The queue is review's open cases with notification's review-sla due dates, sorted by due date, then risk. A
decision is posted to review with the content hash the page was rendered from (shown, never typed): if the
case changed meanwhile, review refuses it as stale, and the page says so. Review enforces the rules (authors
may not decide; two people for high risk; the reviewer who asked for a redaction is not enough alone); the
page shows where the case stands and, when review refuses, its reason.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import MultiDict

from . import problems
from .client import ApiError
from .labels import RISK_ORDER
from .text import fields_of, highlighted
from .web import console_of, notice, posted, render, restored, signed_in, today

router = APIRouter()
DECISIONS = ("approve", "reject", "redact", "withhold")


async def names(request: Request, token: str) -> dict[str, str]:
    people = (await console_of(request).api.get("publishing", "/people", token))["people"]
    return {p["id"]: p["name"] for p in people} | {"service:review": "自动审查"}


def queue_order(cases: list[dict[str, Any]], due: dict[str, str]) -> list[dict[str, Any]]:
    """By due date (soonest first; none last), then risk (gravest first), then the oldest."""
    for case in cases:
        case["due_on"] = due.get(case["case_id"])
        case["overdue"] = bool(case["due_on"]) and date.fromisoformat(case["due_on"]) < today()
    return sorted(cases, key=lambda c: (c["due_on"] or "9999-12-31", RISK_ORDER.get(c["risk"], 9), c["opened_at"]))


@router.get("/queue")
async def queue(request: Request) -> Response:
    session = signed_in(request, "reviewer")
    api = console_of(request).api
    cases = await api.get("review", "/cases", session.token, state="open", limit=500)
    clocks = await api.get("notification", "/deadlines", session.token, rule="review-sla", state="open", limit=1000)
    due = {d["subject"]: d["due_on"] for d in clocks["deadlines"]}
    return render(request, "queue.html", cases=queue_order(cases, due), names=await names(request, session.token))


def standing(case: dict[str, Any], me: str) -> dict[str, Any]:
    """Where the case stands for ``me``: approvals so far, what is still needed, and why I may not decide."""
    approvals = case["approvals"]
    requester = case.get("redaction_requested_by")
    return {
        "approvals": approvals, "required": case["required_approvals"],
        "requester_alone": bool(requester) and bool(approvals) and set(approvals) <= {requester},
        "author": me == case["submitted_by"] or me in case.get("authors", []),
        "approved_by_me": me in approvals, "requested_by_me": me == requester,
    }


async def _case_page(request: Request, token: str, case_id: str, me: str, *, status: int = 200, form: str = "",
                     values: Any = None, errors: dict[str, str] | None = None, alert: list[str] | None = None
                     ) -> Response:
    api = console_of(request).api
    case = await api.get("review", f"/cases/{case_id}", token)
    clocks = await api.get("notification", "/deadlines", token, item_id=case["item_id"], rule="review-sla")
    clock = next((d for d in clocks["deadlines"] if d["subject"] == case_id), None)
    texts = [(field, label, highlighted(text, field, case["findings"])) for field, label, text in fields_of(case)]
    return render(request, "case.html", status=status, case=case, texts=texts, clock=clock,
                  standing=standing(case, me), names=await names(request, token), form=form,
                  values=values if values is not None else MultiDict(), errors=errors or {}, alert=alert or [])


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str) -> Response:
    session = signed_in(request, "reviewer", "auditor")
    form, values = restored(request, session)
    return await _case_page(request, session.token, case_id, session.person.id, form=form, values=values)


def spans_of(text: str) -> list[dict[str, Any]]:
    """The redaction form's spans (JSON the page's script writes): [{field, start, end}], code points."""
    try:
        spans = json.loads(text or "[]")
    except ValueError:
        raise ValueError("所选范围无法读取，请重新选择") from None
    if not isinstance(spans, list) or not all(
            isinstance(s, dict) and isinstance(s.get("field"), str) and type(s.get("start")) is int
            and type(s.get("end")) is int for s in spans):
        raise ValueError("所选范围无法读取，请重新选择")
    return [{"field": s["field"], "start": s["start"], "end": s["end"]} for s in spans]


@router.post("/cases/{case_id}/decide")
async def decide(request: Request, case_id: str) -> Response:
    session, form = await posted(request, "reviewer")
    decision = str(form.get("decision") or "")
    body: dict[str, Any] = {"decision": decision, "content_hash": str(form.get("content_hash") or "")}
    if reason := str(form.get("reason") or "").strip():
        body["reason"] = reason
    if decision == "withhold" and form.get("legal_reason"):
        body["legal_reason"] = form.get("legal_reason")
    fields = ("reason", "legal_reason", "spans")
    if decision == "redact":
        try:
            body["spans"] = spans_of(str(form.get("spans") or ""))
        except ValueError as exc:
            return await _case_page(request, session.token, case_id, session.person.id, status=422, form=decision,
                                    values=form, errors={"spans": str(exc)})
        if not body["spans"]:
            return await _case_page(request, session.token, case_id, session.person.id, status=422, form=decision,
                                    values=form, errors={"spans": "请先在文本中选择要删去的文字"})
    try:
        decided = await console_of(request).api.post("review", f"/cases/{case_id}/decision", session.token, body,
                                                     idempotency_key=str(form.get("idempotency_key") or "") or None)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        errors, alert = problems.field_errors(exc.detail, fields)
        if exc.status != 422 or not errors:
            alert = [f"{problems.chinese(exc.detail)}（审查服务答复 {exc.status}：{exc.detail}）"]
        return await _case_page(request, session.token, case_id, session.person.id, status=exc.status, form=decision,
                                values=form, errors=errors, alert=alert)
    notice(request, _done(decided))
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


def _done(case: dict[str, Any]) -> str:
    if case["state"] == "open":
        return f"已记录您的批准（{len(case['approvals'])}/{case['required_approvals']}），还需其他审查员批准。"
    return {"approved": "已批准，事项将按审查通过的内容发布。", "rejected": "已退回。",
            "redaction_requested": "已要求删改：发布服务将生成删去所选文字的新版本，并再次送审。",
            "withheld": "已决定不予公开。"}.get(case["state"], "已记录。")
