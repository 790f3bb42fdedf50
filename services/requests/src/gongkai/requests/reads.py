"""Reads for the HTTP API, outside the command handlers: the queue, one request, a secret's hash."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import repository, views
from .domain import Request
from .letters import Letter


class Reads:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def queue(self, state: str | None, limit: int) -> list[Request]:
        async with self.sessions() as session:
            return await repository.queue(session, state, limit)

    async def detail(self, request_id: str) -> views.RequestDetail | None:
        async with self.sessions() as session:
            found = await repository.get(session, request_id)
            if found is None:
                return None
            return views.detail(found, await repository.applicant_of(session, request_id) or {},
                                await repository.letters_of(session, request_id))

    async def secret_of(self, request_id: str) -> str | None:
        async with self.sessions() as session:
            return await repository.secret_of(session, request_id)

    async def letters(self, request_id: str) -> list[Letter]:
        async with self.sessions() as session:
            return await repository.letters_of(session, request_id)
