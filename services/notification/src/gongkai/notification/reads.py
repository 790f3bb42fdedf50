"""What notification's HTTP routes read and mark: deadlines, a person's in-app inbox, deliveries. Sessions of
their own, no unit of work (nothing is emitted)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import repository
from .domain import Deadline, State


class Reads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def deadlines(self, *, item_id: str | None, state: State | None, rule: str | None = None,
                        limit: int = 100) -> list[Deadline]:
        async with self._sessions() as session:
            return await repository.find(session, item_id=item_id, state=state, rule=rule, limit=limit)

    async def deliveries(self, *, state: str | None = None, channel: str | None = None,
                         recipient: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        async with self._sessions() as session:
            return await repository.find_deliveries(session, state=state, channel=channel, recipient=recipient,
                                                    limit=limit)

    async def mark_read(self, recipient: str, delivery_id: str, at: datetime) -> bool:
        """Mark one of ``recipient``'s inbox messages read; False when it is not theirs (or not there)."""
        async with self._sessions() as session, session.begin():
            return await repository.mark_read(session, recipient, delivery_id, at)

    async def live(self) -> float:
        """Deadlines still running (open or paused), for /metrics."""
        async with self._sessions() as session:
            return await repository.count_live(session)
