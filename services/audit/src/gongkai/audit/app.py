"""Wiring of the audit service: the one place its parts are built."""

from __future__ import annotations

from fastapi import FastAPI
from gongkai.shared.http import http_app
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings

from .consumers import DEAD_LETTER_QUEUE, RECORD_QUEUE, subscribe
from .handlers import Audit
from .http import router
from .tables import SCHEMA, metadata


def build(settings: Settings) -> tuple[Service, Audit]:
    service = Service(SCHEMA, metadata, settings)
    handlers = Audit(service)
    subscribe(service, handlers, RECORD_QUEUE, dead_lettered=False)
    subscribe(service, handlers, DEAD_LETTER_QUEUE, dead_lettered=True)
    return service, handlers


def create_app(settings: Settings | None = None) -> FastAPI:
    service, handlers = build(settings or Settings())
    app = http_app(service, [router], title="Gongkai audit",
                   description="The append-only log of every event, command and dead letter, for auditors.")
    app.state.audit = handlers
    return app
