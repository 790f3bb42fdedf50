"""The batcher: many deliveries, one transaction; an outage pauses it, any other failure finds the guilty one."""

from __future__ import annotations

import asyncio

import pytest
from gongkai.shared import batching
from gongkai.shared.batching import Batcher


@pytest.fixture(autouse=True)
def quick_backoff(monkeypatch):
    monkeypatch.setattr(batching, "FIRST_BACKOFF_SECONDS", 0.01)


async def healthy() -> None:
    return None


async def test_deliveries_that_arrive_together_share_one_batch_and_each_gets_its_outcome():
    batches: list[list[int]] = []

    async def run(works: list[int]) -> list[int]:
        batches.append(works)
        return [n * 10 for n in works]

    batcher = Batcher("q", run, healthy, max_batch=100)
    assert await asyncio.gather(*(batcher.handle(n) for n in range(10))) == [n * 10 for n in range(10)]
    assert batches == [list(range(10))]
    await batcher.close()


async def test_a_batch_never_exceeds_its_size():
    sizes: list[int] = []

    async def run(works: list[int]) -> list[int]:
        sizes.append(len(works))
        return works

    batcher = Batcher("q", run, healthy, max_batch=4)
    await asyncio.gather(*(batcher.handle(n) for n in range(10)))
    assert sizes == [4, 4, 2]
    await batcher.close()


async def test_an_outage_pauses_the_batch_until_the_probe_passes_and_then_the_same_batch_runs_again():
    calls: list[list[int]] = []
    database_up = asyncio.Event()
    probes = 0

    async def run(works: list[int]) -> list[int]:
        calls.append(works)
        if not database_up.is_set():
            raise ConnectionRefusedError("connection refused")
        return works

    async def probe() -> None:
        nonlocal probes
        probes += 1
        if not database_up.is_set():
            raise OSError("still down")

    batcher = Batcher("q", run, probe, max_batch=10)
    waiting = asyncio.gather(*(batcher.handle(n) for n in range(3)))
    async with asyncio.timeout(5):
        while batcher.paused is None:
            await asyncio.sleep(0.005)
    assert "refused" in batcher.paused or "down" in batcher.paused
    assert not waiting.done()  # nothing answered: no delivery goes back to the queue, none is parked
    while probes < 2:
        await asyncio.sleep(0.005)
    database_up.set()
    assert await waiting == [0, 1, 2]
    assert batcher.paused is None
    assert calls[0] == calls[-1] == [0, 1, 2] and len(calls) == 2  # run again only after the probe passed
    await batcher.close()


async def test_any_other_failure_runs_each_delivery_alone_so_only_the_guilty_one_fails():
    async def run(works: list[int]) -> list[int]:
        if 3 in works:
            raise ValueError("a constraint broken by message 3")
        return works

    batcher = Batcher("q", run, healthy, max_batch=10)
    outcomes = await asyncio.gather(*(batcher.handle(n) for n in range(5)), return_exceptions=True)
    assert outcomes[:3] == [0, 1, 2] and outcomes[4] == 4
    assert isinstance(outcomes[3], ValueError)
    assert batcher.paused is None
    await batcher.close()


async def test_a_lone_delivery_runs_as_a_batch_and_only_when_it_fails_runs_again_the_careful_way():
    """A batch of one takes the quick path (no savepoint); only a failure makes it run alone (``run_alone``)."""
    calls: list[tuple[str, list[int]]] = []

    async def run(works: list[int]) -> list[int]:
        calls.append(("batch", works))
        if 3 in works:
            raise ValueError("refused: message 3")
        return works

    async def run_alone(works: list[int]) -> list[int]:
        calls.append(("alone", works))
        return [-n for n in works]  # its refusal recorded

    batcher = Batcher("q", run, healthy, run_alone=run_alone)
    assert await batcher.handle(1) == 1
    assert await batcher.handle(3) == -3
    assert calls == [("batch", [1]), ("batch", [3]), ("alone", [3])]
    calls.clear()
    assert await asyncio.gather(*(batcher.handle(n) for n in (2, 3, 4))) == [-2, -3, -4]
    assert calls == [("batch", [2, 3, 4]), ("alone", [2]), ("alone", [3]), ("alone", [4])]
    await batcher.close()


async def test_closing_cancels_what_is_still_waiting():
    started = asyncio.Event()

    async def run(works: list[int]) -> list[int]:
        started.set()
        await asyncio.sleep(60)
        return works

    batcher = Batcher("q", run, healthy)
    waiting = asyncio.ensure_future(batcher.handle(1))
    await started.wait()
    await batcher.close()
    with pytest.raises(asyncio.CancelledError):
        await waiting
