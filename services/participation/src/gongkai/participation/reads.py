"""Reads for the HTTP API, outside the command handlers: the queue, one opinion, the published ones, statistics."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import repository, views
from .domain import Opinion
from .policy import Policy


class Reads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], policy: Policy) -> None:
        self.sessions = sessions
        self.policy = policy

    async def opinion_queue(self, *, state: str | None, unit: str | None, topic: str | None, hidden: bool | None,
                            limit: int) -> list[Opinion]:
        async with self.sessions() as session:
            return await repository.opinion_queue(session, state=state, unit=unit, topic=topic, hidden=hidden,
                                                  limit=limit)

    async def opinion(self, opinion_id: str) -> Opinion | None:
        async with self.sessions() as session:
            return await repository.get_opinion(session, opinion_id)

    async def opinion_detail(self, opinion_id: str) -> views.OpinionDetail | None:
        async with self.sessions() as session:
            found = await repository.get_opinion(session, opinion_id)
            if found is None:
                return None
            return views.detail(found, await repository.person_of(session, opinion_id) or {}, self.policy)

    async def opinion_secret(self, opinion_id: str) -> str | None:
        async with self.sessions() as session:
            return await repository.secret_of(session, opinion_id)

    async def published_opinions(self, topic: str | None, limit: int, offset: int) -> list[Opinion]:
        async with self.sessions() as session:
            return await repository.published_opinions(session, topic, limit, offset)

    async def statistics(self, year: int, today: date) -> views.Statistics:
        async with self.sessions() as session:
            opinions = await repository.opinions_of_year(session, year)
        return views.Statistics(opinions=views.opinion_statistics(opinions, year, today, self.policy))
