"""Wiring of the notification service: the one place its parts are built."""

from __future__ import annotations

from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.http import http_app
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings

from .handlers import Notification
from .http import router
from .tables import SCHEMA, metadata


def build(settings: Settings) -> tuple[Service, Notification]:
    service = Service(SCHEMA, metadata, settings)
    handlers = Notification(service)
    service.on_events("notification.deadlines", {
        c.DISCLOSURE_SUBMITTED: handlers.on_submitted,
        c.DISCLOSURE_PUBLISHED: handlers.on_published,
        c.REVIEW_REJECTED: handlers.on_stopped,
        c.REVIEW_BLOCKED: handlers.on_stopped,
    })
    return service, handlers


def create_app(settings: Settings | None = None) -> FastAPI:
    service, handlers = build(settings or Settings())
    app = http_app(service, [router], title="Gongkai notification",
                   description="Deadlines opened by submissions and met by publication.")
    app.state.notification = handlers
    return app
