"""Publishing's handlers on an in-memory unit of work: what each command and review outcome stores and emits.

No broker and no database: the handlers see the fake through the same protocol (``store.PublishingWork``) as
the real unit of work, so the orchestration rules — a submission announced with its content hash, a decision
acted on only when review's signature verifies and it names exactly the version's content, one publication
per channel however often the approval arrives, a redaction sent back to review, a withdrawal announced on
every channel — are checked here in milliseconds. ``test_publishing_flow.py`` and ``test_withdrawal.py``
check the same paths against the real broker and database.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from gongkai.publishing.catalogue import DEFAULT_FILE, Catalogue
from gongkai.publishing.deadlines import Deadlines
from gongkai.publishing.domain import REDACTED, Item, State, Version
from gongkai.publishing.handlers import Publishing
from gongkai.shared import contracts as c
from gongkai.shared.decisions import KeyRing, development_signer
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.errors import Conflict
from gongkai.shared.fakes import FakeUnitOfWork
from gongkai.shared.identity import Principal, Role
from gongkai.shared.keys import Signer
from gongkai.shared.origin import Origin
from review_decisions import decision, signed

REVIEW = Signer.generate("review-test")
KEYS = KeyRing([REVIEW.verifier])
LI_NA = Principal(id="li.na", name="李娜", unit="办公室", roles=frozenset({Role.submitter}))
BODY = "根据《道路运输条例》，现将许可事项公告如下。当事人电话13800138000。"
ITEM = {"title": "2026年道路运输行政许可事项公告", "body": BODY, "category": "S05"}


class InMemoryItems:
    """``store.ItemStore`` in dicts; ``public`` is what the read side shows of each item (the last ``public``)."""

    def __init__(self) -> None:
        self.items: dict[str, Item] = {}
        self.versions: dict[tuple[str, int], Version] = {}
        self.public: dict[str, Version] = {}

    async def add_item(self, item: Item) -> None:
        assert item.item_id not in self.items
        self.items[item.item_id] = item

    async def save_item(self, item: Item, public: Version | None = None) -> None:
        self.items[item.item_id] = item
        if public is not None:
            self.public[item.item_id] = public

    async def add_version(self, version: Version) -> None:
        assert (version.item_id, version.version) not in self.versions
        self.versions[version.item_id, version.version] = version

    async def save_version(self, version: Version) -> None:
        self.versions[version.item_id, version.version] = version

    async def item(self, item_id: str, *, for_update: bool = False) -> Item | None:
        return self.items.get(item_id)

    async def get(self, item_id: str, version: int, *, for_update: bool = False) -> Version | None:
        return self.versions.get((item_id, version))

    async def history(self, item_id: str, *, for_update: bool = False) -> list[Version]:
        return sorted((v for (i, _), v in self.versions.items() if i == item_id), key=lambda v: v.version)

    async def awaiting_review(self, item_id: str) -> bool:
        return any(v.state in (State.submitted, State.in_review) for v in await self.history(item_id))

    async def due_for_release(self, now: datetime, limit: int) -> list[Version]:
        due = [v for v in self.versions.values()
               if v.state is State.scheduled and v.release_at is not None and v.release_at <= now]
        return sorted(due, key=lambda v: v.release_at or now)[:limit]


class FakePublishingWork(FakeUnitOfWork):
    def __init__(self, items: InMemoryItems) -> None:
        super().__init__()
        self.items = items

    def on(self, exchange: str) -> list[Envelope]:
        return [event for where, event in self.emitted if where == exchange]


@pytest.fixture(scope="module")
def publishing() -> Publishing:
    catalogue = Catalogue.load()
    return Publishing(Origin.of("publishing"), catalogue, KEYS, Deadlines.load())


@pytest.fixture
def items() -> InMemoryItems:
    return InMemoryItems()


async def submit(publishing: Publishing, items: InMemoryItems, **more: object) -> FakePublishingWork:
    uow = FakePublishingWork(items)
    cmd = c.SubmitDisclosure.model_validate({**ITEM, **more})
    command = new_event(c.SUBMIT_DISCLOSURE, cmd, source="/staff-tool", actor=LI_NA.id, actorunit=LI_NA.unit)
    await publishing.submit(cmd, command, LI_NA, uow)
    return uow


async def deliver(publishing: Publishing, items: InMemoryItems, kind: str, event: Envelope) -> FakePublishingWork:
    """One review event as the consumer hands it over: its payload validated, on a unit of work of its own."""
    handler = {c.REVIEW_APPROVED: publishing.on_approved, c.REVIEW_REDACTION_REQUESTED:
               publishing.on_redaction_requested, c.REVIEW_REJECTED: publishing.on_rejected}[kind]
    model = {c.REVIEW_APPROVED: c.ReviewDecided, c.REVIEW_REDACTION_REQUESTED: c.RedactionRequested,
             c.REVIEW_REJECTED: c.ReviewDecided}[kind]
    uow = FakePublishingWork(items)
    await handler(model.model_validate(event.data), event, uow)
    return uow


def channels_of(items: InMemoryItems, submitted: Envelope) -> list[str]:
    """The channels the submitted version goes out on (the category's defaults: S05 has more than one)."""
    version = items.versions[submitted.data["item_id"], submitted.data["version"]]
    assert len(version.channels) > 1
    return sorted(channel.value for channel in version.channels)


def submitted_of(uow: FakePublishingWork) -> Envelope:
    [submitted] = uow.of_type(c.DISCLOSURE_SUBMITTED)
    return submitted


async def published_item(publishing: Publishing, items: InMemoryItems) -> Envelope:
    submitted = submitted_of(await submit(publishing, items))
    approved = await deliver(publishing, items, c.REVIEW_APPROVED,
                             signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), REVIEW))
    assert approved.of_type(c.DISCLOSURE_PUBLISHED)
    return submitted


async def test_a_submission_stores_version_1_and_announces_it_with_its_content_hash(publishing, items):
    uow = await submit(publishing, items)
    submitted = submitted_of(uow)
    [version] = items.versions.values()
    assert (version.version, version.state, version.submitted_by) == (1, State.submitted, "li.na")
    assert submitted.data["content_hash"] == version.content_hash
    assert submitted.data["content_hash"] == c.content_hash(ITEM["title"], BODY, "S05", "public",
                                                            [ch.value for ch in version.channels])
    assert (submitted.data["item_id"], submitted.data["version"], submitted.data["authors"]) == (
        version.item_id, 1, ["li.na"])
    assert submitted.actor == "li.na" and submitted.source == "/gongkai/publishing" and submitted.causationid
    assert uow.on("public") == [] and uow.on("staff") == []


async def test_an_approval_whose_signature_does_not_verify_is_a_security_fact_and_publishes_nothing(
        publishing, items):
    submitted = submitted_of(await submit(publishing, items))
    forged = signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), development_signer())
    uow = await deliver(publishing, items, c.REVIEW_APPROVED, forged)  # a key publishing does not trust
    [refused] = uow.of_type(c.DISCLOSURE_PUBLICATION_REFUSED)
    [alert] = uow.of_type(c.ACCESS_REFUSED)
    assert refused.data["security"] is True and alert.data["security"] is True
    assert alert.data["service"] == "publishing" and alert.data["what"] == c.REVIEW_APPROVED
    assert uow.of_type(c.DISCLOSURE_PUBLISHED) == [] and uow.on("public") == []
    [version] = items.versions.values()
    assert version.state is State.submitted and items.public == {}


async def test_a_signed_approval_altered_after_signing_does_not_verify_either(publishing, items):
    submitted = submitted_of(await submit(publishing, items))
    genuine = signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), REVIEW)
    altered = genuine.model_copy(update={"data": {**genuine.data, "reviewers": ["zhao.lei", "chen.jing"]}})
    uow = await deliver(publishing, items, c.REVIEW_APPROVED, altered)
    assert uow.types() == [c.DISCLOSURE_PUBLICATION_REFUSED, c.ACCESS_REFUSED]
    assert items.public == {}


async def test_an_approval_of_another_content_hash_refuses_publication(publishing, items):
    submitted = submitted_of(await submit(publishing, items))
    other = "sha256:" + "0" * 64
    approval = signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted, content_hash=other), REVIEW)
    uow = await deliver(publishing, items, c.REVIEW_APPROVED, approval)
    [refused] = uow.of_type(c.DISCLOSURE_PUBLICATION_REFUSED)
    assert other in refused.data["reason"] and refused.data["security"] is False
    assert uow.of_type(c.DISCLOSURE_PUBLISHED) == [] and uow.on("public") == [] and items.public == {}
    [version] = items.versions.values()
    assert version.state is State.submitted


async def test_a_first_publication_states_the_due_date_notification_enforces(publishing, items):
    submitted = submitted_of(await submit(publishing, items, formed_on="2026-09-28"))
    approval = signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), REVIEW)
    first = await deliver(publishing, items, c.REVIEW_APPROVED, approval)
    # S05: the rules file's 15 working days from the day it was formed, across National Day
    assert {e.data["due_on"] for e in first.on("public")} == {"2026-10-23"}


async def test_an_approval_by_the_items_own_author_is_refused_though_review_signed_it(publishing, items):
    submitted = submitted_of(await submit(publishing, items))
    approval = signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted, reviewers=("li.na",)), REVIEW)
    uow = await deliver(publishing, items, c.REVIEW_APPROVED, approval)
    [refused] = uow.of_type(c.DISCLOSURE_PUBLICATION_REFUSED)
    assert refused.data["security"] is True and "li.na" in refused.data["reason"]
    assert uow.on("public") == []


async def test_a_valid_approval_publishes_once_on_each_channel_and_a_second_delivery_publishes_nothing(
        publishing, items):
    submitted = submitted_of(await submit(publishing, items))
    approval = signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), REVIEW)
    first = await deliver(publishing, items, c.REVIEW_APPROVED, approval)
    [published] = first.of_type(c.DISCLOSURE_PUBLISHED)
    assert (published.data["content_hash"], published.data["action"]) == (submitted.data["content_hash"],
                                                                          "published")
    channels = first.on("public")
    assert {e.type for e in channels} == {c.PUBLIC_DISCLOSURE_PUBLISHED}
    assert sorted(e.data["channel"] for e in channels) == channels_of(items, submitted)  # once each
    assert all(e.causationid == approval.id and e.data["content_hash"] == submitted.data["content_hash"]
               for e in channels)
    assert "submitted_by" not in channels[0].data and "unit" not in channels[0].data  # public fields only
    assert first.on("staff") == []
    item_id = submitted.data["item_id"]
    assert items.items[item_id].public_version == 1 and items.public[item_id].state is State.published

    again = await deliver(publishing, items, c.REVIEW_APPROVED, approval)
    assert again.emitted == []
    assert items.versions[item_id, 1].state is State.published


async def test_an_approved_version_with_a_later_release_time_is_scheduled_and_released_when_due(publishing, items):
    later = datetime.now(UTC) + timedelta(hours=1)
    submitted = submitted_of(await submit(publishing, items, release_at=later.isoformat()))
    approved = await deliver(publishing, items, c.REVIEW_APPROVED,
                             signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), REVIEW))
    assert approved.types() == [c.DISCLOSURE_SCHEDULED] and approved.on("public") == []
    assert await publishing.release_due(FakePublishingWork(items)) == 0  # not yet
    item_id = submitted.data["item_id"]
    items.versions[item_id, 1] = replace(items.versions[item_id, 1], release_at=datetime.now(UTC))
    round_ = FakePublishingWork(items)
    assert await publishing.release_due(round_) == 1
    assert len(round_.of_type(c.DISCLOSURE_PUBLISHED)) == 1
    assert sorted(e.data["channel"] for e in round_.on("public")) == channels_of(items, submitted)
    assert await publishing.release_due(FakePublishingWork(items)) == 0  # released once


async def test_a_redaction_request_makes_version_2_with_the_spans_cut_and_sends_it_to_review(publishing, items):
    submitted = submitted_of(await submit(publishing, items))
    start = BODY.index("13800138000")
    span = c.Span(field="body", start=start, end=start + len("13800138000"))
    request = signed(c.REVIEW_REDACTION_REQUESTED, decision(c.REVIEW_REDACTION_REQUESTED, submitted,
                                                            spans=[span], reason="个人信息"), REVIEW)
    uow = await deliver(publishing, items, c.REVIEW_REDACTION_REQUESTED, request)
    resubmitted = submitted_of(uow)
    item_id = submitted.data["item_id"]
    first, second = items.versions[item_id, 1], items.versions[item_id, 2]
    assert first.state is State.changes_requested and first.reason == "个人信息"
    assert second.state is State.submitted and items.items[item_id].current_version == 2
    assert second.body == BODY.replace("13800138000", REDACTED) and "13800138000" not in second.body
    assert resubmitted.data["version"] == 2 and resubmitted.data["body"] == second.body
    assert resubmitted.data["content_hash"] == second.content_hash != submitted.data["content_hash"]
    assert resubmitted.data["redaction_of_case"] == request.data["case_id"]
    assert resubmitted.actor == "service:publishing" and resubmitted.causationid == request.id
    assert uow.on("public") == []

    late = await deliver(publishing, items, c.REVIEW_APPROVED,  # an approval of version 1 is too late now
                         signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), REVIEW))
    assert late.types() == [c.DISCLOSURE_PUBLICATION_REFUSED] and late.on("public") == []


async def test_withdrawing_a_published_item_emits_the_withdrawal_and_a_notice_on_each_channel(publishing, items):
    submitted = await published_item(publishing, items)
    item_id = submitted.data["item_id"]
    uow = FakePublishingWork(items)
    cmd = c.WithdrawDisclosure(item_id=item_id, reason="信息已过时")
    command = new_event(c.WITHDRAW_DISCLOSURE, cmd, source="/staff-tool", actor=LI_NA.id, actorunit=LI_NA.unit)
    answer = await publishing.withdraw(cmd, command, LI_NA, uow)
    assert answer["state"] == State.withdrawn.value
    [withdrawn] = uow.of_type(c.DISCLOSURE_WITHDRAWN)
    assert (withdrawn.data["reason"], withdrawn.data["withdrawn_by"], withdrawn.actor) == (
        "信息已过时", "li.na", "li.na")
    notices = uow.on("public")
    assert {e.type for e in notices} == {c.PUBLIC_DISCLOSURE_WITHDRAWN}
    assert sorted(e.data["channel"] for e in notices) == channels_of(items, submitted)
    assert {e.data["reason"] for e in notices} == {"信息已过时"} and all("body" not in e.data for e in notices)
    assert items.items[item_id].withdrawn_at is not None and items.public[item_id].state is State.withdrawn

    with pytest.raises(Conflict):  # once withdrawn, there is nothing to withdraw again
        await publishing.withdraw(cmd, command, LI_NA, FakePublishingWork(items))


async def test_a_publication_names_the_catalogue_group_its_category_sits_in(items):
    """The annual report's table 二 counts 行政许可 decisions by the group the published event names."""
    transport = Publishing(Origin.of("publishing"), Catalogue.load(DEFAULT_FILE.with_name("catalogue-transport.json")),
                           KEYS, Deadlines.load())
    for category, group in [("JT-XK-01", "行政许可"), ("S05", None)]:
        submitted = submitted_of(await submit(transport, items, category=category))
        approved = await deliver(transport, items, c.REVIEW_APPROVED,
                                 signed(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), REVIEW))
        [published] = approved.of_type(c.DISCLOSURE_PUBLISHED)
        assert (published.data["category"], published.data["group"]) == (category, group)
