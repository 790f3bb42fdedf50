"""What audit does with each message and each auditor's question."""

from __future__ import annotations

from typing import Any

from gongkai.shared.service import Service

from . import repository
from .record import Record, entry


class Audit:
    def __init__(self, service: Service) -> None:
        self.service = service

    async def record(self, record: Record) -> bool:
        """Append one record and commit; False when the message was recorded before."""
        async with self.service.uow() as uow:
            seq = await repository.append(uow.session, record)
            await uow.commit()
        return seq is not None

    async def trail(self, item_id: str) -> list[dict[str, Any]]:
        async with self.service.sessions() as session:
            return [entry(row) for row in await repository.trail(session, item_id)]

    async def events(self, *, type: str | None, actor: str | None, after_seq: int, limit: int) -> dict[str, Any]:
        """One page in seq order; ``next_after_seq`` is set when there may be more."""
        async with self.service.sessions() as session:
            rows = await repository.page(session, type=type, actor=actor, after_seq=after_seq, limit=limit + 1)
        more = len(rows) > limit
        page = [entry(row) for row in rows[:limit]]
        return {"events": page, "next_after_seq": page[-1]["seq"] if more else None}
