"""What the refusals listing shows, read from one recorded entry: a pure function of the record, no I/O.

Three kinds of entry are refusals: ``access.refused`` (a request or message a service refused, HTTP or
AMQP), ``intake.rejected`` (an intake command that changed nothing) and ``disclosure.publication_refused``
(a review decision publishing would not act on: a forgery, or at odds with the version it named). Each
becomes one row of ``audit.refusals``, written with the entry, so that auditors can list them per item and
per person without reading every body.
"""

from __future__ import annotations

import json
from typing import Any

from gongkai.shared import contracts as c

from .record import Record

REFUSALS = frozenset({c.ACCESS_REFUSED, c.INTAKE_REJECTED, c.DISCLOSURE_PUBLICATION_REFUSED})


def _text(value: Any, limit: int) -> str | None:
    if not isinstance(value, str) or not value:
        return None
    return value.replace("\x00", "\ufffd").encode("utf-8", errors="replace").decode("utf-8")[:limit]


def _status(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1000 else None


def refusal_of(record: Record, seq: int) -> dict[str, Any] | None:
    """The refusal row of an entry, or None: only valid, unflagged entries of the events exchange count."""
    if (not record.valid or record.dead_lettered or record.flag or record.type not in REFUSALS
            or not record.exchange.endswith(".events")):
        return None
    try:
        data = json.loads(record.body).get("data")
    except (ValueError, RecursionError, AttributeError):
        return None
    if not isinstance(data, dict):
        data = {}
    source = (record.source or "").removeprefix("/gongkai/")
    row: dict[str, Any] = {"seq": seq, "type": record.type, "service": _text(source, 64), "via": "amqp",
                           "what": None, "status": None, "reason": _text(data.get("reason"), 2000),
                           "person": None, "account": None, "item_id": _text(record.subject, 256),
                           "security": data.get("security") is True}
    if record.type == c.ACCESS_REFUSED:
        row.update(service=_text(data.get("service"), 64) or row["service"],
                   via="http" if data.get("via") == "http" else "amqp", what=_text(data.get("what"), 300),
                   status=_status(data.get("status")), person=_text(data.get("person"), 128),
                   account=_text(data.get("account"), 128),
                   item_id=_text(data.get("item_id"), 256) or row["item_id"])
    elif record.type == c.INTAKE_REJECTED:
        row.update(what=_text(data.get("command_type"), 300), status=_status(data.get("status")),
                   person=_text(data.get("person"), 128))
    else:  # publishing refused to act on a decision: forged (403), or at odds with the version it named (409)
        row.update(status=403 if row["security"] else 409, what=_text(data.get("decision"), 300),
                   item_id=_text(data.get("item_id"), 256) or row["item_id"])
    return row
