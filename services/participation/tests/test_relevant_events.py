"""Review's decisions on disclosure items and the clocks of other rules are acked without a transaction: the
participation consumers let through only what their handlers act on (a decision on what participation shows the
public, an opinion's reply clock)."""

from __future__ import annotations

from datetime import date

from gongkai.participation.app import build
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.settings import Settings

HASH = "sha256:" + "a" * 64


def consumers() -> dict[str, object]:
    return {consumer.queue: consumer for consumer in build(Settings())[0].consumers}


def clock(rule: str) -> tuple[object, c.DeadlineOpened]:
    data = c.DeadlineOpened(deadline_id="d-1", item_id="o-1", rule=rule, opened_on=date(2026, 11, 2),
                            due_on=date(2026, 11, 30))
    return new_event(c.DEADLINE_OPENED, data, source="/gongkai/notification", actor="service:notification"), data


def decision(item_id: str) -> tuple[object, c.ReviewDecided]:
    data = c.ReviewDecided(case_id="c-1", item_id=item_id, version=1, content_hash=HASH, reviewer="zhao.lei")
    return new_event(c.REVIEW_APPROVED, data, source="/gongkai/review", actor="zhao.lei"), data


def test_only_the_opinion_reply_clock_reaches_the_clock_handler():
    only = consumers()["participation.clocks"].only
    assert only(*clock(c.RULE_OPINION_REPLY))
    assert not only(*clock(c.RULE_PROACTIVE_PUBLICATION))
    assert not only(*clock(c.RULE_REQUEST_REPLY))


def test_only_decisions_on_what_participation_shows_reach_the_review_handler():
    only = consumers()["participation.reviews"].only
    for prefix in c.PARTICIPATION_PREFIXES:
        assert only(*decision(prefix + "p-1"))
    assert not only(*decision("0b7c6f2e-disclosure-item"))
    assert not only(*decision(c.REPLY_ITEM_PREFIX + "r-1"))
