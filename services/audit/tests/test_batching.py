"""The append batcher: many waiters, one write; a failed write fails every waiter of its batch."""

from __future__ import annotations

import asyncio

from gongkai.audit.batching import AppendBatcher
from gongkai.audit.record import from_message


def record(n: int):
    return from_message(b'{"n": %d}' % n, exchange="x", routing_key="k", message_id=f"m-{n}", headers={},
                        dead_lettered=False)


async def test_appends_that_arrive_together_are_written_in_one_batch_and_each_gets_its_answer():
    writes: list[list[str]] = []

    async def write(records):
        writes.append([r.record_key for r in records])
        return [not r.record_key.endswith("-3") for r in records]

    batcher = AppendBatcher(write, max_batch=100)
    answers = await asyncio.gather(*(batcher.append(record(n)) for n in range(10)))
    assert len(writes) == 1 and writes[0] == [f"x:m-{n}" for n in range(10)]
    assert answers == [n != 3 for n in range(10)]


async def test_a_batch_never_exceeds_its_size():
    sizes: list[int] = []

    async def write(records):
        sizes.append(len(records))
        return [True] * len(records)

    batcher = AppendBatcher(write, max_batch=4)
    await asyncio.gather(*(batcher.append(record(n)) for n in range(10)))
    assert sizes == [4, 4, 2]


async def test_a_failed_write_fails_every_waiter_and_the_next_batch_still_runs():
    calls = 0

    async def write(records):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("database gone")
        return [True] * len(records)

    batcher = AppendBatcher(write)
    results = await asyncio.gather(*(batcher.append(record(n)) for n in range(3)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    assert await batcher.append(record(9)) is True
