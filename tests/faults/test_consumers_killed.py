"""Consumers killed mid-burst, after commit and before ack, or before commit: review, notification and audit
are SIGKILLed together while they handle the burst, then started again.

A delivery whose transaction had committed comes back (it was never acked) and the inbox recognises it
(``absorbed``); one whose transaction had not committed comes back and is handled for the first time. Either
way each effect happens once: one case per version, each deadline opened once, one audit entry per message,
one publication per item and channel.
"""

from __future__ import annotations

from faults.faults_helpers import ITEMS, FaultSystem, Observer, notices, until
from gongkai.shared import contracts as c
from gongkai_system import AutoReviewer, submit_commands

KILLED = ("review", "notification", "audit")


async def test_consumers_killed_mid_burst_do_each_effect_once(faults: FaultSystem):
    settings = faults.settings
    async with Observer(faults, "consumers killed mid-burst") as seen, AutoReviewer(settings):
        sent = await submit_commands(settings, notices(ITEMS, "消费"))
        # The first case_opened on the wire: review's relay sends what its batch committed while the consumers
        # ack that batch; notification handles the same submissions at the same time.
        opened = await until(lambda: seen.reviews.of_type(c.REVIEW_CASE_OPENED), timeout=120, every=0.005)
        assert opened, "no case was opened"
        faults.kill(*KILLED)
        at_kill = len(seen.public.messages)
        await faults.start(*KILLED)
        completed = await seen.complete(sent)
        figures = await seen.ledger(sent, killed=",".join(KILLED), announced_before_kill=at_kill)

    assert completed, f"not every item came out after the consumers restarted: {figures}"
    assert figures.lost == 0 and figures.missing_effects == 0, figures
    assert figures.duplicate_effects == 0, figures
    assert figures.unreviewed == 0 and figures.parked == 0, figures
