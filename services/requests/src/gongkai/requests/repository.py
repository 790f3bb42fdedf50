"""The requests service's SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from . import codec
from .domain import Request
from .letters import Letter, LetterKind
from .tables import letters, requests


async def add(session: AsyncSession, request: Request, secret_sha256: str, applicant: dict[str, Any]) -> bool:
    row = {"request_id": request.request_id, "secret_sha256": secret_sha256, "channel": request.channel.value,
           "applicant_kind": request.applicant_kind.value, "received_on": request.received_on,
           "state": request.state.value, "unit": request.unit, "applicant": applicant,
           "workflow": codec.dump(request)}
    done = await session.execute(insert(requests).values(**row).on_conflict_do_nothing()
                                 .returning(requests.c.request_id))
    return done.scalar_one_or_none() is not None


async def get(session: AsyncSession, request_id: str, *, for_update: bool = False) -> Request | None:
    query = select(requests.c.workflow).where(requests.c.request_id == request_id)
    if for_update:
        query = query.with_for_update()
    found = (await session.execute(query)).scalar_one_or_none()
    return codec.load(found) if found is not None else None


async def save(session: AsyncSession, request: Request) -> None:
    await session.execute(update(requests).where(requests.c.request_id == request.request_id).values(
        state=request.state.value, unit=request.unit, workflow=codec.dump(request), updated_at=func.now()))


async def secret_of(session: AsyncSession, request_id: str) -> str | None:
    found: str | None = (await session.execute(select(requests.c.secret_sha256)
                                               .where(requests.c.request_id == request_id))).scalar_one_or_none()
    return found


async def applicant_of(session: AsyncSession, request_id: str) -> dict[str, Any] | None:
    found: dict[str, Any] | None = (await session.execute(
        select(requests.c.applicant).where(requests.c.request_id == request_id))).scalar_one_or_none()
    return found


def identity_key(applicant: dict[str, Any]) -> str:
    """Who counts as the same applicant for the monthly fee count: the kind of document and its number."""
    identity = applicant.get("applicant") or {}
    return f"{identity.get('id_kind', '')}:{str(identity.get('id_number', '')).strip().upper()}"


async def nth_this_month(session: AsyncSession, request_id: str) -> int:
    """The request's place among its applicant's requests received in the same calendar month (1 for the first)."""
    this = (await session.execute(select(requests.c.received_on, requests.c.applicant, requests.c.created_at)
                                  .where(requests.c.request_id == request_id))).one()
    first = this.received_on.replace(day=1)
    identity = this.applicant.get("applicant") or {}
    same = (requests.c.applicant["applicant"]["id_kind"].astext == str(identity.get("id_kind", ""))) & (
        func.upper(func.trim(requests.c.applicant["applicant"]["id_number"].astext))
        == str(identity.get("id_number", "")).strip().upper())
    earlier = tuple_(requests.c.received_on, requests.c.created_at, requests.c.request_id) <= tuple_(
        this.received_on, this.created_at, request_id)
    counted: int = (await session.execute(select(func.count()).select_from(requests).where(
        same, requests.c.received_on >= first, earlier))).scalar_one()
    return counted


async def queue(session: AsyncSession, state: str | None, limit: int) -> list[Request]:
    query = select(requests.c.workflow).order_by(requests.c.received_on, requests.c.request_id).limit(limit)
    if state:
        query = query.where(requests.c.state == state)
    else:
        query = query.where(requests.c.state.notin_(("answered", "withdrawn")))
    return [codec.load(row) for row in (await session.execute(query)).scalars()]


async def add_letter(session: AsyncSession, letter: Letter) -> None:
    await session.execute(insert(letters).values(
        letter_id=letter.letter_id, request_id=letter.request_id, kind=letter.kind.value,
        issued_on=letter.issued_on, html=letter.html, sha256=letter.sha256))


async def letters_of(session: AsyncSession, request_id: str) -> list[Letter]:
    rows = (await session.execute(select(letters).where(letters.c.request_id == request_id)
                                  .order_by(letters.c.created_at, letters.c.letter_id))).mappings()
    return [Letter(letter_id=r["letter_id"], request_id=r["request_id"], kind=LetterKind(r["kind"]),
                   issued_on=r["issued_on"], html=r["html"], sha256=r["sha256"]) for r in rows]
