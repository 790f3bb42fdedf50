"""The opinion box's rules and handlers on an in-memory unit of work: what each command stores and emits, and
every bad input refused with its reason and nothing changed (no broker, no database).

``test_opinion_box.py`` runs the same through the HTTP API on the real broker and database;
``tests/test_participation_end_to_end.py`` with review and notification as processes.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from gongkai.participation import domain, policy, views
from gongkai.participation.domain import State
from gongkai.participation.handlers import PUBLIC, Participation
from gongkai.shared import contracts as c
from gongkai.shared import decisions
from gongkai.shared.decisions import KeyRing
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.errors import Conflict, Forbidden, Refused
from gongkai.shared.identity import Principal, Role
from gongkai.shared.keys import Signer
from gongkai.shared.origin import Origin
from participation_fakes import FakeParticipationWork, InMemoryOpinions

SIGNER = Signer.generate("review-test")
NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # noon in Shanghai, a Tuesday
CLERK = Principal(id="li.na", name="李娜", unit="办公室", roles=frozenset({Role.submitter}))
HEAD = Principal(id="sun.qiang", name="孙强", unit="办公室", roles=frozenset({Role.publisher}))
FORM = {"title": "建议增开夜间公交", "text": "希望3路公交车延长末班车时间到23点。", "topic": "public-transport",
        "name": "张三", "contact": {"phone": "13800138000"}, "wants_reply": True, "may_publish": True}
MODELS = {c.RECEIVE_OPINION: c.ReceiveOpinion, c.SUBMIT_ONLINE_OPINION: c.SubmitOnlineOpinion,
          c.ROUTE_OPINION: c.RouteOpinion, c.REPLY_OPINION: c.ReplyOpinion, c.PUBLISH_OPINION: c.PublishOpinion,
          c.HIDE_OPINION: c.HideOpinion}


@pytest.fixture
def store() -> InMemoryOpinions:
    return InMemoryOpinions()


@pytest.fixture
def handlers() -> Participation:
    return Participation(Origin.of("participation"), policy.load(), KeyRing([SIGNER.verifier]), now=lambda: NOW)


async def run(handlers: Participation, store: InMemoryOpinions, name: str, kind: str, data: dict[str, Any],
              principal: Principal = CLERK) -> tuple[dict[str, Any], FakeParticipationWork]:
    envelope = new_event(kind, data, source="/test", actor=principal.id)
    uow = FakeParticipationWork(store)
    return await getattr(handlers, name)(MODELS[kind].model_validate(data), envelope, principal, uow), uow


async def online(handlers, store, **changes) -> tuple[dict[str, Any], FakeParticipationWork]:
    return await run(handlers, store, "submit_online_opinion", c.SUBMIT_ONLINE_OPINION, {**FORM, **changes}, PUBLIC)


async def answered(handlers, store) -> str:
    answer, _ = await online(handlers, store)
    oid = answer["opinion_id"]
    await run(handlers, store, "route_opinion", c.ROUTE_OPINION, {"opinion_id": oid, "unit": "运输管理科",
                                                                   "on": "2026-12-01"}, HEAD)
    await run(handlers, store, "reply_opinion", c.REPLY_OPINION, {"opinion_id": oid, "text": "已协调公交公司研究。",
                                                                   "answered_on": "2026-12-01"})
    return oid


def snapshot(store: InMemoryOpinions) -> dict[str, Any]:
    return {k: (v[0].model_dump(), v[1:]) for k, v in store.rows.items()}


# ---- intake --------------------------------------------------------------------------------------------


async def test_the_portal_form_is_received_today_with_a_number_and_a_secret(handlers, store):
    answer, uow = await online(handlers, store)
    assert answer["received_on"] == "2026-12-01" and answer["opinion_id"].startswith("YJ-20261201-")
    [received] = uow.of_type(c.OPINION_RECEIVED)
    assert received.data == {"opinion_id": answer["opinion_id"], "channel": "online", "topic": "public-transport",
                             "received_on": "2026-12-01", "wants_reply": True, "unit": None}
    opinion, secret, person, _, contact = store.rows[answer["opinion_id"]]
    assert secret == domain.secret_hash(answer["secret"]) and person["contact"]["phone"] == "13800138000"
    assert "13800138000" not in str(received.data) and "张三" not in str(received.data)
    assert contact == "13800138000|" and opinion.state is State.received


async def test_a_letter_and_a_visit_to_the_service_hall_are_entered_by_staff_with_their_day(handlers, store):
    for channel in ("letter", "service-hall"):
        answer, uow = await run(handlers, store, "receive_opinion", c.RECEIVE_OPINION,
                                {**FORM, "text": f"{channel}：道路坑洼请修补", "channel": channel,
                                 "received_on": "2026-11-30"})
        assert answer["received_on"] == "2026-11-30"
        assert uow.of_type(c.OPINION_RECEIVED)[0].data["channel"] == channel


BAD_INTAKE = [
    ("an opinion asking for a reply with no way to reach the person",
     {"contact": {}, "wants_reply": True}, Refused, "no way to reach"),
    ("an unknown topic", {"topic": "weather"}, Refused, "not one of the opinion box's topics"),
    ("a filled honeypot", {"website": "http://spam.example"}, Refused, "not accepted"),
]


@pytest.mark.parametrize(("what", "changes", "error", "reason"), BAD_INTAKE, ids=[b[0] for b in BAD_INTAKE])
async def test_bad_intake_is_refused_with_its_reason_and_nothing_stored(handlers, store, what, changes, error, reason):
    with pytest.raises(error, match=reason):
        await online(handlers, store, **changes)
    assert store.rows == {}


async def test_no_contact_is_fine_when_no_reply_is_asked(handlers, store):
    answer, uow = await online(handlers, store, contact={}, wants_reply=False)
    assert uow.of_type(c.OPINION_RECEIVED)[0].data["wants_reply"] is False and "感谢" in answer["acknowledgement"]


async def test_the_same_text_from_the_same_contact_is_a_duplicate_whatever_its_spaces_and_punctuation(handlers, store):
    await online(handlers, store)
    before = snapshot(store)
    with pytest.raises(Conflict, match="received on 2026-12-01"):
        await online(handlers, store, text="希望 3路公交车 延长末班车时间到23点！！", title="再提一次")
    assert snapshot(store) == before
    await online(handlers, store, contact={"email": "li@example.org"})  # the same words from someone else


async def test_staff_may_not_use_the_portal_form_nor_enter_an_online_opinion(handlers, store):
    with pytest.raises(Forbidden, match="portal"):
        await run(handlers, store, "submit_online_opinion", c.SUBMIT_ONLINE_OPINION, FORM, CLERK)
    with pytest.raises(Refused, match="portal"):
        await run(handlers, store, "receive_opinion", c.RECEIVE_OPINION,
                  {**FORM, "channel": "online", "received_on": "2026-12-01"})
    with pytest.raises(Refused, match="future"):
        await run(handlers, store, "receive_opinion", c.RECEIVE_OPINION,
                  {**FORM, "channel": "letter", "received_on": "2026-12-02"})
    assert store.rows == {}


# ---- routing, reply, moderation -------------------------------------------------------------------------


async def test_the_office_routes_and_the_unit_answers_and_each_step_is_a_fact(handlers, store):
    answer, _ = await online(handlers, store)
    oid = answer["opinion_id"]
    with pytest.raises(Forbidden, match="office"):
        await run(handlers, store, "route_opinion", c.ROUTE_OPINION,
                  {"opinion_id": oid, "unit": "运输管理科", "on": "2026-12-01"}, CLERK)
    _, uow = await run(handlers, store, "route_opinion", c.ROUTE_OPINION,
                       {"opinion_id": oid, "unit": "运输管理科", "on": "2026-12-01"}, HEAD)
    assert uow.of_type(c.OPINION_ROUTED)[0].data["unit"] == "运输管理科"
    answer, uow = await run(handlers, store, "reply_opinion", c.REPLY_OPINION,
                            {"opinion_id": oid, "text": " 已转公交公司研究。 ", "answered_on": "2026-12-01"})
    assert answer["state"] == "answered"
    [fact] = uow.of_type(c.OPINION_ANSWERED)
    assert fact.data["unit"] == "运输管理科" and "已转" not in str(fact.data)  # the text stays here
    assert store.rows[oid][0].reply == "已转公交公司研究。"


async def test_a_reply_without_text_is_refused_and_changes_nothing(handlers, store):
    answer, _ = await online(handlers, store)
    oid = answer["opinion_id"]
    await run(handlers, store, "route_opinion", c.ROUTE_OPINION, {"opinion_id": oid, "unit": "运输管理科",
                                                                   "on": "2026-12-01"}, HEAD)
    before = snapshot(store)
    for text in ("", "   \n"):
        with pytest.raises(Refused, match="needs its text"):
            await run(handlers, store, "reply_opinion", c.REPLY_OPINION,
                      {"opinion_id": oid, "text": text, "answered_on": "2026-12-01"})
    assert snapshot(store) == before


async def test_a_reply_before_routing_twice_or_in_the_future_is_refused(handlers, store):
    answer, _ = await online(handlers, store)
    oid = answer["opinion_id"]
    reply = {"opinion_id": oid, "text": "答复", "answered_on": "2026-12-01"}
    with pytest.raises(Conflict, match="not routed"):
        await run(handlers, store, "reply_opinion", c.REPLY_OPINION, reply)
    await run(handlers, store, "route_opinion", c.ROUTE_OPINION, {"opinion_id": oid, "unit": "运输管理科",
                                                                   "on": "2026-12-01"}, HEAD)
    with pytest.raises(Refused, match="future"):
        await run(handlers, store, "reply_opinion", c.REPLY_OPINION, {**reply, "answered_on": "2026-12-02"})
    await run(handlers, store, "reply_opinion", c.REPLY_OPINION, reply)
    with pytest.raises(Conflict, match="answered on"):
        await run(handlers, store, "reply_opinion", c.REPLY_OPINION, reply)


async def test_hiding_needs_the_office_and_a_reason_and_keeps_everything(handlers, store):
    answer, _ = await online(handlers, store)
    oid = answer["opinion_id"]
    with pytest.raises(Refused, match="reason"):
        await run(handlers, store, "hide_opinion", c.HIDE_OPINION, {"opinion_id": oid, "reason": " "}, HEAD)
    with pytest.raises(Forbidden):
        await run(handlers, store, "hide_opinion", c.HIDE_OPINION, {"opinion_id": oid, "reason": "广告"}, CLERK)
    _, uow = await run(handlers, store, "hide_opinion", c.HIDE_OPINION, {"opinion_id": oid, "reason": "广告"}, HEAD)
    assert uow.of_type(c.OPINION_HIDDEN)[0].data["item_id"] == f"opinion:{oid}"
    hidden = store.rows[oid][0]
    assert hidden.hidden and hidden.hidden_reason == "广告" and hidden.text == FORM["text"]
    with pytest.raises(Conflict, match="hidden"):
        await run(handlers, store, "route_opinion", c.ROUTE_OPINION,
                  {"opinion_id": oid, "unit": "运输管理科", "on": "2026-12-01"}, HEAD)


# ---- publication through review -------------------------------------------------------------------------


def review_event(kind: str, submitted: Envelope, signer: Signer = SIGNER, **more: Any
                 ) -> tuple[c.SignedDecision, Envelope]:
    model = c.RedactionRequested if kind == c.REVIEW_REDACTION_REQUESTED else c.ReviewDecided
    data = model.model_validate({"case_id": "case-1", "item_id": submitted.data["item_id"],
                                 "version": submitted.data["version"],
                                 "content_hash": submitted.data["content_hash"], "reviewer": "zhao.lei",
                                 "reviewers": ["zhao.lei"], "decided_at": NOW, **more})
    signed = decisions.sign(kind, data, signer)
    return signed, new_event(kind, signed, source="/gongkai/review", actor="zhao.lei")


async def test_publication_goes_to_review_and_is_published_only_as_the_approved_text(handlers, store):
    oid = await answered(handlers, store)
    _, uow = await run(handlers, store, "publish_opinion", c.PUBLISH_OPINION,
                       {"opinion_id": oid, "opinion_text": "希望×路公交车延长末班车时间。"}, HEAD)
    [submitted] = uow.of_type(c.PUBLICATION_SUBMITTED)
    body = c.DisclosureSubmitted.model_validate(submitted.data)
    assert body.item_id == f"opinion:{oid}" and body.category == c.OPINION_CATEGORY and body.deadline_rule is None
    assert body.content_hash == c.content_hash(body.title, body.body, body.category, body.audience, body.channels)
    assert "希望×路" in body.body and "已协调公交公司研究" in body.body and "13800138000" not in body.body
    with pytest.raises(Conflict, match="in review"):
        await run(handlers, store, "publish_opinion", c.PUBLISH_OPINION, {"opinion_id": oid}, HEAD)

    for data, event in (review_event(c.REVIEW_APPROVED, submitted, Signer.generate("forger")),
                        review_event(c.REVIEW_APPROVED, submitted, content_hash="sha256:" + "0" * 64)):
        forged = FakeParticipationWork(store)
        await handlers.on_review_decided(data, event, forged)
        assert forged.emitted == [] and not store.rows[oid][0].published
    data, event = review_event(c.REVIEW_APPROVED, submitted)
    review_uow = FakeParticipationWork(store)
    await handlers.on_review_decided(data, event, review_uow)
    assert review_uow.types() == [c.PUBLICATION_REVIEWED, c.PUBLIC_OPINION_PUBLISHED]
    exchange, public = review_uow.emitted[-1]
    assert exchange == "public" and public.data["body"] == body.body
    assert public.data["content_hash"] == body.content_hash
    assert public.data["topic_name"] == "公共交通" and store.rows[oid][0].published

    _, uow = await run(handlers, store, "hide_opinion", c.HIDE_OPINION, {"opinion_id": oid, "reason": "当事人要求"},
                       HEAD)
    assert [(x, e.type) for x, e in uow.emitted][-1] == ("public", c.PUBLIC_OPINION_WITHDRAWN)
    assert not store.rows[oid][0].published


async def test_a_redaction_sends_the_next_version_to_review_as_the_cases_redaction(handlers, store):
    oid = await answered(handlers, store)
    _, uow = await run(handlers, store, "publish_opinion", c.PUBLISH_OPINION, {"opinion_id": oid}, HEAD)
    [submitted] = uow.of_type(c.PUBLICATION_SUBMITTED)
    start = submitted.data["body"].index("3路")
    data, event = review_event(c.REVIEW_REDACTION_REQUESTED, submitted, reason="可识别个人",
                               spans=[c.Span(field="body", start=start, end=start + 2)])
    review_uow = FakeParticipationWork(store)
    await handlers.on_review_decided(data, event, review_uow)
    assert review_uow.types() == [c.PUBLICATION_REVIEWED, c.PUBLICATION_SUBMITTED]
    again = c.DisclosureSubmitted.model_validate(review_uow.of_type(c.PUBLICATION_SUBMITTED)[0].data)
    assert (again.version, again.redaction_of_case) == (2, "case-1") and "×××公交车" in again.body


async def test_an_opinion_is_published_only_when_answered_and_the_person_agreed(handlers, store):
    answer, _ = await online(handlers, store, may_publish=False)
    oid = answer["opinion_id"]
    with pytest.raises(Conflict, match="only an answered opinion"):
        await run(handlers, store, "publish_opinion", c.PUBLISH_OPINION, {"opinion_id": oid}, HEAD)
    await run(handlers, store, "route_opinion", c.ROUTE_OPINION, {"opinion_id": oid, "unit": "运输管理科",
                                                                   "on": "2026-12-01"}, HEAD)
    await run(handlers, store, "reply_opinion", c.REPLY_OPINION, {"opinion_id": oid, "text": "答复",
                                                                   "answered_on": "2026-12-01"})
    with pytest.raises(Conflict, match="did not agree"):
        await run(handlers, store, "publish_opinion", c.PUBLISH_OPINION, {"opinion_id": oid}, HEAD)


# ---- the reply clock and the statistics -----------------------------------------------------------------


async def test_the_clock_keeps_the_newest_due_date_and_the_statistics_count_late_and_overdue(handlers, store):
    oid = await answered(handlers, store)
    late_answer, _ = await online(handlers, store, text="另一条意见")
    opened = c.DeadlineOpened(deadline_id="d1", item_id=oid, rule=c.RULE_OPINION_REPLY, opened_on=date(2026, 11, 10),
                              due_on=date(2026, 11, 30))
    event = new_event(c.DEADLINE_OPENED, opened, source="/gongkai/notification", actor="service:notification")
    await handlers.on_clock(opened, event, FakeParticipationWork(store))
    other = opened.model_copy(update={"item_id": late_answer["opinion_id"]})
    await handlers.on_clock(other, event, FakeParticipationWork(store))
    assert store.rows[oid][0].due_on == date(2026, 11, 30) and store.rows[oid][0].late is True
    stats = views.opinion_statistics([row[0] for row in store.rows.values()], 2026, date(2026, 12, 1),
                                     handlers.policy)
    assert (stats.total.received, stats.total.answered, stats.total.late, stats.total.open,
            stats.total.overdue) == (2, 1, 1, 1, 1)
    [unit] = [r for r in stats.by_unit if r.key == "运输管理科"]
    [topic] = [r for r in stats.by_topic if r.key == "public-transport"]
    assert (unit.received, unit.answered, topic.received, topic.name) == (1, 1, 2, "公共交通")


def test_the_policy_file_is_checked_at_start():
    with pytest.raises(policy.PolicyError, match="topic"):
        policy.parse({"opinions": {"topics": {}}})
    with pytest.raises(policy.PolicyError, match="duplicate_days"):
        policy.parse({"opinions": {"topics": {"x": "X"}, "duplicate_days": -1}})
