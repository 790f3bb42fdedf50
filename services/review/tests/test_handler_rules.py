"""Review's handlers on an in-memory unit of work: what each event and command stores and emits.

No broker and no database: the handlers see the fake through the same protocol (``store.ReviewWork``) as the
real unit of work, so every orchestration rule — one case per version, a newer version voids the older case,
a block or a decision signed over exactly what was reviewed, a refusal that emits nothing — is checked here in
milliseconds. ``test_review_flow.py`` checks the same paths against the real broker and database.
"""

from __future__ import annotations

import pytest
from gongkai.review.app import screener
from gongkai.review.domain import Case, State
from gongkai.review.handlers import Review
from gongkai.shared import contracts as c
from gongkai.shared.decisions import KeyRing
from gongkai.shared.envelope import new_event
from gongkai.shared.errors import Conflict
from gongkai.shared.fakes import FakeUnitOfWork
from gongkai.shared.identity import Principal, Role
from gongkai.shared.keys import Signer
from gongkai.shared.origin import Origin

SIGNER = Signer.generate("review-test")
KEYS = KeyRing([SIGNER.verifier])
ZHAO = Principal(id="zhao.lei", name="赵磊", unit="保密办", roles=frozenset({Role.reviewer}))
CHEN = Principal(id="chen.jing", name="陈静", unit="保密办", roles=frozenset({Role.reviewer}))
CLEAN = "自2026年12月1日起，3路公交车调整走向。"
ID_NUMBER = "当事人身份证号码：11010519491231002X。"
SECRET = "ＢＭ：机密\n关于内部事项的通知。"


class InMemoryCases:
    """``store.CaseStore`` in a dict."""

    def __init__(self) -> None:
        self.by_id: dict[str, Case] = {}

    async def lock_item(self, item_id: str) -> None:
        return None

    async def newest_version(self, item_id: str) -> int | None:
        return max((k.version for k in self.by_id.values() if k.item_id == item_id), default=None)

    async def add(self, case: Case) -> bool:
        if any((k.item_id, k.version) == (case.item_id, case.version) for k in self.by_id.values()):
            return False
        self.by_id[case.case_id] = case
        return True

    async def get(self, case_id: str, *, for_update: bool = False) -> Case | None:
        return self.by_id.get(case_id)

    async def open_before(self, item_id: str, version: int) -> list[Case]:
        return sorted((k for k in self.by_id.values() if k.item_id == item_id and k.version < version
                       and k.state is State.open), key=lambda k: k.version)

    async def save(self, case: Case) -> None:
        self.by_id[case.case_id] = case


class FakeReviewWork(FakeUnitOfWork):
    def __init__(self, cases: InMemoryCases) -> None:
        super().__init__()
        self.cases = cases


@pytest.fixture
def review() -> Review:
    return Review(Origin.of("review"), screener(), SIGNER)


@pytest.fixture
def cases() -> InMemoryCases:
    return InMemoryCases()


def submitted(body: str = CLEAN, version: int = 1, item_id: str = "item-1") -> tuple[c.DisclosureSubmitted, object]:
    data = c.DisclosureSubmitted(
        item_id=item_id, version=version, title="公交线路调整公告", body=body, category="S07", audience="public",
        channels=["portal"], unit="办公室", submitted_by="li.na",
        content_hash=c.content_hash("公交线路调整公告", body, "S07", "public", ["portal"]))
    return data, new_event(c.DISCLOSURE_SUBMITTED, data, source="/gongkai/publishing", actor="li.na",
                           subject=item_id)


async def deliver(review: Review, cases: InMemoryCases, body: str = CLEAN, version: int = 1) -> FakeReviewWork:
    uow = FakeReviewWork(cases)
    data, event = submitted(body, version)
    await review.on_submitted(data, event, uow)
    return uow


async def decide(review: Review, cases: InMemoryCases, case: Case, principal: Principal, decision: str = "approve",
                 content_hash: str | None = None, **more: object) -> FakeReviewWork:
    uow = FakeReviewWork(cases)
    cmd = c.DecideReview.model_validate({"case_id": case.case_id, "decision": decision,
                                         "content_hash": content_hash or case.content_hash, **more})
    command = new_event(c.DECIDE_REVIEW, cmd, source="/staff-tool", actor=principal.id)
    await review.decide(cmd, command, principal, uow)
    return uow


async def test_a_clean_submission_opens_one_case_and_announces_it_caused_by_the_submission(review, cases):
    uow = await deliver(review, cases)
    [opened] = uow.of_type(c.REVIEW_CASE_OPENED)
    [case] = cases.by_id.values()
    assert (opened.data["case_id"], opened.data["content_hash"], opened.data["risk"]) == (
        case.case_id, case.content_hash, "none")
    assert opened.source == "/gongkai/review" and opened.actor == "service:review" and opened.causationid
    assert (await deliver(review, cases)).emitted == []  # the same version again: no second case
    assert len(cases.by_id) == 1


async def test_a_newer_version_voids_the_open_case_of_the_older_one(review, cases):
    await deliver(review, cases)
    uow = await deliver(review, cases, CLEAN + "（更正）", version=2)
    assert uow.types() == [c.REVIEW_CASE_VOIDED, c.REVIEW_CASE_OPENED]
    first = next(k for k in cases.by_id.values() if k.version == 1)
    assert first.state is State.voided and first.superseded_by == 2


async def test_a_marked_classified_text_is_blocked_with_a_signed_decision_and_opens_no_queue_entry(review, cases):
    uow = await deliver(review, cases, SECRET)
    [blocked] = uow.of_type(c.REVIEW_BLOCKED)
    assert uow.of_type(c.REVIEW_CASE_OPENED) == []
    decision = c.ReviewBlocked.model_validate(blocked.data)
    assert KEYS.problem(c.REVIEW_BLOCKED, decision) is None
    assert any(f.detector == "classification-marking" for f in decision.findings)


async def test_an_approval_is_signed_over_the_reviewed_hash_and_a_forged_copy_of_it_does_not_verify(review, cases):
    await deliver(review, cases)
    [case] = cases.by_id.values()
    uow = await decide(review, cases, case, ZHAO)
    [approved] = uow.of_type(c.REVIEW_APPROVED)
    decision = c.ReviewDecided.model_validate(approved.data)
    assert decision.content_hash == case.content_hash and decision.reviewers == ["zhao.lei"]
    assert KEYS.problem(c.REVIEW_APPROVED, decision) is None
    moved = decision.model_copy(update={"item_id": "item-2"})  # the same approval aimed at another item
    assert KEYS.problem(c.REVIEW_APPROVED, moved) is not None
    assert approved.actor == "zhao.lei" and cases.by_id[case.case_id].state is State.approved


async def test_a_stale_hash_or_a_second_decision_is_refused_and_emits_nothing(review, cases):
    await deliver(review, cases)
    [case] = cases.by_id.values()
    with pytest.raises(Conflict):
        await decide(review, cases, case, ZHAO, content_hash="sha256:" + "0" * 64)
    assert cases.by_id[case.case_id].state is State.open
    await decide(review, cases, case, ZHAO)
    with pytest.raises(Conflict):
        await decide(review, cases, case, CHEN, "reject", reason="不同意")


async def test_a_high_risk_case_needs_two_reviewers_and_the_first_approval_only_records_itself(review, cases):
    await deliver(review, cases, CLEAN + ID_NUMBER)
    [case] = cases.by_id.values()
    assert (case.risk, case.required_approvals) == ("high", 2)
    first = await decide(review, cases, case, ZHAO)
    assert first.types() == [c.REVIEW_APPROVAL_RECORDED]
    with pytest.raises(Conflict, match="already approved"):  # the same reviewer cannot be the second
        await decide(review, cases, cases.by_id[case.case_id], ZHAO)
    assert cases.by_id[case.case_id].state is State.open
    second = await decide(review, cases, cases.by_id[case.case_id], CHEN)
    [approved] = second.of_type(c.REVIEW_APPROVED)
    assert approved.data["reviewers"] == ["zhao.lei", "chen.jing"]
