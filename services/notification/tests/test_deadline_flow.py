"""Notification against the real broker and database: deadlines opened, met and cancelled by the events
of publishing and review, on the working-day calendar."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime

import pytest
from gongkai.shared import contracts as c
from gongkai.shared.testing import Tap, bearer, publish
from notification_helpers import (
    STAFF,
    case_decided,
    case_opened,
    changed,
    deadlines_of,
    handled,
    new_item,
    published,
    submitted,
    withheld,
)

SUBMITTED_AT = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)  # 2026-10-01 01:00 in Shanghai, a holiday


async def test_a_submission_opens_proactive_publication_due_15_working_days_after_the_shanghai_date(
        settings, notification):
    item = new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        event = submitted(item, SUBMITTED_AT)
        await publish(settings, "events", event)
        opened = await events.wait_for(c.DEADLINE_OPENED)
    assert opened.subject == item and opened.causationid == event.id and opened.actor == "service:notification"
    assert opened.data["rule"] == c.RULE_PROACTIVE_PUBLICATION and opened.data["unit"] == "办公室"
    # 10-01 to 10-07 are National Day; Saturday 10-10 is a make-up working day.
    assert (opened.data["opened_on"], opened.data["due_on"], opened.data["provisional"]) == \
        ("2026-10-01", "2026-10-27", False)
    [deadline] = await deadlines_of(notification, item)
    assert deadline["deadline_id"] == opened.data["deadline_id"]
    assert (deadline["state"], deadline["closed_at"], deadline["late"]) == ("open", None, None)


async def test_the_clock_starts_from_the_day_the_information_was_formed_when_given(settings, notification):
    item = new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", submitted(item, SUBMITTED_AT, formed_on=date(2026, 9, 28)))
        opened = await events.wait_for(c.DEADLINE_OPENED)
    assert (opened.data["opened_on"], opened.data["due_on"]) == ("2026-09-28", "2026-10-23")


@pytest.mark.parametrize(("deadline", "due_on"), [
    ({"deadline_rule": "proactive-publication", "deadline_days": 7}, "2026-10-13"),  # the category's own limit
    ({"deadline_rule": "proactive-publication", "deadline_days": None}, "2026-10-23"),  # the rules file's 15
])
async def test_the_catalogues_time_limit_for_the_category_is_the_one_enforced(settings, notification, deadline,
                                                                             due_on):
    item = new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        event = submitted(item, SUBMITTED_AT, formed_on=date(2026, 9, 28))
        event = event.model_copy(update={"data": {**event.data, **deadline}})
        await publish(settings, "events", event)
        opened = await events.wait_for(c.DEADLINE_OPENED)
    assert (opened.data["rule"], opened.data["due_on"]) == ("proactive-publication", due_on)


@pytest.mark.parametrize(("category", "rule"), [("N03", None), ("S08", "annual-report"), ("N01", "annual-targets")])
async def test_a_category_without_an_item_clock_opens_none(settings, notification, category, rule):
    item, control = new_item(), new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", submitted(item, SUBMITTED_AT, category=category, deadline_rule=rule))
        await publish(settings, "events", submitted(control, SUBMITTED_AT, deadline_rule="proactive-publication"))
        await events.wait_for(c.DEADLINE_OPENED, lambda e: e.subject == control)
    assert await deadlines_of(notification, item) == []


@pytest.mark.parametrize(("published_at", "late"), [
    (datetime(2026, 10, 27, 15, 59, tzinfo=UTC), False),  # 23:59 on the due day in Shanghai
    (datetime(2026, 10, 27, 16, 0, tzinfo=UTC), True),    # 00:00 the day after, in Shanghai
])
async def test_publication_meets_the_open_deadline_and_says_whether_it_was_late(settings, notification,
                                                                                 published_at, late):
    item = new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", submitted(item, SUBMITTED_AT))
        opened = await events.wait_for(c.DEADLINE_OPENED)
        await publish(settings, "events", published(item, published_at))
        met = await events.wait_for(c.DEADLINE_MET)
    assert met.subject == item and met.data["deadline_id"] == opened.data["deadline_id"]
    assert met.data["late"] is late and met.data["due_on"] == "2026-10-27"
    assert datetime.fromisoformat(met.data["closed_at"]) == published_at
    [deadline] = await deadlines_of(notification, item)
    assert (deadline["state"], deadline["late"]) == ("met", late)


async def test_withholding_cancels_the_open_deadline(settings, notification):
    item = new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", submitted(item, SUBMITTED_AT))
        opened = await events.wait_for(c.DEADLINE_OPENED)
        await publish(settings, "events", withheld(item, datetime(2026, 10, 9, tzinfo=UTC)))
        cancelled = await events.wait_for(c.DEADLINE_CANCELLED)
    assert cancelled.data["deadline_id"] == opened.data["deadline_id"] and cancelled.data["late"] is False
    [deadline] = await deadlines_of(notification, item)
    assert deadline["state"] == "cancelled" and deadline["closed_at"] is not None


async def test_a_change_opens_change_publication_from_the_day_it_changed_and_the_update_meets_it(
        settings, notification):
    item = new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", changed(item, datetime(2026, 9, 29, 2, tzinfo=UTC), date(2026, 9, 29)))
        opened = await events.wait_for(c.DEADLINE_OPENED)
        await publish(settings, "events", published(item, datetime(2026, 10, 12, 2, tzinfo=UTC), version=2))
        met = await events.wait_for(c.DEADLINE_MET)
    assert opened.data["rule"] == c.RULE_CHANGE_PUBLICATION
    assert (opened.data["opened_on"], opened.data["due_on"]) == ("2026-09-29", "2026-10-26")
    assert met.data["deadline_id"] == opened.data["deadline_id"] and met.data["late"] is False


@pytest.mark.parametrize(("closing", "outcome"), [(c.REVIEW_APPROVED, c.DEADLINE_MET),
                                                  (c.REVIEW_REJECTED, c.DEADLINE_MET),
                                                  (c.REVIEW_CASE_VOIDED, c.DEADLINE_CANCELLED)])
async def test_a_review_case_opens_the_review_sla_and_a_decision_meets_it_or_voiding_cancels_it(
        settings, notification, closing, outcome):
    item, case = new_item(), new_item()
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", case_opened(case, item, datetime(2026, 9, 29, 2, tzinfo=UTC)))
        opened = await events.wait_for(c.DEADLINE_OPENED)
        await publish(settings, "events", case_decided(closing, case, item, datetime(2026, 10, 9, 2, tzinfo=UTC)))
        closed = await events.wait_for(outcome)
    assert opened.data["rule"] == c.RULE_REVIEW
    assert opened.data["due_on"] == "2026-10-12"  # 5 working days, Saturday 10-10 counted
    assert closed.data["deadline_id"] == opened.data["deadline_id"]


async def test_a_duplicated_or_repeated_submission_opens_one_deadline(settings, notification):
    item = new_item()
    first, repeated = submitted(item, SUBMITTED_AT), submitted(item, SUBMITTED_AT, version=2)
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", first)
        await publish(settings, "events", first)
        await publish(settings, "events", repeated)
        await handled(settings, first, repeated)
        await publish(settings, "events", published(item, datetime(2026, 10, 9, tzinfo=UTC), version=2))
        await events.wait_for(c.DEADLINE_MET)  # emitted after every opened event, so they have all arrived
    assert len(events.of_type(c.DEADLINE_OPENED)) == 1
    assert len(await deadlines_of(notification, item)) == 1


async def test_a_publication_before_its_submission_ends_as_in_the_usual_order_met_when_it_was_published(
        settings, notification):
    item = new_item()
    published_at = datetime(2026, 10, 9, tzinfo=UTC)
    early, late_submission = published(item, published_at), submitted(item, SUBMITTED_AT)
    async with Tap(settings, "events", "deadline.#") as events:
        await publish(settings, "events", early)
        await handled(settings, early)
        await publish(settings, "events", late_submission)
        met = await events.wait_for(c.DEADLINE_MET, lambda e: e.subject == item)
    assert [e.type for _, e in events.messages if e.subject == item] == [c.DEADLINE_OPENED, c.DEADLINE_MET]
    assert met.data["closed_at"] == "2026-10-09T00:00:00Z" and met.data["late"] is False
    [deadline] = await deadlines_of(notification, item)
    assert deadline["state"] == "met"


async def test_deadlines_are_read_by_any_authenticated_staff_member_only(notification):
    assert (await notification.get("/deadlines")).status_code == 401
    assert (await notification.get("/deadlines", headers=bearer("no-such-token"))).status_code == 401
    for token in ("dev-submitter-token", "dev-reviewer-token", "dev-auditor-token"):
        response = await notification.get("/deadlines", headers=bearer(token))
        assert response.status_code == 200 and response.json() == {"deadlines": []}
    assert (await notification.get("/deadlines", params={"state": "late"}, headers=STAFF)).status_code == 422
    assert (await notification.get("/deadlines", params={"rule": "nope"}, headers=STAFF)).status_code == 422


async def test_a_submission_and_its_publication_handled_at_once_never_leave_an_open_deadline(settings, notification):
    items = [new_item() for _ in range(20)]
    pairs = [(submitted(item, SUBMITTED_AT), published(item, datetime(2026, 10, 9, tzinfo=UTC))) for item in items]
    await asyncio.gather(*(publish(settings, "events", event) for pair in pairs for event in pair))
    await handled(settings, *(event for pair in pairs for event in pair))
    open_ones = (await notification.get("/deadlines", params={"state": "open"}, headers=STAFF)).json()["deadlines"]
    assert open_ones == []
