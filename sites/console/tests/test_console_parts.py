"""The console's parts without a browser or the services: sessions, the marked text, the refusals in Chinese,
and sign-in's own refusals (through the app, with the services' answers stubbed by an HTTP transport)."""

from __future__ import annotations

import re

import httpx
import pytest
from gongkai.console.app import create_app
from gongkai.console.labels import DETECTORS
from gongkai.console.problems import chinese, field_errors
from gongkai.console.reviewer import queue_order, spans_of, standing
from gongkai.console.sessions import Person, Sessions
from gongkai.console.settings import ConsoleSettings
from gongkai.console.text import highlighted

LI_NA = Person(id="li.na", name="李娜", unit="办公室", roles=frozenset({"submitter"}))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_session_ends_when_idle_too_long_or_too_old_and_at_sign_out():
    clock = Clock()
    sessions = Sessions(idle=60, lifetime=600, limit=100, clock=clock)
    session = sessions.sign_in(None, LI_NA, "secret")
    clock.now += 59
    assert sessions.get(session.id) is session
    clock.now += 61
    assert sessions.get(session.id) is None and len(sessions) == 0
    old = sessions.sign_in(None, LI_NA, "secret")
    for _ in range(11):
        clock.now += 55
        sessions.get(old.id)
    assert sessions.get(old.id) is None  # used all along, but past its lifetime
    ended = sessions.sign_in(None, LI_NA, "secret")
    sessions.end(ended.id)
    assert sessions.get(ended.id) is None


def test_signing_in_gives_a_new_id_and_csrf_token_and_keeps_the_carried_form():
    from gongkai.console.sessions import Carried

    sessions = Sessions(idle=60, lifetime=600, limit=100)
    anonymous = sessions.new()
    anonymous.carried = Carried(back="/items/new", form="item", fields=(("title", "标题"),))
    signed = sessions.sign_in(anonymous, LI_NA, "secret")
    assert signed.id != anonymous.id and signed.csrf != anonymous.csrf
    assert sessions.get(anonymous.id) is None
    assert signed.carried.fields == (("title", "标题"),)
    assert signed.csrf_matches(signed.csrf) and not signed.csrf_matches(anonymous.csrf)
    assert not signed.csrf_matches(None) and "secret" not in repr(signed)


def test_the_oldest_sessions_go_first_past_the_limit():
    sessions = Sessions(idle=60, lifetime=600, limit=10)
    first = sessions.new()
    for _ in range(10):
        sessions.new()
    assert len(sessions) == 10 and sessions.get(first.id) is None


def test_each_finding_is_marked_where_review_found_it_counted_in_code_points():
    text = "𠮷先生，手机13912345678。\r\n特此通告。"
    finding = {"detector": "mobile-number", "severity": "medium", "reason": "手机号码", "field": "body",
               "start": text.index("139"), "end": text.index("139") + 11}
    html = str(highlighted(text, "body", [finding, {**finding, "field": "title"}]))
    assert f'<mark data-start="{text.index("139")}" class="finding sev-medium" data-detector="mobile-number"' in html
    assert ">13912345678</mark>" in html and "&#13;\n" in html
    assert re.sub(r"<[^>]+>", "", html).replace("&#13;", "\r") == text  # nothing added between the pieces


def test_every_detector_review_reports_is_named_in_chinese_on_the_case_page():
    from gongkai.review.screening import DETECTORS as REVIEWS

    assert set(DETECTORS) == set(REVIEWS)  # no finding shown by its code alone
    text = "如有疑问请联系现场负责人王先生，手机13912345678。"
    finding = {"detector": "person-name", "severity": "medium", "reason": "与个人信息相邻的姓名", "field": "body",
               "start": text.index("王"), "end": text.index("王") + 3}
    assert 'title="姓名（中）：' in str(highlighted(text, "body", [finding]))


def test_overlapping_findings_are_one_mark_naming_both_with_the_gravest_severity():
    text = "机密文件13912345678"
    findings = [{"detector": "keyword", "severity": "high", "reason": "关键词", "field": "body", "start": 0, "end": 8},
                {"detector": "mobile-number", "severity": "medium", "reason": "手机", "field": "body", "start": 4,
                 "end": 15}]
    html = str(highlighted(text, "body", findings))
    assert 'class="finding sev-high" data-detector="keyword mobile-number" data-findings="finding-0 finding-1"' in html


def test_the_apis_validation_reasons_become_chinese_errors_beside_their_fields():
    detail = ("title: String should have at least 1 character; formed_on: Value error, must not be before 1949-10-01;"
              " query limit: Input should be less than or equal to 500")
    errors, general = field_errors(detail, ("title", "formed_on", "body"))
    assert errors["title"].startswith("不能为空") and "String should have" in errors["title"]
    assert errors["formed_on"].startswith("不能早于 1949-10-01")
    assert general == ["query limit: Input should be less than or equal to 500"]
    category, general = field_errors("unknown category 'X9'; known: S01, S02", ("category",))
    assert category["category"].startswith("没有这个类别") and general == []
    assert field_errors("release_at 2020-01-01T09:00:00+08:00 is in the past", ("release_at",))[0] == {
        "release_at": "不能早于现在（release_at 2020-01-01T09:00:00+08:00 is in the past）"}
    assert chinese("li.na submitted this item and cannot review it") == "提交人不能审查自己提交的事项"
    assert chinese("something new") == "something new"


def test_the_queue_is_by_due_date_then_gravest_risk_then_oldest():
    cases = [{"case_id": c, "risk": r, "opened_at": o} for c, r, o in (
        ("a", "none", "1"), ("b", "high", "2"), ("c", "medium", "0"), ("d", "high", "3"))]
    due = {"a": "2026-12-01", "b": "2026-12-01", "c": "2026-11-30"}
    assert [c["case_id"] for c in queue_order(cases, due)] == ["c", "b", "a", "d"]


def test_the_requester_of_a_redaction_alone_is_not_enough_and_authors_are_told():
    case = {"approvals": ["zhao.lei"], "required_approvals": 1, "redaction_requested_by": "zhao.lei",
            "submitted_by": "li.na", "authors": ["li.na", "wang.fang"]}
    assert standing(case, "zhao.lei")["requester_alone"] and standing(case, "zhao.lei")["requested_by_me"]
    assert standing(case, "wang.fang")["author"] and not standing(case, "chen.jing")["author"]
    assert not standing({**case, "approvals": ["zhao.lei", "chen.jing"]}, "chen.jing")["requester_alone"]


@pytest.mark.parametrize("text", ["[{\"field\": \"body\", \"start\": \"1\", \"end\": 2}]", "{}", "not json"])
def test_spans_the_page_did_not_write_are_refused_before_review_sees_them(text):
    with pytest.raises(ValueError, match="重新选择"):
        spans_of(text)


def stub_publishing(request: httpx.Request) -> httpx.Response:
    if request.headers["authorization"] == "Bearer dev-submitter-token":
        return httpx.Response(200, json={"id": "li.na", "name": "李娜", "unit": "办公室", "roles": ["submitter"]})
    return httpx.Response(401, json={"detail": "unknown credential"})


async def sign_in_with(settings: ConsoleSettings, token: str) -> tuple[httpx.Response, httpx.Response]:
    """The sign-in page (which sets the session's cookie) and the answer to signing in with ``token``."""
    app = create_app(settings, transports={"publishing": httpx.MockTransport(stub_publishing)})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://console") as http:
        page = await http.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        return page, await http.post("/signin", data={"csrf": csrf, "token": token, "next": "/items"})


async def test_production_refuses_development_tokens_at_sign_in_and_sets_a_secure_host_cookie():
    page, refused = await sign_in_with(ConsoleSettings(env="production"), "dev-submitter-token")
    assert refused.status_code == 403 and "开发用令牌" in refused.text
    cookie = page.headers["set-cookie"]
    assert cookie.startswith("__Host-gongkai-console=") and "Secure" in cookie and "HttpOnly" in cookie
    _, allowed = await sign_in_with(ConsoleSettings(env="development"), "dev-submitter-token")
    assert allowed.status_code == 303 and allowed.headers["location"] == "/items"
    cookie = allowed.headers["set-cookie"]  # a new session at sign-in
    assert "Secure" not in cookie and "samesite=lax" in cookie.lower() and "HttpOnly" in cookie


async def test_an_unknown_token_or_a_missing_csrf_token_signs_no_one_in():
    _, unknown = await sign_in_with(ConsoleSettings(), "not-a-token")
    assert unknown.status_code == 401 and "令牌无效" in unknown.text
    app = create_app(ConsoleSettings(), transports={"publishing": httpx.MockTransport(stub_publishing)})
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as http:
        forged = await http.post("/signin", data={"token": "dev-submitter-token"})
        assert forged.status_code == 403 and "CSRF" in forged.text


async def test_every_page_forbids_inline_scripts_framing_and_caching():
    app = create_app(ConsoleSettings())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as http:
        page = await http.get("/signin")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text and "http" not in re.sub(r'href="/[^"]*"|src="/[^"]*"', "", page.text)
