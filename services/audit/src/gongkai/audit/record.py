"""What audit keeps of one message: a pure function of the bytes and the delivery, no I/O.

Every message is kept, even one that is not an envelope (``valid`` false, no type), with the broker
account that sent it (the AMQP ``user_id``, which RabbitMQ checks against the connection's user).
Headers are never kept: an intake command carries its bearer token in the ``authorization`` header.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, TypedDict, overload

from gongkai.shared.envelope import MalformedEnvelope, parse


@dataclass(frozen=True)
class Record:
    record_key: str
    exchange: str
    routing_key: str
    dead_lettered: bool
    dead_letter_reason: str | None
    valid: bool
    body: bytes
    event_id: str | None = None
    type: str | None = None
    source: str | None = None
    subject: str | None = None
    actor: str | None = None
    actorunit: str | None = None
    correlation_id: str | None = None
    causation_id: str | None = None
    event_time: datetime | None = None
    unit: str | None = None
    flag: str | None = None
    user_id: str | None = None

    def row(self) -> dict[str, Any]:
        return dict(self.__dict__)  # shallow: asdict() deep-copies every body

    def with_distinct_key(self) -> Record:
        """The same record under a key naming its body: another body reused a message id already recorded."""
        return replace(self, record_key=f"{self.record_key}:{body_hash(self.body)}")


class _Delivery(TypedDict):
    """The fields of a ``Record`` that come from the delivery, whatever the body holds."""

    record_key: str
    exchange: str
    routing_key: str
    dead_lettered: bool
    dead_letter_reason: str | None
    body: bytes
    user_id: str | None


def body_hash(body: bytes) -> str:
    return "sha256:" + hashlib.sha256(body).hexdigest()


FACT_EXCHANGES = ("events", "public", "staff")
UNKNOWN_SOURCE = "unknown-source"
WRONG_ACCOUNT = "wrong-account"


def from_message(body: bytes, *, exchange: str, routing_key: str, message_id: str | None,
                 headers: Mapping[str, Any] | None, dead_lettered: bool,
                 known_source_prefix: str = "/gongkai/", user_id: str | None = None,
                 owners: Mapping[str, frozenset[str]] | None = None) -> Record:
    """The record of one delivery; ``exchange`` is the real exchange name it came through.

    A valid event on the events, public or staff exchange (or sent straight to the queue) is recorded all
    the same but flagged (and not counted): ``wrong-account`` when it came from an account that does not
    send its type (``owners``: type → the accounts of its senders); else ``unknown-source`` when its
    ``source`` does not start with ``known_source_prefix``.
    """
    identity = message_id or body_hash(body)
    reason = None
    if dead_lettered:
        death = _first_death(headers or {})
        reason = _text(death.get("reason"))
        key = f"dlx:{_text(death.get('queue')) or '-'}:{identity}"
    else:
        key = f"{exchange}:{identity}"
    common: _Delivery = {"record_key": _storable(key), "exchange": _storable(exchange),
                         "routing_key": _storable(routing_key), "dead_lettered": dead_lettered,
                         "dead_letter_reason": _storable(reason), "body": bytes(body),
                         "user_id": _storable(user_id[:128] if user_id else None)}
    try:
        envelope = parse(body)
    except (MalformedEnvelope, RecursionError):
        return Record(valid=False, **common)
    data = envelope.data if isinstance(envelope.data, dict) else {}
    unit = data.get("unit") if isinstance(data.get("unit"), str) else envelope.actorunit
    flag = None
    # "" is the default exchange: a message published straight into an audit queue, as only a forger would.
    if not dead_lettered and (exchange == "" or exchange.rsplit(".", 1)[-1] in FACT_EXCHANGES):
        if owners is not None and user_id not in owners.get(envelope.type, ()):
            flag = WRONG_ACCOUNT
        elif not envelope.source.startswith(known_source_prefix):
            flag = UNKNOWN_SOURCE
    return Record(valid=True, event_time=_utc(envelope.time), unit=_storable(unit[:128] if unit else None),
                  flag=flag, event_id=_storable(envelope.id), type=_storable(envelope.type),
                  source=_storable(envelope.source), subject=_storable(envelope.subject),
                  actor=_storable(envelope.actor), actorunit=_storable(envelope.actorunit),
                  correlation_id=_storable(envelope.correlationid), causation_id=_storable(envelope.causationid),
                  **common)


def _first_death(headers: Mapping[str, Any]) -> Mapping[str, Any]:
    """RabbitMQ puts the latest dead-lettering first in ``x-death``."""
    deaths = headers.get("x-death")
    if isinstance(deaths, list | tuple) and deaths and isinstance(deaths[0], Mapping):
        return deaths[0]
    return {}


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@overload
def _storable(value: str) -> str: ...
@overload
def _storable(value: str | None) -> str | None: ...
def _storable(value: str | None) -> str | None:
    """PostgreSQL text holds neither NUL nor lone surrogates; the exact bytes stay in ``body``."""
    if value is None:
        return None
    return value.encode("utf-8", errors="replace").decode("utf-8").replace("\x00", "\ufffd")


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | bytearray):
        return bytes(value).decode("utf-8", errors="replace")
    return str(value)


def entry(row: Mapping[Any, Any]) -> dict[str, Any]:  # a RowMapping (keyed by name or column), or a dict
    """What an auditor sees of one stored record: the envelope as sent, or the raw body as text."""
    body = bytes(row["body"])
    return {
        "seq": row["seq"], "exchange": row["exchange"], "routing_key": row["routing_key"],
        "received_at": row["received_at"], "dead_lettered": row["dead_lettered"],
        "dead_letter_reason": row["dead_letter_reason"], "valid": row["valid"], "flag": row.get("flag"),
        "user_id": row.get("user_id"),
        "envelope": _readable(json.loads(body, parse_constant=str)) if row["valid"] else None,
        "raw": None if row["valid"] else body.decode("utf-8", errors="replace"),
    }


def _readable(value: Any) -> Any:
    """JSON an HTTP answer can carry: NaN and Infinity came in as text, lone surrogates are replaced."""
    if isinstance(value, str):
        return value.encode("utf-8", errors="replace").decode("utf-8")
    if isinstance(value, list):
        return [_readable(v) for v in value]
    if isinstance(value, dict):
        return {_readable(k): _readable(v) for k, v in value.items()}
    return value
