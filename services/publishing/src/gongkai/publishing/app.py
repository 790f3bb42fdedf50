"""Wiring of the publishing service: the one place its parts are built."""

from __future__ import annotations

from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.http import http_app
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings

from .catalogue import Catalogue
from .handlers import Publishing
from .http import router
from .tables import SCHEMA, metadata


def build(settings: Settings) -> tuple[Service, Publishing]:
    service = Service(SCHEMA, metadata, settings)
    handlers = Publishing(service, Catalogue.load())
    service.on_commands("publishing.intake", {c.SUBMIT_DISCLOSURE: handlers.submit})
    service.on_events("publishing.reviews", {
        c.REVIEW_APPROVED: handlers.on_approved,
        c.REVIEW_REJECTED: handlers.on_stopped,
        c.REVIEW_BLOCKED: handlers.on_stopped,
    })
    return service, handlers


def create_app(settings: Settings | None = None) -> FastAPI:
    service, handlers = build(settings or Settings())
    app = http_app(service, [router], title="Gongkai publishing",
                   description="Disclosure items: staff intake and publication to public channels.")
    app.state.publishing = handlers
    return app
