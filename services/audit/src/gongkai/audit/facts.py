"""What the statistics count, read from one recorded entry: a pure function of the record, no I/O.

A fact is kept only for a valid envelope of a counted type that came through the events exchange,
was not dead-lettered and is not flagged; anything else counts for nothing.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

from gongkai.shared import contracts as c

from .record import Record

CHINA = timezone(timedelta(hours=8))

COUNTED = frozenset({
    c.DISCLOSURE_SUBMITTED, c.REVIEW_APPROVED, c.REVIEW_REJECTED, c.REVIEW_BLOCKED, c.REVIEW_WITHHELD,
    c.DISCLOSURE_WITHHELD, c.DISCLOSURE_PUBLISHED, c.DISCLOSURE_WITHDRAWN, c.DEADLINE_MET, c.DEADLINE_DUE_SOON,
    c.DEADLINE_OVERDUE, c.REQUEST_RECEIVED, c.REQUEST_ANSWERED, c.REQUESTS_CHALLENGE_RECORDED,
})
_DAY_FIELDS = ("answered_on", "received_on")
_CHALLENGE_DAY_FIELDS = ("on",)


def _text(value: Any, limit: int) -> str | None:
    return str(value)[:limit] if isinstance(value, str | int) and not isinstance(value, bool) else None


def _day(data: dict[str, Any], moment: datetime | None, fields: tuple[str, ...] = _DAY_FIELDS) -> date:
    for name in fields:
        try:
            return date.fromisoformat(data[name])
        except (KeyError, TypeError, ValueError):
            continue
    return (moment or datetime.now(CHINA)).astimezone(CHINA).date()


def fact_of(record: Record, seq: int) -> dict[str, Any] | None:
    if (not record.valid or record.dead_lettered or record.flag or record.type not in COUNTED
            or not record.exchange.endswith(".events")):
        return None
    try:
        data = json.loads(record.body).get("data")
    except (ValueError, RecursionError, AttributeError):
        return None
    if not isinstance(data, dict):
        data = {}
    version = data.get("version")
    late = data.get("late")
    if record.type == c.REQUESTS_CHALLENGE_RECORDED:
        # table 四: the kind (复议 or 诉讼) as the action, where it stands as the outcome, the day of that standing
        data = {**data, "action": data.get("kind"), "outcome": data.get("result")}
        day = _day(data, record.event_time, _CHALLENGE_DAY_FIELDS)
    else:
        day = _day(data, record.event_time)
    return {
        "seq": seq, "type": record.type, "unit": record.unit, "category": _text(data.get("category"), 32),
        "category_group": _text(data.get("group"), 100),
        "subject_id": _text(data.get("item_id") or data.get("request_id"), 256),
        "version": version if isinstance(version, int) and not isinstance(version, bool)
        and abs(version) < 2**31 else None,
        "on_date": day,
        "action": _text(data.get("action"), 32), "legal_reason": _text(data.get("legal_reason"), 64),
        "rule": _text(data.get("rule"), 64), "late": late if isinstance(late, bool) else None,
        "applicant_kind": _text(data.get("applicant_kind"), 32), "outcome": _text(data.get("outcome"), 64),
    }
