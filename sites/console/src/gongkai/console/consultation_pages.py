"""Consultations on major decisions (征求意见) for the office: the list, a new draft, and one consultation with every
comment (its review, whether shown, the writer's contact), the records, and a form for each step its state allows
(expert opinion, close after the last day, hide a comment with a reason, the feedback report answering each
opinion).

Each form posts to the participation service with the person's own token, which decides whether the step is in
order and who may take it: a feedback report that leaves an opinion unanswered is refused there, with the reason.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import MultiDict

from . import problems, steps
from .client import ApiError
from .web import console_of, notice, posted, render, signed_in

router = APIRouter()

STAFF = ("submitter", "publisher", "administrator")
STATES = {"in-review": "草案保密审查中", "rejected": "草案未通过审查", "approved": "已公布", "closed": "已结束",
          "report-in-review": "反馈报告审查中", "reported": "反馈报告已公布"}
OUTCOMES = {"adopted": "采纳", "partly": "部分采纳", "not": "未采纳"}
KINDS = {"major-decision": "重大行政决策", "normative-document": "行政规范性文件", "plan": "规划"}
NEW: steps.Forms = {"new": ("公布草案征求意见（先送保密审查）", [
    ("kind", "类型", "select", KINDS), ("title", "标题", "text", {}), ("draft", "草案全文", "textarea", {}),
    ("unit", "起草单位", "text", {}), ("opens_on", "开始日期", "date", {}),
    ("closes_on", "截止日期（留空按类型默认）", "optional-date", {})], "草案已送保密审查，通过后公布。")}
FORMS: steps.Forms = {
    "expert-opinions": ("专家论证意见", [("expert", "专家", "text", {}), ("affiliation", "单位", "text", {}),
                                       ("opinion", "意见", "textarea", {}), ("on", "日期", "date", {})],
                        "已记录专家意见。"),
    "closing": ("结束征求意见（截止日期后）", [("on", "日期", "date", {})], "征求意见已结束。"),
}
BY_STATE = {"approved": ["expert-opinions", "closing"], "closed": ["expert-opinions"]}


@router.get("/consultations")
async def listing(request: Request) -> Response:
    session = signed_in(request, *STAFF, "auditor")
    rows = await console_of(request).api.get("participation", "/consultations", session.token)
    return render(request, "consultations.html", rows=rows, states=STATES, kinds=KINDS,
                  forms=[("new", *NEW["new"])], form="", values=MultiDict(), errors={}, alert=[])


@router.post("/consultations/new")
async def create(request: Request) -> Response:
    session, form = await posted(request, *STAFF)
    try:
        made = await console_of(request).api.post("participation", "/consultations", session.token,
                                                  steps.body_of(NEW["new"][1], form),
                                                  idempotency_key=str(form.get("idempotency_key") or "") or None)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        errors, alert = problems.field_errors(exc.detail, [n for n, *_ in NEW["new"][1]])
        rows = await console_of(request).api.get("participation", "/consultations", session.token)
        return render(request, "consultations.html", status=exc.status, rows=rows, states=STATES, kinds=KINDS,
                      forms=[("new", *NEW["new"])], form="new", values=form, errors=errors,
                      alert=alert or ([] if errors else [problems.chinese(exc.detail)]))
    notice(request, NEW["new"][2])
    return RedirectResponse(f"/consultations/{made['consultation_id']}", status_code=303)


async def _page(request: Request, token: str, consultation_id: str, *, status: int = 200, form: str = "",
                values: Any = None, errors: dict[str, str] | None = None, alert: list[str] | None = None
                ) -> Response:
    found = await console_of(request).api.get("participation", f"/consultations/{consultation_id}", token)
    x = found["consultation"]
    opinions = [(f"comment:{m['comment_id']}", f"意见{m['number']}：{m['text'][:60]}") for m in found["comments"]
                if not m["hidden"]] + [(f"expert:{e['record_id']}", f"专家{e['expert']}：{e['opinion'][:60]}")
                                      for e in x.get("experts", [])]
    return render(request, "consultation.html", status=status, x=x, comments=found["comments"], states=STATES,
                  kinds=KINDS, outcomes=OUTCOMES, opinions=opinions,
                  forms=[(name, *FORMS[name]) for name in BY_STATE.get(x["state"], [])], form=form,
                  values=values if values is not None else MultiDict(), errors=errors or {}, alert=alert or [])


@router.get("/consultations/{consultation_id}")
async def one(request: Request, consultation_id: str) -> Response:
    session = signed_in(request, *STAFF, "auditor")
    return await _page(request, session.token, consultation_id)


def _route(form_id: str) -> None:
    async def route(request: Request, consultation_id: str) -> Response:
        return await steps.post_step(request, service="participation",
                                     path=f"/consultations/{consultation_id}/{form_id}", subject=consultation_id,
                                     form_id=form_id, forms=FORMS, page=_page,
                                     back=f"/consultations/{consultation_id}", roles=STAFF)

    router.add_api_route(f"/consultations/{{consultation_id}}/{form_id}", route, methods=["POST"],
                         name=f"consultation-{form_id}")


for _form in FORMS:
    _route(_form)

FEEDBACK: steps.Forms = {"feedback-report": ("意见采纳情况（反馈报告）", [("summary", "总体说明", "textarea", {})],
                                             "反馈报告已送保密审查，通过后公布。")}
HIDE: steps.Forms = {"hiding": ("隐藏意见", [("reason", "理由", "textarea", {})], "意见已隐藏，理由已记录。")}


def _feedback(form: Any) -> dict[str, Any]:
    """The summary and, for each opinion listed, its outcome and reason (an opinion left blank is sent without
    one, so the service refuses the report and says which)."""
    answers = [{"opinion": str(opinion), "outcome": str(form.get(f"outcome:{opinion}") or ""),
                "reason": str(form.get(f"reason:{opinion}") or "").strip()}
               for opinion in form.getlist("opinion") if form.get(f"outcome:{opinion}")]
    return {"summary": str(form.get("summary") or "").strip(), "answers": answers}


@router.post("/consultations/{consultation_id}/feedback-report")
async def feedback(request: Request, consultation_id: str) -> Response:
    return await steps.post_step(request, service="participation",
                                 path=f"/consultations/{consultation_id}/feedback-report", subject=consultation_id,
                                 form_id="feedback-report", forms=FEEDBACK, page=_page,
                                 back=f"/consultations/{consultation_id}", roles=STAFF, body=_feedback)


@router.post("/consultations/{consultation_id}/comments/{comment_id}/hiding")
async def hide(request: Request, consultation_id: str, comment_id: str) -> Response:
    return await steps.post_step(request, service="participation",
                                 path=f"/consultations/{consultation_id}/comments/{comment_id}/hiding",
                                 subject=consultation_id, form_id="hiding", forms=HIDE, page=_page,
                                 back=f"/consultations/{consultation_id}", roles=STAFF)
