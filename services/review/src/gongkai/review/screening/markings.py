"""Classification markings (密级标识) and internal-use markings in headers.

A marking blocks: a level (绝密, 机密, 秘密) followed by ★/▲ and a period (机密★5年, 秘密▲),
in brackets (【秘密】, 〔机密〕, (绝密)), after 密级 or its initials BM (密级：机密, ＢＭ：机密),
or standing alone at the start of a line or of the title. 秘密 is also an ordinary word
(商业秘密, 没有秘密可言) and counts only in those shapes. 绝密 and 机密 elsewhere are rare in
prose but do occur (the law's 绝密、机密、秘密三级), so as words they are ``high``: two reviewers
look, and reject it if it is a marking. 机密/绝密 followed by a character that makes a word with
密 (司机密切, 手机密码, 杜绝密集) are read as that word.

内部, 内部资料, 注意保管, 不得外传, 仅供参考 (and the like) are markings only in a header: the title or
one of the first lines of the body, on a line of their own (with brackets, ★ or other markings), in
brackets at the start of the line, or before a space. In prose (内部控制制度, 数据仅供参考) they are words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from gongkai.shared.contracts import Severity

from .personal import Hit
from .text import Normalised

DETECTOR = "classification-marking"
INTERNAL = "internal-marking"

ENGLISH = {"绝密": "top secret", "机密": "secret", "秘密": "confidential"}
HEADER_LINES = 3

_PERIOD = r"[★▲*](?:\s*(?:\d{1,3}\s*(?:年|个月|月|天|日)|长期))?"
_OPEN, _CLOSE = r"[【〔(（\[〖「『]", r"[】〕)）\]〗」』]"
# 密 starting a word: 机密 followed by one of these is (司机/手机/有机 …) + (密切/密码/密封 …).
_WORD_AFTER = "切码封度集布钥闭谋友林植云实接不"

# Each yields the group ``marking`` and its level; run on the compact view (spaces dropped).
_MARKINGS = (
    re.compile(rf"(?P<marking>{_OPEN}(?P<level>绝密|机密|秘密)(?:{_PERIOD})?{_CLOSE})"),
    re.compile(rf"(?P<marking>(?P<level>绝密|机密|秘密){_PERIOD})"),
    # 密级：机密, and its pinyin initials BM (保密) as document headers write them (ＢＭ：机密).
    re.compile(r"(?:密级|(?<![a-z])bm)(?:为|是|[:：])?(?P<marking>(?P<level>绝密|机密|秘密))"),
)
_WORDS = re.compile(rf"(?P<marking>(?P<level>绝密|机密))(?![{_WORD_AFTER}])")
# Run on the plain view (the line structure matters).
_LINE_START = re.compile(r"^[ \t\u3000]*(?P<marking>[绝机秘][ \t\u3000·.\-_*]*密)(?=[ \t\u3000]|$)", re.MULTILINE)

_INTERNAL_WORDS = ("内部资料", "内部文件", "内部刊物", "内部使用", "内部传阅", "内部参考", "内部", "注意保管",
                   "妥善保管", "不得外传", "严禁外传", "请勿外传", "不得翻印", "仅供参考", "仅供内部参考",
                   "征求意见稿", "讨论稿")
_SEVERITY: dict[str, Severity] = {"仅供参考": "medium", "仅供内部参考": "high", "征求意见稿": "medium",
                                  "讨论稿": "medium"}
_WORD = "|".join(sorted(_INTERNAL_WORDS, key=len, reverse=True))
_FILLER = r"[\s　★▲*·、，,；;:：【】〔〕()（）\[\]「」『』〖〗]*"
_MARKING_LINE = re.compile(rf"^{_FILLER}(?:(?:{_WORD}){_FILLER})+$")
_BRACKETED_START = re.compile(rf"^\s*{_OPEN}\s*(?:(?:{_WORD})[\s★▲、，,]*)+{_CLOSE}")
_SPACED_START = re.compile(rf"^\s*(?:(?:{_WORD})[\s　★▲、，,()（）【】〔〕]*)*(?:{_WORD})[)）】〕]?[\s　]+(?=\S)")
_ONE_WORD = re.compile(_WORD)


def classification(field: str, text: Normalised) -> Iterator[Hit]:
    """(start, end, severity, detector, reason) in original offsets."""
    marked: list[tuple[int, int]] = []
    for pattern in _MARKINGS:
        for match in pattern.finditer(text.compact.text):
            start, end = text.compact.span(*match.span("marking"))
            marked.append((start, end))
            yield start, end, "blocked", DETECTOR, _reason(match.group("level"))
    for match in _LINE_START.finditer(text.plain.text):
        start, end = text.plain.span(*match.span("marking"))
        marked.append((start, end))
        yield start, end, "blocked", DETECTOR, _reason(match.group("marking")[0] + "密")
    for match in _WORDS.finditer(text.compact.text):
        start, end = text.compact.span(*match.span("marking"))
        if not any(a <= start and end <= b for a, b in marked):
            level = match.group("level")
            yield (start, end, "high", DETECTOR,
                   f"正文出现「{level}」一词：如为密级标识则不得公开，须两名审查人核实 / the word {ENGLISH[level]}")


def internal(field: str, text: Normalised) -> Iterator[Hit]:
    """Internal-use markings on header lines: the title, and the first non-empty lines of the body."""
    plain = text.plain.text
    if not any(word[:2] in plain for word in ("内部", "保管", "外传", "参考", "翻印", "意见稿", "讨论稿")):
        return
    lines = 1 if field == "title" else HEADER_LINES
    offset = 0
    for line in plain.split("\n"):
        begin, offset = offset, offset + len(line) + 1
        if not line.strip():
            continue
        lines -= 1
        whole = _MARKING_LINE.match(line)
        head = whole or _BRACKETED_START.match(line) or _SPACED_START.match(line)
        if head:
            for word in _ONE_WORD.finditer(line, 0, head.end()):
                start, end = text.plain.span(begin + word.start(), begin + word.end())
                yield (start, end, _SEVERITY.get(word.group(), "high"), INTERNAL,
                       f"内部标识「{word.group()}」出现在文头，不得公开 / internal-use marking in the header")
        if lines == 0:
            break


def _reason(level: str) -> str:
    return f"密级标识「{level}」不得公开 / classification marking ({ENGLISH[level]})"
