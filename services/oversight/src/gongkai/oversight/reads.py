"""Reads for the HTTP API, outside the command handlers: inspections, and the units' scorecards."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import repository, views
from .domain import Inspection


class Reads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def inspections(self, unit: str | None, state: str | None, limit: int) -> list[Inspection]:
        async with self.sessions() as session:
            return await repository.listed(session, unit, state, limit)

    async def inspection(self, inspection_id: str) -> Inspection | None:
        async with self.sessions() as session:
            return await repository.get(session, inspection_id)

    async def scorecards(self, today: date, start: date | None = None, end: date | None = None
                         ) -> list[views.Scorecard]:
        """Every unit's scorecard; with ``start``/``end`` the facts and inspections of those days only."""
        async with self.sessions() as session:
            facts = await repository.fact_counts(session, start, end)
            inspections = await repository.listed(session, None, None, 100_000)
        if start is not None:
            inspections = [i for i in inspections if i.on >= start]
        if end is not None:
            inspections = [i for i in inspections if i.on <= end]
        return views.scorecards(facts, inspections, today)
