"""A ``Request`` as the JSON document the table keeps, and back."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from gongkai.shared import contracts as c

from .domain import Done, Reply, Request, State

DATES = ("received_on", "correct_by", "corrected_on", "answered_on", "due_on", "pay_by")


def dump(request: Request) -> dict[str, Any]:
    data = asdict(request)
    for name in DATES:
        data[name] = data[name].isoformat() if data[name] else None
    data["correction_items"] = list(request.correction_items)
    data["history"] = [d.to_dict() for d in request.history]
    data["challenges"] = [list(x) for x in request.challenges]
    for name in ("channel", "applicant_kind", "state", "outcome"):
        value = getattr(request, name)
        data[name] = value.value if value is not None else None
    if request.reply is not None:
        data["reply"] = {**asdict(request.reply), "outcome": request.reply.outcome.value}
    return data


def load(data: dict[str, Any]) -> Request:
    reply = data.get("reply")
    return Request(
        request_id=data["request_id"], channel=c.ReceiptChannel(data["channel"]),
        applicant_kind=c.ApplicantKind(data["applicant_kind"]),
        received_on=date.fromisoformat(data["received_on"]), description=data["description"],
        state=State(data["state"]), unit=data.get("unit"), correction_items=tuple(data.get("correction_items", ())),
        correct_by=_day(data.get("correct_by")), corrected_on=_day(data.get("corrected_on")),
        consulting=data.get("consulting"), extended_days=data.get("extended_days"),
        extended_by=data.get("extended_by"),
        reply=Reply(**{**reply, "outcome": c.RequestOutcome(reply["outcome"])}) if reply else None,
        answered_on=_day(data.get("answered_on")),
        outcome=c.RequestOutcome(data["outcome"]) if data.get("outcome") else None,
        history=tuple(Done.from_dict(d) for d in data.get("history", ())),
        due_on=_day(data.get("due_on")), due_as_of=data.get("due_as_of"),
        fee_yuan=data.get("fee_yuan"), fee_band=data.get("fee_band"), pay_by=_day(data.get("pay_by")),
        challenges=tuple((str(k), str(r), str(on)) for k, r, on in data.get("challenges", ())),
        public_item=data.get("public_item"),
    )


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None
