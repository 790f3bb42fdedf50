"""The public read side's documents, free of I/O: JSON entries, an Atom feed and a JSON Feed (1.1).

A withdrawn entry shows its title, category, dates and the reason only: never its body or summary.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET

from .repository import Entry

ATOM = "http://www.w3.org/2005/Atom"
JSON_FEED = "https://jsonfeed.org/version/1.1"


def entry(e: Entry, base_url: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "item_id": e.item_id, "version": e.version, "title": e.title,
        "summary": e.summary if e.withdrawn_at is None else None,
        "category": e.category, "unit": e.unit, "first_published_at": e.first_published_at.isoformat(),
        "published_at": e.published_at.isoformat(), "url": f"{base_url}/public/items/{e.item_id}",
        "withdrawn": None,
    }
    if e.withdrawn_at is not None:
        out["withdrawn"] = {"at": e.withdrawn_at.isoformat(), "reason": e.withdrawal_reason}
    return out


def _text(e: Entry) -> str:
    if e.withdrawn_at is not None:
        return f"【已撤回】{e.withdrawn_at.date().isoformat()}：{e.withdrawal_reason}"
    return e.body


def atom(entries: list[Entry], *, title: str, feed_url: str, base_url: str, updated: datetime | None) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_url
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = (updated or datetime(2000, 1, 1, tzinfo=UTC)).isoformat()
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=feed_url)
    for e in entries:
        node = ET.SubElement(feed, f"{{{ATOM}}}entry")
        url = f"{base_url}/public/items/{e.item_id}"
        ET.SubElement(node, f"{{{ATOM}}}id").text = f"{url}#v{e.version}"
        title_text = f"【已撤回】{e.title}" if e.withdrawn_at else e.title
        ET.SubElement(node, f"{{{ATOM}}}title").text = title_text
        ET.SubElement(node, f"{{{ATOM}}}link", href=url)
        ET.SubElement(node, f"{{{ATOM}}}published").text = e.first_published_at.isoformat()
        ET.SubElement(node, f"{{{ATOM}}}updated").text = e.changed_at.isoformat()
        ET.SubElement(node, f"{{{ATOM}}}category", term=e.category)
        ET.SubElement(node, f"{{{ATOM}}}author").append(_named(e.unit))
        if e.summary and e.withdrawn_at is None:
            ET.SubElement(node, f"{{{ATOM}}}summary").text = e.summary
        ET.SubElement(node, f"{{{ATOM}}}content", type="text").text = _text(e)
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)  # typeshed: Any for an encoding
    return document


def _named(name: str) -> ET.Element:
    node = ET.Element(f"{{{ATOM}}}name")
    node.text = name
    return node


def json_feed(entries: list[Entry], *, title: str, feed_url: str, base_url: str) -> dict[str, Any]:
    items = []
    for e in entries:
        url = f"{base_url}/public/items/{e.item_id}"
        item: dict[str, Any] = {
            "id": f"{url}#v{e.version}", "url": url,
            "title": f"【已撤回】{e.title}" if e.withdrawn_at else e.title,
            "content_text": _text(e), "date_published": e.first_published_at.isoformat(),
            "date_modified": e.changed_at.isoformat(), "tags": [e.category], "authors": [{"name": e.unit}],
        }
        if e.summary and e.withdrawn_at is None:
            item["summary"] = e.summary
        items.append(item)
    return {"version": JSON_FEED, "title": title, "home_page_url": f"{base_url}/public/items",
            "feed_url": feed_url, "language": "zh-CN", "items": items}
