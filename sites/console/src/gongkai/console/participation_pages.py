"""The opinion box's pages (意见箱): the queue by reply due date, one opinion with the person's contact, its steps
and a form for each step its state allows (route, reply, publish anonymised, hide with a reason).

Each form posts to the participation service with the person's own token, which decides whether the step is in
order and who may take it; notification keeps the reply clock the queue shows.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import MultiDict

from . import steps
from .web import console_of, render, signed_in

router = APIRouter()

STAFF = ("submitter", "publisher", "administrator")
STATES = {"received": "待转办", "routed": "办理中", "answered": "已答复"}
CHANNELS = {"online": "门户网站", "letter": "来信", "service-hall": "政务服务大厅"}
STEPS = {"receive": "收到", "route": "转办", "reply": "答复", "publish": "送保密审查（公开）", "review": "保密审查",
         "hide": "隐藏"}

FORMS: steps.Forms = {
    "routing": ("转办", [("unit", "承办单位", "text", {}), ("on", "转办日期", "date", {})],
                "已转办，答复期限开始计算。"),
    "reply": ("答复", [("text", "答复内容", "textarea", {}), ("answered_on", "答复日期", "date", {})],
              "已答复。"),
    "publication": ("公开意见和答复（去除个人信息，送保密审查）", [
        ("title", "公开标题（留空用原标题）", "text", {}),
        ("opinion_text", "公开的意见内容（已去除个人信息）", "textarea", {}),
        ("reply_text", "公开的答复内容（留空用原答复）", "textarea", {})],
        "已送保密审查，审查通过后公开。"),
    "hiding": ("隐藏（记录理由，不删除）", [("reason", "理由", "textarea", {})], "已隐藏，理由已记录。"),
}
BY_STATE = {"received": ["routing", "hiding"], "routed": ["reply", "hiding"], "answered": ["publication", "hiding"]}


@router.get("/opinions")
async def queue(request: Request, state: str = "open") -> Response:
    session = signed_in(request, *STAFF, "auditor")
    api = console_of(request).api
    rows = await api.get("participation", "/opinions", session.token, state=state if state != "all" else None)
    rows.sort(key=lambda r: (r["due_on"] is None, r["due_on"] or "", r["received_on"]))
    return render(request, "opinions.html", rows=rows, state=state, states=STATES, channels=CHANNELS)


async def _page(request: Request, token: str, opinion_id: str, *, status: int = 200, form: str = "",
                values: Any = None, errors: dict[str, str] | None = None, alert: list[str] | None = None
                ) -> Response:
    api = console_of(request).api
    found = await api.get("participation", f"/opinions/{opinion_id}", token)
    deadlines = (await api.get("notification", "/deadlines", token, item_id=opinion_id))["deadlines"]
    names = [] if found["hidden"] else BY_STATE.get(found["state"], [])
    if found["published"] or not found["may_publish"]:
        names = [n for n in names if n != "publication"]
    return render(request, "opinion.html", status=status, o=found, deadlines=deadlines, states=STATES,
                  channels=CHANNELS, step_names=STEPS, forms=[(name, *FORMS[name]) for name in names], form=form,
                  values=values if values is not None else MultiDict(), errors=errors or {}, alert=alert or [])


@router.get("/opinions/{opinion_id}")
async def one(request: Request, opinion_id: str) -> Response:
    session = signed_in(request, *STAFF, "auditor")
    return await _page(request, session.token, opinion_id)


def _route(form_id: str) -> None:
    async def route(request: Request, opinion_id: str) -> Response:
        return await steps.post_step(request, service="participation", path=f"/opinions/{opinion_id}/{form_id}",
                                     subject=opinion_id, form_id=form_id, forms=FORMS, page=_page,
                                     back=f"/opinions/{opinion_id}", roles=STAFF)

    router.add_api_route(f"/opinions/{{opinion_id}}/{form_id}", route, methods=["POST"], name=f"opinion-{form_id}")


for _form in FORMS:
    _route(_form)
