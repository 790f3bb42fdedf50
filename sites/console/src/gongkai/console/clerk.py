"""The clerk's pages (经办人): my unit's items, creating, editing and sending them on, an item's versions, my inbox.

Every page calls publishing's staff API (and notification's for deadlines and the inbox) with the person's
own token, so the services decide what they may see and do; the console only shows it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData, MultiDict

from . import problems
from .client import ApiError
from .labels import NOT_YET_OUT
from .reviewer import names
from .web import console_of, notice, posted, render, restored, signed_in, today

router = APIRouter()

ITEM_FIELDS = ("title", "summary", "body", "category", "audience", "channels", "contact", "formed_on", "release_at")
OPTIONAL = ("summary", "contact", "formed_on")


def _moment(value: str) -> str:
    """A ``datetime-local`` value (Beijing time, to the minute) as the API's time with its offset."""
    if len(value) == 16 and value[10] == "T":
        return f"{value}:00+08:00"
    return value


def _lines(text: object) -> str:
    """A textarea's text with the line feeds that were typed: browsers send every line break as CR LF."""
    return str(text or "").replace("\r\n", "\n")


def _content(form: FormData | MultiDict, *, edit: bool = False) -> dict[str, Any]:
    """The form as the API's body: what was typed, as typed, so the API's rules decide (and say why)."""
    body: dict[str, Any] = {"title": form.get("title", ""), "body": _lines(form.get("body"))}
    if not edit:
        body["category"] = form.get("category", "")
        body["audience"] = form.get("audience") or "public"
    for name in OPTIONAL:
        if value := str(form.get(name) or "").strip():
            body[name] = _lines(value) if name == "summary" else value
    if release := str(form.get("release_at") or "").strip():
        body["release_at"] = _moment(release)
    if channels := form.getlist("channels"):
        body["channels"] = channels
    return body


def overdue(item: dict[str, Any]) -> bool:
    due = item.get("due_on")
    if not due:
        return False
    return item["state"] in NOT_YET_OUT and date.fromisoformat(due) < today()


@router.get("/items")
async def my_items(request: Request, state: str = "", page: int = 1) -> Response:
    session = signed_in(request)
    api = console_of(request).api
    found = await api.get("publishing", "/items", session.token, state=state or None, page=max(page, 1), per_page=50)
    for item in found["items"]:
        item["overdue"] = overdue(item)
    return render(request, "items.html", found=found, state=state)


async def _categories(request: Request, token: str) -> list[dict[str, Any]]:
    catalogue = await console_of(request).api.get("publishing", "/public/catalogue", token)
    categories: list[dict[str, Any]] = catalogue["categories"]
    return categories


@router.get("/items/new")
async def new_item(request: Request) -> Response:
    session = signed_in(request, "submitter")
    _, values = restored(request, session)
    return render(request, "item_form.html", values=values, errors={}, alert=[], editing=None,
                  categories=await _categories(request, session.token))


@router.post("/items/new")
async def create_item(request: Request) -> Response:
    session, form = await posted(request, "submitter")
    api = console_of(request).api
    path = "/drafts" if form.get("action") == "draft" else "/items"
    try:
        made = await api.post("publishing", path, session.token, _content(form),
                              idempotency_key=str(form.get("idempotency_key") or "") or None)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        errors, alert = problems.field_errors(exc.detail, ITEM_FIELDS)
        return render(request, "item_form.html", status=exc.status, values=form, errors=errors, alert=alert,
                      editing=None, categories=await _categories(request, session.token))
    notice(request, "已保存为草稿。" if path == "/drafts" else "已提交审查。")
    return RedirectResponse(f"/items/{made['item_id']}", status_code=303)


async def _item_page(request: Request, token: str, item_id: str, *, status: int = 200, form: str = "",
                     values: Any = None, errors: dict[str, str] | None = None, alert: list[str] | None = None
                     ) -> Response:
    api = console_of(request).api
    item = await api.get("publishing", f"/items/{item_id}", token)
    deadlines = (await api.get("notification", "/deadlines", token, item_id=item_id))["deadlines"]
    current = next(v for v in item["versions"] if v["version"] == item["current_version"])
    return render(request, "item.html", status=status, item=item, current=current, deadlines=deadlines,
                  names=await names(request, token), form=form,
                  values=values if values is not None else MultiDict(), errors=errors or {}, alert=alert or [],
                  published=item["public_version"] is not None and not item["withdrawn_at"])


@router.get("/items/{item_id}")
async def item_page(request: Request, item_id: str) -> Response:
    session = signed_in(request)
    form, values = restored(request, session)
    return await _item_page(request, session.token, item_id, form=form, values=values)


ACTIONS = {  # form id → (API path, the fields it posts, what is said when it worked)
    "submit": ("submit", (), "已提交审查。"),
    "schedule": ("schedule", ("release_at",), "已设定发布时间。"),
    "withdraw": ("withdraw", ("reason",), "已撤回。公开页面只保留标题、日期和撤回理由。"),
    "changed": ("information-changed", ("changed_on", "note"), "已登记信息变更，更新期限开始计算。"),
}


async def act_on_item(request: Request, item_id: str, action: str) -> Response:
    session, form = await posted(request)
    path, fields, done = ACTIONS[action]
    body: dict[str, Any] = {}
    for name in fields:
        value = str(form.get(name) or "")
        if value.strip() or name in ("reason",):
            body[name] = _moment(value) if name == "release_at" else value
    try:
        await console_of(request).api.post("publishing", f"/items/{item_id}/{path}", session.token, body,
                                           idempotency_key=str(form.get("idempotency_key") or "") or None)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        errors, alert = problems.field_errors(exc.detail, fields)
        if exc.status == 422 and not errors and fields and not alert:
            errors = {fields[0]: problems.chinese(exc.detail)}
        return await _item_page(request, session.token, item_id, status=exc.status, form=action, values=form,
                                errors=errors, alert=alert)
    notice(request, done)
    return RedirectResponse(f"/items/{item_id}", status_code=303)


def _action_route(action: str) -> None:
    async def route(request: Request, item_id: str) -> Response:
        return await act_on_item(request, item_id, action)

    router.add_api_route(f"/items/{{item_id}}/{action}", route, methods=["POST"], name=f"item-{action}")


for _action in ACTIONS:
    _action_route(_action)


@router.get("/items/{item_id}/edit")
async def edit_item(request: Request, item_id: str) -> Response:
    session = signed_in(request)
    item = await console_of(request).api.get("publishing", f"/items/{item_id}", session.token)
    current = next(v for v in item["versions"] if v["version"] == item["current_version"])
    _, values = restored(request, session)
    if not values:
        values = MultiDict([("title", current["title"]), ("summary", current["summary"] or ""),
                            ("body", current["body"]), ("contact", current["contact"] or ""),
                            ("formed_on", current["formed_on"] or ""),
                            *(("channels", ch) for ch in current["channels"])])
    return render(request, "item_form.html", values=values, errors={}, alert=[], editing=item, current=current,
                  categories=[])


@router.post("/items/{item_id}/edit")
async def save_version(request: Request, item_id: str) -> Response:
    session, form = await posted(request)
    api = console_of(request).api
    item = await api.get("publishing", f"/items/{item_id}", session.token)
    current = next(v for v in item["versions"] if v["version"] == item["current_version"])
    body = {**_content(form, edit=True), "submit": form.get("action") != "draft",
            # The console uploads no files: a new version keeps the current one's attachments.
            "attachments": [{k: a[k] for k in ("name", "media_type", "size", "sha256")}
                            for a in current["attachments"]]}
    try:
        await api.post("publishing", f"/items/{item_id}/versions", session.token, body,
                       idempotency_key=str(form.get("idempotency_key") or "") or None)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        errors, alert = problems.field_errors(exc.detail, ITEM_FIELDS)
        return render(request, "item_form.html", status=exc.status, values=form, errors=errors, alert=alert,
                      editing=item, current=current, categories=[])
    notice(request, "新版本已提交审查。" if body["submit"] else "新版本已保存为草稿。")
    return RedirectResponse(f"/items/{item_id}", status_code=303)


@router.get("/inbox")
async def inbox(request: Request, unread: bool = False) -> Response:
    session = signed_in(request)
    found = await console_of(request).api.get("notification", "/inbox", session.token, unread=unread or None)
    return render(request, "inbox.html", messages=found["messages"], unread=unread)


@router.post("/inbox/{message_id}/read")
async def mark_read(request: Request, message_id: str) -> Response:
    session, _ = await posted(request)
    await console_of(request).api.post("notification", f"/inbox/{message_id}/read", session.token)
    return RedirectResponse("/inbox", status_code=303)
