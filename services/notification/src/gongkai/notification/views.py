"""What notification's HTTP routes answer: one model per answer, so the OpenAPI document says what comes back."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from .domain import State


class DeadlineView(BaseModel):
    deadline_id: str
    item_id: str = Field(description="the item, request or year it is about")
    subject: str = Field(description="what it is counted for: item, review case, request or year")
    version: int
    rule: str
    opened_on: date
    due_on: date
    provisional: bool = Field(description="reaches a year without holiday data: weekends only, for now")
    state: State
    closed_at: datetime | None
    late: bool | None
    unit: str | None
    extended_days: int


class Deadlines(BaseModel):
    deadlines: list[DeadlineView]


class Message(BaseModel):
    message_id: str
    event_type: str
    deadline_id: str | None
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None


class Inbox(BaseModel):
    messages: list[Message]


class MarkedRead(BaseModel):
    message_id: str
    read: Literal[True]


class Delivery(BaseModel):
    delivery_id: str
    event_type: str
    deadline_id: str | None
    channel: Literal["email", "webhook", "inbox"]
    recipient: str
    address: str
    state: Literal["pending", "sent", "parked"]
    attempts: int
    next_attempt_at: datetime | None
    last_error: str | None
    created_at: datetime
    sent_at: datetime | None


class Deliveries(BaseModel):
    deliveries: list[Delivery]
