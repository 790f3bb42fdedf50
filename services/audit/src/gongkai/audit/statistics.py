"""Statistics and the annual report's tables, from counted facts: pure functions, no I/O.

The annual report follows the national format (国办公开办函〔2021〕30号): table 二 (主动公开) as far as
events tell it — items published, updated and withdrawn, by category — and table 三 (依申请公开) in
full: the applicant columns, the outcome rows and the balance check
本年新收 + 上年结转 = 本年办理结果总计 + 结转下年度继续办理; table 四 (行政复议、行政诉讼) from the
challenges recorded against requests.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from gongkai.shared import contracts as c

PUBLICATION_RULES = (c.RULE_PROACTIVE_PUBLICATION, c.RULE_CHANGE_PUBLICATION)
SIMPLE = {c.DISCLOSURE_SUBMITTED: "submitted", c.REVIEW_APPROVED: "approved", c.REVIEW_REJECTED: "rejected",
          c.REVIEW_BLOCKED: "blocked", c.DISCLOSURE_WITHDRAWN: "withdrawn", c.DEADLINE_DUE_SOON: "reminders",
          c.DEADLINE_OVERDUE: "escalations"}
WITHHELD = (c.REVIEW_WITHHELD, c.DISCLOSURE_WITHHELD)
NO_UNIT = "(none)"


def empty_unit() -> dict[str, Any]:
    return {"submitted": 0, "approved": 0, "rejected": 0, "blocked": 0, "withheld": {}, "published": 0,
            "updated": 0, "published_on_time": 0, "published_late": 0, "withdrawn": 0, "reminders": 0,
            "escalations": 0}


# Rows are RowMappings (keyed by name or column) or, in tests, dicts: hence Mapping[Any, Any].
def by_unit(rows: Iterable[Mapping[Any, Any]]) -> dict[str, dict[str, Any]]:
    """Counts per unit. A withholding is told by review and by publishing: each decision counts once."""
    units: dict[str, dict[str, Any]] = defaultdict(empty_unit)
    withheld: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    for row in rows:
        unit, kind, n = row["unit"] or NO_UNIT, row["type"], row["n"]
        counts = units[unit]
        if kind in SIMPLE:
            counts[SIMPLE[kind]] += n
        elif kind == c.DISCLOSURE_PUBLISHED:
            counts["updated" if row["action"] == "updated" else "published"] += n
        elif kind == c.DEADLINE_MET and row["rule"] in PUBLICATION_RULES:
            counts["published_late" if row["late"] else "published_on_time"] += n
        elif kind in WITHHELD:
            per_type = withheld[(unit, row["legal_reason"] or "unknown")]
            per_type[kind] = per_type.get(kind, 0) + row["distinct_versions"]
    for (unit, reason), per_type in withheld.items():
        units[unit]["withheld"][reason] = max(per_type.values())
    return dict(sorted(units.items()))


def totals(units: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    total = empty_unit()
    for counts in units.values():
        for key, value in counts.items():
            if key == "withheld":
                for reason, n in value.items():
                    total["withheld"][reason] = total["withheld"].get(reason, 0) + n
            else:
                total[key] += value
    return total


# ---- the annual report ----------------------------------------------------------------------

APPLICANTS = [(k.value, label) for k, label in zip(c.ApplicantKind, (
    "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"), strict=True)]
OUTCOME_GROUPS: list[tuple[str, list[tuple[c.RequestOutcome, str]]]] = [
    ("（一）予以公开", [(c.RequestOutcome.granted, "予以公开")]),
    ("（二）部分公开", [(c.RequestOutcome.partly_granted, "部分公开（区分处理的，只计这一情形，不计其他情形）")]),
    ("（三）不予公开", [
        (c.RequestOutcome.withheld_state_secret, "1.属于国家秘密"),
        (c.RequestOutcome.withheld_other_law, "2.其他法律行政法规禁止公开"),
        (c.RequestOutcome.withheld_security, "3.危及“三安全一稳定”"),
        (c.RequestOutcome.withheld_third_party, "4.保护第三方合法权益"),
        (c.RequestOutcome.withheld_internal, "5.属于三类内部事务信息"),
        (c.RequestOutcome.withheld_process, "6.属于四类过程性信息"),
        (c.RequestOutcome.withheld_enforcement_file, "7.属于行政执法案卷"),
        (c.RequestOutcome.withheld_query, "8.属于行政查询事项")]),
    ("（四）无法提供", [
        (c.RequestOutcome.unavailable_not_held, "1.本机关不掌握相关政府信息"),
        (c.RequestOutcome.unavailable_needs_making, "2.没有现成信息需要另行制作"),
        (c.RequestOutcome.unavailable_unclear, "3.补正后申请内容仍不明确")]),
    ("（五）不予处理", [
        (c.RequestOutcome.not_processed_petition, "1.信访举报投诉类申请"),
        (c.RequestOutcome.not_processed_repeat, "2.重复申请"),
        (c.RequestOutcome.not_processed_publication, "3.要求提供公开出版物"),
        (c.RequestOutcome.not_processed_excessive, "4.无正当理由大量反复申请"),
        (c.RequestOutcome.not_processed_confirm, "5.要求行政机关确认或重新出具已获取信息")]),
    ("（六）其他处理", [
        (c.RequestOutcome.other_no_correction, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
        (c.RequestOutcome.other_no_fee, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
        (c.RequestOutcome.other, "3.其他")]),
]


def _row(label: str, counter: Counter[str], key: str | None = None) -> dict[str, Any]:
    cells = {kind: counter[kind] for kind, _ in APPLICANTS}
    return {"key": key, "label": label, **cells, "total": sum(cells.values())}


def requests_table(facts: Iterable[Mapping[Any, Any]], year: int) -> dict[str, Any]:
    """Table 三 for ``year`` from every request fact up to its end, with the balance check."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    received: dict[str, tuple[date, str]] = {}
    answered: dict[str, tuple[date, str, str]] = {}
    for fact in facts:
        request, kind = fact["subject_id"] or "", fact["applicant_kind"] or "other"
        if fact["type"] == c.REQUEST_RECEIVED:
            received.setdefault(request, (fact["on_date"], kind))
        else:
            answered.setdefault(request, (fact["on_date"], fact["applicant_kind"] or kind, fact["outcome"] or "other"))
    new: Counter[str] = Counter()
    carried_over: Counter[str] = Counter()
    carried_forward: Counter[str] = Counter()
    outcomes: dict[str, Counter[str]] = defaultdict(Counter)
    for request, (day, kind) in received.items():
        done = answered.get(request)
        if start <= day <= end:
            new[kind] += 1
        elif day < start and not (done and done[0] < start):
            carried_over[kind] += 1
        if done is None or done[0] > end:
            carried_forward[kind] += 1
    handled: Counter[str] = Counter()
    for _request, (day, kind, outcome) in answered.items():
        if start <= day <= end:
            outcomes[outcome][kind] += 1
            handled[kind] += 1
    known = {outcome.value for _, rows in OUTCOME_GROUPS for outcome, _ in rows}
    for outcome in set(outcomes) - known:
        outcomes["other"].update(outcomes.pop(outcome))
    results = []
    for group, rows in OUTCOME_GROUPS:
        if len(rows) == 1:
            results.append(_row(group, outcomes[rows[0][0].value], rows[0][0].value))
            continue
        results.append({"label": group, "rows": [_row(label, outcomes[o.value], o.value) for o, label in rows]})
    table: dict[str, Any] = {
        "columns": [{"key": k, "label": label} for k, label in APPLICANTS] + [{"key": "total", "label": "总计"}],
        "new": _row("一、本年新收政府信息公开申请数量", new),
        "carried_over": _row("二、上年结转政府信息公开申请数量", carried_over),
        "results": results,
        "handled_total": _row("（七）总计", handled),
        "carried_forward": _row("四、结转下年度继续办理", carried_forward),
    }
    unbalanced = [k for k, _ in [*APPLICANTS, ("total", "")]
                  if table["new"][k] + table["carried_over"][k] != table["handled_total"][k]
                  + table["carried_forward"][k]]
    table["balance"] = {"rule": "本年新收 + 上年结转 = 本年办理结果总计 + 结转下年度继续办理",
                        "holds": not unbalanced, "unbalanced_columns": unbalanced}
    return table


def proactive_table(rows: Iterable[Mapping[Any, Any]]) -> dict[str, Any]:
    """Table 二 as far as events tell it: items published, updated and withdrawn in the year, by category."""
    by_category: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        category = row["category"] or "(none)"
        if row["type"] == c.DISCLOSURE_PUBLISHED:
            by_category[category]["updated" if row["action"] == "updated" else "published"] += row["n"]
        elif row["type"] == c.DISCLOSURE_WITHDRAWN:
            by_category[category]["withdrawn"] += row["n"]
    rows_out = [{"category": cat, "本年新公开": n["published"], "本年更新": n["updated"], "本年撤回": n["withdrawn"]}
                for cat, n in sorted(by_category.items())]
    return {"label": "二、主动公开政府信息情况", "rows": rows_out,
            "total": {"本年新公开": sum(r["本年新公开"] for r in rows_out),
                      "本年更新": sum(r["本年更新"] for r in rows_out),
                      "本年撤回": sum(r["本年撤回"] for r in rows_out)},
            "note": "按公开事项类别统计；规章、规范性文件、行政许可等细目不在事件中，需另行填报"}


CHALLENGE_RESULTS = [(r.value, label) for r, label in zip(c.ChallengeResult, (
    "结果维持", "结果纠正", "其他结果", "尚未审结"), strict=True)]
CHALLENGE_GROUPS = [("reconsideration", "行政复议"), ("litigation-direct", "行政诉讼：未经复议直接起诉"),
                    ("litigation-after-reconsideration", "行政诉讼：复议后起诉")]


def challenges_table(facts: Iterable[Mapping[Any, Any]], year: int) -> dict[str, Any]:
    """Table 四 for ``year`` from every challenge fact up to its end, in log order.

    A case is a request and a kind (复议 or 诉讼); its last record up to the year's end is where it stands. It counts
    in the year when it was decided in the year, or is still pending at the year's end (尚未审结). A lawsuit about a
    request that had a reconsideration recorded before it is 复议后起诉, any other 未经复议直接起诉.
    """
    end = date(year, 12, 31)
    standing: dict[tuple[str, str], tuple[date, str]] = {}
    reconsidered: set[str] = set()
    group_of: dict[tuple[str, str], str] = {}
    for fact in facts:
        request, kind = fact["subject_id"] or "", fact["action"] or ""
        if fact["on_date"] > end or kind not in {k.value for k in c.ChallengeKind}:
            continue
        case = (request, kind)
        if kind == c.ChallengeKind.reconsideration:
            reconsidered.add(request)
            group_of.setdefault(case, "reconsideration")
        else:
            group_of.setdefault(case, "litigation-after-reconsideration" if request in reconsidered
                                else "litigation-direct")
        standing[case] = (fact["on_date"], fact["outcome"] or c.ChallengeResult.other)
    counts: dict[str, Counter[str]] = {group: Counter() for group, _ in CHALLENGE_GROUPS}
    for case, (day, result) in standing.items():
        if result == c.ChallengeResult.pending or day.year == year:
            known = result if result in {r for r, _ in CHALLENGE_RESULTS} else c.ChallengeResult.other
            counts[group_of[case]][known] += 1
    groups = [{"key": group, "label": label,
               **{r: counts[group][r] for r, _ in CHALLENGE_RESULTS}, "total": sum(counts[group].values())}
              for group, label in CHALLENGE_GROUPS]
    return {"label": "四、政府信息公开行政复议、行政诉讼情况",
            "columns": [{"key": r, "label": label} for r, label in CHALLENGE_RESULTS] + [{"key": "total",
                                                                                        "label": "总计"}],
            "groups": groups}
