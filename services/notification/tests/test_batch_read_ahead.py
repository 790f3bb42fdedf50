"""A batch of many events reads its items' and cases' deadlines once (``NotificationUnitOfWork.prepare``); what
its handlers then do is what they do one event at a time: events of one item in the same batch, in either order,
and a copy of the same event, give the same deadlines as the events handled alone."""

from __future__ import annotations

from datetime import UTC, datetime

from gongkai.shared import contracts as c
from gongkai.shared.consumers import EventWork, decode
from gongkai.shared.envelope import Envelope
from notification_helpers import case_decided, case_opened, handled, new_item, published, sql, submitted

MOMENT = datetime(2026, 9, 28, 2, tzinfo=UTC)


def works(consumer, *events: Envelope) -> list[EventWork]:
    return [EventWork(e, decode(e), consumer.handlers[e.type]) for e in events]


async def states(settings, subject: str) -> list[tuple[str, str]]:
    rows = await sql(settings, "select rule, state from notification.deadlines where subject = $1 order by rule",
                     subject)
    return [(row["rule"], row["state"]) for row in rows]


async def test_one_batch_gives_the_deadlines_the_events_give_one_at_a_time(settings, notification):
    service = notification.app.state.service
    [consumer] = [x for x in service.consumers if x.queue == "notification.deadlines"]
    item, early, twice, case = new_item(), new_item(), new_item(), new_item()
    rule = {"deadline_rule": c.RULE_PROACTIVE_PUBLICATION}
    copy = submitted(twice, MOMENT, **rule)
    batch = [submitted(item, MOMENT, **rule), published(item, MOMENT),           # opened, then met
             published(early, MOMENT), submitted(early, MOMENT, **rule),         # met before it was opened
             copy, copy,                                                         # one deadline
             case_decided(c.REVIEW_APPROVED, case, early, MOMENT), case_opened(case, early, MOMENT)]
    outcomes = await consumer.run_batch(works(consumer, *batch))
    assert [o.value for o in outcomes] == ["done"] * len(batch)
    assert await states(settings, item) == [(c.RULE_PROACTIVE_PUBLICATION, "met")]
    assert await states(settings, early) == [(c.RULE_PROACTIVE_PUBLICATION, "met")]
    assert await states(settings, twice) == [(c.RULE_PROACTIVE_PUBLICATION, "open")]
    assert await states(settings, case) == [(c.RULE_REVIEW, "met")]
    await handled(settings, *{e.id: e for e in batch}.values())  # every event in the inbox, the copy once

    # A second batch on the same subjects reads what the first committed: nothing is opened twice.
    again = [submitted(item, MOMENT, **rule), case_opened(case, early, MOMENT), published(twice, MOMENT)]
    await consumer.run_batch(works(consumer, *again))
    assert await states(settings, item) == [(c.RULE_PROACTIVE_PUBLICATION, "met")]
    assert await states(settings, case) == [(c.RULE_REVIEW, "met")]
    assert await states(settings, twice) == [(c.RULE_PROACTIVE_PUBLICATION, "met")]
