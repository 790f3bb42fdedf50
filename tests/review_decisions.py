"""Review's decisions as a test plays them: built from the ``disclosure.submitted`` they answer, and signed
with the development review key exactly as the review service signs them (or not, or wrongly, on purpose)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared import decisions
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.keys import Signer

MODELS: dict[str, type[c.SignedDecision]] = {
    c.REVIEW_APPROVED: c.ReviewDecided, c.REVIEW_REJECTED: c.ReviewDecided,
    c.REVIEW_APPROVAL_RECORDED: c.ReviewDecided, c.REVIEW_BLOCKED: c.ReviewBlocked,
    c.REVIEW_REDACTION_REQUESTED: c.RedactionRequested, c.REVIEW_WITHHELD: c.ReviewWithheld,
}


def decision(kind: str, submitted: Envelope, *, reviewers: tuple[str, ...] = ("zhao.lei",), risk: str = "none",
             required: int = 1, **data: Any) -> c.SignedDecision:
    """The decision ``kind`` on the version ``submitted`` announced, unsigned."""
    fields: dict[str, Any] = {
        "case_id": f"case-{submitted.data['item_id']}-{submitted.data['version']}",
        "item_id": submitted.data["item_id"], "version": submitted.data["version"],
        "content_hash": submitted.data["content_hash"], "reviewer": reviewers[-1] if reviewers else "zhao.lei",
        "reviewers": list(reviewers) if kind == c.REVIEW_APPROVED else [], "risk": risk,
        "required_approvals": required, "decided_at": datetime.now(UTC), "unit": submitted.data.get("unit"),
        "category": submitted.data["category"], **data}
    return MODELS[kind].model_validate(fields)


def signed(kind: str, data: c.SignedDecision, signer: Signer | None = None) -> Envelope:
    """The event review would send: ``data`` signed (with the development key unless ``signer`` is given)."""
    return unsigned(kind, decisions.sign(kind, data, signer or decisions.development_signer()))


def unsigned(kind: str, data: c.SignedDecision) -> Envelope:
    """The event as a forger without review's key writes it: any fields, the signature as given."""
    return new_event(kind, data, source="/gongkai/review", actor=data.reviewer, subject=data.item_id)


def review_event(kind: str, submitted: Envelope, **data: Any) -> Envelope:
    """A signed decision of ``kind`` about ``submitted``; ``case_opened`` and others are sent unsigned."""
    if kind not in MODELS:
        base = {"case_id": f"case-{submitted.data['item_id']}-{submitted.data['version']}",
                "item_id": submitted.data["item_id"], "version": submitted.data["version"],
                "content_hash": submitted.data["content_hash"], "unit": submitted.data.get("unit"),
                "category": submitted.data["category"]}
        return new_event(kind, {**base, **data}, source="/gongkai/review", actor="service:review",
                         subject=submitted.subject)
    return signed(kind, decision(kind, submitted, **data))
