"""The request pages against stubbed services: the queue by due date, a request's forms, a step and its refusal."""

from __future__ import annotations

import json
import re

import httpx
from gongkai.console.app import create_app
from gongkai.console.settings import ConsoleSettings

REQUESTS = [
    {"request_id": "YSQ-A", "state": "examining", "channel": "fax", "applicant_kind": "natural-person",
     "received_on": "2026-11-02", "unit": "运输管理科", "subject": "甲", "correct_by": None, "extended_days": None,
     "outcome": None, "outcome_name": None, "answered_on": None},
    {"request_id": "YSQ-B", "state": "received", "channel": "email", "applicant_kind": "commercial",
     "received_on": "2026-11-20", "unit": None, "subject": "乙", "correct_by": None, "extended_days": None,
     "outcome": None, "outcome_name": None, "answered_on": None},
]
DETAIL = {**REQUESTS[0], "description": "请公开论证报告", "correction_items": [], "consulting": None,
          "extended_by": None, "reply": None, "applicant": {"applicant": {"name": "张三"}},
          "steps": [{"step": "receive", "on": "2026-11-02", "person": "li.na", "actor": "registrar",
                     "basis": "条例第二十九条", "note": None}],
          "letters": [{"letter_id": "YSQ-A-L1", "kind": "receipt", "name": "政府信息公开申请登记回执",
                       "issued_on": "2026-11-02", "sha256": "a" * 64}]}


def clock(rid: str, due: str) -> dict:
    return {"deadline_id": rid, "item_id": rid, "subject": rid, "version": 1, "rule": "request-reply",
            "opened_on": "2026-11-02", "due_on": due, "provisional": False, "state": "open", "closed_at": None,
            "late": None, "unit": None, "extended_days": 0}


class Stub:
    def __init__(self) -> None:
        self.posted: list[tuple[str, dict]] = []

    def publishing(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "li.na", "name": "李娜", "unit": "办公室", "roles": ["submitter"]})

    def requests(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.posted.append((request.url.path, json.loads(request.content)))
            return httpx.Response(409, json={"detail": "request YSQ-A is examining: 分办 (assign) is taken only "
                                                       "when it is received"})
        if request.url.path == "/requests":
            return httpx.Response(200, json=REQUESTS)
        return httpx.Response(200, json=DETAIL)

    def notification(self, request: httpx.Request) -> httpx.Response:
        if request.url.params.get("rule") == "request-reply":
            return httpx.Response(200, json={"deadlines": [clock("YSQ-A", "2026-12-09"), clock("YSQ-B", "2026-12-01")]})
        return httpx.Response(200, json={"deadlines": [clock("YSQ-A", "2026-12-09")]})


async def signed_in(stub: Stub) -> tuple[httpx.AsyncClient, str]:
    app = create_app(ConsoleSettings(), transports={name: httpx.MockTransport(getattr(stub, name))
                                                    for name in ("publishing", "requests", "notification")})
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console")
    page = await http.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    await http.post("/signin", data={"csrf": csrf, "token": "dev-submitter-token", "next": "/requests"})
    return http, re.search(r'name="csrf" value="([^"]+)"', (await http.get("/requests/YSQ-A")).text).group(1)


async def test_the_queue_is_by_reply_due_date_and_a_request_shows_the_forms_of_its_state():
    stub = Stub()
    http, _ = await signed_in(stub)
    try:
        queue = await http.get("/requests")
        assert queue.status_code == 200
        assert queue.text.index("YSQ-B") < queue.text.index("YSQ-A")  # due 1 December before 9 December
        page = await http.get("/requests/YSQ-A")
        assert "政府信息公开申请登记回执" in page.text and "条例第二十九条" in page.text
        for title in ("拟写答复", "征求意见", "告知补正", "延期答复"):
            assert title in page.text
        assert "/requests/YSQ-A/assignment" not in page.text  # not a step of an examined request
    finally:
        await http.aclose()


async def test_a_step_posts_the_form_as_the_api_body_and_a_refusal_is_shown_with_its_reason():
    stub = Stub()
    http, csrf = await signed_in(stub)
    try:
        answer = await http.post("/requests/YSQ-A/correction-notice", data={
            "csrf": csrf, "_form": "correction-notice", "items": "写明名称\r\n\r\n提供身份证明",
            "on": "2026-11-03", "correct_within": "10"})
        assert answer.status_code == 409 and "examining" in answer.text
        assert stub.posted == [("/requests/YSQ-A/correction-notice",
                                {"items": ["写明名称", "提供身份证明"], "on": "2026-11-03", "correct_within": 10})]
    finally:
        await http.aclose()


async def test_an_examined_request_offers_the_fee_notice_and_posts_its_numbers():
    stub = Stub()
    http, csrf = await signed_in(stub)
    try:
        page = await http.get("/requests/YSQ-A")
        assert "收取信息处理费通知" in page.text and "/requests/YSQ-A/fee-notice" in page.text
        assert "/requests/YSQ-A/fee-payment" not in page.text  # only once a fee is awaited
        answer = await http.post("/requests/YSQ-A/fee-notice", data={
            "csrf": csrf, "_form": "fee-notice", "nth": "11", "pages": "", "on": "2026-11-03"})
        assert answer.status_code == 409
        assert stub.posted == [("/requests/YSQ-A/fee-notice", {"nth": 11, "on": "2026-11-03"})]
    finally:
        await http.aclose()


ANSWERED = {**DETAIL, "state": "answered", "outcome": "partly-granted", "outcome_name": "部分公开",
            "answered_on": "2026-11-20", "public_item": None,
            "reply": {"draft": 2, "outcome": "partly-granted", "outcome_name": "部分公开", "text": "现提供如下。",
                      "disclosed": "论证报告（×××部分不予公开）", "content_hash": "sha256:" + "b" * 64,
                      "review": "approved", "drafted_by": "wang.fang"}}


class AnsweredStub(Stub):
    def publishing(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/public/catalogue":
            return httpx.Response(200, json={"categories": [{"code": "S05", "name": "规划计划"}]})
        if request.method == "POST":
            self.posted.append((request.url.path, json.loads(request.content)))
            return httpx.Response(201, json={"item_id": "item-42", "version": 1})
        return super().publishing(request)

    def requests(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            self.posted.append((request.url.path, json.loads(request.content)))
            return httpx.Response(200, json={"request_id": "YSQ-A", "state": "answered"})
        return httpx.Response(200, json=ANSWERED)


async def test_an_answer_that_disclosed_becomes_a_draft_item_with_the_disclosed_text_and_the_request_records_it():
    stub = AnsweredStub()
    http, csrf = await signed_in(stub)
    try:
        page = await http.get("/requests/YSQ-A")
        assert "转为主动公开" in page.text and "S05 规划计划" in page.text
        answer = await http.post("/requests/YSQ-A/public-item", data={
            "csrf": csrf, "_form": "public-item", "title": "依申请公开：论证报告", "category": "S05",
            "on": "2026-11-21", "idempotency_key": "k1"})
        assert answer.status_code == 303 and answer.headers["location"] == "/items/item-42"
        assert stub.posted == [
            ("/drafts", {"title": "依申请公开：论证报告", "category": "S05", "audience": "public",
                         "body": "论证报告（×××部分不予公开）"}),
            ("/requests/YSQ-A/public-item", {"item_id": "item-42", "on": "2026-11-21"})]
    finally:
        await http.aclose()


async def test_an_answer_that_disclosed_nothing_or_was_made_public_already_offers_no_such_form():
    for detail in ({**ANSWERED, "outcome": "unavailable-not-held"}, {**ANSWERED, "public_item": "item-42"}):
        stub = AnsweredStub()
        stub.requests = lambda request, detail=detail: httpx.Response(200, json=detail)  # type: ignore[method-assign]
        http, _ = await signed_in(stub)
        try:
            page = await http.get("/requests/YSQ-A")
            assert page.status_code == 200 and "/requests/YSQ-A/public-item" not in page.text
        finally:
            await http.aclose()
