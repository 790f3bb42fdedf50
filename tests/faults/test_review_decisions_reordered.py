"""Review decisions duplicated and reordered: the same approval delivered twice, an approval that reaches the
consumers before its case was opened, and the same signed decision sent again under a new event id.

Review is stopped for these tests; the test sends review's facts itself, as review's account and signed with the
development review key as review signs them. Each item's facts go out in the order its pattern says, and each
waits until both consumers of review's facts (publishing's and notification's) have handled the one before: a
consumer runs the deliveries of a batch concurrently, so order on the queue alone would not decide the order
they are handled in. Items run side by side.

Whatever the order and the copies, each item is published once per channel, its publication deadline is opened
once and met, and no review clock is left open or opened twice.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict

import aio_pika
import asyncpg
from faults.faults_helpers import ITEMS, FaultSystem, Observer, notices, purge, until
from gongkai.shared import contracts as c
from gongkai.shared import decisions
from gongkai.shared.envelope import CONTENT_TYPE, Envelope
from gongkai.shared.settings import Settings
from gongkai.shared.testing import connect_as
from gongkai.shared.topology import Topology
from gongkai_system import submit_commands
from review_decisions import decision, review_event, unsigned

PATTERNS = ("approval twice, then case_opened", "approval, case_opened, the decision under a new id",
            "case_opened, approval twice")
CONSUMERS = (("publishing", "publishing.reviews"), ("notification", "notification.deadlines"))


def facts(pattern: str, submitted: Envelope) -> list[Envelope]:
    """Review's facts about one submission, in the order (and with the copies) of ``pattern``."""
    opened = review_event(c.REVIEW_CASE_OPENED, submitted, findings=[], risk="none", required_approvals=1,
                          submitted_by=submitted.data["submitted_by"])
    signed = decisions.sign(c.REVIEW_APPROVED, decision(c.REVIEW_APPROVED, submitted), decisions.development_signer())
    approved, again = unsigned(c.REVIEW_APPROVED, signed), unsigned(c.REVIEW_APPROVED, signed)
    # Caused by the submission, as review's own facts are: the item's correlation id runs through them.
    opened, approved, again = (fact.model_copy(update={"correlationid": submitted.correlationid,
                                                       "causationid": submitted.id})
                               for fact in (opened, approved, again))
    return {PATTERNS[0]: [approved, approved, opened], PATTERNS[1]: [approved, opened, again],
            PATTERNS[2]: [opened, approved, approved]}[pattern]


class InOrder:
    """Sends each item's facts as review's account, each once the consumers handled the one before."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __aenter__(self) -> InOrder:
        self._connection = await connect_as(self.settings, "review")
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._events = await channel.get_exchange(Topology(self.settings.namespace).exchange("events"), ensure=False)
        self._db = await asyncpg.create_pool(self.settings.database_url.replace("+asyncpg", ""), min_size=1,
                                             max_size=4)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._db.close()
        await self._connection.close()

    async def send(self, envelopes: list[Envelope]) -> None:
        seen: set[str] = set()
        for envelope in envelopes:
            await self._events.publish(
                aio_pika.Message(envelope.to_bytes(), message_id=envelope.id, content_type=CONTENT_TYPE,
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                 user_id=self.settings.broker_account("review")),
                routing_key=envelope.routing_key, mandatory=True)
            if envelope.id not in seen:  # a copy of one handled already leaves no trace to wait for
                seen.add(envelope.id)
                assert await until(lambda e=envelope: self.handled(e), timeout=60), f"{envelope.type} not handled"

    async def handled(self, envelope: Envelope) -> bool:
        for service, queue in CONSUMERS:
            found = await self._db.fetchval(f"select 1 from {service}.inbox where message_id = $1",
                                            f"{queue}:{envelope.id}")
            if found is None:
                return False
        return True


async def deadlines(settings: Settings, items: list[str]) -> dict[str, dict[str, list[str]]]:
    """Item → rule → the states of its deadlines."""
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch(
            "select item_id, rule, state from notification.deadlines where item_id = any($1)", items)
    finally:
        await connection.close()
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        found[row["item_id"]][row["rule"]].append(row["state"])
    return found


async def run(faults: FaultSystem, name: str, count: int, patterns: tuple[str, ...]):
    """Submit ``count`` items with review stopped, send review's facts for each in its pattern, and count."""
    settings = faults.settings
    faults.kill("review")  # its facts come from the test; `ensure` starts it again for the next test
    try:
        async with Observer(faults, name) as seen, InOrder(settings) as review:
            sent = await submit_commands(settings, notices(count, "乱序"))
            assert await until(lambda: len(seen.submitted(sent)) == len(sent), timeout=120), "not all submitted"
            submitted = sorted(seen.submitted(sent).values(), key=lambda e: e.subject or "")
            pattern_of = {e.subject: patterns[n % len(patterns)] for n, e in enumerate(submitted)}
            await asyncio.gather(*(review.send(facts(pattern_of[e.subject], e)) for e in submitted))
            completed = await seen.complete(sent, review_sla=False)
            clocks = await deadlines(settings, list(pattern_of))
            figures = await seen.ledger(sent, review_sla=False, review_clocks={
                pattern: sum(len(clocks[i]["review-sla"]) for i, p in pattern_of.items() if p == pattern)
                for pattern in patterns})
            refused = [e for e in seen.disclosures.of_type(c.DISCLOSURE_PUBLICATION_REFUSED) if e.subject in pattern_of]
    finally:
        await purge(settings, "review.submissions")  # a restarted review must not open cases of its own for them
    return completed, figures, pattern_of, clocks, refused


async def test_duplicated_and_reordered_decisions_publish_once_and_keep_the_deadlines_right(faults: FaultSystem):
    completed, figures, pattern_of, clocks, refused = await run(
        faults, "review decisions duplicated, reordered", ITEMS, PATTERNS)

    assert completed, f"not every item came out: {figures}"
    assert figures.lost == 0 and figures.missing_effects == 0, figures
    assert figures.duplicate_effects == 0 and figures.unreviewed == 0 and figures.parked == 0, figures
    assert refused == [], [e.data for e in refused]  # a decision seen twice is no reason to refuse anything
    for item, pattern in pattern_of.items():
        assert clocks[item]["proactive-publication"] == ["met"], (pattern, dict(clocks[item]))
        assert clocks[item]["review-sla"] == ["met"], (pattern, dict(clocks[item]))  # in any order, once


async def test_a_case_decided_before_it_was_opened_has_the_same_review_clock_as_one_opened_first(faults: FaultSystem):
    patterns = (PATTERNS[1], PATTERNS[2])  # approval first; in order
    completed, figures, pattern_of, clocks, _ = await run(faults, "decision before case_opened: review clock",
                                                          2 * len(patterns), patterns)
    assert completed and figures.lost == 0, figures
    by_pattern = {pattern: sorted(tuple(clocks[i]["review-sla"]) for i, p in pattern_of.items() if p == pattern)
                  for pattern in patterns}
    assert by_pattern[PATTERNS[1]] == by_pattern[PATTERNS[2]] == [("met",), ("met",)], by_pattern
