"""Appends in batches: many deliveries share one transaction and one commit.

A consumer hands its record to ``append`` and waits; a single writer task gathers what has arrived
(up to ``max_batch``, lingering a few milliseconds), writes it in one transaction, and answers every
waiter. Each delivery is acked only after the commit that holds its record; if the transaction
fails, every waiter gets the error and its message goes back to the queue.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from .record import Record

Writer = Callable[[list[Record]], Awaitable[list[bool]]]


class AppendBatcher:
    def __init__(self, write: Writer, *, max_batch: int = 500, linger_seconds: float = 0.005) -> None:
        self._write = write
        self._max_batch = max_batch
        self._linger = linger_seconds
        self._waiting: list[tuple[Record, asyncio.Future[bool]]] = []
        self._arrived = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def append(self, record: Record) -> bool:
        """True when the record was appended, False when this message was recorded before."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="audit-append-batcher")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiting.append((record, future))
        self._arrived.set()
        return await future

    async def close(self) -> None:
        """Stop the writer task (waiters still pending get cancelled)."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            await asyncio.sleep(self._linger)
            batch, self._waiting = self._waiting[: self._max_batch], self._waiting[self._max_batch:]
            if not self._waiting:
                self._arrived.clear()
            if not batch:
                continue
            try:
                results = await self._write([record for record, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), appended in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(appended)
