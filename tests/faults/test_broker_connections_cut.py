"""Every broker connection cut mid-burst (the proxy between the services and RabbitMQ closes them all and
refuses new ones for ``GONGKAI_FAULT_CUT_SECONDS``, 10 by default), then restored: nothing lost, nothing done
twice, nothing published without its approval.

What the services see is a broker that went away: deliveries in flight go back to their queues unacked, the
relay's unconfirmed publishes fail and stay pending, and every client reconnects once the proxy accepts again.
"""

from __future__ import annotations

import os
import time

import httpx
from faults.faults_helpers import ITEMS, FaultSystem, Observer, notices, until
from gongkai.shared.testing import bearer
from gongkai.shared.unit_of_work import DIRECT_SEND_GRACE
from gongkai_system import AutoReviewer, submit_commands

CUT_SECONDS = float(os.environ.get("GONGKAI_FAULT_CUT_SECONDS", "10"))


async def test_every_broker_connection_cut_mid_burst_loses_and_duplicates_nothing(faults: FaultSystem):
    settings = faults.settings
    async with Observer(faults, "broker connections cut") as seen, AutoReviewer(settings):
        sent = await submit_commands(settings, notices(ITEMS, "断连"))
        assert await until(lambda: len(seen.public.messages) >= 4, timeout=120), "nothing was published"
        faults.cut()
        before_cut = len(seen.public.messages)
        away = await faults.readiness_during(CUT_SECONDS)
        faults.restore()
        restored = time.monotonic()
        completed = await seen.complete(sent)
        figures = await seen.ledger(sent, cut_seconds=CUT_SECONDS, announced_before_cut=before_cut,
                                    recovered_seconds=round(time.monotonic() - restored, 1))

    assert completed, f"not every item came out after the broker came back: {figures}"
    assert figures.lost == 0 and figures.missing_effects == 0, figures
    assert figures.duplicate_effects == 0, figures
    assert figures.unreviewed == 0, figures
    assert figures.parked == 0, figures
    assert any("broker" in problems for seen_now in away for problems in seen_now.values()), \
        f"no service said on /ready that the broker was away: {away}"


async def test_a_fact_written_while_the_broker_is_away_is_reported_failing(faults: FaultSystem):
    faults.cut()
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            created = await http.post(f"{faults.url('publishing')}/items", headers=bearer("dev-submitter-token"),
                                      json=notices(1, "断连时")[0])
        assert created.status_code == 201, created.text  # the database is there: the fact waits in the outbox
        failures_before = faults.system.log("publishing").count('"message": "outbox relay pass failed"')

        async def failing() -> bool:
            return (await faults.health("publishing"))["outbox"]["failing"] >= 1

        # The committing process sends the row itself first; the poller records the failure once the row's grace
        # is over (DIRECT_SEND_GRACE), and it is failing from then on, until the broker is back.
        reported = await until(failing, timeout=DIRECT_SEND_GRACE.total_seconds() + 20, every=0.5)
        health = (await faults.health("publishing"))["outbox"]
        retries = faults.system.log("publishing").count('"message": "outbox relay pass failed"') - failures_before
    finally:
        faults.restore()
    assert reported, f"the broker is away and publishing's outbox says {health} ({retries} failed relay passes)"
