"""The annual report assembled from facts and the office's entries, its checks, and its renderings (unit)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from gongkai.audit import annual_rendering
from gongkai.audit.annual_report import (
    HEADINGS,
    answered_count,
    assemble,
    decisions_from_events,
    entered_of,
    fees_from_events,
)
from gongkai.audit.statistics import challenges_table, proactive_table, requests_table
from gongkai.shared import contracts as c

YEAR = 2026


def request_fact(type: str, request: str, day: str, kind: str, outcome: str | None = None) -> dict[str, Any]:
    return {"type": type, "subject_id": request, "on_date": date.fromisoformat(day), "applicant_kind": kind,
            "outcome": outcome}


REQUESTS = [
    request_fact(c.REQUEST_RECEIVED, "r1", "2026-02-01", "natural-person"),
    request_fact(c.REQUEST_ANSWERED, "r1", "2026-02-20", "natural-person", "granted"),
    request_fact(c.REQUEST_RECEIVED, "r2", "2026-12-28", "commercial"),
]
COUNTS = [
    {"type": c.DISCLOSURE_PUBLISHED, "action": action, "category": category, "category_group": group, "n": n}
    for action, category, group, n in [("published", "JT-XK-01", "行政许可", 7), ("updated", "JT-XK-01", "行政许可", 2),
                                       ("published", "JT-CF-02", "行政处罚", 3), ("published", "S07", None, 5),
                                       ("published", "JT-QZ-99", None, 4)]  # a category no group names
] + [{"type": c.DISCLOSURE_WITHDRAWN, "action": None, "category": "S07", "category_group": None, "n": 1}]


def figures(year: int, by: str = "sun.qiang", **values: str) -> dict[str, Any]:
    return {"year": year, "entered_by": by, "entered_at": "2027-01-05T09:00:00+08:00",
            "figures": [{"figure": k.replace("_", "-"), "value": v, "note": None} for k, v in values.items()]}


def text(year: int, section: str, words: str) -> dict[str, Any]:
    return {"year": year, "section": section, "text": words, "saved_by": "sun.qiang",
            "saved_at": "2027-01-06T09:00:00+08:00"}


ALL_FIGURES = dict(regulations_issued="0", regulations_repealed="0", regulations_in_force="2",
                   normative_issued="4", normative_repealed="1", normative_in_force="15",
                   punishment_decisions="120", enforcement_decisions="8", administrative_fees="12.5")
LAST_YEAR = figures(YEAR - 1, regulations_in_force="2", normative_in_force="12")


def report(entries: list[dict[str, Any]], fees: list[dict[str, Any]] | None = None,
           requests: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    facts = REQUESTS if requests is None else requests
    fees = [{"on": "2026-03-01", "fee_yuan": 100}, {"on": "2026-04-01", "fee_yuan": 0},
            {"on": "2025-04-01", "fee_yuan": 50}] if fees is None else fees
    return assemble(agency="某市交通运输局", year=YEAR, by_category=proactive_table(COUNTS),
                    requests=requests_table(facts, YEAR), challenges=challenges_table([], YEAR),
                    entered=entered_of(entries, YEAR), previous=entered_of(entries, YEAR - 1),
                    decisions=decisions_from_events(COUNTS), fees=fees_from_events(fees, YEAR),
                    answered_by_year_end=answered_count(facts, date(YEAR, 12, 31)))


def checks(found: dict[str, Any]) -> dict[str, bool | None]:
    return {check["key"]: check["holds"] for check in found["checks"]}


def test_figures_come_from_the_office_where_entered_else_from_events_and_the_latest_entry_stands():
    found = report([LAST_YEAR, figures(YEAR, punishment_decisions="99"), figures(YEAR, by="admin", **ALL_FIGURES)])
    shown = found["figures"]
    assert shown["licensing-decisions"]["value"] == 7 and shown["licensing-decisions"]["source"] == "events"
    assert (shown["punishment-decisions"]["value"], shown["punishment-decisions"]["entered_by"]) == (120, "admin")
    assert shown["punishment-decisions"]["from_events"] == 3
    assert shown["enforcement-decisions"]["from_events"] == 0  # counted by the catalogue's group, not the code
    assert shown["administrative-fees"]["shown"] == "12.5"
    assert shown["processing-fees"] == {**shown["processing-fees"], "value": 100, "source": "events"}
    rows = {row[0]: row[1:] for block in found["proactive"]["blocks"] for row in block["rows"]}
    assert rows == {"规章": ["0", "0", "2"], "行政规范性文件": ["4", "1", "15"], "行政许可": ["7"],
                    "行政处罚": ["120"], "行政强制": ["8"], "行政事业性收费": ["12.5"]}


def test_a_complete_consistent_report_has_every_check_holding_and_is_ready():
    found = report([LAST_YEAR, figures(YEAR, **ALL_FIGURES), text(YEAR, "problems", "一是……\n二是……")])
    assert checks(found) == {"requests-balance": True, "requests-total": True, "challenges-within-answered": True,
                             "regulations-in-force": True, "normative-in-force": True, "processing-fees": True,
                             "figures-complete": True, "problems-written": True}
    assert found["ready"] is True
    assert found["headings"] == list(HEADINGS.values())
    assert found["overview"]["drafted"] is True
    assert "新收政府信息公开申请2件" in found["overview"]["text"] and "收取信息处理费100元" in found["overview"]["text"]


def test_each_failing_check_says_why_and_the_report_is_not_ready():
    wrong = {**ALL_FIGURES, "normative_in_force": "16", "processing_fees": "150"}
    found = report([LAST_YEAR, figures(YEAR, **wrong)],
                   requests=[*REQUESTS, request_fact(c.REQUEST_ANSWERED, "r9", "2026-05-01", "other", "granted")])
    by_key = {check["key"]: check for check in found["checks"]}
    assert by_key["normative-in-force"]["holds"] is False and "12 + 4 − 1 = 15，填报为16" in by_key[
        "normative-in-force"]["why"]
    assert by_key["processing-fees"]["holds"] is False and "填报150元，申请办理记录100元" in by_key[
        "processing-fees"]["why"]
    assert by_key["requests-balance"]["holds"] is False and "other" in by_key["requests-balance"]["why"]
    assert by_key["problems-written"]["holds"] is False
    assert found["ready"] is False


def test_what_cannot_be_told_is_said_so_and_does_not_block():
    found = report([figures(YEAR, **ALL_FIGURES), text(YEAR, "problems", "问题")], fees=[{"on": "2026-03-01"}])
    by_key = {check["key"]: check for check in found["checks"]}
    assert by_key["normative-in-force"]["holds"] is None and "上一年度" in by_key["normative-in-force"]["why"]
    assert by_key["processing-fees"]["holds"] is None
    assert by_key["figures-complete"]["holds"] is False  # no fee entered and none the facts give
    missing = report([text(YEAR, "problems", "问题")])
    why = {c["key"]: c for c in missing["checks"]}["figures-complete"]["why"]
    assert "规章 本年制发件数" in why and "行政事业性收费" in why
    assert "行政处罚" not in why  # the events give it: decisions published in its categories


def test_a_saved_overview_replaces_the_draft_and_an_empty_one_brings_it_back():
    saved = report([text(YEAR, "overview", "本年度总体情况如下。")])
    assert (saved["overview"]["text"], saved["overview"]["drafted"], saved["overview"]["saved_by"]) == (
        "本年度总体情况如下。", False, "sun.qiang")
    back = report([text(YEAR, "overview", "本年度总体情况如下。"), text(YEAR, "overview", "")])
    assert back["overview"]["drafted"] is True and back["overview"]["text"] == back["overview"]["draft"]


def test_entries_of_another_year_or_unreadable_are_ignored():
    entered = entered_of([figures(YEAR + 1, punishment_decisions="5"),
                          {"year": YEAR, "figures": [{"figure": "punishment-decisions", "value": "x"}]}], YEAR)
    assert entered.figures == {}
    assert entered_of([figures(YEAR, administrative_fees="3.25")], YEAR).figures["administrative-fees"][
        "value"] == Decimal("3.25")


def test_the_text_and_html_carry_all_six_sections_and_the_figures():
    found = report([LAST_YEAR, figures(YEAR, **ALL_FIGURES), text(YEAR, "problems", "一是更新不及时。"),
                    text(YEAR, "other", "本年度无其他需要报告的事项。")])
    body = annual_rendering.text(found)
    for heading in HEADINGS.values():
        assert heading in body
    assert "行政处罚：120" in body and "一是更新不及时。" in body and "信息处理费100元" in body
    page = annual_rendering.html(found)
    assert all(heading in page for heading in HEADINGS.values()) and "<script" not in page and "http" not in page
    assert "&lt;" not in page  # every table row is markup, not text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_the_pdf_has_the_six_headings_and_the_figures(tmp_path):
    found = report([LAST_YEAR, figures(YEAR, **ALL_FIGURES), text(YEAR, "problems", "一是更新不及时。")])
    pdf = annual_rendering.pdf(annual_rendering.html(found))
    assert pdf.startswith(b"%PDF")
    (tmp_path / "r.pdf").write_bytes(pdf)
    words = subprocess.run(["pdftotext", "-layout", str(tmp_path / "r.pdf"), "-"], capture_output=True, text=True,
                           check=True).stdout
    for heading in HEADINGS.values():
        assert heading in words
    assert "行政许可" in words and "120" in words and "某市交通运输局2026年政府信息公开工作年度报告" in words
