"""Poison messages in the middle of a burst: parked, recorded by audit, and nothing else affected.

Both are ``disclosure.submitted`` facts from publishing's own account, in valid envelopes, so every consumer of
that type takes them (review's submissions, notification's deadlines):

- one whose data breaks the contract (no content hash, version 0): refused on its first delivery and parked;
- one that keeps the contract but breaks the handlers: a unit name longer than the 128 characters the tables hold
  (the contract sets no bound), so the insert fails on every delivery until the delivery limit parks it.

Each is parked once per queue that took it, audit records the fact once and each dead letter once, and the
burst around them comes out whole: no item lost, held up or done twice.
"""

from __future__ import annotations

import asyncpg
from faults.faults_helpers import ITEMS, FaultSystem, Observer, notices, parked_messages, until
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import publish
from gongkai_system import AutoReviewer, submit_commands

TAKEN_BY = ("review.submissions", "notification.deadlines")  # the queues a disclosure.submitted reaches
NOTICE_BODY = "自2026年12月1日起，3路公交车调整走向。"


def poison_contract():
    return new_event(c.DISCLOSURE_SUBMITTED, {"item_id": "poison-contract", "version": 0, "title": "毒"},
                     source="/gongkai/publishing", actor="service:publishing", subject="poison-contract")


def poison_handler():
    item_id = "poison-handler"
    unit = "交通运输局" + "科" * 150  # valid per the contract, longer than every unit column (128)
    data = c.DisclosureSubmitted(
        item_id=item_id, version=1, title="关于调整城区公交线路的公告（毒）", body=NOTICE_BODY, category="S07",
        audience=c.Audience.public, channels=[c.Channel.portal], unit=unit, submitted_by="li.na",
        content_hash="sha256:" + "0" * 64)
    return new_event(c.DISCLOSURE_SUBMITTED, data, source="/gongkai/publishing", actor="li.na", subject=item_id)


async def test_poison_messages_are_parked_and_recorded_and_nothing_else_is_affected(faults: FaultSystem):
    settings = faults.settings
    contract, handler = poison_contract(), poison_handler()
    poison = {contract.id: "rejected", handler.id: "delivery_limit"}
    async with Observer(faults, "poison messages") as seen, AutoReviewer(settings):
        first = await submit_commands(settings, notices(ITEMS // 2, "毒前"))
        await publish(settings, "events", contract)
        await publish(settings, "events", handler)
        sent = {**first, **await submit_commands(settings, notices(ITEMS - ITEMS // 2, "毒后"))}
        completed = await seen.complete(sent)

        async def dead_letters() -> list[asyncpg.Record]:
            connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
            try:
                return await connection.fetch(
                    "select event_id, record_key, exchange, dead_lettered, dead_letter_reason from audit.events "
                    "where event_id = any($1) order by seq", list(poison))
            finally:
                await connection.close()

        recorded = await until(lambda: _all_recorded(dead_letters(), poison), timeout=60, every=0.5)
        entries = await dead_letters()
        figures = await seen.ledger(sent, poison=len(poison))

    assert completed, f"the burst around the poison did not come out whole: {figures}"
    assert figures.lost == 0 and figures.missing_effects == 0, figures
    assert figures.duplicate_effects == 0 and figures.unreviewed == 0, figures
    assert figures.parked == len(poison) * len(TAKEN_BY), figures  # each poison once per queue; nothing else

    assert recorded, f"audit did not record every poison message and its dead letters: {entries}"
    for event_id, reason in poison.items():
        mine = [e for e in entries if e["event_id"] == event_id]
        assert [e["exchange"] for e in mine if not e["dead_lettered"]] == [f"{settings.namespace}.events"]
        dead = sorted(e["record_key"] for e in mine if e["dead_lettered"])
        assert dead == sorted(f"dlx:{settings.namespace}.{q}:{event_id}" for q in TAKEN_BY), dead
        assert all(reason in (e["dead_letter_reason"] or "") for e in mine if e["dead_lettered"]), mine

    parked_now = await parked_messages(settings)
    ours = [(queue, envelope, headers) for queue, envelope, headers in parked_now
            if envelope is not None and envelope.id in poison]
    assert len(ours) == len(poison) * len(TAKEN_BY) and all(queue == "parking" for queue, _, _ in ours)
    assert sorted((e.id, h.get("x-first-death-queue"), h.get("x-first-death-reason")) for _, e, h in ours) == \
        sorted((event_id, f"{settings.namespace}.{q}", reason) for event_id, reason in poison.items() for q in TAKEN_BY)


async def _all_recorded(entries_now, poison: dict[str, str]) -> bool:
    entries = await entries_now
    return all(sum(1 for e in entries if e["event_id"] == event_id and e["dead_lettered"]) >= len(TAKEN_BY)
               and any(not e["dead_lettered"] for e in entries if e["event_id"] == event_id)
               for event_id in poison)
