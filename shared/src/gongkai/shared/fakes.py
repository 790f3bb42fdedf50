"""An in-memory unit of work for handler tests: what a handler emits, and nothing else, with no I/O.

A service's tests add its in-memory stores (review: ``cases``) to it; the handler cannot tell it from the
real one, because it sees either through the same small protocol.
"""

from __future__ import annotations

from .envelope import Envelope
from .topology import EXCHANGES


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, Envelope]] = []  # (exchange, event), in order
        self.replies: dict[str, str] = {}
        self.claimed: set[tuple[str, str]] = set()
        self.committed = False

    def emit(self, event: Envelope, exchange: str = "events", routing_key: str | None = None,
             reply_to: str | None = None) -> None:
        if exchange not in EXCHANGES:
            raise ValueError(f"unknown exchange {exchange!r}")
        self.emitted.append((exchange, event))
        if reply_to:
            self.replies[event.id] = reply_to

    async def claim(self, key: str, consumer: str) -> bool:
        if (consumer, key) in self.claimed:
            return False
        self.claimed.add((consumer, key))
        return True

    async def commit(self) -> None:
        self.committed = True

    def types(self) -> list[str]:
        return [event.type for _, event in self.emitted]

    def of_type(self, type: str) -> list[Envelope]:
        return [event for _, event in self.emitted if event.type == type]
