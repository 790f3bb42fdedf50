"""A field's text with its findings marked, for the case page.

Offsets are Python string offsets (code points), as review gives them and takes them back in redaction spans.
The text is rendered so that the DOM's text is exactly the field's text (no whitespace added between the
pieces; a carriage return, which HTML parsing would turn into a line feed, written as ``&#13;``), and every
piece says where it starts (``data-start``, in code points): the page's script turns a selection back into
code-point offsets from that (console.js).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import Any

from markupsafe import Markup, escape

from .labels import DETECTORS, RISK_ORDER, RISKS

_SEVERITY_CLASS = {"blocked": "sev-blocked", "high": "sev-high", "medium": "sev-medium", "low": "sev-low"}


def _html(text: str) -> str:
    return str(escape(text)).replace("\r", "&#13;")


def highlighted(text: str, field: str, findings: Iterable[Mapping[str, Any]]) -> Markup:
    """``text`` as HTML pieces: plain ones and ``<mark>`` ones for the findings of ``field`` (overlaps merged,
    each mark naming every finding it covers and showing the gravest severity)."""
    mine = [(i, f) for i, f in enumerate(findings) if f.get("field") == field and 0 <= f["start"] < f["end"]]
    cuts = sorted({0, len(text), *(min(f["start"], len(text)) for _, f in mine),
                   *(min(f["end"], len(text)) for _, f in mine)})
    pieces = []
    for start, end in pairwise(cuts):
        covering = [(i, f) for i, f in mine if f["start"] <= start and end <= f["end"]]
        chunk = _html(text[start:end])
        if not covering:
            pieces.append(f'<span data-start="{start}">{chunk}</span>')
            continue
        gravest = min((f["severity"] for _, f in covering), key=lambda s: RISK_ORDER.get(s, 9))
        why = "；".join(f"{DETECTORS.get(f['detector'], f['detector'])}（{RISKS.get(f['severity'], f['severity'])}）："
                       f"{f['reason']}" for _, f in covering)
        ids = " ".join(f"finding-{i}" for i, _ in covering)
        detectors = " ".join(dict.fromkeys(f["detector"] for _, f in covering))
        pieces.append(f'<mark data-start="{start}" class="finding {_SEVERITY_CLASS.get(gravest, "")}" '
                      f'data-detector="{escape(detectors)}" data-findings="{ids}" title="{escape(why)}">{chunk}</mark>')
    return Markup("".join(pieces))


def fields_of(case: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(field, label, text) of every text of a case a span may point into, in reading order."""
    found = [("title", "标题", case.get("title") or "")]
    if case.get("summary"):
        found.append(("summary", "摘要", case["summary"]))
    found.append(("body", "正文", case.get("body") or ""))
    for i, attachment in enumerate(case.get("attachments") or []):
        if attachment.get("text"):
            found.append((f"attachments[{i}].text", f"附件 {attachment.get('name', i + 1)}", attachment["text"]))
    return found
