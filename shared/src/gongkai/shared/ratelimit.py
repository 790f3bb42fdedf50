"""The public forms' rate limits (the request form, the opinion box, comments, hearing registrations): so many
per client address and per contact in a window, then 429.

Counted in the service's own table ``form_hits`` (``form_hits_table``), so that every replica behind the
operator's load balancer counts the same hits: a hit is the SHA-256 of its window and key (never the address or
the phone number itself) and the time; a key's hits are counted under a transaction-scoped advisory lock, and its
hits older than the window are deleted as it is counted. ``SlidingWindow`` counts in the process's memory, for
an app built without a database (the handler tests). A refused form stores no hit: it leaves no trace but its
``access.refused`` record.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from datetime import datetime, timedelta

from fastapi import Request
from sqlalchemy import Column, DateTime, Index, MetaData, String, Table, delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from .errors import Refused


def form_hits_table(metadata: MetaData) -> Table:
    """The table a service's public forms count their hits in (its migrations create it in its schema)."""
    table = Table(
        "form_hits", metadata,
        Column("key_sha256", String(64), nullable=False, comment="SHA-256 of the window and the address or contact"),
        Column("at", DateTime(timezone=True), nullable=False),
    )
    Index("ix_form_hits_key_at", table.c.key_sha256, table.c.at)
    return table


class SqlWindow:
    """A sliding window of ``limit`` hits in ``seconds`` per key, in the service's ``form_hits`` table."""

    def __init__(self, name: str, limit: int, seconds: float, sessions: async_sessionmaker[AsyncSession],
                 table: Table) -> None:
        self.name, self.limit, self.seconds = name, limit, seconds
        self.sessions, self.table = sessions, table

    async def retry_after(self, key: str) -> int | None:
        """None when ``key`` may go on (and the hit is counted, for every replica); else the seconds until it may."""
        digest = hashlib.sha256(f"{self.name}\0{key}".encode()).hexdigest()
        hits = self.table
        async with self.sessions() as session, session.begin():
            await session.execute(text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                                  {"key": f"form-hits:{digest}"})
            now: datetime = (await session.execute(select(func.now()))).scalar_one()
            since = now - timedelta(seconds=self.seconds)
            await session.execute(delete(hits).where(hits.c.key_sha256 == digest, hits.c.at <= since))
            times: list[datetime] = list((await session.execute(
                select(hits.c.at).where(hits.c.key_sha256 == digest).order_by(hits.c.at).limit(self.limit))).scalars())
            if len(times) >= self.limit:
                return max(1, math.ceil((times[0] + timedelta(seconds=self.seconds) - now).total_seconds()))
            await session.execute(insert(hits).values(key_sha256=digest, at=now))
        return None


class SlidingWindow:
    def __init__(self, limit: int, seconds: float, *, max_keys: int = 100_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.seconds = seconds
        self.max_keys = max_keys
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def retry_after(self, key: str) -> int | None:
        """None when ``key`` may go on (and the hit is counted); else the seconds until it may."""
        now = self.clock()
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        if len(hits) >= self.limit:
            self._hits[key] = hits
            return max(1, int(hits[0] + self.seconds - now) + 1)
        hits.append(now)
        self._hits[key] = hits
        while len(self._hits) > self.max_keys:
            self._hits.popitem(last=False)
        return None


def contact_key(phone: str | None, email: str | None) -> str | None:
    """The applicant's contact as one key: digits of the phone, the e-mail in lower case."""
    digits = "".join(ch for ch in phone or "" if ch.isdigit())
    mail = (email or "").strip().lower()
    return f"{digits}|{mail}" if digits or mail else None


class RateLimited(Refused):
    """429 with ``Retry-After``."""

    status = 429

    def __init__(self, reason: str, *, retry_after: int) -> None:
        super().__init__(reason)
        self.headers = {"Retry-After": str(retry_after)}


class _MemoryWindow:
    """``SlidingWindow`` behind the same awaitable call as ``SqlWindow``."""

    def __init__(self, limit: int, seconds: float) -> None:
        self.window = SlidingWindow(limit, seconds)

    async def retry_after(self, key: str) -> int | None:
        return self.window.retry_after(key)


class FormLimits:
    """A public form's windows, built once per app from the settings: per client address an hour, per contact a
    day; counted in the service's ``form_hits`` table when ``sessions`` and ``table`` are given, else in memory."""

    def __init__(self, per_address: int, per_contact: int, behind_proxy: bool, *,
                 sessions: async_sessionmaker[AsyncSession] | None = None, table: Table | None = None) -> None:
        self.per_address: SqlWindow | _MemoryWindow
        self.per_contact: SqlWindow | _MemoryWindow
        if sessions is not None and table is not None:
            self.per_address = SqlWindow("address", per_address, 3600, sessions, table)
            self.per_contact = SqlWindow("contact", per_contact, 86_400, sessions, table)
        else:
            self.per_address, self.per_contact = _MemoryWindow(per_address, 3600), _MemoryWindow(per_contact, 86_400)
        self.behind_proxy = behind_proxy

    def address_of(self, request: Request) -> str:
        """The client's address: the first X-Forwarded-For hop behind the operator's proxy, else the peer's."""
        address = request.headers.get("x-forwarded-for", "").split(",")[0].strip() if self.behind_proxy else ""
        return address or (request.client.host if request.client else "unknown")

    async def exceeded(self, request: Request, contact: str | None) -> tuple[str, int] | None:
        """("address" or "contact", seconds to wait) when one of the windows is full; each passing hit is counted."""
        for what, window, key in (("address", self.per_address, self.address_of(request)),
                                  ("contact", self.per_contact, contact)):
            wait = await window.retry_after(key) if key else None
            if wait is not None:
                return what, wait
        return None
