"""Wiring of the public portal: its store, its queue on the public exchange, its pages."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from gongkai.shared.accounts import PUBLIC_SITE
from gongkai.shared.db import create_engine, session_factory
from gongkai.shared.settings import Settings
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy import text

from . import apply, consultations, domain, opinions, pages, repository
from .consumer import PublicQueue
from .tables import SCHEMA

log = logging.getLogger("gongkai.portal")


class PortalSettings(BaseSettings):
    """The portal's own settings (``GONGKAI_PORTAL_`` prefix, beside the shared ones)."""

    model_config = SettingsConfigDict(env_prefix="GONGKAI_PORTAL_", extra="ignore")

    queue: str = Field("portal", pattern=r"^[a-z][a-z0-9_-]{0,40}$",
                       description="its queue is <namespace>.public-site.<queue>")
    site_name: str = Field("政府信息公开", max_length=60, description="the name in every page's header")
    screen_seconds: int = Field(12, ge=2, le=300, description="how long the e-screen shows each notice")
    screen_items: int = Field(8, ge=1, le=30, description="how many of the latest notices the e-screen rotates")
    screen_refresh_seconds: int = Field(300, ge=10, le=3600, description="how often the e-screen reloads")
    requests_url: str = Field("http://127.0.0.1:8005", description="the requests service, for the request form and "
                              "the applicant's status page (its /public routes only)")
    participation_url: str = Field("http://127.0.0.1:8006", description="the participation service, for the "
                                   "opinion box and the consultations (its public routes only)")


class Portal:
    """The store (schema ``portal``, as its runtime role) and the queue that feeds it."""

    def __init__(self, settings: Settings, own: PortalSettings) -> None:
        self.settings = settings
        self.own = own
        self.engine = create_engine(settings.database_url_for(SCHEMA))
        self.sessions = session_factory(self.engine)
        self.queue = PublicQueue(settings, own.queue, self.merge)
        self.started = False

    async def merge(self, fact: domain.Fact) -> domain.Item:
        async with self.sessions() as session, session.begin():
            return await repository.merge(session, fact)

    async def start(self) -> None:
        await self._check_database()
        await self.queue.start()
        self.started = True
        log.info("portal started", extra={"namespace": self.settings.namespace})

    async def stop(self) -> None:
        self.started = False
        await self.queue.stop()
        await self.engine.dispose()
        log.info("portal stopped")

    async def _check_database(self) -> None:
        async with self.sessions() as session:
            row = (await session.execute(text(
                "select current_user, rolsuper, has_schema_privilege(:schema, 'CREATE') from pg_roles"
                " where rolname = current_user"), {"schema": SCHEMA})).one()
        if row[1] or row[2]:
            problem = (f"the portal connects to PostgreSQL as {row[0]!r}, which may change its schema: give it "
                       f"its runtime role {self.settings.database_role(SCHEMA)!r}")
            if self.settings.env == "production":
                from gongkai.shared.preflight import StartRefused

                raise StartRefused(problem)
            log.warning(problem)

    async def ready(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        if not self.started:
            problems["portal"] = "starting or stopping"
        try:
            async with self.sessions() as session:
                await session.execute(text("select 1"))
        except Exception as exc:
            problems["database"] = f"{type(exc).__name__}: {exc}"[:300]
        if not self.queue.running:
            problems["broker"] = f"not consuming {self.queue.name} as {self.settings.broker_account(PUBLIC_SITE)}"
        return problems


def create_app(settings: Settings | None = None, own: PortalSettings | None = None) -> FastAPI:
    portal = Portal(settings or Settings(), own or PortalSettings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await portal.start()
        try:
            yield
        finally:
            await portal.stop()

    app = FastAPI(title="Gongkai portal", version="1", lifespan=lifespan, docs_url=None, redoc_url=None,
                  openapi_url=None)
    app.state.portal = portal
    app.mount("/static", StaticFiles(packages=[("gongkai.portal", "static")]), name="static")
    app.include_router(pages.router)
    app.include_router(apply.router)
    app.include_router(opinions.router)
    app.include_router(consultations.router)
    pages.install_error_pages(app)
    return app
