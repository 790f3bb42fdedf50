"""Search terms for text without word spaces: single characters and character bigrams.

Chinese has no spaces between words, and pg_trgm's trigrams cannot serve a two-character query such as
公交. So the read side indexes, for each run of CJK characters, every character and every pair of
neighbours; Latin letters and digits are indexed as whole lower-cased words. A query is turned into the
same terms: a document holding all of them (a GIN ``@>`` lookup) is then checked for the exact phrase.
Both sides are folded the same way first (``normalise``): full-width, traditional characters and case.
Publishing's read side and the public portal both use it, so the same query finds the same items on each.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import opencc

# CJK ideographs (and extension A), kana and hangul: scripts written without word spaces.
_CJK = r"\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")
MAX_TERMS = 20_000


def normalise(text: str) -> str:
    """Full-width to half-width, traditional to simplified (OpenCC t2s, as review folds them), one case:
    what the index and the query both see, so 運輸 finds 运输 and 运输 finds 運輸."""
    simplified: str = _to_simplified().convert(unicodedata.normalize("NFKC", text))  # OpenCC.convert is unannotated
    return simplified.lower()


@cache
def _to_simplified() -> opencc.OpenCC:
    import opencc

    return opencc.OpenCC("t2s")


def terms(text: str, limit: int = MAX_TERMS) -> list[str]:
    """The distinct search terms of ``text`` (at most ``limit``, the first ones found)."""
    found: dict[str, None] = {}
    for run in _RUNS.findall(normalise(text)):
        if _IS_CJK.match(run):
            for i, char in enumerate(run):
                found[char] = None
                if i + 1 < len(run):
                    found[run[i:i + 2]] = None
        else:
            found[run] = None
        if len(found) >= limit:
            break
    return list(found)[:limit]


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """(terms every hit must hold, phrases every hit must contain) for a search box's text."""
    phrases = [normalise(p) for p in query.split() if p.strip()]
    needed: dict[str, None] = {}
    for phrase in phrases:
        for run in _RUNS.findall(phrase):
            if _IS_CJK.match(run):
                grams = [run] if len(run) == 1 else [run[i:i + 2] for i in range(len(run) - 1)]
                needed.update(dict.fromkeys(grams))
            else:
                needed[run] = None
    return list(needed), phrases
