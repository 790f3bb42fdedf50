"""Reads for the HTTP API, outside the command handlers: the queue, one opinion, the published ones, statistics."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from . import repository, views
from .consultations import Comment, Consultation
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
            found = [x for x in await repository.list_consultations(session, None, 10_000) if x.opens_on.year == year]
            comments = {x.consultation_id: await repository.comments_of(session, x.consultation_id) for x in found}
        return views.Statistics(opinions=views.opinion_statistics(opinions, year, today, self.policy),
                                consultations=views.consultation_statistics(found, comments, year))

    # ---- consultations ------------------------------------------------------------------------------

    def kind_names(self) -> dict[str, str]:
        return {k: v.name for k, v in self.policy.kinds.items()}

    async def consultations(self, states: tuple[str, ...] | None, limit: int) -> list[Consultation]:
        async with self.sessions() as session:
            return await repository.list_consultations(session, states, limit)

    async def consultation(self, consultation_id: str) -> Consultation | None:
        async with self.sessions() as session:
            return await repository.get_consultation(session, consultation_id)

    async def shown_comments(self, consultation_id: str) -> list[Comment]:
        async with self.sessions() as session:
            return [m for m in await repository.comments_of(session, consultation_id, shown_only=True) if m.shown]

    async def consultation_detail(self, consultation_id: str) -> views.ConsultationDetail | None:
        async with self.sessions() as session:
            x = await repository.get_consultation(session, consultation_id)
            if x is None:
                return None
            comments = []
            for m in await repository.comments_of(session, consultation_id):
                comments.append(views.StaffComment(
                    comment_id=m.comment_id, number=m.number, text=m.text, received_on=m.received_on,
                    review=m.publication.review, version=m.publication.version, shown=m.shown, hidden=m.hidden,
                    hidden_reason=m.hidden_reason,
                    person=await repository.person_of_comment(session, m.comment_id) or {}))
            registrations = {h.hearing_id: await repository.registrations_of(session, consultation_id, h.hearing_id)
                             for h in x.hearings}
        return views.ConsultationDetail(consultation=x.model_dump(mode="json"), comments=comments,
                                  registrations={k: [_jsonable(r) for r in v] for k, v in registrations.items()})


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
