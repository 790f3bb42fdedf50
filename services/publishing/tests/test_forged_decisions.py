"""Publishing acts only on review's signed decisions: forgeries, replays and rule-breaking approvals,
written to the real broker as a hostile client would, publish nothing and are refused as security events."""

from __future__ import annotations

import pytest
from gongkai.publishing.app import PublishingSettings, create_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope
from gongkai.shared.keys import Signer
from gongkai.shared.settings import Settings
from gongkai.shared.testing import Tap, bearer, migrate, publish, running
from review_decisions import decision, review_event, signed, unsigned

SUBMITTER, CLERK_REVIEWER = bearer("dev-submitter-token"), bearer("dev-clerk-reviewer-token")
NOTICE = {"title": "关于调整城区公交线路的公告", "body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}
OTHER = {"title": "关于公交站点迁移的公告", "body": "5路公交车站点迁移。", "category": "S07"}
STRANGER = Signer.generate("gongkai-dev-review")  # review's key name, not review's key


@pytest.fixture
async def publishing(settings: Settings):
    await migrate(settings, ("publishing",))
    async with running(create_app(settings)) as client:
        yield client


async def submit(client, events: Tap, item: dict = NOTICE, who: dict = SUBMITTER) -> Envelope:
    item_id = (await client.post("/items", json=item, headers=who)).json()["item_id"]
    return await events.wait_for(c.DISCLOSURE_SUBMITTED, lambda e: e.subject == item_id)


async def refused_as_security(events: Tap, item_id: str) -> tuple[Envelope, Envelope]:
    refusal = await events.wait_for(c.DISCLOSURE_PUBLICATION_REFUSED, lambda e: e.subject == item_id)
    alert = await events.wait_for(c.ACCESS_REFUSED, lambda e: e.subject == item_id)
    assert refusal.data["security"] is True and alert.data["security"] is True
    assert alert.data["reason"] == refusal.data["reason"] and alert.data["what"] == refusal.data["decision"]
    return refusal, alert


async def states(client, item_id: str) -> list[str]:
    return [v["state"] for v in (await client.get(f"/items/{item_id}", headers=SUBMITTER)).json()["versions"]]


def forgeries(submitted: Envelope) -> dict[str, Envelope]:
    genuine = decision(c.REVIEW_APPROVED, submitted)
    rejection = signed(c.REVIEW_REJECTED, decision(c.REVIEW_REJECTED, submitted, reason="不同意"))
    return {
        "unsigned, with review's own source and a plausible reviewer": unsigned(c.REVIEW_APPROVED, genuine),
        "signed with a key that only bears review's name": signed(c.REVIEW_APPROVED, genuine, STRANGER),
        "a signed rejection sent as an approval": unsigned(c.REVIEW_APPROVED,
                                                           c.ReviewDecided.model_validate(rejection.data)),
    }


@pytest.mark.parametrize("kind", ["unsigned, with review's own source and a plausible reviewer",
                                  "signed with a key that only bears review's name",
                                  "a signed rejection sent as an approval"])
async def test_a_forged_approval_publishes_nothing_and_is_refused_as_a_security_event(settings, publishing, kind):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        submitted = await submit(publishing, events)
        await publish(settings, "events", forgeries(submitted)[kind])
        refusal, _ = await refused_as_security(events, submitted.subject)
    assert public.messages == [] and await states(publishing, submitted.subject) == ["submitted"]
    assert any(words in refusal.data["reason"] for words in ("signature does not match", "not signed by review",
                                                             "not one of review's keys"))


async def test_a_genuine_approval_of_one_item_replayed_for_another_publishes_neither_twice(settings, publishing):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        a = await submit(publishing, events)
        b = await submit(publishing, events, OTHER)
        genuine = signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, a))
        await publish(settings, "events", genuine)
        await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.subject == a.subject)
        replay = c.ReviewDecided.model_validate({**genuine.data, "item_id": b.subject, "case_id": "case-b",
                                                 "content_hash": b.data["content_hash"]})
        await publish(settings, "events", unsigned(c.REVIEW_APPROVED, replay))
        await refused_as_security(events, b.subject)
        await publish(settings, "events", signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, a)))  # again
        await events.wait_for(c.DISCLOSURE_PUBLISHED, lambda e: e.subject == a.subject)
    assert {e.subject for _, e in public.messages} == {a.subject}
    assert len(public.of_type(c.PUBLIC_DISCLOSURE_PUBLISHED)) == 2  # portal and bulletin, once each
    assert await states(publishing, b.subject) == ["submitted"]


@pytest.mark.parametrize(("reviewers", "risk", "required", "reason"), [
    (("liu.yang",), "none", 1, "liu.yang wrote or submitted this item"),
    (("zhao.lei",), "high", 2, "needs 2 approvals"),
    (("zhao.lei", "zhao.lei"), "high", 2, "not different people"),
    (("service:review",), "medium", 1, "needs a person's approval"),
])
async def test_a_signed_approval_that_breaks_reviews_rules_does_not_publish(settings, publishing, reviewers, risk,
                                                                           required, reason):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        submitted = await submit(publishing, events, who=CLERK_REVIEWER)
        await publish(settings, "events", review_event(c.REVIEW_APPROVED, submitted, reviewers=reviewers, risk=risk,
                                                       required=required))
        refusal, _ = await refused_as_security(events, submitted.subject)
    assert reason in refusal.data["reason"] and public.messages == []


async def test_a_forged_rejection_does_not_stop_a_version_that_review_then_approves(settings, publishing):
    async with Tap(settings, "events") as events, Tap(settings, "public") as public:
        submitted = await submit(publishing, events)
        await publish(settings, "events", unsigned(c.REVIEW_REJECTED, decision(c.REVIEW_REJECTED, submitted,
                                                                               reason="伪造的驳回")))
        await refused_as_security(events, submitted.subject)
        await publish(settings, "events", review_event(c.REVIEW_APPROVED, submitted))
        await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED)
    assert await states(publishing, submitted.subject) == ["published"]


async def test_a_forged_redaction_request_makes_no_new_version(settings, publishing):
    async with Tap(settings, "events") as events:
        submitted = await submit(publishing, events)
        spans = [{"field": "body", "start": 0, "end": 4}]
        await publish(settings, "events", unsigned(c.REVIEW_REDACTION_REQUESTED, decision(
            c.REVIEW_REDACTION_REQUESTED, submitted, spans=spans, reason="伪造")))
        await refused_as_security(events, submitted.subject)
    assert await states(publishing, submitted.subject) == ["submitted"]


async def test_decisions_signed_with_either_key_of_a_rotating_ring_publish(settings):
    old, new = Signer.generate("gongkai-review-2026"), Signer.generate("gongkai-review-2027")
    ring = PublishingSettings(review_keys=f"{old.verifier.text()}\n{new.verifier.text()}")
    await migrate(settings, ("publishing",))
    async with running(create_app(settings, ring)) as client, Tap(settings, "events") as events, \
            Tap(settings, "public") as public:
        for item, key in ((NOTICE, old), (OTHER, new)):
            submitted = await submit(client, events, item)
            await publish(settings, "events", signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), key))
            await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e, s=submitted: e.subject == s.subject)
        submitted = await submit(client, events, {**NOTICE, "title": "开发密钥签名的批准"})
        await publish(settings, "events", review_event(c.REVIEW_APPROVED, submitted))  # the development key
        await refused_as_security(events, submitted.subject)


def test_production_refuses_to_trust_the_development_review_key_or_none():
    from gongkai.shared.decisions import development_signer

    with pytest.raises(ValueError, match="GONGKAI_REVIEW_KEYS"):
        PublishingSettings(env="production")
    with pytest.raises(ValueError, match="development review key"):
        PublishingSettings(env="production", review_keys=development_signer().verifier.text())
    assert PublishingSettings(env="production", review_keys=STRANGER.verifier.text()).key_ring().holds(
        STRANGER.verifier)
