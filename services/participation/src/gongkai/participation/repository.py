"""The participation service's SQL."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .consultations import Comment, Consultation
from .domain import Opinion
from .tables import comments, consultations, opinions, registrations


def _columns(opinion: Opinion) -> dict[str, Any]:
    return {"state": opinion.state.value, "unit": opinion.unit, "topic": opinion.topic, "hidden": opinion.hidden,
            "published": opinion.published, "document": opinion.model_dump(mode="json")}


async def add_opinion(session: AsyncSession, opinion: Opinion, secret_sha256: str, person: dict[str, Any],
                      fingerprint: str, contact_key: str | None) -> bool:
    row = {"opinion_id": opinion.opinion_id, "secret_sha256": secret_sha256, "channel": opinion.channel.value,
           "received_on": opinion.received_on, "fingerprint": fingerprint, "contact_key": contact_key,
           "person": person, **_columns(opinion)}
    done = await session.execute(insert(opinions).values(**row).on_conflict_do_nothing()
                                 .returning(opinions.c.opinion_id))
    return done.scalar_one_or_none() is not None


async def get_opinion(session: AsyncSession, opinion_id: str, *, for_update: bool = False) -> Opinion | None:
    query = select(opinions.c.document).where(opinions.c.opinion_id == opinion_id)
    if for_update:
        query = query.with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    return Opinion.model_validate(found) if found is not None else None


async def save_opinion(session: AsyncSession, opinion: Opinion) -> None:
    await session.execute(update(opinions).where(opinions.c.opinion_id == opinion.opinion_id)
                          .values(**_columns(opinion), updated_at=func.now()))


async def duplicate_of(session: AsyncSession, fingerprint: str, contact_key: str | None, since: date) -> date | None:
    """The day the same text came from the same contact (or, with no contact, from anyone) since ``since``.

    Two of the same text are serialised by a transaction lock on the fingerprint, so both cannot pass at once."""
    await session.execute(text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                          {"key": f"participation:{fingerprint}"})
    query = select(func.min(opinions.c.received_on)).where(
        opinions.c.fingerprint == fingerprint, opinions.c.received_on >= since,
        opinions.c.contact_key == contact_key if contact_key else opinions.c.contact_key.is_(None))
    found: date | None = (await session.execute(query)).scalar_one_or_none()
    return found


async def person_of(session: AsyncSession, opinion_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await session.execute(
        select(opinions.c.person).where(opinions.c.opinion_id == opinion_id))).scalar_one_or_none()
    return found


async def secret_of(session: AsyncSession, opinion_id: str) -> str | None:
    found: str | None = (await session.execute(
        select(opinions.c.secret_sha256).where(opinions.c.opinion_id == opinion_id))).scalar_one_or_none()
    return found


async def opinion_queue(session: AsyncSession, *, state: str | None, unit: str | None, topic: str | None,
                        hidden: bool | None, limit: int) -> list[Opinion]:
    query = select(opinions.c.document).order_by(opinions.c.received_on, opinions.c.opinion_id).limit(limit)
    if state == "open":
        query = query.where(opinions.c.state != "answered", opinions.c.hidden.is_(False))
    elif state:
        query = query.where(opinions.c.state == state)
    if unit:
        query = query.where(opinions.c.unit == unit)
    if topic:
        query = query.where(opinions.c.topic == topic)
    if hidden is not None:
        query = query.where(opinions.c.hidden.is_(hidden))
    return [Opinion.model_validate(row) for row in (await session.execute(query)).scalars()]


async def published_opinions(session: AsyncSession, topic: str | None, limit: int, offset: int) -> list[Opinion]:
    query = (select(opinions.c.document).where(opinions.c.published.is_(True))
             .order_by(opinions.c.received_on.desc(), opinions.c.opinion_id).limit(limit).offset(offset))
    if topic:
        query = query.where(opinions.c.topic == topic)
    return [Opinion.model_validate(row) for row in (await session.execute(query)).scalars()]


async def opinions_of_year(session: AsyncSession, year: int) -> list[Opinion]:
    query = select(opinions.c.document).where(opinions.c.received_on >= date(year, 1, 1),
                                              opinions.c.received_on <= date(year, 12, 31))
    return [Opinion.model_validate(row) for row in (await session.execute(query)).scalars()]


# ---- consultations ------------------------------------------------------------------------------------


def _consultation(x: Consultation) -> dict[str, Any]:
    return {"state": x.state.value, "opens_on": x.opens_on, "closes_on": x.closes_on,
            "document": x.model_dump(mode="json")}


async def add_consultation(session: AsyncSession, x: Consultation) -> bool:
    done = await session.execute(insert(consultations).values(
        consultation_id=x.consultation_id, kind=x.kind, unit=x.unit, **_consultation(x))
        .on_conflict_do_nothing().returning(consultations.c.consultation_id))
    return done.scalar_one_or_none() is not None


async def get_consultation(session: AsyncSession, consultation_id: str, *, for_update: bool = False
                           ) -> Consultation | None:
    query = select(consultations.c.document).where(consultations.c.consultation_id == consultation_id)
    if for_update:
        query = query.with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    return Consultation.model_validate(found) if found is not None else None


async def save_consultation(session: AsyncSession, x: Consultation) -> None:
    await session.execute(update(consultations).where(consultations.c.consultation_id == x.consultation_id)
                          .values(**_consultation(x), updated_at=func.now()))


async def list_consultations(session: AsyncSession, states: tuple[str, ...] | None, limit: int) -> list[Consultation]:
    query = select(consultations.c.document).order_by(consultations.c.opens_on.desc()).limit(limit)
    if states:
        query = query.where(consultations.c.state.in_(states))
    return [Consultation.model_validate(row) for row in (await session.execute(query)).scalars()]


async def add_comment(session: AsyncSession, m: Comment, person: dict[str, Any], fingerprint: str,
                      contact_key: str | None) -> None:
    await session.execute(insert(comments).values(
        comment_id=m.comment_id, consultation_id=m.consultation_id, number=m.number, shown=m.shown, hidden=m.hidden,
        fingerprint=fingerprint, contact_key=contact_key, person=person, document=m.model_dump(mode="json")))


async def get_comment(session: AsyncSession, comment_id: str, *, for_update: bool = False) -> Comment | None:
    query = select(comments.c.document).where(comments.c.comment_id == comment_id)
    if for_update:
        query = query.with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    return Comment.model_validate(found) if found is not None else None


async def save_comment(session: AsyncSession, m: Comment) -> None:
    await session.execute(update(comments).where(comments.c.comment_id == m.comment_id).values(
        shown=m.shown, hidden=m.hidden, document=m.model_dump(mode="json"), updated_at=func.now()))


async def comments_of(session: AsyncSession, consultation_id: str, *, shown_only: bool = False) -> list[Comment]:
    query = select(comments.c.document).where(comments.c.consultation_id == consultation_id).order_by(
        comments.c.number)
    if shown_only:
        query = query.where(comments.c.shown.is_(True))
    return [Comment.model_validate(row) for row in (await session.execute(query)).scalars()]


async def comment_duplicate(session: AsyncSession, consultation_id: str, fingerprint: str, contact_key: str | None
                            ) -> bool:
    query = select(func.count()).select_from(comments).where(
        comments.c.consultation_id == consultation_id, comments.c.fingerprint == fingerprint,
        comments.c.contact_key == contact_key if contact_key else comments.c.contact_key.is_(None))
    return bool((await session.execute(query)).scalar_one())


async def person_of_comment(session: AsyncSession, comment_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await session.execute(
        select(comments.c.person).where(comments.c.comment_id == comment_id))).scalar_one_or_none()
    return found


async def add_registration(session: AsyncSession, registration_id: str, consultation_id: str, hearing_id: str,
                           on: date, person: dict[str, Any]) -> None:
    await session.execute(insert(registrations).values(
        registration_id=registration_id, consultation_id=consultation_id, hearing_id=hearing_id, registered_on=on,
        person=person))


async def registrations_of(session: AsyncSession, consultation_id: str, hearing_id: str) -> list[dict[str, Any]]:
    rows = (await session.execute(select(registrations).where(
        registrations.c.consultation_id == consultation_id, registrations.c.hearing_id == hearing_id)
        .order_by(registrations.c.created_at))).mappings()
    return [{"registration_id": r["registration_id"], "registered_on": r["registered_on"], **r["person"]}
            for r in rows]
