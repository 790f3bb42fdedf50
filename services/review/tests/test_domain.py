"""Decision rules, without I/O: who may decide, on what content, and what the case becomes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gongkai.review import domain, screening
from gongkai.review import policy as policies
from gongkai.review.domain import Outcome, State
from gongkai.shared.contracts import DecideReview, DisclosureSubmitted, content_hash
from gongkai.shared.errors import Conflict, Forbidden, Refused
from gongkai.shared.identity import Principal, Role

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
REVIEWER = Principal(id="zhao.lei", name="赵磊", unit="保密办", roles=frozenset({Role.reviewer}))
REVIEWER2 = Principal(id="chen.jing", name="陈静", unit="保密办", roles=frozenset({Role.reviewer}))
POLICY = policies.load(policies.DEFAULT_POLICY)
ID_BODY = "当事人身份证号码：11010519491231002X，特此公告。"


def case(title: str = "道路运输公告", body: str = "正文。", category: str = "S05",
         policy: policies.Policy = POLICY, version: int = 1, newest: int | None = None) -> domain.Case:
    submitted = DisclosureSubmitted(
        item_id="item-1", version=version, title=title, body=body, category=category, audience="public",
        channels=["portal"], unit="办公室", submitted_by="li.na",
        content_hash=content_hash(title, body, category, "public", ["portal"]))
    return domain.open_case(submitted, screening.screen(title, body), policy, case_id="case-1", now=NOW,
                            newest_version=newest)


def command(current: domain.Case, decision: str = "approve", **changes) -> DecideReview:
    return DecideReview.model_validate(
        {"case_id": current.case_id, "decision": decision, "content_hash": current.content_hash, **changes})


def test_a_screening_block_closes_the_case_at_once_with_the_reason():
    blocked = case(body="机密★5年")
    assert blocked.state is State.blocked and blocked.decided_at == NOW and blocked.risk == "blocked"
    assert "机密★5年" in (blocked.reason or "")


def test_risk_sets_the_number_of_approvals():
    assert (case().risk, case().required_approvals) == ("none", 1)
    assert (case(body=ID_BODY).risk, case(body=ID_BODY).required_approvals) == ("high", 2)


def test_an_approval_records_the_reviewer_and_a_trimmed_reason():
    decided, outcome = domain.decide(case(), command(case(), reason="  可以公开  "), REVIEWER, NOW)
    assert outcome is Outcome.approved
    assert (decided.state, decided.decided_by, decided.reason, decided.reviewers) == (
        State.approved, "zhao.lei", "可以公开", ["zhao.lei"])


def test_high_risk_needs_a_second_approval_by_a_different_reviewer():
    risky = case(body=ID_BODY)
    first, outcome = domain.decide(risky, command(risky), REVIEWER, NOW)
    assert outcome is Outcome.approval_recorded and first.state is State.open and first.reviewers == ["zhao.lei"]
    with pytest.raises(Conflict, match="already approved"):
        domain.decide(first, command(first), REVIEWER, NOW)
    second, outcome = domain.decide(first, command(first), REVIEWER2, NOW)
    assert outcome is Outcome.approved and second.state is State.approved
    assert second.reviewers == ["zhao.lei", "chen.jing"]


def test_a_second_reviewer_may_reject_after_a_first_approval():
    first, _ = domain.decide(case(body=ID_BODY), command(case(body=ID_BODY)), REVIEWER, NOW)
    rejected, outcome = domain.decide(first, command(first, "reject", reason="含身份证号"), REVIEWER2, NOW)
    assert (outcome, rejected.state) == (Outcome.rejected, State.rejected)


def test_the_case_state_is_checked_before_the_hash():
    blocked = case(body="【绝密】")
    with pytest.raises(Conflict, match="already blocked"):
        domain.decide(blocked, command(blocked, content_hash="sha256:" + "1" * 64), REVIEWER, NOW)


def test_a_stale_hash_is_a_conflict():
    with pytest.raises(Conflict, match="stale content hash"):
        domain.decide(case(), command(case(), content_hash="sha256:" + "1" * 64), REVIEWER, NOW)


def test_a_reviewer_who_submitted_the_item_cannot_decide_it():
    author = REVIEWER.model_copy(update={"id": "li.na"})
    with pytest.raises(Forbidden):
        domain.decide(case(), command(case()), author, NOW)


def test_a_rejection_with_a_blank_reason_is_refused():
    with pytest.raises(Refused, match="needs a reason") as refused:
        domain.decide(case(), command(case(), "reject", reason=" \n "), REVIEWER, NOW)
    assert refused.value.status == 422


def test_a_redaction_names_spans_inside_the_text():
    risky = case(body=ID_BODY)
    start = ID_BODY.index("1101")
    spans = [{"field": "body", "start": start, "end": start + 18}]
    redacted, outcome = domain.decide(risky, command(risky, "redact", spans=spans), REVIEWER, NOW)
    assert outcome is Outcome.redaction_requested and redacted.state is State.redaction_requested
    assert [(s.field, s.start, s.end) for s in redacted.spans] == [("body", start, start + 18)]
    assert redacted.reason


@pytest.mark.parametrize(("spans", "reason"), [
    ([{"field": "body", "start": 0, "end": 999}], "outside the text"),
    ([{"field": "summary", "start": 0, "end": 1}], "no field summary"),
    ([{"field": "attachments[0].text", "start": 0, "end": 1}], r"no field attachments\[0\]\.text"),
    ([{"field": "body", "start": 0, "end": 5}, {"field": "body", "start": 3, "end": 8}], "overlap"),
])
def test_redaction_spans_outside_the_text_or_overlapping_are_refused(spans, reason):
    with pytest.raises(Refused, match=reason) as refused:
        domain.decide(case(body=ID_BODY), command(case(body=ID_BODY), "redact", spans=spans), REVIEWER, NOW)
    assert refused.value.status == 422


def test_withholding_records_the_legal_ground():
    withheld, outcome = domain.decide(case(), command(case(), "withhold", legal_reason="personal-privacy"),
                                      REVIEWER, NOW)
    assert (outcome, withheld.state, withheld.legal_reason) == (Outcome.withheld, State.withheld, "personal-privacy")


@pytest.mark.parametrize("changes", [{}, {"legal_reason": "other"}, {"legal_reason": "secret"}])
def test_withholding_without_a_valid_ground_is_invalid(changes):
    with pytest.raises(ValueError):
        command(case(), "withhold", **changes)


def test_a_version_older_than_one_under_review_is_void_at_once():
    old = case(version=1, newest=2)
    assert (old.state, old.superseded_by) == (State.voided, 2)


def test_voiding_drops_the_approvals_with_the_case():
    first, _ = domain.decide(case(body=ID_BODY), command(case(body=ID_BODY)), REVIEWER, NOW)
    voided = domain.void(first, 2, NOW)
    assert voided.state is State.voided and voided.reviewers == ["zhao.lei"]
    with pytest.raises(Conflict, match="already voided"):
        domain.decide(voided, command(voided), REVIEWER2, NOW)


def test_low_risk_is_auto_approved_only_in_the_categories_the_policy_names():
    auto = POLICY.model_copy(update={"auto_approve": policies.AutoApprove(categories=["S07"])})
    approved = case(body="车牌粤B12345", category="S07", policy=auto)
    assert (approved.state, approved.decided_by, approved.risk) == (State.approved, domain.AUTO_REVIEWER, "low")
    assert case(body="车牌粤B12345", category="S05", policy=auto).state is State.open
    assert case(body=ID_BODY, category="S07", policy=auto).state is State.open
    assert case(body="车牌粤B12345", category="S07").state is State.open  # off in the shipped policy


def test_the_context_window_shows_the_text_around_a_finding():
    assert domain.context("一二三四五六七八九十", 4, 6, width=3) == {"before": "二三四", "after": "七八九"}
