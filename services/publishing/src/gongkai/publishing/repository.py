"""SQL for disclosure versions; the only module of this service that speaks to the database."""

from __future__ import annotations

from gongkai.shared.contracts import Audience, Channel
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .domain import State, Version
from .tables import versions


async def add(session: AsyncSession, version: Version) -> None:
    row = {**version.__dict__, "audience": version.audience.value, "state": version.state.value,
           "channels": [c.value for c in version.channels]}
    await session.execute(insert(versions).values(**row))


async def get(session: AsyncSession, item_id: str, version: int, *, for_update: bool = False) -> Version | None:
    stmt = select(versions).where(versions.c.item_id == item_id, versions.c.version == version)
    if for_update:
        stmt = stmt.with_for_update()
    row = (await session.execute(stmt)).mappings().one_or_none()
    return _version(row) if row else None


async def history(session: AsyncSession, item_id: str) -> list[Version]:
    stmt = select(versions).where(versions.c.item_id == item_id).order_by(versions.c.version)
    return [_version(row) for row in (await session.execute(stmt)).mappings()]


async def save_state(session: AsyncSession, version: Version) -> None:
    await session.execute(
        update(versions).where(versions.c.item_id == version.item_id, versions.c.version == version.version)
        .values(state=version.state.value, published_at=version.published_at))


def _version(row: dict) -> Version:
    return Version(**{**row, "audience": Audience(row["audience"]), "state": State(row["state"]),
                      "channels": tuple(Channel(c) for c in row["channels"])})
