"""The portal's merge of public facts ends the same whatever the order, and however often each fact arrives."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from gongkai.portal import domain, facts
from gongkai.portal.domain import Content, Publication, Withdrawal, apply
from gongkai.shared import contracts as c
from gongkai.shared.errors import Refused

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def published(version: int, channel: str = "portal", at: datetime | None = None) -> Publication:
    return Publication(item_id="i-1", version=version, title=f"第{version}版标题", category="S07",
                       category_name="公共交通", action="published" if version == 1 else "updated",
                       published_at=at or T0 + timedelta(days=version * 10), channels=frozenset({channel}),
                       content=Content(body=f"第{version}版正文", summary=None, content_hash=f"sha256:{version}"))


def withdrawn(version: int) -> Withdrawal:
    return Withdrawal(item_id="i-1", version=version, title=f"第{version}版标题", category="S07",
                      category_name="公共交通", reason="误发", withdrawn_at=T0 + timedelta(days=version * 10 + 5))


def merged(sequence) -> domain.Item:
    item = None
    for fact in sequence:
        item = apply(item, fact)
    return item


def every_order(facts_: list) -> list[domain.Item]:
    return [merged(order) for order in itertools.permutations(facts_)]


SCENARIOS = {
    "published, updated": [published(1), published(2)],
    "published on two channels": [published(1), published(1, "media")],
    "published then withdrawn": [published(1), published(1, "media"), withdrawn(1)],
    "withdrawn, then a new version restores it": [published(1), withdrawn(1), published(2), published(2, "media")],
    "restored and withdrawn again": [published(1), withdrawn(1), published(2), withdrawn(2)],
    "published late, then updated": [replace(published(1), due_on=T0.date()), published(2),
                                      replace(published(1, "media"), due_on=T0.date())],
}


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_order_of_the_same_facts_ends_in_the_same_item(name):
    results = every_order(SCENARIOS[name])
    assert all(result == results[0] for result in results), name


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_fact_arriving_twice_changes_nothing_the_second_time(name):
    once = merged(SCENARIOS[name])
    assert merged(SCENARIOS[name] + SCENARIOS[name]) == once
    assert merged([fact for fact in SCENARIOS[name] for _ in range(2)]) == once


def test_an_item_is_late_when_its_first_publication_came_after_its_due_date_and_an_update_does_not_change_it():
    due = (T0 + timedelta(days=5)).date()
    late = merged([replace(published(1), due_on=due), published(2)])  # first published T0 + 10 days
    assert (late.due_on, late.late) == (due, True)
    on_time = merged([replace(published(1), due_on=(T0 + timedelta(days=10)).date())])
    assert on_time.late is False
    assert merged([published(1), published(2)]).late is None  # no due date stated: not counted either way


def test_a_newer_version_is_never_replaced_by_an_older_one_arriving_late():
    item = merged([published(2), published(1)])
    assert (item.version, item.title, item.content.body) == (2, "第2版标题", "第2版正文")
    assert [line.version for line in item.history] == [2, 1]
    assert item.first_published_at == published(1).published_at


def test_a_withdrawal_of_a_version_is_not_undone_by_that_versions_late_publication():
    item = merged([withdrawn(1), published(1)])
    assert not item.live and item.content is None
    assert (item.shown_title, item.withdrawal_reason) == ("第1版标题", "误发")
    assert item.changed_at == withdrawn(1).withdrawn_at


def test_a_later_publication_after_a_withdrawal_restores_the_item_with_its_own_text():
    item = merged([published(1), withdrawn(1), published(2)])
    assert item.live and item.content.body == "第2版正文" and item.changed_at == published(2).published_at


def test_a_withdrawn_item_keeps_no_text_and_is_searched_by_its_title_alone():
    item = merged([published(1), withdrawn(1)])
    assert item.content is None
    assert domain.search_text(item) == ("第1版标题", "第1版标题")


def test_the_channels_of_the_shown_version_add_up_and_an_items_year_is_that_of_its_first_publication():
    item = merged([published(1, "media"), published(1, "portal")])
    assert item.channels == {"media", "portal"}
    assert merged([published(1, at=datetime(2025, 12, 31, 17, 0, tzinfo=UTC))]).year == 2026  # 01:00 in Beijing


def test_an_event_whose_data_breaks_the_public_contract_is_refused():
    with pytest.raises(Refused, match="body"):
        facts.from_event(c.PUBLIC_DISCLOSURE_PUBLISHED, {"item_id": "i-1", "version": 1, "title": "标题"})


def test_an_item_page_of_the_public_read_side_gives_the_facts_its_events_gave():
    events = [published(1), published(1, "media"), published(2), published(2, "media")]
    page = {"item_id": "i-1", "category": "S07", "category_name": "公共交通", "version": 2, "title": "第2版标题",
            "summary": None, "body": "第2版正文", "channels": ["media", "portal"], "attachments": [],
            "content_hash": "sha256:2", "first_published_at": published(1).published_at.isoformat(),
            "published_at": published(2).published_at.isoformat(), "withdrawn": None,
            "history": [{"version": v, "title": f"第{v}版标题", "action": "published" if v == 1 else "updated",
                         "published_at": published(v).published_at.isoformat(), "state": "published"}
                        for v in (2, 1)]}
    assert merged(facts.from_item_page(page)) == merged(events)
    gone = {**page, "body": None, "content_hash": None,
            "withdrawn": {"at": withdrawn(2).withdrawn_at.isoformat(), "reason": "误发"}}
    assert merged(facts.from_item_page(gone)) == merged([*events, withdrawn(2)])
