"""Reading the parking queues on a real broker: nothing taken but what is asked for, nothing reordered, even past
the 32 commands a quorum queue's client sends ahead (RabbitMQ 3.10 then reverses returns and may lose acks sent
just before the connection closes)."""

from __future__ import annotations

import asyncio

from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.parking import ParkingQueues
from gongkai.shared.testing import connect_as, publish


async def park(settings, count: int) -> list[str]:
    """``count`` review commands that review's queue refuses at once (review is not running)."""
    ids = []
    for n in range(count):
        command = new_event(c.DECIDE_REVIEW, {"case_id": f"case-{n}"}, source="/tests/staff-tool", actor="staff-tool")
        await publish(settings, "intake", command, headers={"authorization": "Bearer dev-reviewer-token"})
        ids.append(command.id)
    connection = await connect_as(settings, None)
    async with connection:
        queue = await (await connection.channel()).get_queue(f"{settings.namespace}.review.intake", ensure=False)
        for _ in range(count):
            while (message := await queue.get(fail=False)) is None:
                await asyncio.sleep(0.05)
            await message.reject(requeue=False)
    async with asyncio.timeout(20):
        while True:
            async with ParkingQueues(settings) as queues:
                if len(queues.parked) == count:
                    return ids
            await asyncio.sleep(0.2)


async def test_reading_again_and_again_keeps_every_message_in_order_and_taking_some_leaves_the_rest(settings):
    ids = await park(settings, 100)
    for _ in range(3):
        async with ParkingQueues(settings) as queues:
            assert [p.id for p in queues.parked] == ids
            assert {(p.latest.queue, p.latest.reason, p.exchange, p.routing_key) for p in queues.parked} == {
                (f"{settings.namespace}.review.intake", "rejected", f"{settings.namespace}.intake", "review.decide.v1")}

    chosen = {n for n in range(100) if n % 3 == 0 or 40 <= n < 80}
    async with ParkingQueues(settings) as queues:
        await queues.take([p for n, p in enumerate(queues.parked) if n in chosen])
    async with ParkingQueues(settings) as queues:
        assert [p.id for p in queues.parked] == [i for n, i in enumerate(ids) if n not in chosen]
        await queues.take(queues.parked[:1])
        await queues.take(queues.parked[-1:])
    left = [i for n, i in enumerate(ids) if n not in chosen][1:-1]
    await asyncio.sleep(0.5)  # nothing taken comes back later either
    async with ParkingQueues(settings) as queues:
        assert [p.id for p in queues.parked] == left
