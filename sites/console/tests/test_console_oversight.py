"""The oversight pages against stubbed services: the checklist's points as the service gives them, each step's form
as the API's body, a rectification's due date and clock, the reports' delivery, and every refusal in Chinese."""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import httpx
from gongkai.console.app import create_app
from gongkai.console.problems import chinese
from gongkai.console.settings import ConsoleSettings

POINTS = [{"id": "standardised-work", "name": "规范化开展工作", "text": "是否规范化开展工作"},
          {"id": "rules-in-place", "name": "规章制度是否建立健全", "text": "规章制度是否建立健全"}]
PLANNED = {"inspection_id": "JC-20261202-AAAAAA", "unit": "运输管理科", "kind": "unannounced", "on": "2026-12-02",
           "inspectors": ["孙强", "周敏"], "state": "planned", "results": [], "findings": [], "rectifications": [],
           "closed_on": None, "history": [{"step": "plan", "on": "2026-12-01", "person": "sun.qiang", "note": "暗访"}]}
RECTIFYING = {**PLANNED, "state": "rectifying",
              "results": [{"point": "standardised-work", "result": "met", "note": None},
                          {"point": "rules-in-place", "result": "not-met", "note": "无保密审查制度"}],
              "findings": [{"finding_id": "JC-20261202-AAAAAA-F1", "point": "rules-in-place", "severity": "major",
                            "text": "未建立保密审查制度", "recorded_on": "2026-12-02"}],
              "rectifications": [{"rectification_id": "JC-20261202-AAAAAA-R1", "finding_id": "JC-20261202-AAAAAA-F1",
                                  "text": "建立保密审查制度", "working_days": 10, "ordered_on": "2026-12-02",
                                  "due_on": "2026-12-16", "ordered_by": "sun.qiang", "closed_on": None,
                                  "closed_by": None, "evidence": None, "evidence_sha256": None}],
              "history": [*PLANNED["history"],
                          {"step": "record_checklist", "on": "2026-12-02", "person": "sun.qiang", "note": None},
                          {"step": "record_finding", "on": "2026-12-02", "person": "admin",
                           "note": "JC-20261202-AAAAAA-F1"},
                          {"step": "order_rectification", "on": "2026-12-02", "person": "sun.qiang",
                           "note": "JC-20261202-AAAAAA-R1"}]}
REPORT = {"report_id": "BS-monthly-2026-11", "schedule": "monthly", "period": "2026-11", "period_start": "2026-11-01",
          "period_end": "2026-11-30", "state": "acknowledged", "sha256": "c" * 64, "attempts": 3,
          "last_error": None, "delivered_at": "2026-12-01T02:00:00+00:00", "receipt_id": "QZ-2026-0042",
          "acknowledged_at": "2026-12-01T03:30:00+00:00", "compiled_by": "sun.qiang"}
CONTENT = {"report_id": REPORT["report_id"], "agency": "某市交通运输局", "due_on": "2026-12-07",
           "compiled_at": "2026-12-01T01:00:00+00:00",
           "units": [{"unit": "运输管理科", "published": 4, "published_on_time": 3, "published_late": 1}],
           "totals": {"published": 4, "published_on_time": 3, "published_late": 1}}


class Stub:
    """The services as the console sees them; ``roles`` is who signed in; every POST is kept and answered with
    ``answer``."""

    def __init__(self, inspection: dict, roles: tuple[str, ...] = ("publisher",),
                 answer: tuple[int, dict] = (200, {})) -> None:
        self.inspection, self.roles, self.answer = inspection, roles, answer
        self.posted: list[tuple[str, dict]] = []

    def publishing(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"id": "sun.qiang", "name": "孙强", "unit": "办公室",
                                         "roles": list(self.roles)})

    def notification(self, request: httpx.Request) -> httpx.Response:
        assert request.url.params["rule"] == "inspection-rectification"
        rid = request.url.params["item_id"]
        return httpx.Response(200, json={"deadlines": [{
            "deadline_id": "d1", "item_id": rid, "subject": PLANNED["inspection_id"], "version": 1,
            "rule": "inspection-rectification", "opened_on": "2026-12-02", "due_on": "2026-12-16",
            "provisional": False, "state": "open", "closed_at": None, "late": None, "unit": "运输管理科",
            "extended_days": 0}]})

    def oversight(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if "publisher" not in self.roles and "auditor" not in self.roles and path != "/people":
            return httpx.Response(403, json={"detail": "li.na lacks the role publisher or administrator or auditor"})
        if request.method == "POST":
            self.posted.append((path, json.loads(request.content)))
            return httpx.Response(self.answer[0], json=self.answer[1])
        if path == "/people":
            return httpx.Response(200, json={"people": [{"id": "sun.qiang", "name": "孙强", "unit": "办公室",
                                                         "roles": ["publisher"]},
                                                        {"id": "admin", "name": "系统管理员", "unit": "信息中心",
                                                         "roles": ["administrator"]}]})
        if path == "/checklist":
            return httpx.Response(200, json={"source": "实施方案 七(三)", "points": POINTS})
        if path == "/inspections":
            return httpx.Response(200, json=[{k: self.inspection[k] for k in ("inspection_id", "unit", "kind", "on",
                                                                               "state", "inspectors")}
                                             | {"findings": 0, "open_rectifications": 0}])
        if path == "/reports":
            return httpx.Response(200, json=[REPORT, {**REPORT, "report_id": "BS-quarterly-2026-Q3",
                                                      "schedule": "quarterly", "state": "failed", "attempts": 8,
                                                      "last_error": "HTTP 503", "receipt_id": None,
                                                      "delivered_at": None, "acknowledged_at": None}])
        if path.startswith("/reports/"):
            return httpx.Response(200, json={**REPORT, "content": CONTENT})
        if path == "/scorecards":
            return httpx.Response(200, json=[{"unit": "运输管理科", "published": 4, "published_on_time": 3,
                                              "published_late": 1, "on_time_rate": 0.75, "withdrawn": 0,
                                              "requests_received": 2, "requests_answered": 2,
                                              "requests_answered_in_time": 2, "answered_in_time_rate": 1.0,
                                              "inspections": 1, "last_inspection_on": "2026-12-02",
                                              "points_not_met_last": 1, "findings": 1, "open_rectifications": 1,
                                              "overdue_rectifications": 0}])
        return httpx.Response(200, json=self.inspection)


async def signed_in(stub: Stub, token: str = "dev-publisher-token") -> tuple[httpx.AsyncClient, str]:
    app = create_app(ConsoleSettings(), transports={name: httpx.MockTransport(getattr(stub, name))
                                                    for name in ("publishing", "notification", "oversight")})
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console")
    page = await http.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    await http.post("/signin", data={"csrf": csrf, "token": token, "next": "/"})
    return http, re.search(r'name="csrf" value="([^"]+)"', (await http.get("/")).text).group(1)


async def test_a_planned_inspection_offers_the_services_points_and_sends_each_result_chosen():
    stub = Stub(PLANNED, answer=(422, {"detail": "every point needs its result: rules-in-place missing"}))
    http, csrf = await signed_in(stub)
    try:
        page = await http.get("/inspections/JC-20261202-AAAAAA")
        assert page.status_code == 200
        for point in POINTS:
            assert point["name"] in page.text and f'name="result:{point["id"]}"' in page.text
        assert "暗访" in page.text and "孙强（sun.qiang）" in page.text  # the plan, who took it and when
        assert "/inspections/JC-20261202-AAAAAA/findings" not in page.text  # no finding before the checklist
        form = urlencode([("csrf", csrf), ("_form", "checklist"), ("point", "standardised-work"),
                          ("point", "rules-in-place"), ("result:standardised-work", "partly"),
                          ("note:standardised-work", "台账不全\r\n待补"), ("note:rules-in-place", "")])
        answer = await http.post("/inspections/JC-20261202-AAAAAA/checklist", content=form,
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert stub.posted == [("/inspections/JC-20261202-AAAAAA/checklist", {"results": [
            {"point": "standardised-work", "result": "partly", "note": "台账不全\n待补"}]})]
        assert answer.status_code == 422
        assert "每个检查要点都须填写结果，缺少：rules-in-place" in answer.text
        assert 'value="partly" checked' in answer.text  # what was chosen stays chosen
    finally:
        await http.aclose()


async def test_a_rectification_shows_its_due_date_and_clock_and_is_closed_with_its_evidence():
    stub = Stub(RECTIFYING, answer=(422, {"detail": "closing a rectification cannot be dated 2026-12-01, before "
                                                    "2026-12-02"}))
    http, csrf = await signed_in(stub)
    try:
        page = await http.get("/inspections/JC-20261202-AAAAAA")
        row = re.search(r'<tr id="rectification-JC-20261202-AAAAAA-R1".*?</tr>', page.text, re.S).group(0)
        assert "10 个工作日" in row and '<time class="due" datetime="2026-12-16">' in row
        assert "计时中，到期" in row and "孙强" in row
        assert "不符合" in page.text and "无保密审查制度" in page.text and "较重" in page.text
        assert "/rectifications/JC-20261202-AAAAAA-R1/closure" in page.text
        assert 'action="/inspections/JC-20261202-AAAAAA/closure"' not in page.text  # not while one is open
        assert 'action="/inspections/JC-20261202-AAAAAA/rectifications"' not in page.text  # its finding is taken
        assert "系统管理员（admin）" in page.text
        answer = await http.post("/inspections/JC-20261202-AAAAAA/rectifications/JC-20261202-AAAAAA-R1/closure",
                                 data={"csrf": csrf, "_form": "closure", "evidence": "制度文件已印发",
                                       "on": "2026-12-01"})
        assert stub.posted == [("/inspections/JC-20261202-AAAAAA/rectifications/JC-20261202-AAAAAA-R1/closure",
                                {"evidence": "制度文件已印发", "on": "2026-12-01"})]
        assert answer.status_code == 422 and "日期 2026-12-01 不能早于 2026-12-02" in answer.text
        assert "制度文件已印发</textarea>" in answer.text  # what was typed stays, in the form of that rectification
    finally:
        await http.aclose()


async def test_a_step_that_worked_says_so_on_the_inspection_it_returns_to():
    stub = Stub(RECTIFYING, answer=(200, {"inspection_id": "JC-20261202-AAAAAA", "state": "rectifying",
                                          "finding_id": "JC-20261202-AAAAAA-F2"}))
    http, csrf = await signed_in(stub)
    try:
        answer = await http.post("/inspections/JC-20261202-AAAAAA/findings", data={
            "csrf": csrf, "_form": "findings", "point": "standardised-work", "severity": "minor", "text": "栏目未更新"})
        assert answer.status_code == 303 and answer.headers["location"] == "/inspections/JC-20261202-AAAAAA"
        assert stub.posted == [("/inspections/JC-20261202-AAAAAA/findings",
                                {"point": "standardised-work", "severity": "minor", "text": "栏目未更新"})]
        assert "问题已记录" in (await http.get("/inspections/JC-20261202-AAAAAA")).text
    finally:
        await http.aclose()


async def test_someone_without_the_role_sees_the_services_refusal_in_chinese():
    stub = Stub(PLANNED, roles=("submitter",))
    http, csrf = await signed_in(stub, "dev-submitter-token")
    try:
        home = await http.get("/")
        assert 'href="/inspections"' not in home.text  # not in the nav of a clerk
        for path in ("/inspections", "/scorecard", "/reports", "/inspections/JC-20261202-AAAAAA"):
            page = await http.get(path)
            assert page.status_code == 403, path
            assert "缺少所需的角色" in page.text and "lacks the role" in page.text and "Traceback" not in page.text
        posted = await http.post("/inspections/new", data={"csrf": csrf, "unit": "运输管理科", "kind": "announced",
                                                           "on": "2026-12-02", "inspectors": "孙强"})
        assert posted.status_code == 403 and "缺少所需的角色" in posted.text
    finally:
        await http.aclose()


async def test_planning_sends_the_inspectors_line_by_line_and_goes_to_the_new_inspection():
    stub = Stub(PLANNED, answer=(201, {"inspection_id": "JC-20261202-AAAAAA", "state": "planned"}))
    http, csrf = await signed_in(stub)
    try:
        listed = await http.get("/inspections?state=planned")
        assert "JC-20261202-AAAAAA" in listed.text and "安排检查" in listed.text
        answer = await http.post("/inspections/new", data={
            "csrf": csrf, "_form": "new", "unit": "运输管理科", "kind": "unannounced", "on": "2026-12-02",
            "inspectors": "孙强\r\n\r\n周敏\r\n"})
        assert answer.status_code == 303 and answer.headers["location"] == "/inspections/JC-20261202-AAAAAA"
        assert stub.posted == [("/inspections", {"unit": "运输管理科", "kind": "unannounced", "on": "2026-12-02",
                                                 "inspectors": ["孙强", "周敏"]})]
    finally:
        await http.aclose()


async def test_the_reports_show_delivery_attempts_and_receipt_and_a_second_compilation_is_refused():
    stub = Stub(PLANNED, answer=(409, {"detail": "the monthly report for 2026-11 was compiled already "
                                                 "(BS-monthly-2026-11)"}))
    http, csrf = await signed_in(stub)
    try:
        listed = await http.get("/reports")
        assert "已签收" in listed.text and "QZ-2026-0042" in listed.text and "报送失败" in listed.text
        assert "HTTP 503" in listed.text and "2026-12-01 10:00" in listed.text  # delivered, Beijing time
        assert "<td>孙强</td>" in listed.text  # who compiled it, by name
        answer = await http.post("/reports/new", data={"csrf": csrf, "_form": "new", "schedule": "monthly",
                                                       "period": "2026-11"})
        assert stub.posted == [("/reports", {"schedule": "monthly", "period": "2026-11"})]
        assert answer.status_code == 409 and "2026-11 的报告已编制过（BS-monthly-2026-11）" in answer.text
        one = await http.get("/reports/BS-monthly-2026-11")
        assert "某市交通运输局" in one.text and "QZ-2026-0042" in one.text and "2026-12-07" in one.text
        assert "/reports/BS-monthly-2026-11/redelivery" not in one.text  # only a failed delivery is tried again
    finally:
        await http.aclose()


async def test_the_scorecard_shows_each_units_rates():
    http, _ = await signed_in(Stub(PLANNED))
    try:
        page = await http.get("/scorecard")
        assert page.status_code == 200 and "运输管理科" in page.text and "75.0%" in page.text
        assert "100.0%" in page.text
    finally:
        await http.aclose()


def test_the_oversight_services_refusals_are_said_in_chinese():
    assert chinese("recording a finding is not possible: inspection JC-1 is planned (needs inspected or "
                   "rectifying)") == "检查目前的状态不能进行这一步"
    assert chinese("inspection JC-1 has rectifications open: JC-1-R1") == "还有未销号的整改（JC-1-R1），不能办结检查"
    assert chinese("a rectification is closed only with the evidence that it was put right") == "整改销号须附佐证材料"
    assert chinese("2026-12 ends on 2026-12-31: its report is compiled after that day") == \
        "该期间到 2026-12-31 才结束，期满后才能编制报告"
    assert chinese("'2026-13' is not a month (write it as 2026-11)") == "报告期间格式不对，应写作 2026-11"
    assert chinese("Input should be less than or equal to 60") == "不能大于 60"
