"""Notification's deadline handlers on an in-memory unit of work: what each event opens, meets or cancels.

No broker and no database: the handlers see the fake through the same protocol (``store.NotificationWork``) as
the real unit of work, so the deadline rules — the category's length on the working-day calendar, a publication
meeting the clock (late or not), events of one item arriving in any order, a withdrawal, a duplicate delivery —
are checked here in milliseconds. ``test_deadline_flow.py`` checks the same paths against the real broker and
database.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from gongkai.notification.contacts import load_contacts
from gongkai.notification.domain import LIVE, Deadline, State
from gongkai.notification.handlers import Calendars, Notification
from gongkai.shared import contracts as c
from gongkai.shared.calendar import AGENCY_TIME_ZONE
from gongkai.shared.deadline_rules import load_policy
from gongkai.shared.envelope import Envelope, new_event
from gongkai.shared.fakes import FakeUnitOfWork
from gongkai.shared.origin import Origin

ITEM = "item-1"
CASE = "case-1"
FORMED = date(2026, 9, 28)
HASH = c.content_hash("公交线路调整公告", "自2026年12月1日起，3路公交车调整走向。", "S07", "public", ["portal"])


class InMemoryDeadlines:
    """``store.DeadlineStore`` in dicts, with the SQL's semantics (``repository``)."""

    def __init__(self) -> None:
        self.by_id: dict[str, Deadline] = {}
        self.outcomes: dict[tuple[str, int], tuple[str, datetime]] = {}   # early_outcomes: → (outcome, at)
        self.years: dict[int, dict[str, Any]] = {}
        self.alerted: set[int] = set()

    async def lock(self, key: str) -> None:
        return None

    def _live(self) -> list[Deadline]:
        return [d for d in self.by_id.values() if d.state in LIVE]

    async def live_deadline(self, subject: str, rule: str) -> Deadline | None:
        return next((d for d in self._live() if (d.subject, d.rule) == (subject, rule)), None)

    async def live_of_category(self, rule: str, category: str) -> list[Deadline]:
        return sorted((d for d in self._live() if d.rule == rule), key=lambda d: d.due_on)

    async def ever_opened(self, subject: str, rule: str) -> bool:
        return any((d.subject, d.rule) == (subject, rule) for d in self.by_id.values())

    async def early_outcome(self, item_id: str, version: int) -> tuple[str, datetime] | None:
        return self.outcomes.get((item_id, version))

    async def remember_outcome(self, item_id: str, version: int, outcome: str, at: datetime) -> None:
        self.outcomes.setdefault((item_id, version), (outcome, at))

    async def add(self, deadline: Deadline) -> bool:
        if deadline.deadline_id in self.by_id or await self.live_deadline(deadline.subject, deadline.rule):
            return False  # the primary key, and the unique index of live deadlines (uq_deadlines_live)
        self.by_id[deadline.deadline_id] = deadline
        return True

    async def save(self, deadline: Deadline) -> None:
        self.by_id[deadline.deadline_id] = deadline

    async def live_touching(self, year: int) -> list[Deadline]:
        return sorted((d for d in self._live() if d.provisional or d.opened_on.year <= year <= d.due_on.year),
                      key=lambda d: d.deadline_id)

    async def due_for_check(self, today: date, limit: int) -> list[Deadline]:
        due = [d for d in self.by_id.values() if d.state is State.open and d.next_check_on
               and d.next_check_on <= today]
        return sorted(due, key=lambda d: d.next_check_on or today)[:limit]

    async def sent_reminders(self, deadline_ids: list[str]) -> dict[tuple[str, date], set[str]]:
        return {}

    async def record_reminders(self, rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
        return {(r["deadline_id"], r["key"]) for r in rows}

    async def set_next_checks(self, days: list[tuple[str, date | None]]) -> None:
        for deadline_id, day in days:
            self.by_id[deadline_id] = replace(self.by_id[deadline_id], next_check_on=day)

    async def calendar_data(self) -> list[dict[str, Any]]:
        return [self.years[y] for y in sorted(self.years)]

    async def store_year(self, year: int, data: dict[str, Any], reference: str, by: str) -> bool:
        replaced = year in self.years
        self.years[year] = data
        self.alerted.discard(year)
        return replaced

    async def claim_year_alert(self, year: int) -> bool:
        if year in self.alerted:
            return False
        self.alerted.add(year)
        return True

    # what the tests look at

    def of(self, rule: str) -> list[Deadline]:
        return [d for d in self.by_id.values() if d.rule == rule]

    def states(self) -> dict[str, State | None]:
        """Each rule of the item: the state of its one deadline, None when it was never opened."""
        out: dict[str, State | None] = {}
        for rule in (c.RULE_PROACTIVE_PUBLICATION, c.RULE_REVIEW):
            found = self.of(rule)
            assert len(found) <= 1, f"{rule} opened {len(found)} times"
            out[rule] = found[0].state if found else None
        return out


class FakeNotificationWork(FakeUnitOfWork):
    def __init__(self, deadlines: InMemoryDeadlines) -> None:
        super().__init__()
        self.deadlines = deadlines
        self.requests: Any = None     # the event handlers touch neither requests nor deliveries
        self.deliveries: Any = None


@pytest.fixture
def notification() -> Notification:
    return Notification(Origin.of("notification"), load_policy(), load_contacts(), Calendars())


@pytest.fixture
def deadlines() -> InMemoryDeadlines:
    return InMemoryDeadlines()


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), AGENCY_TIME_ZONE).astimezone(UTC)


def event(type: str, data: c.Payload, on: date, source: str) -> Envelope:
    envelope = new_event(type, data, source=source, actor="li.na", subject=ITEM)
    return envelope.model_copy(update={"time": noon(on)})


def submitted(on: date = FORMED, days: int | None = 7) -> tuple[c.DisclosureSubmitted, Envelope]:
    data = c.DisclosureSubmitted(
        item_id=ITEM, version=1, title="公交线路调整公告", body="自2026年12月1日起，3路公交车调整走向。",
        category="T01", audience="public", channels=["portal"], unit="办公室", submitted_by="li.na",
        content_hash=HASH, formed_on=FORMED, deadline_rule=c.RULE_PROACTIVE_PUBLICATION, deadline_days=days)
    return data, event(c.DISCLOSURE_SUBMITTED, data, on, "/gongkai/publishing")


def case_opened(on: date = FORMED) -> tuple[c.ReviewCaseOpened, Envelope]:
    data = c.ReviewCaseOpened(case_id=CASE, item_id=ITEM, version=1, content_hash=HASH, unit="办公室",
                              category="T01", submitted_by="li.na")
    return data, event(c.REVIEW_CASE_OPENED, data, on, "/gongkai/review")


def approved(on: date = date(2026, 9, 29)) -> tuple[c.ReviewDecided, Envelope]:
    data = c.ReviewDecided(case_id=CASE, item_id=ITEM, version=1, content_hash=HASH, reviewer="zhao.lei",
                           reviewers=["zhao.lei"], decided_at=noon(on), unit="办公室", category="T01")
    return data, event(c.REVIEW_APPROVED, data, on, "/gongkai/review")


def published(on: date = date(2026, 10, 9)) -> tuple[c.DisclosurePublished, Envelope]:
    data = c.DisclosurePublished(item_id=ITEM, version=1, content_hash=HASH, audience="public", channels=["portal"],
                                 category="T01", unit="办公室", published_at=noon(on))
    return data, event(c.DISCLOSURE_PUBLISHED, data, on, "/gongkai/publishing")


def withdrawn(on: date = date(2026, 10, 9)) -> tuple[c.DisclosureWithdrawn, Envelope]:
    data = c.DisclosureWithdrawn(item_id=ITEM, version=1, category="T01", unit="办公室", audience="public",
                                 channels=["portal"], reason="信息有误", withdrawn_by="li.na", withdrawn_at=noon(on))
    return data, event(c.DISCLOSURE_WITHDRAWN, data, on, "/gongkai/publishing")


async def deliver(notification: Notification, deadlines: InMemoryDeadlines,
                  message: tuple[Any, Envelope]) -> FakeNotificationWork:
    """One delivery through the handler the service routes its type to (app.build)."""
    data, envelope = message
    handler = {c.DISCLOSURE_SUBMITTED: notification.on_submitted, c.DISCLOSURE_PUBLISHED: notification.on_published,
               c.DISCLOSURE_WITHDRAWN: notification.on_stopped, c.REVIEW_CASE_OPENED: notification.on_case_opened,
               c.REVIEW_APPROVED: notification.on_case_closed}[envelope.type]
    uow = FakeNotificationWork(deadlines)
    await handler(data, envelope, uow)
    return uow


async def test_a_submission_opens_its_categorys_deadline_with_the_catalogues_length_on_the_working_days(
        notification, deadlines):
    uow = await deliver(notification, deadlines, submitted())
    [opened] = uow.of_type(c.DEADLINE_OPENED)
    [deadline] = deadlines.of(c.RULE_PROACTIVE_PUBLICATION)
    # 7 working days from 28 September 2026, across National Day (1–7 October off, Saturday 10 October worked).
    assert (deadline.opened_on, deadline.due_on, deadline.length, deadline.provisional) == (
        FORMED, date(2026, 10, 13), 7, False)
    assert opened.data["due_on"] == "2026-10-13" and opened.subject == ITEM and opened.causationid
    assert opened.source == "/gongkai/notification" and opened.actor == "service:notification"


async def test_without_a_length_of_its_own_the_rules_fifteen_working_days_count(notification, deadlines):
    await deliver(notification, deadlines, submitted(days=None))
    [deadline] = deadlines.of(c.RULE_PROACTIVE_PUBLICATION)
    assert (deadline.due_on, deadline.length) == (date(2026, 10, 23), None)


@pytest.mark.parametrize(("day", "late"), [(date(2026, 10, 13), False), (date(2026, 10, 14), True)])
async def test_a_publication_meets_the_deadline_late_or_not(notification, deadlines, day, late):
    await deliver(notification, deadlines, submitted())
    uow = await deliver(notification, deadlines, published(day))
    [met] = uow.of_type(c.DEADLINE_MET)
    [deadline] = deadlines.of(c.RULE_PROACTIVE_PUBLICATION)
    assert (deadline.state, deadline.late, deadline.closed_at) == (State.met, late, noon(day))
    assert met.data["late"] is late and met.data["due_on"] == "2026-10-13"


async def test_a_decision_before_its_case_opened_opens_the_review_clock_met_at_the_decisions_time(
        notification, deadlines):
    decision = approved()
    early = await deliver(notification, deadlines, decision)
    decided_at = decision[1].time
    assert early.emitted == [] and deadlines.outcomes == {(CASE, 0): ("met", decided_at)}
    late = await deliver(notification, deadlines, case_opened())
    assert late.types() == [c.DEADLINE_OPENED, c.DEADLINE_MET]
    [clock] = deadlines.of(c.RULE_REVIEW)
    assert (clock.state, clock.closed_at, clock.late) == (State.met, decided_at, False)


async def test_the_case_opened_before_its_decision_opens_the_review_clock_and_the_decision_meets_it(
        notification, deadlines):
    opened = await deliver(notification, deadlines, case_opened())
    assert opened.types() == [c.DEADLINE_OPENED]
    [clock] = deadlines.of(c.RULE_REVIEW)
    assert (clock.subject, clock.item_id, clock.due_on) == (CASE, ITEM, date(2026, 10, 10))  # 5 working days
    decided = await deliver(notification, deadlines, approved())
    assert decided.types() == [c.DEADLINE_MET]
    [clock] = deadlines.of(c.RULE_REVIEW)
    assert (clock.state, clock.late) == (State.met, False)


ITEM_EVENTS = {"submitted": submitted, "case_opened": case_opened, "approved": approved, "published": published}
OPENER = {c.RULE_PROACTIVE_PUBLICATION: ("submitted", "published"), c.RULE_REVIEW: ("case_opened", "approved")}


@pytest.mark.parametrize("order", list(itertools.permutations(ITEM_EVENTS)), ids="-".join)
async def test_the_events_of_one_item_in_any_order_leave_no_clock_running(notification, deadlines, order):
    """Whatever order the broker hands them over in, the clocks end as in the usual order: each opened once and
    met at its outcome's time; none is left running."""
    events = {name: make() for name, make in ITEM_EVENTS.items()}
    in_order = InMemoryDeadlines()
    for name in ITEM_EVENTS:
        await deliver(notification, in_order, events[name])
    for name in order:
        await deliver(notification, deadlines, events[name])
    assert deadlines.states() == {rule: State.met for rule in OPENER}
    assert {(d.rule, d.subject, d.due_on, d.closed_at, d.late) for d in deadlines.by_id.values()} == {
        (d.rule, d.subject, d.due_on, d.closed_at, d.late) for d in in_order.by_id.values()}
    assert not deadlines._live()
    for name in order:  # every one delivered again: nothing changes
        before = dict(deadlines.by_id)
        again = await deliver(notification, deadlines, ITEM_EVENTS[name]())
        assert again.emitted == [] and deadlines.by_id == before


async def test_in_the_usual_order_both_clocks_are_met_in_time(notification, deadlines):
    for name in ITEM_EVENTS:
        await deliver(notification, deadlines, ITEM_EVENTS[name]())
    assert deadlines.states() == {c.RULE_PROACTIVE_PUBLICATION: State.met, c.RULE_REVIEW: State.met}
    assert not any(d.late for d in deadlines.by_id.values())


async def test_a_withdrawal_cancels_the_deadline(notification, deadlines):
    await deliver(notification, deadlines, submitted())
    uow = await deliver(notification, deadlines, withdrawn())
    [cancelled] = uow.of_type(c.DEADLINE_CANCELLED)
    [deadline] = deadlines.of(c.RULE_PROACTIVE_PUBLICATION)
    assert (deadline.state, deadline.late) == (State.cancelled, False) and cancelled.data["late"] is False
    assert (await deliver(notification, deadlines, submitted())).emitted == []  # nothing opens it again


async def test_a_withdrawal_before_the_submission_opens_the_deadline_cancelled_as_in_the_usual_order(
        notification, deadlines):
    await deliver(notification, deadlines, withdrawn())
    assert (await deliver(notification, deadlines, submitted())).types() == [c.DEADLINE_OPENED, c.DEADLINE_CANCELLED]
    [deadline] = deadlines.of(c.RULE_PROACTIVE_PUBLICATION)
    assert deadline.state is State.cancelled


async def test_a_duplicate_delivery_changes_nothing(notification, deadlines):
    message = submitted()
    first = await deliver(notification, deadlines, message)
    [deadline] = deadlines.by_id.values()
    again = await deliver(notification, deadlines, message)
    assert first.types() == [c.DEADLINE_OPENED] and again.emitted == []
    assert list(deadlines.by_id.values()) == [deadline]
    publication = published()
    await deliver(notification, deadlines, publication)
    met = dict(deadlines.by_id)
    assert (await deliver(notification, deadlines, publication)).emitted == [] and deadlines.by_id == met
