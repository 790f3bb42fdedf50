"""PostgreSQL unavailable under a burst: nothing lost, nothing parked, nothing done twice.

The four services reach the database through a TCP proxy (the suite's system, ``faults_helpers.FaultSystem``);
mid-burst the proxy cuts every connection and refuses new ones for ``GONGKAI_OUTAGE_SECONDS`` (30 by default) —
what the services see when PostgreSQL is stopped. A transient failure must not spend the messages' delivery
attempts (the delivery limit is for poison messages): the consumers pause, say so on ``/ready``, and resume.
"""

from __future__ import annotations

import os

from faults.faults_helpers import FaultSystem, Observer, notices, until
from gongkai_system import AutoReviewer, submit_commands

ITEMS = int(os.environ.get("GONGKAI_OUTAGE_ITEMS", "120"))
OUTAGE_SECONDS = float(os.environ.get("GONGKAI_OUTAGE_SECONDS", "30"))


async def test_a_database_outage_under_a_burst_loses_and_parks_nothing(faults: FaultSystem):
    settings = faults.settings
    async with Observer(faults, "database outage") as seen, AutoReviewer(settings):
        sent = await submit_commands(settings, notices(ITEMS, "停库"))
        assert await until(lambda: len(seen.public.messages) >= 10, timeout=120), "nothing was published"
        faults.cut("database")
        paused = await faults.readiness_during(OUTAGE_SECONDS)
        faults.restore()
        completed = await seen.complete(sent)
        figures = await seen.ledger(sent, outage_seconds=OUTAGE_SECONDS)

    assert completed, f"not every item came out after the database came back: {figures}"
    # At least once on the wire (a confirmed event whose "sent" mark the outage kept from committing is sent
    # again, with its id), exactly once in effect: one publication event per item and channel.
    assert figures.lost == 0 and figures.duplicate_effects == 0, figures
    # Every submission opened its publication deadline, every case its review clock, audit has both facts.
    assert figures.missing_effects == 0, figures
    assert figures.unreviewed == 0, figures
    assert figures.parked == 0, figures  # the outage spent no message's delivery attempts
    assert any(problems for answer in paused for problems in answer.values()), \
        "no service reported the outage on /ready"
