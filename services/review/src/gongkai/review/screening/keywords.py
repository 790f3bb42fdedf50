"""An agency's own keyword list, matched in one pass (Aho-Corasick), reloaded when its file changes.

The file is UTF-8 text, one term a line; ``#`` starts a comment. A line may add a severity and a
reason after ``|``: ``内部讨论稿 | high | 未定稿不得公开``. Terms are normalised like the text (traditional
to simplified, full-width to half-width, lower case, no blanks), so one entry catches every disguise.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from gongkai.shared.contracts import Severity

from .personal import Hit
from .text import Normalised, normalise_text

DETECTOR = "keyword"
SEVERITIES: tuple[Severity, ...] = ("blocked", "high", "medium", "low")
_SEVERITY_NAMED: dict[str, Severity] = {severity: severity for severity in SEVERITIES}


class KeywordFileError(ValueError):
    pass


@dataclass(frozen=True)
class Term:
    term: str
    severity: Severity
    reason: str


def parse(text: str, source: str = "keywords") -> list[Term]:
    terms: list[Term] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = [p.strip() for p in line.split("|")]
        term, named = parts[0], (parts[1] if len(parts) > 1 and parts[1] else "medium")
        severity = _SEVERITY_NAMED.get(named)
        if severity is None:
            raise KeywordFileError(f"{source} line {number}: severity {named!r} is not one of "
                                   f"{', '.join(SEVERITIES)}")
        reason = parts[2] if len(parts) > 2 and parts[2] else f"本机关关键词「{term}」/ agency keyword"
        terms.append(Term(term, severity, reason))
    return terms


_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def _hex(text: str) -> str:
    """Each character as four hex digits (UTF-16): an alphabet of 16, so the automaton's nodes stay small.

    (pyahocorasick finds a node's next state by a linear search over its children; over Chinese
    characters the root has thousands.) Characters beyond the BMP become U+FFFD to keep four digits each.
    """
    if _ASTRAL.search(text):
        text = _ASTRAL.sub("\ufffd", text)
    return text.encode("utf-16-be").hex()


class Keywords:
    """A compiled automaton over the terms; ``matches`` runs it over the compact view of a text."""

    def __init__(self, terms: list[Term]) -> None:
        import ahocorasick

        self.size = 0
        self._automaton = ahocorasick.Automaton()
        for term in terms:
            key = normalise_text(term.term).compact.text
            if key:
                self._automaton.add_word(_hex(key), (len(key), term))
                self.size += 1
        if self.size:
            self._automaton.make_automaton()

    def matches(self, text: Normalised) -> Iterator[Hit]:
        if not self.size:
            return
        compact = text.compact
        for last, (length, term) in self._automaton.iter(_hex(compact.text)):
            if last % 4 != 3:  # a match across two characters' digits, not a term
                continue
            end = last // 4 + 1
            start, end = compact.span(end - length, end)
            yield start, end, term.severity, DETECTOR, term.reason


class KeywordFile:
    """The keyword list of a file, rebuilt when the file's modification time changes.

    A file that cannot be read or parsed keeps the last good list (and the error is kept for /ready
    and the logs); a file that was never loaded is an error at once.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self.error: str | None = None
        self.keywords = Keywords([])
        if path is not None:
            self.current()
            if self.error:
                raise KeywordFileError(self.error)

    def current(self) -> Keywords:
        if self.path is None:
            return self.keywords
        try:
            stat = os.stat(self.path)
        except OSError as exc:
            self.error = f"keyword file {self.path}: {exc.strerror}"
            return self.keywords
        stamp = (stat.st_mtime_ns, stat.st_size)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    try:
                        self.keywords = Keywords(parse(self.path.read_text(encoding="utf-8"), str(self.path)))
                        self.error = None
                    except (OSError, UnicodeDecodeError, KeywordFileError) as exc:
                        self.error = f"keyword file {self.path}: {exc}"
                    self._stamp = stamp
        return self.keywords
