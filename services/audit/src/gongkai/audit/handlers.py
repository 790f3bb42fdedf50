"""What audit does with each message and each auditor's question."""

from __future__ import annotations

from typing import Any

from gongkai.shared.service import Service

from . import repository
from .batching import AppendBatcher
from .record import Record, entry


class Audit:
    def __init__(self, service: Service) -> None:
        self.service = service
        self._batcher = AppendBatcher(self._append_many)

    async def record(self, record: Record) -> bool:
        """Append one record, committed when this returns; False when the message was recorded before."""
        return await self._batcher.append(record)

    async def _append_many(self, records: list[Record]) -> list[bool]:
        async with self.service.uow() as uow:
            appended = await repository.append_many(uow.session, records)
            await uow.commit()
        return appended

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
