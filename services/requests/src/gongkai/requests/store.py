"""What the requests service's handlers need of storage, as small protocols, and the unit of work that carries them.

``RequestsWork`` is a handler's whole view of its unit of work: the requests, and ``emit``. The real one is
``RequestsUnitOfWork`` (one transaction, SQL through ``repository``); the rule tests hand the handlers an
in-memory one (``services/requests/tests/fakes.py``).
"""

from __future__ import annotations

from typing import Any, Protocol

from gongkai.shared.envelope import Envelope
from gongkai.shared.unit_of_work import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .domain import Request
from .letters import Letter


class RequestStore(Protocol):
    async def add(self, request: Request, secret_sha256: str, applicant: dict[str, Any]) -> bool:
        """Store a new request; False when its tracking number is taken."""

    async def get(self, request_id: str, *, for_update: bool = False) -> Request | None: ...

    async def save(self, request: Request) -> None: ...

    async def secret_of(self, request_id: str) -> str | None: ...

    async def applicant_of(self, request_id: str) -> dict[str, Any] | None: ...

    async def nth_this_month(self, request_id: str) -> int:
        """The request's place among its applicant's requests of that calendar month (按件计收)."""
        ...

    async def add_letter(self, letter: Letter) -> None: ...

    async def letters_of(self, request_id: str) -> list[Letter]: ...


class RequestsWork(Protocol):
    requests: RequestStore

    def emit(self, event: Envelope, exchange: str = "events", routing_key: str | None = None,
             reply_to: str | None = None) -> None: ...


class SqlRequests:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, request: Request, secret_sha256: str, applicant: dict[str, Any]) -> bool:
        return await repository.add(self._session, request, secret_sha256, applicant)

    async def get(self, request_id: str, *, for_update: bool = False) -> Request | None:
        return await repository.get(self._session, request_id, for_update=for_update)

    async def save(self, request: Request) -> None:
        await repository.save(self._session, request)

    async def secret_of(self, request_id: str) -> str | None:
        return await repository.secret_of(self._session, request_id)

    async def applicant_of(self, request_id: str) -> dict[str, Any] | None:
        return await repository.applicant_of(self._session, request_id)

    async def nth_this_month(self, request_id: str) -> int:
        return await repository.nth_this_month(self._session, request_id)

    async def add_letter(self, letter: Letter) -> None:
        await repository.add_letter(self._session, letter)

    async def letters_of(self, request_id: str) -> list[Letter]:
        return await repository.letters_of(self._session, request_id)


class RequestsUnitOfWork(UnitOfWork):
    """The runtime's unit of work with the requests on it."""

    requests: RequestStore

    async def __aenter__(self) -> RequestsUnitOfWork:
        await super().__aenter__()
        self.requests = SqlRequests(self.session)
        return self
