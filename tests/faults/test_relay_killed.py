"""The outbox relay killed between publishing and marking its rows sent: publishing is SIGKILLed while its
relay is busy (right after public events start to flow), then started again.

The rows the broker had taken (confirmed or not) but the dead relay never marked sent go out again from the
restarted relay, with the same event ids: duplicates on the wire are allowed (at least once), duplicate effects
are not — one public event id per item and channel, one audit entry per fact, each deadline opened once.
"""

from __future__ import annotations

from faults.faults_helpers import ITEMS, FaultSystem, Observer, notices, until
from gongkai_system import AutoReviewer, submit_commands


async def test_publishing_killed_while_its_relay_sends_publishes_each_item_once(faults: FaultSystem):
    settings = faults.settings
    async with Observer(faults, "relay killed mid-send") as seen, AutoReviewer(settings):
        sent = await submit_commands(settings, notices(ITEMS, "中继"))
        # Polled every 5 ms: the rest of the relay's batch is still in flight, or confirmed and not yet marked.
        assert await until(lambda: seen.public.messages, timeout=120, every=0.005), "nothing was published"
        faults.kill("publishing")
        at_kill = len(seen.public.messages)
        await faults.start("publishing")
        completed = await seen.complete(sent)
        figures = await seen.ledger(sent, announced_before_kill=at_kill)

    assert completed, f"not every item came out after publishing restarted: {figures}"
    assert figures.lost == 0 and figures.missing_effects == 0, figures
    assert figures.duplicate_effects == 0, figures
    assert figures.unreviewed == 0 and figures.parked == 0, figures
