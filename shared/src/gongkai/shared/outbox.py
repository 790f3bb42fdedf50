"""The outbox relay: publishes committed outbox rows with publisher confirms and ``mandatory``.

Several replicas may run it: each batch is taken with ``FOR UPDATE SKIP LOCKED``, so two relays
never send the same rows at once. A row is marked sent only after the broker confirmed it; a
crash in between sends it again with the same message id, which consumers' inboxes absorb.
An unroutable event (no queue bound) stays pending, is retried with backoff and is reported.

Every message carries the service's broker account as its AMQP ``user_id`` (RabbitMQ refuses a
``user_id`` that is not the connection's user), so consumers know which account sent it. A row with a
``reply_to`` is also sent to that reply queue through the default exchange, without ``mandatory``:
when the staff tool that asked has gone, its answer is dropped rather than retried.

Rows a transaction of this process has just committed are handed over as they are (``committed``) and sent
at once, without reading them back; they become due for the poller only after the unit of work's grace, so
the poller (of any replica) takes them only when this process died or failed to send them. The direct path is
pipelined: a batch is published the moment it is handed over, while earlier batches still wait for their
confirms (up to ``PIPELINE_DEPTH`` at once), and the confirmed rows are marked sent together, off the path a
message takes, at most every ``MARK_INTERVAL_SECONDS``. A row that waited in a backlog for half its grace is no
longer safe from a poller: it is sent the careful way, locked first (``FOR UPDATE SKIP LOCKED``, as the poller
locks) and only if still unsent, so it goes out once, not once by each path.

A message the account may not send (a routing key outside its topic permissions: a fact type added
without ``gongkai broker setup``) makes the broker close the channel, failing every publish in flight;
the relay then opens a new channel and sends that batch one row at a time, so only that row waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, Protocol

import aio_pika
import aiormq
from aio_pika.abc import AbstractRobustConnection
from sqlalchemy import Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import failover
from .db import any_of
from .envelope import CONTENT_TYPE
from .topology import Topology
from .unit_of_work import DIRECT_SEND_GRACE

log = logging.getLogger("gongkai.outbox")

MAX_BACKOFF_SECONDS = 60
PIPELINE_DEPTH = 4  # batches of just-committed rows published and waiting for their confirms at once
# Confirmed rows are marked sent at most this often, in one statement: a lone event no longer costs a transaction
# of its own. The poller would take an unmarked row only after its grace, far longer than this.
MARK_INTERVAL_SECONDS = 0.25
# A just-committed row younger than this cannot have been taken by a poller yet (it is due only after the grace).
SAFE_AGE_SECONDS = DIRECT_SEND_GRACE.total_seconds() / 2


class OutboxRow(Protocol):
    """An outbox row as the relay sends it: a row it read, or one a unit of work just committed."""

    @property
    def seq(self) -> int: ...
    @property
    def event_id(self) -> str: ...
    @property
    def exchange(self) -> str: ...
    @property
    def routing_key(self) -> str: ...
    @property
    def body(self) -> bytes: ...
    @property
    def correlation_id(self) -> str | None: ...
    @property
    def attempts(self) -> int: ...
    @property
    def reply_to(self) -> str | None: ...


class OutboxRelay:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Table, topology: Topology,
                 amqp_url: str | Sequence[str], *, user_id: str | None = None, batch: int = 200,
                 idle_seconds: float = 0.5) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._topology = topology
        self._amqp_urls = [amqp_url] if isinstance(amqp_url, str) else list(amqp_url)  # a cluster's nodes
        self._user_id = user_id
        self._batch = batch
        self._idle = idle_seconds
        self._wakeup = asyncio.Event()
        self._fresh: deque[SimpleNamespace] = deque()  # rows just committed here, to send without a read
        self._stopping = False
        self._connection: AbstractRobustConnection | None = None
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._exchanges: dict[str, aio_pika.abc.AbstractExchange] = {}
        self._replies: aio_pika.abc.AbstractExchange | None = None
        self._task: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(PIPELINE_DEPTH)
        self._in_flight: set[asyncio.Task[None]] = set()  # batches published, waiting for their confirms
        self._confirmed: list[int] = []  # seqs the broker confirmed, to mark sent
        self._marking: asyncio.Task[None] | None = None
        self._reopening = asyncio.Lock()

    def wake(self) -> None:
        self._wakeup.set()

    def committed(self, rows: list[dict[str, Any]]) -> None:
        """Rows a unit of work of this process has just committed (with their ``seq``): send them now."""
        now = time.monotonic()
        self._fresh.extend(SimpleNamespace(attempts=0, committed_at=now, **row) for row in rows)
        self._wakeup.set()

    async def start(self) -> None:
        self._connection = await failover.connect_robust(self._amqp_urls)
        await self._reopen()
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def _reopen(self) -> None:
        """A new channel (and its exchanges) in place of the current one, which is closed first."""
        if self._channel is not None:
            with contextlib.suppress(Exception):
                await self._channel.close()
        assert self._connection is not None, "start() connects first"
        channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        self._exchanges = {logical: await channel.get_exchange(self._topology.exchange(logical), ensure=False)
                           for logical in ("events", "public", "staff", "intake")}
        self._replies = channel.default_exchange
        self._channel = channel

    async def stop(self) -> None:
        """Stop the loop, then send what is still pending once more, then close."""
        self._stopping = True
        self._wakeup.set()
        if self._task:
            await self._task
        await asyncio.gather(*self._in_flight, return_exceptions=True)
        if self._marking is not None:
            await asyncio.gather(self._marking, return_exceptions=True)
        try:
            await self._mark_confirmed()
            await self.flush()
        except Exception:
            log.exception("outbox flush at shutdown failed; the rows stay pending for the next start")
        if self._connection:
            await self._connection.close()

    async def queue_depths(self, queues: list[str]) -> dict[str, int]:
        """Messages ready in each queue (a passive declare, which needs no permission on it); {} if unreachable."""
        depths: dict[str, int] = {}
        if self._connection is None or self._connection.is_closed:
            return depths
        try:
            channel = await self._connection.channel()
        except Exception:
            return depths
        try:
            for name in queues:
                try:
                    declared = await channel.declare_queue(name, passive=True)
                except Exception:  # not declared here (or the channel closed with it): the next one anew
                    if channel.is_closed:
                        channel = await self._connection.channel()
                    continue
                depths[name] = declared.declaration_result.message_count or 0
        finally:
            with contextlib.suppress(Exception):
                await channel.close()
        return depths

    async def flush(self) -> None:
        """Send what this process still holds and what is due (it is stopping).

        Rows still in their grace that it does not hold belong to another replica's relay, which sends them (or,
        should it die, a poller after the grace): sent here too, they would reach every consumer twice.
        """
        while self._fresh and await self.send_fresh():
            pass
        while await self.relay_once():
            pass

    async def _run(self) -> None:
        next_poll = 0.0  # the poller reads the table at most once per idle interval, unless it found a full batch
        while not self._stopping:
            try:
                sent = await self._send_fresh_rows()
                if time.monotonic() >= next_poll:
                    polled = await self.relay_once()
                    next_poll = 0.0 if polled >= self._batch else time.monotonic() + self._idle
                    sent += polled
            except Exception:
                log.exception("outbox relay pass failed")
                sent = 0
                next_poll = time.monotonic() + self._idle
            if sent < self._batch and not self._fresh and not self._stopping:
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=self._idle)
                except TimeoutError:
                    pass
                self._wakeup.clear()

    async def _send_fresh_rows(self) -> int:
        """Hand every just-committed row to the pipeline (or, when it waited too long, send it the careful way)."""
        sent = 0
        while self._fresh and not self._stopping:
            if time.monotonic() - self._fresh[0].committed_at >= SAFE_AGE_SECONDS:
                sent += await self.send_fresh()
                continue
            await self._slots.acquire()
            rows = [self._fresh.popleft() for _ in range(min(self._batch, len(self._fresh)))]
            task = asyncio.create_task(self._pipelined(rows), name="outbox-relay-batch")
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
            sent += len(rows)
        return sent

    async def _pipelined(self, rows: list[SimpleNamespace]) -> None:
        """Publish one batch of just-committed rows and note those the broker confirmed, to be marked sent."""
        try:
            results = await self._send(rows)
        except Exception:
            log.exception("outbox batch not sent; its rows stay pending for the poller")
            return
        finally:
            self._slots.release()
        self._confirmed.extend(row.seq for row, result in zip(rows, results, strict=True) if result is None)
        if self._marking is None or self._marking.done():
            self._marking = asyncio.create_task(self._mark_confirmed(), name="outbox-relay-mark")

    async def _mark_confirmed(self) -> None:
        """Mark sent, in one statement each time, the rows confirmed since the last time.

        It first waits ``MARK_INTERVAL_SECONDS`` (unless stopping), so that the rows confirmed meanwhile are marked
        together. Until a row is marked, only the poller could send it again, after its grace; a failure here
        leaves the rows to be marked on the next pass (a crash, to be sent again, which consumers' inboxes absorb).
        """
        t = self._outbox
        while self._confirmed:
            if not self._stopping:
                await asyncio.sleep(MARK_INTERVAL_SECONDS)
            seqs, self._confirmed = self._confirmed, []
            try:
                async with self._sessions() as session, session.begin():
                    await session.execute(update(t).where(any_of(t.c.seq, seqs), t.c.sent_at.is_(None))
                                          .values(sent_at=datetime.now(UTC), last_error=None))
            except Exception as exc:
                self._confirmed = seqs + self._confirmed
                log.warning("confirmed outbox rows not marked sent yet", extra={"rows": len(seqs),
                                                                              "reason": _describe(exc)})
                if self._stopping:
                    return
                await asyncio.sleep(1.0)

    async def send_fresh(self) -> int:
        """Send a batch of the rows just committed here and mark those the broker confirmed.

        The rows are locked first, and only those still unsent are sent: under a backlog a row can wait here
        past its grace, and then a poller (this process's or another replica's) may have sent it already, or be
        sending it now. A row that fails stays pending; the poller retries it, with backoff, once its grace is over.
        """
        rows = [self._fresh.popleft() for _ in range(min(self._batch, len(self._fresh)))]
        t = self._outbox
        async with self._sessions() as session, session.begin():
            unsent = set((await session.execute(
                select(t.c.seq).where(any_of(t.c.seq, [row.seq for row in rows]), t.c.sent_at.is_(None))
                .with_for_update(skip_locked=True))).scalars())
            rows = [row for row in rows if row.seq in unsent]
            if not rows:
                return 0
            results = await self._send(rows)
            sent = [row.seq for row, result in zip(rows, results, strict=True) if result is None]
            if sent:
                await session.execute(update(t).where(any_of(t.c.seq, sent))
                                      .values(sent_at=datetime.now(UTC), last_error=None))
        return len(sent)

    async def _send(self, rows: Sequence[OutboxRow]) -> list[BaseException | None]:
        """Each row's failure, or None when the broker confirmed it; the broker away fails every row (so the
        poller records the attempt, backs off and health reports the rows failing)."""
        if self._channel is None or self._channel.is_closed:
            try:
                async with self._reopening:  # pipelined batches share the channel: one of them reopens it
                    if self._channel is None or self._channel.is_closed:
                        await self._reopen()
            except Exception as unavailable:
                return [unavailable for _ in rows]
        results = await asyncio.gather(*(self._publish(row) for row in rows), return_exceptions=True)
        if any(isinstance(result, aiormq.exceptions.ChannelClosed) for result in results):
            results = await self._one_by_one(rows, results)
        return list(results)

    async def relay_once(self) -> int:
        """Publish one batch of due rows; returns how many the broker confirmed."""
        t = self._outbox
        due = t.c.next_attempt_at <= func.now()
        async with self._sessions() as session, session.begin():
            rows = (await session.execute(
                select(t.c.seq, t.c.event_id, t.c.exchange, t.c.routing_key, t.c.body, t.c.correlation_id,
                       t.c.attempts, t.c.reply_to)
                .where(t.c.sent_at.is_(None), due)
                .order_by(t.c.seq).limit(self._batch).with_for_update(skip_locked=True)
            )).all()
            if not rows:
                return 0
            results = await self._send(rows)
            now = datetime.now(UTC)
            sent = [row.seq for row, result in zip(rows, results, strict=True) if result is None]
            if sent:
                await session.execute(update(t).where(any_of(t.c.seq, sent)).values(sent_at=now, last_error=None))
            for row, result in zip(rows, results, strict=True):
                if result is not None:
                    await self._record_failure(session, row, result, now)
            return len(sent)

    async def _one_by_one(self, rows: Sequence[OutboxRow], results: list[BaseException | None]
                          ) -> list[BaseException | None]:
        """Send the rows that failed again, alone, each on a channel the previous one did not close."""
        await self._reopen()
        again: list[BaseException | None] = []
        for row, result in zip(rows, results, strict=True):
            if result is None:
                again.append(None)
                continue
            try:
                await self._publish(row)
                again.append(None)
            except aiormq.exceptions.ChannelClosed as refused:
                again.append(refused)
                await self._reopen()
            except Exception as exc:
                again.append(exc)
        return again

    async def _publish(self, row: OutboxRow) -> None:
        message = aio_pika.Message(row.body, message_id=row.event_id, correlation_id=row.correlation_id,
                                   user_id=self._user_id, content_type=CONTENT_TYPE,
                                   delivery_mode=aio_pika.DeliveryMode.PERSISTENT)
        await self._exchanges[row.exchange].publish(message, routing_key=row.routing_key, mandatory=True,
                                                    timeout=10)
        if row.reply_to and self._replies is not None:
            await self._replies.publish(message, routing_key=row.reply_to, mandatory=False, timeout=10)

    async def _record_failure(self, session: AsyncSession, row: OutboxRow, error: BaseException,
                              now: datetime) -> None:
        attempts = row.attempts + 1
        delay = min(2 ** attempts, MAX_BACKOFF_SECONDS)
        reason = _describe(error)
        log.error("outbox event not delivered", extra={
            "event_id": row.event_id, "correlation_id": row.correlation_id, "exchange": row.exchange,
            "routing_key": row.routing_key, "attempts": attempts, "reason": reason})
        await session.execute(update(self._outbox).where(self._outbox.c.seq == row.seq).values(
            attempts=attempts, last_error=reason, next_attempt_at=now + timedelta(seconds=delay)))


def _describe(error: BaseException) -> str:
    if isinstance(error, aio_pika.exceptions.DeliveryError):
        return f"unroutable: {error}"
    return f"{type(error).__name__}: {error}"[:1000]


async def outbox_health(sessions: async_sessionmaker[AsyncSession], outbox: Table) -> dict[str, int]:
    """Pending rows, and how many of them have failed at least once (unroutable, broker down)."""
    t = outbox
    async with sessions() as session:
        row = (await session.execute(
            select(func.count(), func.count().filter(t.c.attempts > 0)).where(t.c.sent_at.is_(None))
        )).one()
    return {"pending": row[0], "failing": row[1]}
