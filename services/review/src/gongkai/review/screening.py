"""Automated screening, free of I/O: classification markings (密级标识) that must never be published.

绝密 and 机密 block wherever they appear. 秘密 is also an ordinary word (商业秘密, 没有秘密可言), so
it blocks only as a marking: followed by ★/▲ (秘密★1年), in brackets (【秘密】, 〔秘密〕, (秘密)),
or standing alone at the start of a line or of the title.

Text is normalised before matching (NFKC per character, so full-width forms become half-width;
zero-width characters dropped; traditional forms such as 絕/機/祕 read as 绝/机/秘), and every finding
carries offsets into the original text, so ``original[start:end] == finding.text``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from gongkai.shared.contracts import Finding

DETECTOR = "classification-marking"

ENGLISH = {"绝密": "top secret", "机密": "secret", "秘密": "confidential"}

_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"))
_VARIANTS = str.maketrans({"絕": "绝", "機": "机", "祕": "秘", "長": "长", "個": "个"})

_PERIOD = r"[★▲](?:\s*(?:\d{1,3}\s*(?:年|个月|月|天|日)|长期))?"
_OPEN, _CLOSE = r"[【〔(\[〖「『]", r"[】〕)\]〗」』]"

_PATTERNS = (  # the group ``marking`` is what a finding points at
    re.compile(rf"(?P<marking>{_OPEN}\s*(?P<level>绝密|机密|秘密)\s*(?:{_PERIOD})?\s*{_CLOSE})"),
    re.compile(rf"(?P<marking>(?P<level>绝密|机密|秘密)\s*{_PERIOD})"),
    re.compile(r"^[ \t\u3000]*(?P<marking>(?P<level>秘密))(?=\s|$)", re.MULTILINE),
    re.compile(r"(?P<marking>(?P<level>绝密|机密))"),
)


def normalise(text: str) -> tuple[str, list[int]]:
    """The text to match, and for each of its characters the index of the original it came from."""
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        for normal in unicodedata.normalize("NFKC", char).translate(_INVISIBLE).translate(_VARIANTS):
            out.append(normal)
            origin.append(index)
    return "".join(out), origin


def screen(title: str, body: str) -> list[Finding]:
    return _markings("title", title) + _markings("body", body)


def _markings(field: Literal["title", "body"], original: str) -> list[Finding]:
    text, origin = normalise(original)
    spans: list[tuple[int, int, str]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            start, end = match.span("marking")
            spans.append((start, end, match.group("level")))
    findings: list[Finding] = []
    taken_until = -1
    for start, end, level in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < taken_until:
            continue
        taken_until = end
        first, last = origin[start], origin[end - 1] + 1
        findings.append(Finding(
            detector=DETECTOR, severity="blocked", field=field, start=first, end=last, text=original[first:last],
            reason=f"密级标识「{level}」不得公开 / classification marking ({ENGLISH[level]})"))
    return findings


def summary(findings: list[Finding]) -> str:
    """One line naming what blocked, for the blocked event and the case."""
    parts = [f"{f.text} ({f.field} {f.start}-{f.end})" for f in findings if f.severity == "blocked"]
    return "screening blocked: classification marking 密级标识 " + "; ".join(parts)
