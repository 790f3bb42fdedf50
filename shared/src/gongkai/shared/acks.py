"""Acknowledging deliveries a batch at a time: one ``basic.ack multiple`` for a run of settled delivery tags.

A batch of a hundred deliveries commits once, and acking each of them was a hundred frames, each its own write
to the socket. ``Acks`` gathers the acks that become due in one turn of the event loop and sends, per channel,
one ``basic.ack`` with ``multiple`` for the longest run of delivery tags that are all settled; an ack due above a
tag that is still open (a delivery in another batch, or not yet handled) is sent alone at once, never held back.

The rule stays: a delivery is acked only once its effect is committed, since ``ack`` is called only then. A
multiple ack covers only tags this process has settled: RabbitMQ numbers a channel's deliveries 1, 2, 3, …, so
the run starts right above the highest tag acked so far, and each tag in it is either due to be acked now or
was settled already (acked alone, or negatively acknowledged). A delivery that must go back to the queue or be
parked is nacked or rejected alone, before any ack that could cover its tag is sent (``settled``).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger("gongkai.acks")


class AckChannel(Protocol):
    """What of an aiormq channel ``Acks`` uses."""

    def basic_ack(self, delivery_tag: int, multiple: bool = False, wait: bool = True) -> Awaitable[None]: ...


@dataclass
class _Tags:
    acked_up_to: int = 0  # every tag up to this one is settled
    due: set[int] = field(default_factory=set)  # committed, their ack not yet sent
    settled: set[int] = field(default_factory=set)  # above acked_up_to, settled already (acked alone, nacked)
    # Frames go out in the order they were decided: a multiple ack must not overtake the single ack of a tag
    # it covers (the broker closes the channel on an ack of a tag it no longer knows).
    sending: asyncio.Lock = field(default_factory=asyncio.Lock)


class Acks:
    def __init__(self) -> None:
        self._channels: weakref.WeakKeyDictionary[Any, _Tags] = weakref.WeakKeyDictionary()
        self._scheduled = False
        self._sending: set[asyncio.Task[None]] = set()
        self.frames = 0  # ack frames sent (for tests and benchmarks)

    def ack(self, channel: AckChannel, delivery_tag: int) -> None:
        """The delivery's effect is committed: ack it with the others that become due in this turn of the loop."""
        self._tags(channel).due.add(delivery_tag)
        if not self._scheduled:
            self._scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def settled(self, channel: AckChannel, delivery_tag: int) -> None:
        """The delivery was nacked or rejected (the frame is sent): a later multiple ack may pass over its tag."""
        self._tags(channel).settled.add(delivery_tag)

    def _tags(self, channel: AckChannel) -> _Tags:
        tags = self._channels.get(channel)
        if tags is None:
            tags = self._channels[channel] = _Tags()
        return tags

    def _flush(self) -> None:
        self._scheduled = False
        for channel, tags in list(self._channels.items()):
            if not tags.due:
                continue
            multiple: int | None = None
            nxt = tags.acked_up_to + 1
            while nxt in tags.due or nxt in tags.settled:
                if nxt in tags.due:
                    multiple = nxt
                    tags.due.discard(nxt)
                else:
                    tags.settled.discard(nxt)
                tags.acked_up_to = nxt
                nxt += 1
            alone = sorted(tags.due)  # above a tag still open: sent one by one, and remembered as settled
            tags.due.clear()
            tags.settled.update(alone)
            if multiple is not None or alone:
                task = asyncio.ensure_future(self._send(channel, tags.sending, multiple, alone))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)

    async def _send(self, channel: AckChannel, lock: asyncio.Lock, multiple: int | None, alone: list[int]) -> None:
        try:
            async with lock:
                if multiple is not None:
                    await channel.basic_ack(multiple, multiple=True)
                    self.frames += 1
                for tag in alone:
                    await channel.basic_ack(tag)
                    self.frames += 1
        except Exception as exc:  # the channel is gone: the broker requeues what it had not been told of
            log.warning("acks not sent; the broker delivers those messages again",
                        extra={"reason": f"{type(exc).__name__}: {exc}"[:300]})

    async def drain(self) -> None:
        """Send what is due now and wait until it is sent (on stop, before the channels close)."""
        if self._scheduled:
            self._flush()
        while self._sending:
            await asyncio.gather(*self._sending, return_exceptions=True)
