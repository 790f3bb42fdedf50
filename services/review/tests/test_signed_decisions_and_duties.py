"""Review against the real broker and database: every decision it emits is signed over what was decided, and
the authors of an item and the requester of a redaction are held to separation of duties."""

from __future__ import annotations

import uuid

import pytest
from gongkai.review.app import create_app
from gongkai.review.config import ReviewConfig
from gongkai.shared import contracts as c
from gongkai.shared.decisions import KeyRing, development_signer
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.keys import Signer
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running

ZHAO, CHEN, LIU = bearer("dev-reviewer-token"), bearer("dev-reviewer2-token"), bearer("dev-clerk-reviewer-token")
DEV_RING = KeyRing([development_signer().verifier])
ID_BODY = "经查，当事人身份证号码：11010519491231002X，特此公告。"


@pytest.fixture
async def review(settings: Settings):
    await migrate(settings, ("review",))
    async with running(create_app(settings)) as client:
        yield client


def submission(body: str = "关于调整城区公交线路的公告正文。", *, item_id: str | None = None, version: int = 1,
               authors: tuple[str, ...] = ("li.na",), redaction_of_case: str | None = None) -> Envelope:
    item_id = item_id or str(uuid.uuid4())
    data = c.DisclosureSubmitted(
        item_id=item_id, version=version, title="公告", body=body, category="S07", audience=c.Audience.public,
        channels=[c.Channel.portal], unit="办公室", submitted_by="li.na", authors=list(authors),
        redaction_of_case=redaction_of_case, content_hash=c.content_hash("公告", body, "S07", "public", ["portal"]))
    return new_event(c.DISCLOSURE_SUBMITTED, data, source="/gongkai/publishing", actor="li.na", subject=item_id)


async def opened(settings: Settings, events: Tap, submitted: Envelope) -> Envelope:
    await publish(settings, "events", submitted)
    return await events.wait_for(c.REVIEW_CASE_OPENED, lambda e: e.subject == submitted.subject
                                 and e.data["version"] == submitted.data["version"])


async def decide(review, case: Envelope, who: dict, decision: str = "approve", **more):
    return await review.post(f"/cases/{case.data['case_id']}/decision", headers=who,
                             json={"decision": decision, "content_hash": case.data["content_hash"], **more})


def verified(event: Envelope, model: type[c.SignedDecision] = c.ReviewDecided) -> c.SignedDecision:
    data = model.model_validate(event.data)
    assert DEV_RING.problem(event.type, data) is None, event.type
    return data


async def test_every_decision_review_emits_is_signed_over_what_was_decided(settings, review):
    async with Tap(settings, "events") as events:
        blocked_sub = submission("本方案为机密★5年，仅限内部传阅。")
        await publish(settings, "events", blocked_sub)
        blocked = await events.wait_for(c.REVIEW_BLOCKED)
        high = await opened(settings, events, submission(ID_BODY))
        assert (await decide(review, high, ZHAO)).status_code == 200
        recorded = await events.wait_for(c.REVIEW_APPROVAL_RECORDED)
        assert (await decide(review, high, CHEN)).status_code == 200
        approved = await events.wait_for(c.REVIEW_APPROVED)
        rejected_case = await opened(settings, events, submission())
        await decide(review, rejected_case, ZHAO, "reject", reason="表述不准确")
        rejected = await events.wait_for(c.REVIEW_REJECTED)
        withheld_case = await opened(settings, events, submission())
        await decide(review, withheld_case, ZHAO, "withhold", legal_reason="personal-privacy")
        withheld = await events.wait_for(c.REVIEW_WITHHELD)
        redact_case = await opened(settings, events, submission(ID_BODY))
        await decide(review, redact_case, ZHAO, "redact", spans=[{"field": "body", "start": 12, "end": 30}])
        redaction = await events.wait_for(c.REVIEW_REDACTION_REQUESTED)

    assert verified(blocked, c.ReviewBlocked).reviewer == "service:review"
    assert verified(recorded).reviewers == ["zhao.lei"]
    signed = verified(approved)
    assert (signed.reviewers, signed.risk, signed.required_approvals) == (["zhao.lei", "chen.jing"], "high", 2)
    assert signed.signature is not None and signed.signature.key.startswith("gongkai-dev-review+")
    assert verified(rejected).reviewer == "zhao.lei"
    assert verified(withheld, c.ReviewWithheld).legal_reason is c.WithholdingReason.personal_privacy
    assert verified(redaction, c.RedactionRequested).spans == [c.Span(field="body", start=12, end=30)]


async def test_review_signs_with_the_configured_key(settings):
    own = Signer.generate("bureau-review-2026")
    await migrate(settings, ("review",))
    async with running(create_app(settings, config=ReviewConfig(signing_key=own.text()))) as client, \
            Tap(settings, "events") as events:
        case = await opened(settings, events, submission())
        await decide(client, case, ZHAO)
        approved = await events.wait_for(c.REVIEW_APPROVED)
    data = c.ReviewDecided.model_validate(approved.data)
    assert KeyRing([own.verifier]).problem(approved.type, data) is None
    assert DEV_RING.problem(approved.type, data) is not None


def test_production_refuses_the_development_signing_key_and_no_key():
    with pytest.raises(ValueError, match="SIGNING_KEY"):
        ReviewConfig(env="production")
    with pytest.raises(ValueError, match="development review signing key"):
        ReviewConfig(env="production", signing_key=development_signer().text())


async def test_a_reviewer_who_wrote_a_version_cannot_decide_it_and_is_told_why(settings, review):
    async with Tap(settings, "events") as events:
        case = await opened(settings, events, submission(authors=("liu.yang", "li.na")))
        refused = await decide(review, case, LIU)
        allowed = await decide(review, case, ZHAO)
    assert refused.status_code == 403 and "liu.yang wrote a version of this item" in refused.json()["detail"]
    assert allowed.status_code == 200 and allowed.json()["state"] == "approved"


async def test_a_redacted_version_needs_another_reviewer_and_keeps_its_originals_two_person_rule(settings, review):
    async with Tap(settings, "events") as events:
        first = await opened(settings, events, submission(ID_BODY))
        await decide(review, first, ZHAO, "redact", spans=[{"field": "body", "start": 12, "end": 30}])
        await events.wait_for(c.REVIEW_REDACTION_REQUESTED)
        second = await opened(settings, events, submission(
            "经查，当事人身份证号码：×××，特此公告。", item_id=first.subject, version=2,
            redaction_of_case=first.data["case_id"]))
        by_requester = await decide(review, second, ZHAO)
        assert events.of_type(c.REVIEW_APPROVED) == []
        by_other = await decide(review, second, CHEN)
        approved = await events.wait_for(c.REVIEW_APPROVED)
    assert (second.data["risk"], second.data["required_approvals"]) == ("none", 2)
    assert by_requester.json()["state"] == "open" and by_other.json()["state"] == "approved"
    assert verified(approved).reviewers == ["zhao.lei", "chen.jing"]
