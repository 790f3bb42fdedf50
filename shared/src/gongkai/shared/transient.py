"""Which failures are the world's and not the message's: an unavailable database or broker.

A handler that fails for one of these reasons would succeed later with the same message, so the message
must not spend its delivery attempts (the queue's delivery limit parks poison messages, not healthy ones
caught in an outage): the consumer pauses and retries it instead (``batching.Batcher``).
"""

from __future__ import annotations

import asyncio

import asyncpg
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# SQLSTATE classes and codes that say "try again": connection exceptions, operator intervention (shutdown,
# crash recovery, cannot connect now), insufficient resources, serialization failures and deadlocks.
TRANSIENT_SQLSTATE_CLASSES = ("08", "53", "57")
TRANSIENT_SQLSTATES = {"40001", "40P01"}

_TRANSIENT_TYPES: tuple[type[BaseException], ...] = (
    ConnectionError, TimeoutError, asyncio.TimeoutError, PoolTimeout, OperationalError, InterfaceError,
    asyncpg.exceptions.InterfaceError, asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.CannotConnectNowError, asyncpg.exceptions.TooManyConnectionsError,
)


def is_transient(exc: BaseException) -> bool:
    """True when ``exc`` (or what caused it) says the database or the network was unavailable."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, _TRANSIENT_TYPES):
            return True
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str) and (state in TRANSIENT_SQLSTATES or state[:2] in TRANSIENT_SQLSTATE_CLASSES):
            return True
        if isinstance(current, OSError):  # refused, reset, unreachable: the socket's errors
            return True
        current = current.__cause__ or current.__context__
    return False


def describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
