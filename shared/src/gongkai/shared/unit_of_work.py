"""One database transaction that holds a handler's effect, its outgoing events and its inbox record.

Nothing leaves the service before ``commit``: the events are rows in the outbox, sent by the relay
after the transaction is durable. A message is acked only after ``commit`` returned. The rows just
committed are handed to the relay as they are (``on_commit``), so it can send them without reading them
back; the poller takes a row only after ``DIRECT_SEND_GRACE`` (if this process died before sending it).
A store may hold its rows back in ``writes`` (``shared/writes.py``): they are written before the commit, and at the
end of a message that runs alone, inside its savepoint.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Table, TextClause, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .envelope import Envelope
from .topology import EXCHANGES
from .writes import Writes

DIRECT_SEND_GRACE = timedelta(seconds=10)  # how long the relay of the committing process has to send a row
OUTBOX_COLUMNS = ("event_id", "exchange", "routing_key", "body", "correlation_id", "reply_to")

CommittedRows = list[dict[str, Any]]


class UnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], outbox: Table, inbox: Table,
                 on_commit: Callable[[CommittedRows], None] | None = None) -> None:
        self._sessions = sessions
        self._outbox = outbox
        self._inbox = inbox
        self._on_commit = on_commit
        self._pending: list[dict[str, Any]] = []
        self._causes: list[str | None] = []
        self._preclaimed: set[str] = set()  # inbox ids claimed ahead for a batch (``claim_ahead``)
        self._fresh: set[str] = set()  # those of them not handled before, not yet taken by ``claim``
        self.writes = Writes()  # rows the stores hold back until the batch's end (or the lone message's)
        self.session: AsyncSession

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._sessions()
        await self.session.begin()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session.in_transaction():
            await self.session.rollback()
        await self.session.close()

    @asynccontextmanager
    async def message(self) -> AsyncIterator[UnitOfWork]:
        """One message's part of a batch: a savepoint, so that a failing message undoes only its own effect.

        Its events are dropped with it; what it emitted before it failed never reaches the outbox. The rows its
        stores held back are written before the savepoint is released, so a broken constraint fails this message.
        """
        await self.writes.flush(self.session)  # what came before is not this message's
        mark = len(self._pending)
        try:
            async with self.session.begin_nested():
                yield self
                await self.writes.flush(self.session)
        except BaseException:
            self.writes.clear()
            del self._pending[mark:], self._causes[mark:]
            raise

    def emit(self, event: Envelope, exchange: str = "events", routing_key: str | None = None,
             reply_to: str | None = None) -> None:
        """Queue an event to be written to the outbox with this transaction (and to ``reply_to`` as well)."""
        if exchange not in EXCHANGES:
            raise ValueError(f"unknown exchange {exchange!r}")
        self._pending.append({
            "event_id": event.id, "exchange": exchange, "routing_key": routing_key or event.routing_key,
            "body": event.to_bytes(), "correlation_id": event.correlationid, "reply_to": reply_to,
        })
        self._causes.append(event.causationid)

    def answer(self, command_id: str, reply_to: str) -> bool:
        """Send the first internal event that ``command_id`` caused to ``reply_to`` as well (after commit).

        False when the command caused no such event (yet).
        """
        for row, cause in zip(self._pending, self._causes, strict=True):
            if cause == command_id and row["exchange"] == "events":
                row["reply_to"] = reply_to
                return True
        return False

    async def claim_ahead(self, claims: list[tuple[str, str]]) -> None:
        """Claim the ``(key, consumer)`` of a whole batch in one statement; ``claim`` then answers from it.

        The same key twice in a batch (a redelivered copy) is claimed once: the first ``claim`` of it gets True.
        """
        pairs = sorted(set(claims))
        if not pairs:
            return
        ids = [f"{consumer}:{key}" for key, consumer in pairs]
        found = await self.session.execute(_claims(self._inbox.fullname),
                                           {"ids": ids, "consumers": [consumer for _, consumer in pairs]})
        self._fresh = set(found.scalars().all())
        self._preclaimed = set(ids)

    async def prepare(self, messages: list[tuple[Envelope, Any]]) -> None:
        """Before a batch of many messages runs: a service's unit of work may lock or read here, in one statement,
        what its handlers would otherwise ask for message by message (their typed payloads). Nothing here."""

    async def claim(self, key: str, consumer: str) -> bool:
        """Record ``key`` as handled; False if it was handled before (then do nothing).

        A concurrent claim of the same key waits on the primary key until the first commits.
        """
        message_id = f"{consumer}:{key}"
        if message_id in self._preclaimed:
            if message_id in self._fresh:
                self._fresh.discard(message_id)
                return True
            return False
        stmt = (pg_insert(self._inbox).values(message_id=f"{consumer}:{key}", consumer=consumer)
                .on_conflict_do_nothing(index_elements=["message_id"]).returning(self._inbox.c.message_id))
        return (await self.session.execute(stmt)).scalar_one_or_none() is not None

    async def save_result(self, key: str, consumer: str, result: dict[str, Any]) -> None:
        await self.session.execute(update(self._inbox).where(self._inbox.c.message_id == f"{consumer}:{key}")
                                   .values(result=result))

    async def result_of(self, key: str, consumer: str) -> dict[str, Any] | None:
        stmt = select(self._inbox.c.result).where(self._inbox.c.message_id == f"{consumer}:{key}")
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def commit(self) -> None:
        await self.writes.flush(self.session)
        rows = self._pending
        if rows:
            # With a relay in this process it sends the rows at once; the poller is the fallback, after a grace.
            seqs: dict[str, int] = dict((await self.session.execute(_outbox_rows(self._outbox.fullname), {
                "grace": DIRECT_SEND_GRACE if self._on_commit else timedelta(0),
                **{column: [row[column] for row in rows] for column in OUTBOX_COLUMNS}})).all())
            for row in rows:
                row["seq"] = seqs[row["event_id"]]
        await self.session.commit()
        self._pending, self._causes = [], []
        if rows and self._on_commit:
            self._on_commit(rows)

    async def rollback(self) -> None:
        self._pending, self._causes = [], []
        self.writes.clear()
        await self.session.rollback()


# A batch's inbox claims and outbox rows go in as arrays (``unnest``): the same statement text whatever the
# batch's size, so PostgreSQL prepares each once per connection (a VALUES list is a new statement for each length).


@lru_cache(maxsize=64)
def _claims(inbox: str) -> TextClause:
    return text(f"insert into {inbox} (message_id, consumer) "
                "select * from unnest(cast(:ids as text[]), cast(:consumers as text[])) "
                "on conflict (message_id) do nothing returning message_id")


@lru_cache(maxsize=64)
def _outbox_rows(outbox: str) -> TextClause:
    return text(f"insert into {outbox} (event_id, exchange, routing_key, body, correlation_id, reply_to, "
                "next_attempt_at) "
                "select e, x, k, b, c, r, now() + cast(:grace as interval) from unnest(cast(:event_id as text[]), "
                "cast(:exchange as text[]), cast(:routing_key as text[]), cast(:body as bytea[]), "
                "cast(:correlation_id as text[]), cast(:reply_to as text[])) with ordinality as u(e, x, k, b, c, r, n) "
                "order by n returning event_id, seq")
