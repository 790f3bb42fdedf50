"""The one envelope every event and command travels in: CloudEvents 1.0, structured mode.

The AMQP body is this JSON document (content type ``application/cloudevents+json``) and the AMQP
``message_id`` is ``id``, so a consumer in any language needs nothing but a JSON parser.
Extension attributes (lower-case, as CloudEvents requires): ``correlationid``, ``causationid``,
``actor`` (the person or service that caused the event) and ``actorunit`` (their unit). Its text attributes
refuse control characters (they become database keys and columns), so such an envelope is malformed.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .contracts._base import Line

CONTENT_TYPE = "application/cloudevents+json"
TYPE_PREFIX = "gongkai."


class Envelope(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: str = Field("1.0", pattern=r"^1\.0$")
    id: Line = Field(default_factory=lambda: str(uuid.uuid4()), min_length=1, max_length=128)
    source: Line = Field(min_length=1, max_length=256, examples=["/gongkai/publishing"])
    type: Line = Field(min_length=1, max_length=128, examples=["gongkai.disclosure.submitted.v1"])
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: Line | None = Field(None, max_length=256, description="the disclosure item the event is about")
    datacontenttype: Line = "application/json"
    correlationid: Line | None = Field(None, max_length=128)
    causationid: Line | None = Field(None, max_length=128)
    actor: Line = Field(min_length=1, max_length=128, description="person id, or service:<name>")
    actorunit: Line | None = Field(None, max_length=128)
    data: dict[str, Any] = Field(default_factory=dict)

    @property
    def routing_key(self) -> str:
        """``gongkai.disclosure.submitted.v1`` travels as ``disclosure.submitted.v1``; a type with a routing word
        adds it (``deadline.opened.v1.request-reply``: see ``routes``)."""
        from .routes import routing_key  # the routes read the contracts, which import this module

        return routing_key(self.type, self.type.removeprefix(TYPE_PREFIX), self.data)

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    def caused(self, type: str, data: BaseModel | dict[str, Any], *, source: str,
               actor: str | None = None, actorunit: str | None = None, subject: str | None = None) -> Envelope:
        """A new event caused by this one: same correlation, causation set to this id."""
        return Envelope(
            source=source,
            type=type,
            subject=subject if subject is not None else self.subject,
            correlationid=self.correlationid or self.id,
            causationid=self.id,
            actor=actor or self.actor,
            actorunit=actorunit if actor else self.actorunit,
            data=_as_dict(data),
        )


class MalformedEnvelope(ValueError):
    """The bytes are not a CloudEvents JSON envelope this system understands."""


def new_event(type: str, data: BaseModel | dict[str, Any], *, source: str, actor: str,
              actorunit: str | None = None, subject: str | None = None,
              correlationid: str | None = None, causationid: str | None = None) -> Envelope:
    envelope = Envelope(source=source, type=type, subject=subject, actor=actor, actorunit=actorunit,
                        causationid=causationid, data=_as_dict(data))
    return envelope.model_copy(update={"correlationid": correlationid or envelope.id})


def message_key(message_id: str | None, body: bytes) -> str:
    """What identifies a delivery: its AMQP message id, or the body's hash when it has none fit to be a key."""
    if message_id and len(message_id) <= 128 and message_id.isprintable():
        return message_id
    return "sha256:" + hashlib.sha256(body).hexdigest()


def parse(body: bytes) -> Envelope:
    try:
        raw = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise MalformedEnvelope(f"body is not JSON: {type(exc).__name__}: {exc}"[:300]) from exc
    if not isinstance(raw, dict):
        raise MalformedEnvelope("body is not a JSON object")
    try:
        return Envelope.model_validate(raw)
    except ValidationError as exc:
        raise MalformedEnvelope(describe_validation_error(exc)) from exc


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    """The first few validation errors as one line a sender can act on."""
    parts = [f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()[:limit]]
    return "; ".join(parts)


def _as_dict(data: BaseModel | dict[str, Any]) -> dict[str, Any]:
    return data.model_dump(mode="json") if isinstance(data, BaseModel) else dict(data)
