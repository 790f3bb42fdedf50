"""The opinion box (意见箱, plan 七(二)): its form, the person's reply page, and the published opinions with their
replies — pages over the participation service's public routes.

The portal stores nothing of a person: the form is posted to ``POST /public/opinions`` (a number and a secret come
back, shown once), the reply is asked of ``POST /public/opinions/status`` with them, and the published opinions
are the approved, anonymised texts of ``GET /public/opinions``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse
from gongkai.shared.contracts import Line

from . import upstream
from .pages import portal_of, render

router = APIRouter()

FIELDS = ("title", "text", "topic", "name", "phone", "email", "address", "website")
PER_PAGE = 20


def _form_body(form: Any) -> dict[str, Any]:
    value = {name: str(form.get(name) or "").replace("\r\n", "\n").strip() for name in FIELDS}
    contact = {k: value[k] for k in ("phone", "email", "address") if value[k]}
    body: dict[str, Any] = {"title": value["title"], "text": value["text"], "topic": value["topic"],
                            "contact": contact, "wants_reply": form.get("wants_reply") == "yes",
                            "may_publish": form.get("may_publish") == "yes"}
    for name in ("name", "website"):
        if value[name]:
            body[name] = value[name]
    return body


async def _participation(request: Request, method: str, path: str, body: dict[str, Any] | None = None,
                         **params: Any) -> Any:
    return await upstream.call(request, portal_of(request).own.participation_url, method, path, body,
                               params={k: v for k, v in params.items() if v is not None} or None)


async def _topics(request: Request) -> dict[str, str]:
    answer = await _participation(request, "GET", "/public/topics")
    return dict(answer.json()) if answer.status_code == 200 else {}


@router.get("/opinions", response_class=HTMLResponse, summary="The opinion box: published opinions and replies")
async def published(request: Request, topic: Annotated[Line | None, Query(max_length=32)] = None,
                    page: Annotated[int, Query(ge=1, le=1000)] = 1) -> HTMLResponse:
    answer = await _participation(request, "GET", "/public/opinions", topic=topic, limit=PER_PAGE,
                                  offset=(page - 1) * PER_PAGE)
    if answer.status_code != 200:
        return render(request, "error.html", 503, title="意见箱暂时无法访问", detail=upstream.UNREACHABLE)
    return render(request, "opinions.html", opinions=answer.json(), topics=await _topics(request), topic=topic,
                  page=page, more=len(answer.json()) == PER_PAGE)


@router.get("/opinions/new", response_class=HTMLResponse, summary="The opinion box's form")
async def form(request: Request) -> HTMLResponse:
    return render(request, "opinion_form.html", values={}, topics=await _topics(request), reason=None)


@router.post("/opinions/new", response_class=HTMLResponse, summary="Send the form to the participation service")
async def send(request: Request) -> HTMLResponse:
    form = await request.form()
    answer = await _participation(request, "POST", "/public/opinions", _form_body(form))
    if answer.status_code != 201:
        status = answer.status_code if answer.status_code in (400, 409, 422, 429) else 503
        return render(request, "opinion_form.html", status=status, values=form, topics=await _topics(request),
                      reason=upstream.reason(answer, "意见未被接受"))
    return render(request, "opinion_sent.html", status=201, ack=answer.json())


@router.get("/opinions/reply", response_class=HTMLResponse, summary="The person's own opinion and its reply")
async def reply_form(request: Request) -> HTMLResponse:
    return render(request, "opinion_status.html", found=None, reason=None, number="")


@router.post("/opinions/reply", response_class=HTMLResponse, summary="An opinion's reply, by its number and secret")
async def reply(request: Request) -> HTMLResponse:
    form = await request.form()
    number, secret = str(form.get("opinion_id") or "").strip(), str(form.get("secret") or "").strip()
    answer = await _participation(request, "POST", "/public/opinions/status", {"opinion_id": number,
                                                                                "secret": secret})
    if answer.status_code != 200:
        return render(request, "opinion_status.html", status=404 if answer.status_code in (404, 422) else 503,
                      found=None, number=number, reason="编号或查询码不正确。")
    return render(request, "opinion_status.html", found=answer.json(), number=number, reason=None)


@router.get("/opinions/{opinion_id}", response_class=HTMLResponse, summary="One published opinion and its reply")
async def one(request: Request, opinion_id: Annotated[Line, Path(min_length=1, max_length=64)]) -> HTMLResponse:
    answer = await _participation(request, "GET", f"/public/opinions/{opinion_id}")
    if answer.status_code != 200:
        return render(request, "error.html", 404, title="没有找到这条意见", detail="它可能尚未公开，或者地址有误。")
    return render(request, "opinion.html", o=answer.json())
