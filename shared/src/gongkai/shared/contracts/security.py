"""Refusals at the system's edges: every request or message refused is a fact for the audit log.

``access.refused`` is emitted by the service that refused, in a transaction of its own (the refused
request changed nothing). ``security`` is true when the input could only come from a forgery or a
misuse of an account — a decision whose signature does not verify, a fact sent from another service's
broker account — rather than from a mistake; auditors list both, per item and per person.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ._base import Line, Payload, Text

ACCESS_REFUSED = "gongkai.access.refused.v1"


class AccessRefused(Payload):
    """A request (HTTP) or a message (AMQP) that a service refused, and why; nothing was changed."""

    service: Line = Field(description="the service that refused", examples=["publishing"])
    via: Literal["http", "amqp"]
    what: Line = Field(max_length=300, description="the route (POST /items/{item_id}/withdraw) or message type",
                      examples=["POST /items/{item_id}/withdraw"])
    status: int = Field(ge=400, le=599, description="the HTTP status given, or the one the refusal stands for")
    reason: Text = Field(max_length=2000)
    person: Line | None = Field(None, max_length=128, description="the authenticated person, when known")
    account: Line | None = Field(None, max_length=128, description="the broker account a message came from")
    item_id: Line | None = Field(None, max_length=256, description="the item (or case, request) concerned")
    security: bool = Field(False, description="a forgery or an account's misuse, not a mistake")
