"""Deliveries handled in batches: many messages share one transaction, each is acked after its commit.

A consumer hands its delivery to ``Batcher.handle`` and waits. One task gathers what has arrived (up to
``max_batch``: what came in the same read from the socket, and under load everything that arrived while the
previous batch ran; it lingers only if asked to), runs the batch (one transaction: see
``consumers.BatchConsumer``) and gives every waiter its own outcome. Then the runtime acks, parks or requeues
each delivery as its outcome says.

When the batch fails because the database or the broker is unavailable (``transient.is_transient``), no
delivery is answered: the batcher *pauses* — it keeps the deliveries it holds (the channel's prefetch stops
the broker sending more), waits with exponential backoff and jitter, asks ``probe`` whether the database
answers again, then runs the same batch once more. An outage therefore spends none of the messages' delivery
attempts, and ``paused`` tells ``/ready`` why the consumer stands still. Any other failure of the whole batch
(a refused command, a bug, a constraint broken by one message) makes the batcher run the messages one by one
(``run_alone``: each in a savepoint of its own), so that only the guilty message is refused, or fails, goes back
to the queue and in the end is parked by the delivery limit. A batch of one message is a batch like any other:
it runs without a savepoint, and only when it fails does it run again alone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from .transient import describe, is_transient

log = logging.getLogger("gongkai.batching")

W = TypeVar("W")
R = TypeVar("R")

BatchRunner = Callable[[list[W]], Awaitable[list[R]]]
Probe = Callable[[], Awaitable[None]]

FIRST_BACKOFF_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 15.0


class Batcher(Generic[W, R]):
    def __init__(self, name: str, run: BatchRunner[W, R], probe: Probe, *, max_batch: int = 100,
                 linger_seconds: float = 0.0, max_backoff: float = MAX_BACKOFF_SECONDS,
                 run_alone: BatchRunner[W, R] | None = None) -> None:
        self.name = name
        self._run_batch = run
        # How a message of a failed batch runs on its own (``run`` with a batch of one, unless given): a batch
        # may run without a savepoint per message, and its messages alone with one, so that a refusal is undone
        # and recorded without the rest.
        self._run_alone = run_alone or run
        self._probe = probe
        self._max_batch = max_batch
        self._linger = linger_seconds
        self._max_backoff = max_backoff
        self._waiting: list[tuple[W, asyncio.Future[R]]] = []
        self._running: list[tuple[W, asyncio.Future[R]]] = []  # the batch being handled
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.paused: str | None = None  # why the consumer is not taking deliveries, while it is not

    async def handle(self, work: W) -> R:
        """The outcome of ``work``, once the transaction that holds its effect has committed."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._loop(), name=f"batcher:{self.name}")
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((work, future))
        self._arrived.set()
        return await future

    async def close(self) -> None:
        """Stop the batching task; deliveries still waiting are cancelled (and go back to the queue unacked)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for _, future in (*self._running, *self._waiting):
            future.cancel()
        self._running, self._waiting = [], []

    async def _loop(self) -> None:
        while True:
            await self._arrived.wait()
            # One turn of the event loop (or the linger): deliveries that came with this one join its batch.
            await asyncio.sleep(self._linger)
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch:]
            if not self._waiting:
                self._arrived.clear()
            batch = [(work, future) for work, future in batch if not future.done()]
            if not batch:
                continue
            self._running = batch
            log.debug("batch", extra={"consumer": self.name, "size": len(batch)})
            outcomes = await self._until_done([work for work, _ in batch])
            self._running = []
            for (_, future), outcome in zip(batch, outcomes, strict=True):
                if future.done():
                    continue
                if isinstance(outcome, BaseException):
                    future.set_exception(outcome)
                else:
                    future.set_result(outcome)

    async def _until_done(self, works: list[W], *, alone: bool = False) -> list[R | BaseException]:
        """Run the batch, pausing through transient failures; on any other failure, run each message alone."""
        attempt = 0
        while True:
            try:
                run = self._run_alone if alone else self._run_batch
                outcomes: list[R | BaseException] = list(await run(works))
                self._resume()
                return outcomes
            except Exception as exc:
                if not is_transient(exc):
                    if alone:
                        self._resume()
                        return [exc]
                    if len(works) > 1:
                        log.info("batch failed; its messages are handled one by one",
                                 extra={"consumer": self.name, "reason": describe(exc), "size": len(works)})
                    return [outcome for work in works for outcome in await self._until_done([work], alone=True)]
                attempt += 1
                await self._pause(exc, attempt)

    async def _pause(self, exc: BaseException, attempt: int) -> None:
        if self.paused is None:
            log.warning("consumer paused: the database or the broker is unavailable",
                        extra={"consumer": self.name, "reason": describe(exc)})
        self.paused = describe(exc)
        while True:
            delay = min(self._max_backoff, FIRST_BACKOFF_SECONDS * 2 ** min(attempt - 1, 10))
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # full jitter's gentler half
            try:
                await self._probe()
                return
            except Exception as probe_failure:
                self.paused = describe(probe_failure)
                attempt += 1

    def _resume(self) -> None:
        if self.paused is not None:
            log.warning("consumer resumed", extra={"consumer": self.name})
            self.paused = None
