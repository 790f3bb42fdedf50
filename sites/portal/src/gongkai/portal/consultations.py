"""Consultations on major decisions (征求意见, plan 四(二)): the open drafts, one draft with its comments shown and a
form to comment, hearing registration, and the closed ones with their feedback report — pages over the
participation service's public routes.

Only what review approved is shown (the draft, each comment, the feedback report); a commenter's name and contact
go to the participation service and are never shown. The portal keeps nothing of either.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from gongkai.shared.contracts import Line

from . import upstream
from .pages import portal_of, render

router = APIRouter()

ConsultationId = Annotated[Line, Path(min_length=1, max_length=64)]
STATUS = {"open": "正在征求意见", "upcoming": "即将开始", "closed": "已结束"}


async def _participation(request: Request, method: str, path: str, body: dict[str, Any] | None = None,
                         **params: Any) -> Any:
    return await upstream.call(request, portal_of(request).own.participation_url, method, path, body,
                               params={k: v for k, v in params.items() if v is not None} or None)


def _contact(form: Any) -> dict[str, str]:
    return {k: str(form.get(k) or "").strip() for k in ("phone", "email") if str(form.get(k) or "").strip()}


@router.get("/consultations", response_class=HTMLResponse, summary="Drafts open for comment, and closed ones")
async def listing(request: Request,
                  show: Annotated[str, Query(alias="status", pattern="^(open|upcoming|closed|all)$")] = "all"
                  ) -> HTMLResponse:
    answer = await _participation(request, "GET", "/public/consultations", status=show, limit=100)
    if answer.status_code != 200:
        return render(request, "error.html", 503, title="征求意见暂时无法访问", detail=upstream.UNREACHABLE)
    return render(request, "consultations.html", consultations=answer.json(), show=show, names=STATUS)


async def _page(request: Request, consultation_id: str, *, status: int = 200, reason: str | None = None,
                done: str | None = None, values: Any = None, form: str = "") -> HTMLResponse:
    answer = await _participation(request, "GET", f"/public/consultations/{consultation_id}")
    if answer.status_code != 200:
        return render(request, "error.html", 404, title="没有找到这项征求意见", detail="它可能尚未公开，或者地址有误。")
    return render(request, "consultation.html", status=status, x=answer.json(), names=STATUS, reason=reason,
                  done=done, values=values or {}, form=form)


@router.get("/consultations/{consultation_id}", response_class=HTMLResponse,
            summary="A draft, its comments shown, its hearings and, once closed, its feedback report")
async def one(request: Request, consultation_id: ConsultationId) -> HTMLResponse:
    return await _page(request, consultation_id)


@router.post("/consultations/{consultation_id}/comments", response_class=HTMLResponse,
             summary="Send a comment to the participation service")
async def comment(request: Request, consultation_id: ConsultationId) -> HTMLResponse:
    form = await request.form()
    body: dict[str, Any] = {"text": str(form.get("text") or "").replace("\r\n", "\n").strip(),
                            "contact": _contact(form)}
    for name in ("name", "website"):
        if value := str(form.get(name) or "").strip():
            body[name] = value
    answer = await _participation(request, "POST", f"/public/consultations/{consultation_id}/comments", body)
    if answer.status_code != 201:
        status = answer.status_code if answer.status_code in (400, 404, 409, 422, 429) else 503
        return await _page(request, consultation_id, status=status, reason=upstream.reason(answer, "意见未被接受"),
                           values=form, form="comment")
    return await _page(request, consultation_id, status=201, done=answer.json().get("acknowledgement")
                       or "意见已收到，经审查后显示。")


@router.post("/consultations/{consultation_id}/hearings/{hearing_id}", response_class=HTMLResponse,
             summary="Register for a hearing")
async def register(request: Request, consultation_id: ConsultationId,
                   hearing_id: Annotated[Line, Path(min_length=1, max_length=16)]) -> HTMLResponse:
    form = await request.form()
    body: dict[str, Any] = {"name": str(form.get("name") or "").strip(), "contact": _contact(form)}
    for name in ("statement", "website"):
        if value := str(form.get(name) or "").strip():
            body[name] = value
    answer = await _participation(
        request, "POST", f"/public/consultations/{consultation_id}/hearings/{hearing_id}/registrations", body)
    if answer.status_code != 201:
        status = answer.status_code if answer.status_code in (400, 404, 409, 422, 429) else 503
        return await _page(request, consultation_id, status=status, reason=upstream.reason(answer, "报名未被接受"),
                           values=form, form=f"hearing-{hearing_id}")
    return await _page(request, consultation_id, status=201, done="已报名，是否选为听证代表将另行通知。")
