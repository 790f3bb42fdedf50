"""The services' refusals in Chinese, each beside the field it names.

A 422 from the validation layer reads ``field: message; field: message`` (``title: String should have at
least 1 character``); a handler's refusal names its field in its first words (``release_at … is in the past``,
``unknown category 'X'``). Both are mapped to the form's fields; what names no field of the form goes above it.
The API's own words are kept beside the translation, so nothing it said is lost.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_MESSAGES: list[tuple[re.Pattern[str], str]] = [(re.compile(p, re.IGNORECASE), z) for p, z in [
    (r"^String should have at least 1 character", "不能为空"),
    (r"^String should have at least (\d+) characters?", "至少 {0} 个字符"),
    (r"^String should have at most (\d+) characters?", "不能超过 {0} 个字符"),
    (r"^Field required", "必填"),
    (r"^List should have at least (\d+) items?", "至少须有 {0} 项"),
    (r"must not be empty or only whitespace", "不能为空，也不能只有空白"),
    (r"must not contain control characters", "不能含控制字符（如不可见的格式字符）"),
    (r"must not be before (\S+)", "不能早于 {0}"),
    (r"must not be more than a year ahead \(after ([^)]+)\)", "不能晚于一年之后（{0}）"),
    (r"must not be more than (\d+) years ahead \(after ([^)]+)\)", "不能晚于 {0} 年之后（{1}）"),
    (r"needs a time zone", "须带时区"),
    (r"must be between (\S+) and five years from now", "须在 {0} 到五年之后之间"),
    (r"is in the past", "不能早于现在"),
    (r"is before 'from'", "不能早于起始日期"),
    (r"is in the future", "不能晚于今天"),
    (r"^unknown category", "没有这个类别"),
    (r"is for internal staff only", "该类别仅限内部，不能向社会公开"),
    (r"cannot go to public channels", "仅限内部的事项不能发往公开渠道"),
    (r"does not allow the channels", "该类别不允许所选渠道"),
    (r"^Input should be less than or equal to (\d+)", "不能大于 {0}"),
    (r"^Input should be greater than or equal to (\d+)", "不能小于 {0}"),
    (r"^Input should be a valid integer", "须填写整数"),
    (r"^Input should be a valid date", "日期格式不对（年-月-日）"),
    (r"^Input should be a valid datetime", "时间格式不对"),
    (r"^Input should be", "取值不在可选范围内"),
    (r"a rejection needs a reason", "退回须写明理由"),
    (r"overlap", "所选范围相互重叠"),
    (r"is outside the text|beyond its", "所选范围超出了文本"),
    (r"needs a legal (reason|ground)|legal_reason", "须选择不予公开的法律依据"),
    (r"needs words|needs a reason", "须写明理由"),
    (r"submitted this item and cannot review it", "提交人不能审查自己提交的事项"),
    (r"wrote a version of this item and cannot review it", "起草或修改过本事项的人不能审查它"),
    (r"has already approved case", "您已批准过此案件，还需另一位审查员批准"),
    (r"stale content hash", "内容已变化（内容哈希不符），请刷新页面后重新审查"),
    (r"only an open case can be decided", "案件已有结论，不能再作决定"),
    (r"lacks the role", "缺少所需的角色"),
    (r"only a published item can be withdrawn", "只有已发布的事项才能撤回"),
    (r"only published information can change", "只有已发布的信息才能登记变更"),
    (r"Idempotency-Key .* was used for another request", "此表单已提交过另一内容，请刷新页面后重新填写"),
    # oversight: inspections (实施方案七(三)) and the reports to the district office (六(五))
    (r"may not record inspections", "只有政务公开办公室（发布人）和管理员可以办理监督检查"),
    (r"is not possible: inspection \S+ is \S+ \(needs [^)]+\)", "检查目前的状态不能进行这一步"),
    (r"cannot be recorded before that day", "检查日之前不能记录检查结果"),
    (r"every point needs its result: (.+) missing", "每个检查要点都须填写结果，缺少：{0}"),
    (r"the checklist has no point", "检查要点中没有这一项"),
    (r"point '([^']+)' is given twice", "检查要点 {0} 填写了两次"),
    (r"an inspector's name is blank", "检查人员姓名不能为空"),
    (r"an inspector is named twice", "检查人员重复"),
    (r"the unit inspected is blank", "被检查单位不能为空"),
    (r"more than a year after it took place", "不能登记一年以前的检查"),
    (r"cannot be dated (\S+), after today", "日期 {0} 不能晚于今天"),
    (r"cannot be dated (\S+), before (\S+)", "日期 {0} 不能早于 {1}"),
    (r"has no finding (\S+)", "本次检查没有问题 {0}"),
    (r"finding (\S+) already has a rectification open", "问题 {0} 已有尚未销号的整改"),
    (r"working days: from 1 to (\d+)", "整改期限须为 1 至 {0} 个工作日"),
    (r"a (finding|rectification) needs its text", "须写明内容"),
    (r"closed only with the evidence", "整改销号须附佐证材料"),
    (r"rectification (\S+) was closed on (\S+)", "整改 {0} 已于 {1} 销号"),
    (r"has rectifications open: (.+)", "还有未销号的整改（{0}），不能办结检查"),
    (r"has no rectification (\S+)", "本次检查没有整改 {0}"),
    (r"^no inspection (\S+)", "没有检查 {0}"),
    (r"ends on (\S+): its report is compiled after that day", "该期间到 {0} 才结束，期满后才能编制报告"),
    (r"report for (\S+) was compiled already \(([^)]+)\)", "{0} 的报告已编制过（{1}）"),
    (r"is not a (?:month|quarter) \(write it as ([^)]+)\)", "报告期间格式不对，应写作 {0}"),
    (r"no report for the year (\d+)", "不能编制 {0} 年的报告"),
    (r"only a failed delivery is tried again", "只有报送失败的报告才能重新报送"),
    (r"^no report (\S+)", "没有报告 {0}"),
]]

_LOCATED = re.compile(r"^[a-z_][a-z0-9_. ]*: ")
_CONTROL_FIELD = re.compile(r"^(?:body\.)?([a-z_]+)(?:\.\d+)?(?:\.[a-z_]+)?$")


def chinese(message: str) -> str:
    """The Chinese of one API message, or the message itself when no rule knows it."""
    text = message.removeprefix("Value error, ")
    for pattern, words in _MESSAGES:
        if found := pattern.search(text):
            return words.format(*found.groups())
    return text


def explained(message: str) -> str:
    """``message`` in Chinese with the API's own words beside it (only those when no rule knows it)."""
    words = chinese(message)
    return f"{words}（{message}）" if words != message else message


def field_errors(detail: str, fields: Iterable[str]) -> tuple[dict[str, str], list[str]]:
    """``detail`` as errors by field (Chinese, with the API's words) and what names no field of ``fields``."""
    known = set(fields)
    by_field: dict[str, str] = {}
    general: list[str] = []
    parts = [p.strip() for p in detail.split("; ") if p.strip()]
    if not parts or not all(_LOCATED.match(p) for p in parts):  # a handler's one reason, which may hold "; "
        parts = [detail]
    for part in parts:
        name, colon, message = part.partition(": ")
        matched = _CONTROL_FIELD.match(name) if colon else None
        field = matched.group(1) if matched else _named_in(part, known)
        message = message if matched else part
        if field in known:
            by_field.setdefault(field, explained(message))
        else:
            general.append(part)
    return by_field, general


def _named_in(reason: str, known: set[str]) -> str | None:
    """A handler's reason names its field among its first words: ``release_at 2020-… is in the past``."""
    words = re.findall(r"[a-z_]+", reason[:60])
    if "category" in words[:3]:
        return "category" if "channels" not in words else "channels"
    if "channels" in words:
        return "channels"
    return next((w for w in words[:4] if w in known), None)
