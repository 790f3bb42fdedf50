"""Review's signed decisions, without I/O: what the signature binds, and what a key ring accepts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from gongkai.shared import contracts as c
from gongkai.shared import decisions
from gongkai.shared.keys import Signer

REVIEW_KEY = Signer.generate("gongkai-review")
NEXT_KEY = Signer.generate("gongkai-review-2027")
RING = decisions.KeyRing([REVIEW_KEY.verifier])
AT = datetime(2026, 12, 1, 9, 30, 15, 123456, tzinfo=UTC)


def approval(**changes) -> c.ReviewDecided:
    fields = {"case_id": "case-1", "item_id": "item-a", "version": 2, "content_hash": "sha256:" + "a" * 64,
              "reviewer": "chen.jing", "reviewers": ["zhao.lei", "chen.jing"], "risk": "high",
              "required_approvals": 2, "decided_at": AT, "unit": "办公室", "category": "S05"}
    return c.ReviewDecided.model_validate({**fields, **changes})


def signed(decision: c.SignedDecision, kind: str = c.REVIEW_APPROVED, key: Signer = REVIEW_KEY) -> c.SignedDecision:
    return decisions.sign(kind, decision, key)


def after_the_wire(decision: c.SignedDecision) -> c.SignedDecision:
    """The decision as a consumer reads it: JSON out and back in."""
    return type(decision).model_validate_json(decision.model_dump_json())


def test_a_decision_signed_by_review_verifies_after_travelling_as_json():
    assert RING.problem(c.REVIEW_APPROVED, after_the_wire(signed(approval()))) is None


@pytest.mark.parametrize("change", [
    {"item_id": "item-b"}, {"version": 3}, {"content_hash": "sha256:" + "b" * 64}, {"case_id": "case-2"},
    {"risk": "low"}, {"required_approvals": 1}, {"reviewers": ["zhao.lei"]},
    {"reviewers": ["chen.jing", "zhao.lei"]}, {"reviewer": "zhao.lei"},
    {"decided_at": AT + timedelta(microseconds=1)},
])
def test_changing_anything_decided_breaks_the_signature(change):
    forged = signed(approval()).model_copy(update=change)
    assert "does not match" in (RING.problem(c.REVIEW_APPROVED, after_the_wire(forged)) or "")


def test_what_the_signature_does_not_bind_is_only_what_nobody_acts_on():
    relabelled = signed(approval()).model_copy(update={"reason": "另写的理由", "unit": "其他", "category": "S01"})
    assert RING.problem(c.REVIEW_APPROVED, relabelled) is None


def test_a_signed_rejection_sent_as_an_approval_does_not_verify():
    rejection = signed(approval(reviewers=[]), kind=c.REVIEW_REJECTED)
    assert RING.problem(c.REVIEW_REJECTED, rejection) is None
    assert "does not match" in (RING.problem(c.REVIEW_APPROVED, rejection) or "")


def test_the_spans_of_a_redaction_and_the_ground_of_a_withholding_are_signed():
    redaction = c.RedactionRequested.model_validate({**approval().model_dump(), "reason": "去掉身份证号",
                                                     "spans": [{"field": "body", "start": 3, "end": 21}]})
    sent = signed(redaction, kind=c.REVIEW_REDACTION_REQUESTED)
    widened = sent.model_copy(update={"spans": [c.Span(field="body", start=0, end=40)]})
    assert RING.problem(c.REVIEW_REDACTION_REQUESTED, sent) is None
    assert "does not match" in (RING.problem(c.REVIEW_REDACTION_REQUESTED, widened) or "")
    withheld = signed(c.ReviewWithheld.model_validate({**approval().model_dump(), "legal_reason": "state-secret"}),
                      kind=c.REVIEW_WITHHELD)
    changed = withheld.model_copy(update={"legal_reason": c.WithholdingReason.other})
    assert "does not match" in (RING.problem(c.REVIEW_WITHHELD, changed) or "")


def test_an_unsigned_decision_and_one_signed_by_an_unknown_key_are_refused_by_name():
    assert RING.problem(c.REVIEW_APPROVED, approval()) == "the decision is not signed by review"
    stranger = Signer.generate("gongkai-review")  # the same name, another key
    problem = RING.problem(c.REVIEW_APPROVED, signed(approval(), key=stranger)) or ""
    assert "is not one of review's keys" in problem and stranger.verifier.id.hex() in problem


def test_a_signature_that_is_not_base64_is_refused_without_an_exception():
    garbled = signed(approval()).model_copy(update={"signature": c.DecisionSignature(
        key=decisions.key_label(REVIEW_KEY.verifier), value="not base64!")})
    assert "cannot be checked" in (RING.problem(c.REVIEW_APPROVED, garbled) or "")


def test_a_ring_of_two_keys_accepts_decisions_of_either_while_keys_rotate():
    ring = decisions.KeyRing.parse(f"# review keys\n{REVIEW_KEY.verifier.text()},  {NEXT_KEY.verifier.text()}\n")
    assert ring.problem(c.REVIEW_APPROVED, signed(approval())) is None
    assert ring.problem(c.REVIEW_APPROVED, signed(approval(), key=NEXT_KEY)) is None
    assert ring.holds(NEXT_KEY.verifier) and not RING.holds(NEXT_KEY.verifier)


@pytest.mark.parametrize("text", ["", "# nothing here", "gongkai-review+00000000+AAAA", REVIEW_KEY.text()])
def test_a_ring_that_is_empty_or_holds_no_verifier_key_is_refused(text):
    with pytest.raises(ValueError):
        decisions.KeyRing.parse(text)


def test_a_decision_without_its_time_cannot_be_signed():
    with pytest.raises(ValueError, match="decided_at"):
        decisions.statement(c.REVIEW_APPROVED, approval(decided_at=None))
    with pytest.raises(ValueError, match="not a review decision"):
        decisions.statement(c.DISCLOSURE_SUBMITTED, approval())


def test_the_development_key_signs_what_the_development_ring_trusts():
    dev = decisions.development_signer()
    assert decisions.KeyRing([dev.verifier]).problem(c.REVIEW_APPROVED, signed(approval(), key=dev)) is None
