"""The request handlers' pages (依申请公开): the queue by due date, one request with its steps, letters and a form
for each step its state allows.

The queue is the requests service's open requests joined with notification's open reply clocks (one call each);
every step posts to the requests service with the person's own token, which decides whether the step is in
order and who may take it; a refusal is shown with its reason beside the form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import MultiDict

from . import problems
from .client import ApiError
from .web import console_of, notice, posted, render, signed_in

router = APIRouter()

STAFF = ("submitter", "publisher", "administrator")
STATES = {"received": "已登记", "correction-asked": "待补正", "withdrawn": "视为撤回", "examining": "审查中",
          "consulting": "征求意见中", "awaiting-fee": "待缴纳信息处理费", "reply-in-review": "答复待保密审查",
          "reply-ready": "答复可发出",
          "answered": "已答复"}
OUTCOMES = {
    "granted": "予以公开", "partly-granted": "部分公开",
    "withheld-state-secret": "不予公开：属于国家秘密", "withheld-other-law": "不予公开：其他法律行政法规禁止公开",
    "withheld-security": "不予公开：危及“三安全一稳定”", "withheld-third-party": "不予公开：保护第三方合法权益",
    "withheld-internal": "不予公开：属于三类内部事务信息", "withheld-process": "不予公开：属于四类过程性信息",
    "withheld-enforcement-file": "不予公开：属于行政执法案卷", "withheld-query": "不予公开：属于行政查询事项",
    "unavailable-not-held": "无法提供：本机关不掌握相关政府信息",
    "unavailable-needs-making": "无法提供：没有现成信息需要另行制作",
    "unavailable-unclear": "无法提供：补正后申请内容仍不明确",
    "not-processed-petition": "不予处理：信访举报投诉类申请", "not-processed-repeat": "不予处理：重复申请",
    "not-processed-publication": "不予处理：要求提供公开出版物",
    "not-processed-excessive": "不予处理：无正当理由大量反复申请",
    "not-processed-confirm": "不予处理：要求行政机关确认或重新出具已获取信息", "other": "其他处理",
}
PARTIES = {"third-party": "第三方（条例第三十二条）", "agency": "其他行政机关"}

# form id → (its title, its fields: (name, label, kind, choices)), what is said when it worked
FORMS: dict[str, tuple[str, list[tuple[str, str, str, dict[str, str]]], str]] = {
    "assignment": ("分办", [("unit", "承办单位", "text", {}), ("on", "分办日期", "date", {})], "已分办。"),
    "correction-notice": ("告知补正（一次性告知）", [
        ("items", "需要补正的事项（每行一项）", "lines", {}), ("on", "告知日期", "date", {}),
        ("correct_within", "补正期限（工作日）", "number", {})], "已告知补正，答复期限中止。"),
    "correction": ("收到补正", [("on", "收到日期", "date", {}), ("description", "补正后的申请内容", "textarea", {})],
                   "已登记补正，答复期限重新计算。"),
    "withdrawal": ("逾期未补正", [("on", "日期", "date", {})], "已按视为放弃申请处理。"),
    "consultation": ("征求意见", [("party", "征求对象", "select", PARTIES), ("whom", "名称", "text", {}),
                                 ("on", "发函日期", "date", {})], "已征求意见，答复期限暂停。"),
    "consultation-reply": ("收到意见", [("on", "收到日期", "date", {}), ("note", "意见", "textarea", {})],
                           "已登记意见，答复期限恢复。"),
    "extension": ("延期答复（负责人）", [("working_days", "延长工作日（不超过20）", "number", {}),
                                       ("reason", "理由", "textarea", {}), ("on", "日期", "date", {})],
                  "已延期答复。"),
    "fee-notice": ("收取信息处理费通知", [("nth", "申请人本月第几件申请（留空则按本系统登记的申请计算）", "number", {}),
                                        ("pages", "信息页数（按量计收时）", "number", {}),
                                        ("on", "通知日期", "date", {})],
                   "已发出收费通知书，答复期限暂停至缴费。"),
    "fee-payment": ("收到缴费", [("on", "缴费日期", "date", {}), ("note", "收据号等", "text", {})],
                    "已登记缴费，答复期限恢复。"),
    "fee-waiver": ("减免信息处理费（负责人）", [("reason", "减免理由", "textarea", {}), ("on", "日期", "date", {})],
                   "已减免，答复期限恢复。"),
    "fee-withdrawal": ("逾期未缴费", [("on", "日期", "date", {})], "已按视为放弃申请处理。"),
    "reply-draft": ("拟写答复", [("outcome", "办理结果", "select", OUTCOMES), ("text", "答复内容", "textarea", {}),
                                 ("disclosed", "提供的政府信息（予以公开、部分公开时填写）", "textarea", {})],
                    "答复已保存；公开信息的答复须经保密审查后方可发出。"),
    "reply": ("发出答复", [("answered_on", "答复日期", "date", {})], "答复已发出。"),
    "challenge": ("行政复议、行政诉讼", [
        ("kind", "类别", "select", {"reconsideration": "行政复议", "litigation": "行政诉讼"}),
        ("result", "结果", "select", {"pending": "尚未审结", "upheld": "结果维持", "corrected": "结果纠正",
                                      "other": "其他结果"}),
        ("on", "日期", "date", {}), ("note", "说明", "textarea", {})], "已登记复议、诉讼情况。"),
}
# 依申请公开转主动公开: a draft of a disclosure item with the disclosed text, for the clerk to check and submit
FORMS["public-item"] = ("转为主动公开（条例第四十四条）", [
    ("title", "主动公开的标题", "text", {}), ("category", "公开类别", "select", {}), ("on", "日期", "date", {})],
    "已生成主动公开草稿：请核对内容后提交保密审查。")
DISCLOSING = ("granted", "partly-granted")

BY_STATE = {
    "received": ["assignment", "correction-notice", "extension"],
    "correction-asked": ["correction", "withdrawal"],
    "examining": ["reply-draft", "consultation", "correction-notice", "extension", "fee-notice"],
    "awaiting-fee": ["fee-payment", "fee-waiver", "fee-withdrawal"],
    "consulting": ["consultation-reply", "extension"],
    "reply-in-review": ["reply-draft", "extension"],
    "reply-ready": ["reply", "reply-draft", "extension"],
    "answered": ["challenge", "public-item"],
    "withdrawn": ["challenge"],
}


@router.get("/requests")
async def queue(request: Request, state: str = "open") -> Response:
    session = signed_in(request, *STAFF, "auditor")
    api = console_of(request).api
    found = await api.get("requests", "/requests", session.token, state=state)
    clocks = await api.get("notification", "/deadlines", session.token, rule="request-reply")
    due = {d["item_id"]: d for d in clocks["deadlines"] if d["state"] in ("open", "paused")}
    rows = [{**r, "due_on": due.get(r["request_id"], {}).get("due_on"),
             "clock": due.get(r["request_id"], {}).get("state")} for r in found]
    rows.sort(key=lambda r: (r["due_on"] is None, r["due_on"] or "", r["received_on"]))
    return render(request, "requests.html", rows=rows, state=state, states=STATES)


async def _page(request: Request, token: str, request_id: str, *, status: int = 200, form: str = "",
                values: Any = None, errors: dict[str, str] | None = None, alert: list[str] | None = None
                ) -> Response:
    api = console_of(request).api
    found = await api.get("requests", f"/requests/{request_id}", token)
    deadlines = (await api.get("notification", "/deadlines", token, item_id=request_id))["deadlines"]
    forms = [(name, *FORMS[name]) for name in BY_STATE.get(found["state"], [])
             if name != "public-item" or (found.get("outcome") in DISCLOSING and not found.get("public_item"))]
    if any(name == "public-item" for name, *_ in forms):
        categories = (await api.get("publishing", "/public/catalogue", token))["categories"]
        title, fields, done = FORMS["public-item"]
        fields = [(n, t, k, {x["code"]: f"{x['code']} {x['name']}" for x in categories} if n == "category" else ch)
                  for n, t, k, ch in fields]
        forms = [(f[0], title, fields, done) if f[0] == "public-item" else f for f in forms]
    return render(request, "request.html", status=status, r=found, deadlines=deadlines, states=STATES,
                  forms=forms, form=form,
                  values=values if values is not None else MultiDict(), errors=errors or {}, alert=alert or [])


@router.get("/requests/{request_id}")
async def one(request: Request, request_id: str) -> Response:
    session = signed_in(request, *STAFF, "auditor")
    return await _page(request, session.token, request_id)


def _body(form_id: str, form: Any, current: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for name, _, kind, _ in FORMS[form_id][1]:
        value = str(form.get(name) or "").replace("\r\n", "\n")
        if kind == "lines":
            body[name] = [line.strip() for line in value.split("\n") if line.strip()]
        elif kind == "number":
            if value.strip():
                body[name] = int(value) if value.strip().lstrip("-").isdigit() else value
        elif value.strip():
            body[name] = value
    if form_id == "reply" and current.get("reply"):
        body["content_hash"] = current["reply"]["content_hash"]  # the draft shown is the one sent
    return body


async def step(request: Request, request_id: str, form_id: str) -> Response:
    session, form = await posted(request, *STAFF)
    api = console_of(request).api
    current = await api.get("requests", f"/requests/{request_id}", session.token)
    fields = tuple(name for name, *_ in FORMS[form_id][1])
    key = str(form.get("idempotency_key") or "") or None
    try:
        if form_id == "public-item":
            return await _make_public(request, session.token, current, _body(form_id, form, current), key)
        await api.post("requests", f"/requests/{request_id}/{form_id}", session.token,
                       _body(form_id, form, current), idempotency_key=key)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        errors, alert = problems.field_errors(exc.detail, fields)
        if not errors and not alert:
            alert = [problems.chinese(exc.detail)]
        return await _page(request, session.token, request_id, status=exc.status, form=form_id, values=form,
                           errors=errors, alert=alert)
    notice(request, FORMS[form_id][2])
    return RedirectResponse(f"/requests/{request_id}", status_code=303)


async def _make_public(request: Request, token: str, current: dict[str, Any], body: dict[str, Any],
                       key: str | None) -> Response:
    """A draft item in publishing with the text the applicant was given, then the request records it; the draft
    goes to the confidentiality review like any item when the clerk submits it."""
    api = console_of(request).api
    reply = current.get("reply") or {}
    draft = {"title": body.get("title", ""), "category": body.get("category", ""), "audience": "public",
             "body": reply.get("disclosed") or reply.get("text") or ""}
    made = await api.post("publishing", "/drafts", token, draft, idempotency_key=f"{key}:draft" if key else None)
    await api.post("requests", f"/requests/{current['request_id']}/public-item", token,
                   {"item_id": made["item_id"], "on": body.get("on", "")}, idempotency_key=key)
    notice(request, FORMS["public-item"][2])
    return RedirectResponse(f"/items/{made['item_id']}", status_code=303)


def _route(form_id: str) -> None:
    async def route(request: Request, request_id: str) -> Response:
        return await step(request, request_id, form_id)

    router.add_api_route(f"/requests/{{request_id}}/{form_id}", route, methods=["POST"], name=f"request-{form_id}")


for _form in FORMS:
    _route(_form)
