"""The annual report (政府信息公开工作年度报告) in the national format of 国办公开办函〔2021〕30号, assembled from the
log: pure functions, no I/O.

Its six sections: 一 总体情况 (a person's text, else a draft from the year's figures), 二 主动公开 in the
national rows (规章 and 规范性文件 issued, repealed and in force; 行政许可, 行政处罚 and 行政强制 decisions;
行政事业性收费), 三 依申请公开 (``statistics.requests_table``), 四 复议诉讼
(``statistics.challenges_table``), 五 问题与改进 (a person's text) and 六 其他 (the information processing fees,
and a person's text). A figure is what the office entered
(``oversight.report_figures_entered``, the latest entry of each, with who and when), else what the log's events
give where they give one, else missing. The checks say, each with why, whether the report holds together.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from gongkai.shared import contracts as c

F = c.ReportFigure
FORMAT = "国办公开办函〔2021〕30号"
HEADINGS = {"overview": "一、总体情况", "proactive": "二、主动公开政府信息情况",
            "requests": "三、收到和处理政府信息公开申请情况", "challenges": "四、政府信息公开行政复议、行政诉讼情况",
            "problems": "五、存在的主要问题及改进情况", "other": "六、其他需要报告的事项"}
LABELS = {F.regulations_issued: "规章 本年制发件数", F.regulations_repealed: "规章 本年废止件数",
          F.regulations_in_force: "规章 现行有效件数", F.normative_issued: "行政规范性文件 本年制发件数",
          F.normative_repealed: "行政规范性文件 本年废止件数", F.normative_in_force: "行政规范性文件 现行有效件数",
          F.licensing_decisions: "行政许可 本年处理决定数量", F.punishment_decisions: "行政处罚 本年处理决定数量",
          F.enforcement_decisions: "行政强制 本年处理决定数量",
          F.administrative_fees: "行政事业性收费 本年收费金额（万元）", F.processing_fees: "本年收取信息处理费（元）"}
# Decisions published in the year in the categories of each 一级事项 of the catalogue (the group that
# ``disclosure.published`` names; catalogue-transport.json's 行政许可, 行政处罚 and 行政强制): what the events give,
# until the office enters the figure.
DECISION_GROUPS = {F.licensing_decisions: "行政许可", F.punishment_decisions: "行政处罚",
                   F.enforcement_decisions: "行政强制"}


@dataclass(frozen=True)
class Entered:
    """The figures and texts as the office entered them, latest of each, from the log's oversight facts."""

    figures: dict[str, dict[str, Any]] = field(default_factory=dict)
    texts: dict[str, dict[str, Any]] = field(default_factory=dict)


def entered_of(facts: Iterable[Mapping[str, Any]], year: int) -> Entered:
    """``facts``: the data of each ``report_figures_entered`` / ``report_text_saved`` entry in log order."""
    out = Entered()
    for data in facts:
        if data.get("year") != year:
            continue
        if "figures" in data:
            for figure in data["figures"]:
                try:
                    value = Decimal(str(figure["value"]))
                except (InvalidOperation, KeyError, TypeError):
                    continue
                out.figures[str(figure.get("figure"))] = {"value": value, "note": figure.get("note"),
                                                          "entered_by": data.get("entered_by"),
                                                          "entered_at": data.get("entered_at")}
        elif "section" in data:
            out.texts[str(data["section"])] = {"text": str(data.get("text") or ""), "saved_by": data.get("saved_by"),
                                               "saved_at": data.get("saved_at")}
    return out


def decisions_from_events(rows: Iterable[Mapping[Any, Any]]) -> dict[str, int]:
    """Items first published in the year in each decision group's categories (``repository.fact_counts`` rows)."""
    counts = {figure.value: 0 for figure in DECISION_GROUPS}
    for row in rows:
        if row["type"] != c.DISCLOSURE_PUBLISHED or row["action"] == "updated":
            continue
        for figure, group in DECISION_GROUPS.items():
            if row["category_group"] == group:
                counts[figure.value] += row["n"]
    return counts


def fees_from_events(facts: Iterable[Mapping[str, Any]], year: int) -> dict[str, Any]:
    """Information processing fees settled in the year (``requests.fee_settled``: paid, or 0 when waived).

    ``yuan`` is None when a settlement in the year carries no amount (recorded before the facts had one).
    """
    paid, count, waived, unknown = 0, 0, 0, 0
    for data in facts:
        try:
            on = date.fromisoformat(str(data.get("on")))
        except ValueError:
            continue
        if on.year != year:
            continue
        amount = data.get("fee_yuan")
        if not isinstance(amount, int) or isinstance(amount, bool):
            unknown += 1
        elif amount == 0:
            waived += 1
        else:
            paid += amount
            count += 1
    return {"yuan": None if unknown else paid, "paid": count, "waived": waived, "without_amount": unknown}


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    return str(value)


def figures_of(entered: Entered, from_events: Mapping[str, Decimal | int | None]) -> dict[str, dict[str, Any]]:
    """Every national figure: its value, where it comes from (entered, events, or missing), who entered it."""
    out: dict[str, dict[str, Any]] = {}
    for figure in F:
        mine = entered.figures.get(figure.value)
        events = from_events.get(figure.value)
        value: Decimal | int | None = mine["value"] if mine else events
        out[figure.value] = {"key": figure.value, "label": LABELS[figure], "value": value, "shown": _number(value),
                             "source": "entered" if mine else "events" if events is not None else "missing",
                             "from_events": events, "note": mine["note"] if mine else None,
                             "entered_by": mine["entered_by"] if mine else None,
                             "entered_at": mine["entered_at"] if mine else None}
    return out


def proactive_national(figures: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Table 二 in its national rows."""
    def cell(figure: c.ReportFigure) -> str:
        return str(figures[figure.value]["shown"])
    return {"label": HEADINGS["proactive"], "blocks": [
        {"heading": "第二十条第（一）项", "columns": ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
         "rows": [["规章", cell(F.regulations_issued), cell(F.regulations_repealed), cell(F.regulations_in_force)],
                  ["行政规范性文件", cell(F.normative_issued), cell(F.normative_repealed),
                   cell(F.normative_in_force)]]},
        {"heading": "第二十条第（五）项", "columns": ["信息内容", "本年处理决定数量"],
         "rows": [["行政许可", cell(F.licensing_decisions)]]},
        {"heading": "第二十条第（六）项", "columns": ["信息内容", "本年处理决定数量"],
         "rows": [["行政处罚", cell(F.punishment_decisions)], ["行政强制", cell(F.enforcement_decisions)]]},
        {"heading": "第二十条第（八）项", "columns": ["信息内容", "本年收费金额（单位：万元）"],
         "rows": [["行政事业性收费", cell(F.administrative_fees)]]}]}


def challenge_totals(challenges: Mapping[str, Any]) -> dict[str, int]:
    groups = {g["key"]: g["total"] for g in challenges["groups"]}
    return {"reconsideration": groups.get("reconsideration", 0),
            "litigation": groups.get("litigation-direct", 0) + groups.get("litigation-after-reconsideration", 0)}


def draft_overview(agency: str, year: int, by_category: Mapping[str, Any], requests: Mapping[str, Any],
                   challenges: Mapping[str, Any], figures: Mapping[str, Mapping[str, Any]]) -> str:
    """一、总体情况 drafted from the year's figures, for a person to edit."""
    total = by_category["total"]
    cases = challenge_totals(challenges)
    fee = figures[F.processing_fees.value]["shown"]
    return "\n".join([
        f"{year}年，{agency}深入贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
        "按照政务公开工作要点推进决策、执行、管理、服务、结果公开，依法保障人民群众的知情权、参与权、表达权和监督权。",
        f"（一）主动公开。全年主动公开政府信息{total['本年新公开']}条，更新{total['本年更新']}条，"
        f"撤回{total['本年撤回']}条；制发规范性文件{figures[F.normative_issued.value]['shown']}件，"
        f"作出行政许可决定{figures[F.licensing_decisions.value]['shown']}件、行政处罚决定"
        f"{figures[F.punishment_decisions.value]['shown']}件。",
        f"（二）依申请公开。全年新收政府信息公开申请{requests['new']['total']}件，上年结转"
        f"{requests['carried_over']['total']}件，办结{requests['handled_total']['total']}件，结转下年度继续办理"
        f"{requests['carried_forward']['total']}件；收取信息处理费{fee}元。",
        f"（三）政府信息管理。每一条主动公开的信息均经保密审查后发布，审查结论与所发布的内容一一对应；"
        f"发生政府信息公开行政复议{cases['reconsideration']}件、行政诉讼{cases['litigation']}件。",
        "（四）平台建设。通过政府网站、政务公开栏和电子屏等渠道同步发布，公众可在网站检索已公开的信息。",
        "（五）监督保障。政务公开领导小组办公室对各单位开展明查暗访，按季度向区政务公开办报送工作情况。",
    ])


def _check(key: str, rule: str, holds: bool | None, why: str) -> dict[str, Any]:
    return {"key": key, "rule": rule, "holds": holds, "why": why}


def _in_force_check(key: str, name: str, issued: c.ReportFigure, repealed: c.ReportFigure,
                    in_force: c.ReportFigure, figures: Mapping[str, Mapping[str, Any]],
                    previous: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    rule = f"{name}：上年现行有效 + 本年制发 − 本年废止 = 本年现行有效"
    before = previous.get(in_force.value, {}).get("value")
    now = [figures[f.value]["value"] for f in (issued, repealed, in_force)]
    if before is None:
        return _check(key, rule, None, "上一年度的现行有效件数未填报，无法核对")
    if any(v is None for v in now):
        return _check(key, rule, False, "本年制发、废止或现行有效件数尚未填报")
    expected = Decimal(before) + Decimal(now[0]) - Decimal(now[1])
    holds = expected == Decimal(now[2])
    return _check(key, rule, holds, f"{_number(Decimal(before))} + {_number(now[0])} − {_number(now[1])} = "
                  f"{_number(expected)}，填报为{_number(now[2])}")


def checks_of(report: Mapping[str, Any], previous: Mapping[str, Mapping[str, Any]], answered_by_year_end: int,
              fees: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every consistency check of the report, each with whether it holds (None: it cannot be told) and why."""
    requests, figures = report["requests"], report["figures"]
    checks = []
    balance = requests["balance"]
    unbalanced = "、".join(balance["unbalanced_columns"])
    checks.append(_check("requests-balance", balance["rule"], balance["holds"],
                         "各列均平衡" if balance["holds"] else f"不平衡的列：{unbalanced}"))
    sums = {k: 0 for k in requests["handled_total"] if k not in ("key", "label")}
    for row in requests["results"]:
        for one in row.get("rows", [row]):
            for k in sums:
                sums[k] += one[k]
    off = [k for k, v in sums.items() if v != requests["handled_total"][k]]
    checks.append(_check("requests-total", "表三：（一）至（六）各项之和 = （七）总计", not off,
                         "各列之和与总计一致" if not off else f"不一致的列：{', '.join(off)}"))
    cases = sum(g["total"] for g in report["challenges"]["groups"])
    checks.append(_check("challenges-within-answered", "表四：复议诉讼案件数不超过截至年底已答复的申请数",
                         cases <= answered_by_year_end, f"案件{cases}件，截至年底已答复申请{answered_by_year_end}件"))
    checks.append(_in_force_check("regulations-in-force", "规章", F.regulations_issued, F.regulations_repealed,
                                  F.regulations_in_force, figures, previous))
    checks.append(_in_force_check("normative-in-force", "行政规范性文件", F.normative_issued, F.normative_repealed,
                                  F.normative_in_force, figures, previous))
    entered_fee = figures[F.processing_fees.value]
    rule = "六：信息处理费与申请办理记录中本年实际收取的费用一致"
    if fees["yuan"] is None:
        checks.append(_check("processing-fees", rule, None,
                             f"本年有{fees['without_amount']}次缴费记录未载明金额，无法核对"))
    elif entered_fee["source"] != "entered":
        checks.append(_check("processing-fees", rule, True, f"未另行填报，取申请办理记录：{fees['yuan']}元"))
    else:
        holds = Decimal(entered_fee["value"]) == Decimal(fees["yuan"])
        checks.append(_check("processing-fees", rule, holds,
                             f"填报{entered_fee['shown']}元，申请办理记录{fees['yuan']}元（缴费{fees['paid']}件，"
                             f"减免{fees['waived']}件）"))
    missing = [f["label"] for f in figures.values() if f["source"] == "missing"]
    checks.append(_check("figures-complete", "表二各项数据均已填报或由事件得出", not missing,
                         "均已有数" if not missing else f"尚未填报：{'、'.join(missing)}"))
    checks.append(_check("problems-written", "五：存在的主要问题及改进情况已撰写", bool(report["problems"]["text"]),
                         "已撰写" if report["problems"]["text"] else "尚未撰写"))
    return checks


def assemble(*, agency: str, year: int, by_category: Mapping[str, Any], requests: Mapping[str, Any],
             challenges: Mapping[str, Any], entered: Entered, previous: Entered, decisions: Mapping[str, int],
             fees: Mapping[str, Any], answered_by_year_end: int) -> dict[str, Any]:
    """The whole report: its six sections, every figure with where it comes from, and the checks."""
    from_events: dict[str, Decimal | int | None] = {**decisions, F.processing_fees.value: fees["yuan"]}
    figures = figures_of(entered, from_events)
    previous_figures = figures_of(previous, {})
    saved = entered.texts.get("overview")
    drafted = draft_overview(agency, year, by_category, requests, challenges, figures)
    overview = {"heading": HEADINGS["overview"], "text": saved["text"] if saved and saved["text"] else drafted,
                "drafted": not (saved and saved["text"]), "draft": drafted,
                "saved_by": saved["saved_by"] if saved else None, "saved_at": saved["saved_at"] if saved else None}

    def text_of(section: str) -> dict[str, Any]:
        mine = entered.texts.get(section) or {}
        return {"heading": HEADINGS[section], "text": mine.get("text", ""), "saved_by": mine.get("saved_by"),
                "saved_at": mine.get("saved_at")}

    fee = figures[F.processing_fees.value]
    other = {**text_of("other"), "processing_fees": {"yuan": fee["shown"], "source": fee["source"], **fees},
             "fee_sentence": f"本年度本机关收取政府信息公开信息处理费{fee['shown']}元"
                             f"（缴费{fees['paid']}件，减免{fees['waived']}件）。"}
    report: dict[str, Any] = {
        "year": year, "format": FORMAT, "agency": agency, "title": f"{agency}{year}年政府信息公开工作年度报告",
        "headings": list(HEADINGS.values()),
        "overview": overview,
        "proactive": {**proactive_national(figures), "by_category": by_category},
        "requests": {**requests, "heading": HEADINGS["requests"]},
        "challenges": {**challenges, "heading": HEADINGS["challenges"]},
        "problems": text_of("problems"),
        "other": other,
        "figures": figures,
    }
    report["checks"] = checks_of(report, previous_figures, answered_by_year_end, fees)
    report["ready"] = all(check["holds"] is not False for check in report["checks"])
    return report


def answered_count(facts: Iterable[Mapping[Any, Any]], until: date) -> int:
    """Requests answered by ``until`` (``request.answered`` facts, each request once)."""
    return len({f["subject_id"] for f in facts if f["type"] == c.REQUEST_ANSWERED and f["on_date"] <= until})
