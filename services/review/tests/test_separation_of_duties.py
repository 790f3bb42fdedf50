"""Separation of duties, without I/O: no one reviews what they wrote or submitted, and a redaction is checked
by someone other than the reviewer who asked for it, under at least the rules of the version it replaces."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gongkai.review import domain, screening
from gongkai.review import policy as policies
from gongkai.review.domain import Outcome, State
from gongkai.shared.contracts import DecideReview, DisclosureSubmitted, content_hash
from gongkai.shared.errors import Forbidden
from gongkai.shared.identity import Principal, Role

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
ZHAO = Principal(id="zhao.lei", name="赵磊", unit="保密办", roles=frozenset({Role.reviewer}))
CHEN = Principal(id="chen.jing", name="陈静", unit="保密办", roles=frozenset({Role.reviewer}))
LIU = Principal(id="liu.yang", name="刘洋", unit="办公室", roles=frozenset({Role.submitter, Role.reviewer}))
POLICY = policies.load(policies.DEFAULT_POLICY)
ID_BODY = "当事人身份证号码：11010519491231002X，特此公告。"
AUTO = POLICY.model_copy(update={"auto_approve": policies.AutoApprove(risks=["none"], categories=["S05"])})


def submitted(body: str = "正文。", *, version: int = 1, authors: tuple[str, ...] = (),
              submitted_by: str = "li.na", redaction_of_case: str | None = None) -> DisclosureSubmitted:
    return DisclosureSubmitted(
        item_id="item-1", version=version, title="道路运输公告", body=body, category="S05", audience="public",
        channels=["portal"], unit="办公室", submitted_by=submitted_by, authors=list(authors),
        redaction_of_case=redaction_of_case,
        content_hash=content_hash("道路运输公告", body, "S05", "public", ["portal"]))


def opened(data: DisclosureSubmitted, policy: policies.Policy = POLICY, redaction_of: domain.Case | None = None,
           case_id: str = "case-1") -> domain.Case:
    return domain.open_case(data, screening.screen(data.title, data.body), policy, case_id=case_id, now=NOW,
                            redaction_of=redaction_of)


def command(case: domain.Case, decision: str = "approve", **more) -> DecideReview:
    return DecideReview.model_validate({"case_id": case.case_id, "decision": decision,
                                        "content_hash": case.content_hash, **more})


def redaction_asked_by(reviewer: Principal, first: domain.Case) -> domain.Case:
    start = first.body.find("1101") if "1101" in first.body else 0
    spans = [{"field": "body", "start": start, "end": start + (18 if start else 2)}]
    asked, outcome = domain.decide(first, command(first, "redact", spans=spans), reviewer, NOW)
    assert outcome is Outcome.redaction_requested
    return asked


def test_a_reviewer_who_wrote_the_draft_cannot_decide_it_after_a_colleague_submits_it():
    case = opened(submitted(authors=("liu.yang", "li.na")))
    for decision, more in [("approve", {}), ("reject", {"reason": "不同意"}),
                           ("redact", {"spans": [{"field": "body", "start": 0, "end": 2}]}),
                           ("withhold", {"legal_reason": "personal-privacy"})]:
        with pytest.raises(Forbidden, match=r"liu\.yang wrote a version of this item"):
            domain.decide(case, command(case, decision, **more), LIU, NOW)
    approved, outcome = domain.decide(case, command(case), ZHAO, NOW)
    assert outcome is Outcome.approved and approved.reviewers == ["zhao.lei"]


def test_the_submitter_is_an_author_even_when_the_list_leaves_them_out():
    case = opened(submitted(submitted_by="liu.yang"))
    assert "liu.yang" in case.authors
    with pytest.raises(Forbidden, match=r"liu\.yang submitted this item"):
        domain.decide(case, command(case), LIU, NOW)


def test_the_reviewer_who_asked_for_a_redaction_is_not_enough_to_approve_it():
    asked = redaction_asked_by(ZHAO, opened(submitted()))
    redacted = opened(submitted("正文。", version=2, redaction_of_case=asked.case_id), redaction_of=asked,
                      case_id="case-2")
    assert (redacted.required_approvals, redacted.redaction_requested_by) == (1, "zhao.lei")
    after_zhao, outcome = domain.decide(redacted, command(redacted), ZHAO, NOW)
    assert outcome is Outcome.approval_recorded and after_zhao.state is State.open
    approved, outcome = domain.decide(after_zhao, command(after_zhao), CHEN, NOW)
    assert outcome is Outcome.approved and approved.reviewers == ["zhao.lei", "chen.jing"]


def test_another_reviewer_alone_may_approve_a_redaction_of_a_medium_case():
    asked = redaction_asked_by(ZHAO, opened(submitted()))
    redacted = opened(submitted("正文。", version=2), redaction_of=asked, case_id="case-2")
    approved, outcome = domain.decide(redacted, command(redacted), CHEN, NOW)
    assert outcome is Outcome.approved and approved.reviewers == ["chen.jing"]


def test_a_high_risk_cases_two_person_rule_carries_over_to_its_redacted_successor():
    first = opened(submitted(ID_BODY))
    assert (first.risk, first.required_approvals) == ("high", 2)
    asked = redaction_asked_by(ZHAO, first)
    clean = opened(submitted("当事人身份证号码：×××，特此公告。", version=2), redaction_of=asked, case_id="case-2")
    assert (clean.risk, clean.required_approvals) == ("none", 2)
    one, outcome = domain.decide(clean, command(clean), CHEN, NOW)
    assert outcome is Outcome.approval_recorded
    two, outcome = domain.decide(one, command(one), ZHAO, NOW)
    assert outcome is Outcome.approved and two.reviewers == ["chen.jing", "zhao.lei"]


def test_a_redacted_version_is_never_approved_automatically():
    asked = redaction_asked_by(ZHAO, opened(submitted(ID_BODY), AUTO))
    redacted = opened(submitted("正文。", version=2), AUTO, redaction_of=asked, case_id="case-2")
    assert redacted.state is State.open and redacted.reviewers == [] and redacted.required_approvals == 2
    assert opened(submitted("别的正文。"), AUTO).state is State.approved  # the same policy, no redaction


def test_a_policy_that_asks_fewer_approvals_than_the_floor_is_refused(tmp_path):
    path = tmp_path / "policy.json"
    path.write_text('{"levels": {"blocked": {"outcome": "reject"}, "high": {"approvals": 1}, '
                    '"medium": {}, "low": {}, "none": {}}}')
    with pytest.raises(policies.PolicyError, match=r"levels\.high\.approvals is 1; risk high needs at least 2"):
        policies.load(path)
