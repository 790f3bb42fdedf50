"""Text as the detectors see it, and the way back to offsets in the original.

``plain`` is the original with invisible characters dropped and every other character mapped one to
one: NFKC (full-width to half-width, circled digits to digits, compatibility ideographs to the usual
ones), traditional to simplified (OpenCC t2s, character by character), Cyrillic and Greek look-alikes
to Latin letters, and lower case. ``compact`` also drops spaces and the punctuation people put inside
words and numbers (``机 密``, ``1101-0519``), but keeps line breaks and sentence punctuation, so two
words from different sentences are not glued together.

Each view keeps, for every character, the index of the original character it came from, so a match
``view[start:end]`` is ``original[view.origin(start):view.origin(end - 1) + 1]``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

# Drawn from Unicode category Cf (format) and the fillers and selectors that render as nothing.
_INVISIBLE = (r"\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e"
              r"\u2060-\u206f\u3164\ufe00-\ufe0f\ufeff\uffa0")
INVISIBLE = re.compile(f"[{_INVISIBLE}]+")
# What compact drops besides the invisible: blanks and in-word punctuation (not 。，；： or line breaks).
_INSIDE_WORD = re.compile(f"[{_INVISIBLE} \\t\\u3000\\u00a0·•・.*_\\-~|/\\\\'\"`^]+")

HOMOGLYPHS = {
    # Cyrillic
    "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p", "С": "c", "Т": "t",
    "Х": "x", "У": "y", "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i",
    "І": "i", "ј": "j", "ѕ": "s", "ԁ": "d", "З": "3", "з": "3",
    # Greek
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "i", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o",
    "Ρ": "p", "Τ": "t", "Υ": "y", "Χ": "x", "ο": "o", "ι": "i", "κ": "k", "ν": "v", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x",
}
# Circled digits NFKC leaves alone (dingbats); ⑩ and the like stay as they are (they are two digits).
_DINGBATS = {**{chr(0x2776 + i): str(i + 1) for i in range(9)}, **{chr(0x2780 + i): str(i + 1) for i in range(9)},
             **{chr(0x278A + i): str(i + 1) for i in range(9)}, **{chr(0x24F5 + i): str(i + 1) for i in range(9)},
             "⓿": "0", "⓪": "0", "🄀": "0"}
# Chinese punctuation stays as it is (it is in nearly every sentence; the detectors accept both forms).
KEPT_PUNCTUATION = "，：；！？（）"
_CJK_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
_OTHER_RANGES = ((0x00A0, 0x33FF), (0xFE30, 0xFFEF), (0x1F100, 0x1F1FF))


@cache
def table() -> dict[int, str]:
    """The one-to-one character map (built once: about 30,000 entries, looked up in C by str.translate)."""
    import opencc

    cjk = [chr(c) for lo, hi in _CJK_RANGES for c in range(lo, hi + 1)]
    simplified = opencc.OpenCC("t2s").convert("\n".join(cjk)).split("\n")
    t2s = {a: b for a, b in zip(cjk, simplified, strict=True) if len(b) == 1 and a != b} \
        if len(simplified) == len(cjk) else {}
    mapping: dict[int, str] = {}
    for lo, hi in (*_OTHER_RANGES, *_CJK_RANGES, (0x41, 0x5A)):
        for code in range(lo, hi + 1):
            char = chr(code)
            normal = unicodedata.normalize("NFKC", char)
            if len(normal) != 1:
                normal = char
            normal = HOMOGLYPHS.get(normal, normal)
            normal = t2s.get(normal, normal)
            lower = normal.lower()
            normal = lower if len(lower) == 1 else normal
            if normal != char:
                mapping[code] = normal
    for char, normal in {**HOMOGLYPHS, **_DINGBATS}.items():
        mapping[ord(char)] = normal
    for char in KEPT_PUNCTUATION:
        mapping.pop(ord(char), None)
    return mapping


class View:
    """One view of a text; the map back to the original is built only when a finding needs it."""

    def __init__(self, text: str, origin: Callable[[], list[int] | None]) -> None:
        self.text = text
        self._build = origin
        self._origin: list[int] | None = None
        self._built = False

    def origins(self) -> list[int] | None:
        """Original index of each character; None when they are the same."""
        if not self._built:
            self._origin, self._built = self._build(), True
        return self._origin

    def origin(self, index: int) -> int:
        origins = self.origins()
        return index if origins is None else origins[index]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of ``text[start:end]``."""
        return self.origin(start), self.origin(end - 1) + 1


def _kept(text: str, pattern: re.Pattern[str], parent: View | None) -> list[int] | None:
    """For each character of ``text`` without what ``pattern`` matches, its index in the original."""
    kept: list[int] = []
    last = 0
    for match in pattern.finditer(text):
        kept.extend(range(last, match.start()))
        last = match.end()
    kept.extend(range(last, len(text)))
    above = parent.origins() if parent is not None else None
    return kept if above is None else [above[i] for i in kept]


@dataclass(frozen=True)
class Normalised:
    original: str
    plain: View
    compact: View


def normalise_text(original: str) -> Normalised:
    text = INVISIBLE.sub("", original)
    if len(text) == len(original):
        plain = View(text, lambda: None)
    else:
        plain = View(text, lambda: _kept(original, INVISIBLE, None))
    text = _mappable().sub(_translate, text)
    plain = View(text, plain._build)
    compact_text = _INSIDE_WORD.sub("", text)
    if len(compact_text) == len(text):
        compact = plain
    else:
        compact = View(compact_text, lambda: _kept(text, _INSIDE_WORD, plain))
    return Normalised(original, plain, compact)


def _translate(match: re.Match[str]) -> str:
    return match.group().translate(table())


@cache
def _mappable() -> re.Pattern[str]:
    codes = sorted(table())
    ranges: list[str] = []
    i = 0
    while i < len(codes):
        j = i
        while j + 1 < len(codes) and codes[j + 1] == codes[j] + 1:
            j += 1
        ranges.append(re.escape(chr(codes[i])) + ("-" + re.escape(chr(codes[j])) if j > i else ""))
        i = j + 1
    return re.compile("[" + "".join(ranges) + "]+")


def normalise(text: str) -> tuple[str, list[int]]:
    """The plain view and, for each of its characters, the index of the original it came from."""
    view = normalise_text(text).plain
    return view.text, [view.origin(i) for i in range(len(view.text))]
