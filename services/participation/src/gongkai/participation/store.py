"""What the participation handlers need of storage, as a small protocol, and the unit of work that carries it.

``ParticipationWork`` is a handler's whole view of its unit of work: the stores, and ``emit``. The real one is
``ParticipationUnitOfWork`` (one transaction, SQL through ``repository``); the rule tests hand the handlers an
in-memory one (``services/participation/tests/fakes.py``).
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from gongkai.shared.envelope import Envelope
from gongkai.shared.unit_of_work import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .consultations import Comment, Consultation
from .domain import Opinion


class OpinionStore(Protocol):
    async def add(self, opinion: Opinion, secret_sha256: str, person: dict[str, Any], fingerprint: str,
                  contact_key: str | None) -> bool:
        """Store a new opinion; False when its number is taken."""

    async def get(self, opinion_id: str, *, for_update: bool = False) -> Opinion | None: ...

    async def save(self, opinion: Opinion) -> None: ...

    async def duplicate_of(self, fingerprint: str, contact_key: str | None, since: date) -> date | None: ...


class ConsultationStore(Protocol):
    async def add(self, x: Consultation) -> bool: ...

    async def get(self, consultation_id: str, *, for_update: bool = False) -> Consultation | None: ...

    async def save(self, x: Consultation) -> None: ...

    async def add_comment(self, m: Comment, person: dict[str, Any], fingerprint: str,
                          contact_key: str | None) -> None: ...

    async def get_comment(self, comment_id: str, *, for_update: bool = False) -> Comment | None: ...

    async def save_comment(self, m: Comment) -> None: ...

    async def comments_of(self, consultation_id: str) -> list[Comment]: ...

    async def comment_duplicate(self, consultation_id: str, fingerprint: str, contact_key: str | None) -> bool: ...

    async def add_registration(self, registration_id: str, consultation_id: str, hearing_id: str, on: date,
                               person: dict[str, Any]) -> None: ...

    async def registrations_of(self, consultation_id: str, hearing_id: str) -> list[dict[str, Any]]: ...


class ParticipationWork(Protocol):
    opinions: OpinionStore
    consultations: ConsultationStore

    def emit(self, event: Envelope, exchange: str = "events", routing_key: str | None = None,
             reply_to: str | None = None) -> None: ...


class SqlOpinions:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, opinion: Opinion, secret_sha256: str, person: dict[str, Any], fingerprint: str,
                  contact_key: str | None) -> bool:
        return await repository.add_opinion(self._session, opinion, secret_sha256, person, fingerprint, contact_key)

    async def get(self, opinion_id: str, *, for_update: bool = False) -> Opinion | None:
        return await repository.get_opinion(self._session, opinion_id, for_update=for_update)

    async def save(self, opinion: Opinion) -> None:
        await repository.save_opinion(self._session, opinion)

    async def duplicate_of(self, fingerprint: str, contact_key: str | None, since: date) -> date | None:
        return await repository.duplicate_of(self._session, fingerprint, contact_key, since)


class SqlConsultations:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, x: Consultation) -> bool:
        return await repository.add_consultation(self._session, x)

    async def get(self, consultation_id: str, *, for_update: bool = False) -> Consultation | None:
        return await repository.get_consultation(self._session, consultation_id, for_update=for_update)

    async def save(self, x: Consultation) -> None:
        await repository.save_consultation(self._session, x)

    async def add_comment(self, m: Comment, person: dict[str, Any], fingerprint: str,
                          contact_key: str | None) -> None:
        await repository.add_comment(self._session, m, person, fingerprint, contact_key)

    async def get_comment(self, comment_id: str, *, for_update: bool = False) -> Comment | None:
        return await repository.get_comment(self._session, comment_id, for_update=for_update)

    async def save_comment(self, m: Comment) -> None:
        await repository.save_comment(self._session, m)

    async def comments_of(self, consultation_id: str) -> list[Comment]:
        return await repository.comments_of(self._session, consultation_id)

    async def comment_duplicate(self, consultation_id: str, fingerprint: str, contact_key: str | None) -> bool:
        return await repository.comment_duplicate(self._session, consultation_id, fingerprint, contact_key)

    async def add_registration(self, registration_id: str, consultation_id: str, hearing_id: str, on: date,
                               person: dict[str, Any]) -> None:
        await repository.add_registration(self._session, registration_id, consultation_id, hearing_id, on, person)

    async def registrations_of(self, consultation_id: str, hearing_id: str) -> list[dict[str, Any]]:
        return await repository.registrations_of(self._session, consultation_id, hearing_id)


class ParticipationUnitOfWork(UnitOfWork):
    """The runtime's unit of work with the participation stores on it."""

    opinions: OpinionStore
    consultations: ConsultationStore

    async def __aenter__(self) -> ParticipationUnitOfWork:
        await super().__aenter__()
        self.opinions = SqlOpinions(self.session)
        self.consultations = SqlConsultations(self.session)
        return self
