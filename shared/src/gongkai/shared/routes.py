"""Routing words: the one word some event types carry after their type, so that a queue binds only what it handles.

A deadline event travels as ``deadline.opened.v1.request-reply`` (its rule) and a review decision as
``review.approved.v1.reply`` (what kind of item it decides: ``disclosure``, ``reply`` to a request, or
``participation``'s public text). Requests then binds the reply clock's deadlines and the replies' decisions
alone, participation the opinion box's, oversight the publication deadlines met: every copy a queue would only
ignore costs the broker a quorum-queue write and the consumer a delivery, a dispatch and an ack, and those copies
were a quarter of an item's deliveries. A binding that ends in ``#`` (audit's, notification's) takes every word.

The word comes from the event's data, so every path that sends an event (the outbox, a test's publish, an
operator's replay of a parked message, which keeps its first routing key) routes it the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .contracts import deadlines as d
from .contracts import participation as p
from .contracts import requests_service as r
from .contracts import review as v

ITEM_KINDS = ("disclosure", "reply", "participation")
UNROUTABLE = "none"  # the word of an event whose data lacks what names its word (its consumer parks it)
_WORD = re.compile(r"[A-Za-z0-9_-]{1,64}")


def item_kind(item_id: object) -> str:
    """What kind of item a review decision is about, by its id."""
    if not isinstance(item_id, str):
        return UNROUTABLE
    if item_id.startswith(r.REPLY_ITEM_PREFIX):
        return "reply"
    if item_id.startswith(p.PARTICIPATION_PREFIXES):
        return "participation"
    return "disclosure"


def rule_word(rule: object) -> str:
    return rule if isinstance(rule, str) and _WORD.fullmatch(rule) else UNROUTABLE


DEADLINE_TYPES = (d.DEADLINE_OPENED, d.DEADLINE_DUE_SOON, d.DEADLINE_OVERDUE, d.DEADLINE_RECOMPUTED,
                  d.DEADLINE_MET, d.DEADLINE_CANCELLED)
DECISION_TYPES = (v.REVIEW_APPROVED, v.REVIEW_REJECTED, v.REVIEW_BLOCKED, v.REVIEW_REDACTION_REQUESTED,
                  v.REVIEW_WITHHELD)

# type → (the placeholder its routing key ends in, the word of one event's data)
ROUTE_WORDS: dict[str, tuple[str, Callable[[dict[str, Any]], str]]] = {
    **{t: ("rule", lambda data: rule_word(data.get("rule"))) for t in DEADLINE_TYPES},
    **{t: ("kind", lambda data: item_kind(data.get("item_id"))) for t in DECISION_TYPES},
}

# Every word a placeholder takes, for the documents and the checks that a handled type reaches its queue.
PLACEHOLDER_WORDS: dict[str, tuple[str, ...]] = {
    "rule": tuple(value for name, value in vars(d).items() if name.startswith("RULE_")),
    "kind": ITEM_KINDS,
}


def routing_key(type: str, key: str, data: dict[str, Any]) -> str:
    """``key`` (the type's own key), followed by the word of ``data`` when the type carries one."""
    routed = ROUTE_WORDS.get(type)
    return key if routed is None else f"{key}.{routed[1](data)}"


def key_template(type: str, key: str) -> str:
    """``key`` with the placeholder of its word: ``deadline.opened.v1.{rule}``."""
    routed = ROUTE_WORDS.get(type)
    return key if routed is None else f"{key}.{{{routed[0]}}}"
