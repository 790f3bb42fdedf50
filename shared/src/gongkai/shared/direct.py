"""Consumers straight on aio-pika, for queues whose deliveries are many and each cheap (audit's).

FastStream's per-delivery machinery (its context, middlewares and subscriber call) was 18–23% of audit's CPU in
a py-spy profile, for work that is little more than appending the delivery's bytes to a batch. A direct consumer
gets the aio-pika delivery itself, on a robust connection of its own (which moves to another node of a cluster,
``failover``), with the queue's prefetch; the runtime settles each delivery as it settles FastStream's
(``service._settled``: acks in runs after the commit, a nack or reject alone). On stop it cancels its consumers,
lets the deliveries in hand finish (or go back unacked when the connection closes) and closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection

from . import failover

log = logging.getLogger("gongkai.direct")

DirectHandler = Callable[[AbstractIncomingMessage], Awaitable[None]]


@dataclass(frozen=True)
class Subscription:
    queue: str  # the queue's full name
    handle: DirectHandler
    prefetch: int


class DirectConsumers:
    def __init__(self) -> None:
        self.subscriptions: list[Subscription] = []
        self._connection: AbstractRobustConnection | None = None
        self._consuming: list[tuple[AbstractQueue, str]] = []
        self._in_hand: set[asyncio.Task[None]] = set()

    def add(self, queue: str, handle: DirectHandler, prefetch: int) -> None:
        self.subscriptions.append(Subscription(queue, handle, prefetch))

    @property
    def connected(self) -> bool:
        return self._connection is not None and not self._connection.is_closed

    async def start(self, addresses: Sequence[str]) -> None:
        if not self.subscriptions:
            return
        self._connection = await failover.connect_robust(addresses)
        for subscription in self.subscriptions:
            channel = await self._connection.channel()
            await channel.set_qos(prefetch_count=subscription.prefetch)
            # Passive: the operator's set-up declared it; restored the same way after a reconnection.
            queue = await channel.declare_queue(subscription.queue, passive=True)
            tag = await queue.consume(self._tracked(subscription.handle))
            self._consuming.append((queue, tag))

    def _tracked(self, handle: DirectHandler) -> DirectHandler:
        async def in_hand(message: AbstractIncomingMessage) -> None:
            task = asyncio.current_task()
            if task is not None:
                self._in_hand.add(task)
            try:
                await handle(message)
            finally:
                if task is not None:
                    self._in_hand.discard(task)

        return in_hand

    async def stop(self, timeout: float) -> None:
        """Take no more deliveries and wait (up to ``timeout``) for those in hand to be settled."""
        for queue, tag in self._consuming:
            with contextlib.suppress(Exception):
                await queue.cancel(tag)
        self._consuming = []
        if self._in_hand:
            _, late = await asyncio.wait(set(self._in_hand), timeout=timeout)
            if late:
                log.warning("deliveries still in hand at stop go back to the queue", extra={"deliveries": len(late)})

    async def close(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None
