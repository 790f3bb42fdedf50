"""An in-memory participation store for the handler tests: the handlers cannot tell it from the SQL one."""

from __future__ import annotations

from datetime import date
from typing import Any

from gongkai.participation.domain import Opinion
from gongkai.shared.fakes import FakeUnitOfWork


class InMemoryOpinions:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[Opinion, str, dict[str, Any], str, str | None]] = {}

    async def add(self, opinion: Opinion, secret_sha256: str, person: dict[str, Any], fingerprint: str,
                  contact_key: str | None) -> bool:
        if opinion.opinion_id in self.rows:
            return False
        self.rows[opinion.opinion_id] = (opinion, secret_sha256, person, fingerprint, contact_key)
        return True

    async def get(self, opinion_id: str, *, for_update: bool = False) -> Opinion | None:
        found = self.rows.get(opinion_id)
        return found[0] if found else None

    async def save(self, opinion: Opinion) -> None:
        _, *rest = self.rows[opinion.opinion_id]
        self.rows[opinion.opinion_id] = (opinion, *rest)  # type: ignore[assignment]

    async def duplicate_of(self, fingerprint: str, contact_key: str | None, since: date) -> date | None:
        days = [o.received_on for o, _, _, f, k in self.rows.values()
                if f == fingerprint and k == contact_key and o.received_on >= since]
        return min(days, default=None)


class FakeParticipationWork(FakeUnitOfWork):
    def __init__(self, opinions: InMemoryOpinions) -> None:
        super().__init__()
        self.opinions = opinions
