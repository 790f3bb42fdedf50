"""The request form (依申请公开) and the applicant's status page: pages over the requests service's public routes.

The portal stores nothing of an applicant: the form is posted to the requests service's ``POST /public/requests``
(the public route every client may call, no token), and the status and letters are asked of
``POST /public/requests/status`` and ``/letter`` with the tracking number and secret the applicant types. The
client's address goes along as ``X-Forwarded-For``, which the requests service counts only when its operator said
the portal is in front of it (``GONGKAI_BEHIND_PROXY``).
"""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from . import upstream
from .pages import portal_of, render

router = APIRouter()

KINDS = {"natural-person": "公民（自然人）", "commercial": "商业企业", "research": "科研机构",
         "social-welfare": "社会公益组织", "legal-service": "法律服务机构", "other": "其他组织"}
DELIVERY = {"paper": "纸质", "electronic": "电子文档", "inspection": "当场查阅", "other": "其他"}
FIELDS = ("kind", "name", "id_kind", "id_number", "representative", "phone", "email", "address", "postcode",
          "description", "purpose", "delivery", "delivery_channel", "website")


def _form_body(form: Any) -> dict[str, Any]:
    value = {name: str(form.get(name) or "").replace("\r\n", "\n").strip() for name in FIELDS}
    applicant = {k: value[k] for k in ("kind", "name", "id_kind", "id_number", "representative") if value[k]}
    contact = {k: value[k] for k in ("phone", "email", "address", "postcode") if value[k]}
    body: dict[str, Any] = {"applicant": applicant, "contact": contact, "description": value["description"],
                            "delivery": value["delivery"] or "paper"}
    for name in ("purpose", "delivery_channel", "website"):
        if value[name]:
            body[name] = value[name]
    return body


async def _call(request: Request, path: str, body: dict[str, Any]) -> httpx.Response:
    return await upstream.call(request, portal_of(request).own.requests_url, "POST", path, body)


def _reason(answer: httpx.Response) -> str:
    return upstream.reason(answer, "申请未被接受")


@router.get("/apply", response_class=HTMLResponse, summary="The request form (依申请公开)")
async def apply_form(request: Request) -> HTMLResponse:
    return render(request, "apply.html", values={}, kinds=KINDS, delivery=DELIVERY, reason=None)


@router.post("/apply", response_class=HTMLResponse, summary="Send the request form to the requests service")
async def apply(request: Request) -> HTMLResponse:
    form = await request.form()
    answer = await _call(request, "/public/requests", _form_body(form))
    if answer.status_code != 201:
        status = answer.status_code if answer.status_code in (400, 422, 429) else 503
        return render(request, "apply.html", status=status, values=form, kinds=KINDS, delivery=DELIVERY,
                      reason=_reason(answer))
    return render(request, "applied.html", status=201, ack=answer.json())


@router.get("/status", response_class=HTMLResponse, summary="The applicant's status page: tracking number and secret")
async def status_form(request: Request) -> HTMLResponse:
    return render(request, "status.html", found=None, reason=None, number="")


@router.post("/status", response_class=HTMLResponse, summary="A request's status, for its tracking number and secret")
async def status(request: Request) -> HTMLResponse:
    form = await request.form()
    number, secret = str(form.get("tracking_number") or "").strip(), str(form.get("secret") or "").strip()
    answer = await _call(request, "/public/requests/status", {"tracking_number": number, "secret": secret})
    if answer.status_code != 200:
        return render(request, "status.html", status=404 if answer.status_code in (404, 422) else 503,
                      found=None, number=number, reason="登记号或查询码不正确。")
    return render(request, "status.html", found=answer.json(), number=number, secret=secret, reason=None)


@router.post("/status/letter", summary="One of the applicant's letters as PDF")
async def letter(request: Request) -> Response:
    form = await request.form()
    body = {"tracking_number": str(form.get("tracking_number") or ""), "secret": str(form.get("secret") or ""),
            "letter_id": str(form.get("letter_id") or ""), "format": "pdf"}
    answer = await _call(request, "/public/requests/letter", body)
    if answer.status_code != 200:
        return render(request, "status.html", status=404, found=None, number=body["tracking_number"],
                      reason="登记号或查询码不正确。")
    return Response(answer.content, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{body["letter_id"]}.pdf"',
                             "Cache-Control": "no-store"})
