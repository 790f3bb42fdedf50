"""Review's signed decisions: the statement review signs, and the check a consumer makes before acting.

The review gate must not rest on a broker password: anyone who can write to the broker could otherwise
publish an approval. So review signs every decision with an Ed25519 key (``gongkai.shared.keys``) over
a canonical statement of exactly what was decided, and publishing acts only on a decision whose
signature verifies with a key in its ring. The statement is::

    gongkai.review.decision.v1\\n{"approvers":[…],"case_id":…,"content_hash":…,"decided_at":…,
    "decided_by":…,"decision":"approved","item_id":…,"legal_reason":…,"required_approvals":…,
    "risk":…,"spans":[…],"version":…}

JSON with sorted keys, no spaces, UTF-8; ``decided_at`` in UTC ISO 8601; ``legal_reason`` and ``spans``
only for the decisions that carry them. The decision's name comes from the event type, so a signed
rejection cannot be re-sent as an approval, nor an approval of one item as another's.

A ring holds several verifier keys so that keys can rotate: add the new key to every consumer's ring,
switch review to the new signer, and drop the old key once no decision signed with it is in flight.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import UTC
from pathlib import Path

from . import contracts as c
from .keys import KeyFormatError, Signer, Verifier

STATEMENT = b"gongkai.review.decision.v1\n"
DEV_REVIEW_KEY = Path(__file__).with_name("dev_review_key.txt")

DECISIONS: dict[str, str] = {
    c.REVIEW_APPROVED: "approved",
    c.REVIEW_APPROVAL_RECORDED: "approval_recorded",
    c.REVIEW_REJECTED: "rejected",
    c.REVIEW_REDACTION_REQUESTED: "redaction_requested",
    c.REVIEW_WITHHELD: "withheld",
    c.REVIEW_BLOCKED: "blocked",
}


def statement(event_type: str, decision: c.SignedDecision) -> bytes:
    """The bytes review signs for ``decision`` sent as ``event_type``."""
    if event_type not in DECISIONS:
        raise ValueError(f"{event_type} is not a review decision")
    if decision.decided_at is None or decision.decided_at.tzinfo is None:
        raise ValueError("a signed decision needs decided_at with a time zone")
    fields: dict[str, object] = {
        "decision": DECISIONS[event_type], "case_id": decision.case_id, "item_id": decision.item_id,
        "version": decision.version, "content_hash": decision.content_hash, "risk": decision.risk,
        "required_approvals": decision.required_approvals, "approvers": list(decision.reviewers),
        "decided_by": decision.reviewer, "decided_at": decision.decided_at.astimezone(UTC).isoformat(),
    }
    if isinstance(decision, c.RedactionRequested):
        fields["spans"] = [span.model_dump(mode="json") for span in decision.spans]
    if isinstance(decision, c.ReviewWithheld):
        fields["legal_reason"] = decision.legal_reason.value
    return STATEMENT + json.dumps(fields, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def key_label(verifier: Verifier) -> str:
    return f"{verifier.name}+{verifier.id.hex()}"


def sign(event_type: str, decision: c.SignedDecision, signer: Signer) -> c.SignedDecision:
    """``decision`` with review's signature over its statement."""
    value = base64.b64encode(signer.sign(statement(event_type, decision))).decode()
    signature = c.DecisionSignature(key=key_label(signer.verifier), value=value)
    return decision.model_copy(update={"signature": signature})


class KeyRing:
    """The review keys a consumer trusts; more than one while keys rotate."""

    def __init__(self, verifiers: Iterable[Verifier]) -> None:
        self._by_label = {key_label(v): v for v in verifiers}
        if not self._by_label:
            raise ValueError("a key ring needs at least one review key")

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """Verifier keys (``<name>+<id>+<base64>``), one a line or separated by commas; # starts a comment."""
        keys = [part.strip() for line in text.splitlines() for part in line.split("#", 1)[0].split(",")]
        try:
            return cls(Verifier.parse(key) for key in keys if key)
        except KeyFormatError as exc:
            raise ValueError(f"review key: {exc}") from exc

    @property
    def labels(self) -> list[str]:
        return sorted(self._by_label)

    def holds(self, verifier: Verifier) -> bool:
        return self._by_label.get(key_label(verifier)) == verifier

    def problem(self, event_type: str, decision: c.SignedDecision) -> str | None:
        """Why ``decision`` must not be acted on, or None when review's signature over it verifies."""
        if decision.signature is None:
            return "the decision is not signed by review"
        verifier = self._by_label.get(decision.signature.key)
        if verifier is None:
            return f"the decision is signed with {decision.signature.key!r}, which is not one of review's keys"
        try:
            message = statement(event_type, decision)
            raw = base64.b64decode(decision.signature.value, validate=True)
        except (ValueError, binascii.Error) as exc:
            return f"the decision cannot be checked: {exc}"
        if not verifier.verify(message, raw):
            return "review's signature does not match the decision (forged, or changed after signing)"
        return None


def development_signer() -> Signer:
    return Signer.parse(DEV_REVIEW_KEY.read_text())
