"""Automated screening, free of I/O apart from reading the keyword file: what a version must not disclose.

Every field is normalised first (see ``text``) and every finding carries offsets into the original
field, so ``field_text[start:end] == finding.text``. Detectors: classification and internal-use
markings (``markings``), personal data (``personal``), the agency's keywords (``keywords``) and the
attachment types the policy allows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from gongkai.shared.contracts import Finding

from .. import policy as policies
from . import markings, personal
from .keywords import KeywordFile
from .text import normalise, normalise_text

DETECTOR = markings.DETECTOR
DETECTORS = {
    "classification-marking": "密级标识（绝密/机密/秘密）",
    "internal-marking": "文头内部标识（内部资料、不得外传……）",
    "id-number": "居民身份证号码", "mobile-number": "手机号码", "landline-number": "固定电话号码",
    "bank-card": "银行卡号", "email": "电子邮箱", "passport-number": "护照号码", "licence-plate": "机动车号牌",
    "home-address": "家庭住址", "person-name": "与个人信息相邻的姓名", "keyword": "本机关关键词",
    "attachment-type": "附件类型不在允许清单",
}
__all__ = ["DETECTOR", "DETECTORS", "Screener", "default", "normalise", "normalise_text", "screen", "summary"]


@dataclass(frozen=True)
class Field:
    name: str
    text: str


class Screener:
    def __init__(self, policy: policies.Policy, keywords: KeywordFile) -> None:
        self.policy = policy
        self.keywords = keywords

    def screen(self, title: str, body: str, summary: str | None = None,
               attachments: Iterable[Any] = ()) -> list[Finding]:
        """Findings in every screened field: title, summary, body, then each attachment's name and text."""
        findings: list[Finding] = []
        findings += self.field("title", title)
        if summary:
            findings += self.field("summary", summary)
        findings += self.field("body", body)
        for index, attachment in enumerate(attachments):
            item = attachment if isinstance(attachment, Mapping) else attachment.model_dump()
            name, media_type = str(item.get("name") or ""), str(item.get("media_type") or "")
            refusal = self.policy.attachments.refusal(name, media_type)
            if refusal:
                findings.append(Finding(detector="attachment-type", severity=self.policy.attachments.severity,
                                        reason=refusal, field=f"attachments[{index}].name", start=0, end=len(name),
                                        text=name))
            if item.get("text"):
                findings += self.field(f"attachments[{index}].text", item["text"])
        return findings

    def field(self, name: str, original: str) -> list[Finding]:
        if not original:
            return []
        text = normalise_text(original)
        hits = list(markings.classification(name, text))
        hits += markings.internal(name, text)
        numbers = list(personal.numbers(text))
        hits += numbers
        hits += personal.shapes(text)
        hits += personal.names(text, numbers)
        hits += self.keywords.current().matches(text)
        # Built without validation: every value comes from the detectors above, in the model's types.
        return [Finding.model_construct(detector=detector, severity=severity, reason=reason, field=name,
                                        start=start, end=end, text=original[start:end])
                for start, end, severity, detector, reason in _distinct(hits)]


def _distinct(hits: list[personal.Hit]) -> list[personal.Hit]:
    """In order of position; a hit inside an earlier one of the same detector is dropped (【机密★10年】 is one)."""
    taken: dict[str, int] = {}
    kept = []
    for hit in sorted(hits, key=lambda h: (h[0], -h[1])):
        start, end, _severity, detector, _reason = hit
        if start < taken.get(detector, -1):
            continue
        taken[detector] = end
        kept.append(hit)
    return kept


@cache
def default() -> Screener:
    """The screener of the policy in the environment (``GONGKAI_REVIEW_POLICY``, else the shipped one)."""
    policy = policies.load()
    return Screener(policy, KeywordFile(policies.keyword_path(policy)))


def screen(title: str, body: str, summary: str | None = None, attachments: Iterable[Any] = ()) -> list[Finding]:
    return default().screen(title, body, summary, attachments)


def summary(findings: list[Finding]) -> str:
    """One line naming what blocked and where, for the blocked event and the case."""
    parts = [f"{f.reason}: {f.text} ({f.field} {f.start}-{f.end})" for f in findings if f.severity == "blocked"]
    return "screening blocked: " + "; ".join(parts)
