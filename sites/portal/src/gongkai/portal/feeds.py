"""The portal's Atom feed, free of I/O. A withdrawn entry shows its title, dates and the reason only."""

from __future__ import annotations

from datetime import UTC, datetime
from xml.etree import ElementTree as ET

from .domain import LOCAL
from .repository import Entry

ATOM = "http://www.w3.org/2005/Atom"


def atom(entries: list[Entry], *, title: str, feed_url: str, base_url: str, updated: datetime | None) -> bytes:
    ET.register_namespace("", ATOM)

    def add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
        node = ET.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        node.text = text
        return node

    feed = ET.Element(f"{{{ATOM}}}feed", {"xml:lang": "zh-CN"})
    add(feed, "id", feed_url)
    add(feed, "title", title)
    add(feed, "updated", (updated or datetime(2000, 1, 1, tzinfo=UTC)).isoformat())
    add(feed, "link", rel="self", href=feed_url)
    add(feed, "link", rel="alternate", type="text/html", href=f"{base_url}/")
    for e in entries:
        url = f"{base_url}/items/{e.item_id}"
        node = add(feed, "entry")
        add(node, "id", f"{url}#v{e.version or 0}")
        add(node, "title", e.title if e.live else f"【已撤回】{e.title}")
        add(node, "link", rel="alternate", type="text/html", href=url)
        add(node, "published", (e.first_published_at or e.changed_at).isoformat())
        add(node, "updated", e.changed_at.isoformat())
        add(node, "category", term=e.category, label=e.category_name)
        if e.live:
            if e.summary:
                add(node, "summary", e.summary)
            add(node, "content", e.body or "", type="text")
        else:
            when = e.withdrawn_at.astimezone(LOCAL).date().isoformat() if e.withdrawn_at else ""
            add(node, "content", f"【已撤回】{when}：{e.withdrawal_reason or ''}", type="text")
    document: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)  # typeshed: Any for an encoding
    return document
