"""Acks a batch at a time: one multiple ack for a run of settled tags, never over a tag that is still open."""

from __future__ import annotations

import asyncio

from gongkai.shared.acks import Acks


class Channel:
    """Records the ack frames, and what the broker then considers acked (``multiple``: every tag up to it)."""

    def __init__(self) -> None:
        self.frames: list[tuple[int, bool]] = []
        self.acked: set[int] = set()
        self.open: set[int] = set()

    def deliver(self, *tags: int) -> None:
        self.open.update(tags)

    async def basic_ack(self, delivery_tag: int, multiple: bool = False, wait: bool = True) -> None:
        await asyncio.sleep(0)
        assert delivery_tag in self.open, f"ack of tag {delivery_tag}, which the broker no longer holds"
        covered = {t for t in self.open if t <= delivery_tag} if multiple else {delivery_tag}
        self.frames.append((delivery_tag, multiple))
        self.acked |= covered
        self.open -= covered

    def nacked(self, tag: int) -> None:
        self.open.discard(tag)


async def turn(acks: Acks) -> None:
    await asyncio.sleep(0)
    await acks.drain()


async def test_a_batch_settled_in_one_turn_is_acked_with_one_frame():
    acks, channel = Acks(), Channel()
    channel.deliver(*range(1, 101))
    for tag in range(1, 101):
        acks.ack(channel, tag)
    await turn(acks)
    assert channel.frames == [(100, True)]
    assert channel.acked == set(range(1, 101))


async def test_an_ack_above_a_tag_still_open_is_sent_alone_and_the_open_one_is_not_covered():
    acks, channel = Acks(), Channel()
    channel.deliver(1, 2, 3, 4, 5)
    for tag in (1, 2, 4, 5):  # 3 is still being handled
        acks.ack(channel, tag)
    await turn(acks)
    assert channel.frames == [(2, True), (4, False), (5, False)]
    assert channel.open == {3}
    acks.ack(channel, 3)  # then 3 commits, and the next batch 6 and 7
    channel.deliver(6, 7)
    acks.ack(channel, 6)
    acks.ack(channel, 7)
    await turn(acks)
    assert channel.frames[3:] == [(7, True)]
    assert channel.acked == set(range(1, 8))


async def test_a_multiple_ack_passes_over_a_nacked_tag_but_never_acks_one_not_yet_nacked():
    acks, channel = Acks(), Channel()
    channel.deliver(1, 2, 3)
    acks.ack(channel, 1)
    acks.ack(channel, 3)  # 2 failed: its nack is not sent yet, so 3 goes alone
    await turn(acks)
    assert channel.open == {2}
    channel.nacked(2)
    acks.settled(channel, 2)
    channel.deliver(4)
    acks.ack(channel, 4)
    await turn(acks)
    assert channel.frames == [(1, True), (3, False), (4, True)]
    assert 2 not in channel.acked


async def test_channels_are_counted_apart():
    acks, one, two = Acks(), Channel(), Channel()
    one.deliver(1, 2)
    two.deliver(1)
    for channel, tag in ((one, 1), (two, 1), (one, 2)):
        acks.ack(channel, tag)
    await turn(acks)
    assert one.frames == [(2, True)] and two.frames == [(1, True)]
