"""Decision rules, without I/O: who may decide, on what content, and what the case becomes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from gongkai.review import domain, screening
from gongkai.shared.contracts import DecideReview, DisclosureSubmitted, content_hash
from gongkai.shared.errors import Conflict, Forbidden, Refused
from gongkai.shared.identity import Principal, Role

NOW = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
REVIEWER = Principal(id="zhao.lei", name="赵磊", unit="保密办", roles=frozenset({Role.reviewer}))


def case(title: str = "道路运输公告", body: str = "正文。") -> domain.Case:
    submitted = DisclosureSubmitted(
        item_id="item-1", version=1, title=title, body=body, category="S05", audience="public", channels=["portal"],
        unit="办公室", submitted_by="li.na", content_hash=content_hash(title, body, "S05", "public", ["portal"]))
    return domain.open_case(submitted, screening.screen(title, body), case_id="case-1", now=NOW)


def command(current: domain.Case, decision: str = "approve", **changes: str) -> DecideReview:
    return DecideReview.model_validate(
        {"case_id": current.case_id, "decision": decision, "content_hash": current.content_hash, **changes})


def test_a_screening_block_closes_the_case_at_once_with_the_reason():
    blocked = case(body="机密★5年")
    assert blocked.state is domain.State.blocked and blocked.decided_at == NOW
    assert "机密★5年" in (blocked.reason or "")


def test_an_approval_records_the_reviewer_and_a_trimmed_reason():
    decided = domain.decide(case(), command(case(), reason="  可以公开  "), REVIEWER, NOW)
    assert (decided.state, decided.decided_by, decided.reason) == (domain.State.approved, "zhao.lei", "可以公开")


def test_the_case_state_is_checked_before_the_hash():
    blocked = case(body="【绝密】")
    with pytest.raises(Conflict, match="already blocked"):
        domain.decide(blocked, command(blocked, content_hash="sha256:" + "1" * 64), REVIEWER, NOW)


def test_a_reviewer_who_submitted_the_item_cannot_decide_it():
    author = REVIEWER.model_copy(update={"id": "li.na"})
    with pytest.raises(Forbidden):
        domain.decide(case(), command(case()), author, NOW)


def test_a_rejection_with_a_blank_reason_is_refused():
    with pytest.raises(Refused, match="needs a reason") as refused:
        domain.decide(case(), command(case(), "reject", reason=" \n "), REVIEWER, NOW)
    assert refused.value.status == 422
