"""The public contract, read: a public event, or an item page of publishing's public read side, as the facts
the portal merges. No I/O.

Both sources say the same things in two shapes, and a rebuild must end where the events did: an item page
(``GET /public/items/{id}``) gives its current version's content and channels, its history (version, title,
action, date of each published version) and its withdrawal, which are the facts its events carried.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from gongkai.shared import contracts as c
from gongkai.shared.envelope import describe_validation_error
from gongkai.shared.errors import Refused
from pydantic import BaseModel, ValidationError

from .domain import Content, Fact, Publication, Withdrawal

PUBLICATIONS = {c.PUBLIC_DISCLOSURE_PUBLISHED, c.PUBLIC_DISCLOSURE_UPDATED}
WITHDRAWALS = {c.PUBLIC_DISCLOSURE_WITHDRAWN}
TYPES = PUBLICATIONS | WITHDRAWALS

M = TypeVar("M", bound=BaseModel)


def payload(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise Refused(describe_validation_error(exc), status=422) from exc


def from_event(type: str, data: dict[str, Any]) -> Fact:
    """The fact a public event states; ``Refused`` (422) when its data breaks the contract."""
    if type in PUBLICATIONS:
        p = payload(c.PublicDisclosure, data)
        return Publication(item_id=p.item_id, version=p.version, title=p.title, category=p.category,
                           category_name=p.category_name, action=p.action, published_at=p.published_at,
                           channels=frozenset({p.channel.value}),
                           content=Content(body=p.body, summary=p.summary, content_hash=p.content_hash,
                                           attachments=tuple(a.model_dump(mode="json") for a in p.attachments)),
                           due_on=p.due_on)
    if type in WITHDRAWALS:
        w = payload(c.PublicWithdrawal, data)
        return Withdrawal(item_id=w.item_id, version=w.version, title=w.title, category=w.category,
                          category_name=w.category_name, reason=w.reason, withdrawn_at=w.withdrawn_at)
    raise Refused(f"{type} is not a public disclosure event", status=422)


def from_item_page(page: dict[str, Any]) -> list[Fact]:
    """The facts behind one item page of ``GET /public/items/{id}`` (publishing's public read side)."""
    try:
        return _from_item_page(page)
    except (KeyError, TypeError, ValueError) as exc:
        raise Refused(f"not an item page of the public read side: {exc}", status=422) from exc


def _from_item_page(page: dict[str, Any]) -> list[Fact]:
    def moment(value: str) -> datetime:
        at = datetime.fromisoformat(value)
        if at.tzinfo is None:
            raise ValueError(f"a time without its offset: {value!r}")
        return at

    item_id, category, name = page["item_id"], page["category"], page["category_name"]
    facts: list[Fact] = []
    for line in page["history"]:
        if line.get("published_at") is None:
            continue
        current = line["version"] == page["version"]
        content = None
        if current and page.get("body") is not None:
            content = Content(body=page["body"], summary=page.get("summary"), content_hash=page["content_hash"],
                              attachments=tuple(page.get("attachments") or ()))
        facts.append(Publication(
            item_id=item_id, version=int(line["version"]), title=line["title"], category=category,
            category_name=name, action=line.get("action") or "published", published_at=moment(line["published_at"]),
            channels=frozenset(page.get("channels") or ()) if current else frozenset(), content=content))
    if page.get("withdrawn"):
        facts.append(Withdrawal(item_id=item_id, version=int(page["version"]), title=page["title"], category=category,
                                category_name=name, reason=page["withdrawn"].get("reason") or "",
                                withdrawn_at=moment(page["withdrawn"]["at"])))
    return facts
