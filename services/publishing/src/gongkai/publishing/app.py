"""Wiring of the publishing service: the one place its parts are built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.consumers import EventHandler
from gongkai.shared.envelope import Envelope
from gongkai.shared.http import http_app
from gongkai.shared.review_keys import ReviewKeySettings
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings
from pydantic import Field

from . import http, public
from .catalogue import Catalogue
from .deadlines import Deadlines
from .handlers import Publishing
from .reads import ItemReads, PublicReads
from .releases import Releases
from .store import PublishingUnitOfWork, units_of
from .tables import SCHEMA, metadata


class PublishingSettings(ReviewKeySettings):
    """Publishing's own settings (``GONGKAI_`` prefix, beside the shared ones).

    ``GONGKAI_REVIEW_KEYS`` (verifier keys, one a line or comma-separated) or ``GONGKAI_REVIEW_KEYS_FILE``
    name the review keys whose signed decisions publishing acts on; more than one while keys rotate.
    Without either, development trusts the development review key; production refuses to start
    without keys of its own, and refuses the development key.
    """

    catalogue_file: Path | None = Field(None, description="the agency's catalogue; the bundled plan if unset")
    release_poll_seconds: float = Field(1.0, gt=0, le=300, description="how often scheduled releases are checked")
    deadline_rules_file: Path | None = Field(None, description="the deadline rules notification enforces")
    calendar_dir: Path | None = Field(None, description="year files beside the shipped ones, as notification's")



def not_of_replies(handler: EventHandler) -> EventHandler:
    """``handler`` for review's decisions on disclosure items; one on a reply to a request (``reply:…``) is the
    requests service's, and one on what participation shows the public (``opinion:…``, ``consultation:…``,
    ``comment:…``, ``feedback:…``) is participation's, never publishing's: it is acknowledged and ignored."""

    async def on_decision(decision: Any, event: Envelope, uow: Any) -> None:
        if not (c.is_reply_item(decision.item_id) or c.is_participation_item(decision.item_id)):
            await handler(decision, event, uow)

    return on_decision


def build(settings: Settings, own: PublishingSettings | None = None) -> tuple[Service, Publishing]:
    own = own or PublishingSettings()
    service = Service(SCHEMA, metadata, settings, unit_of_work=PublishingUnitOfWork)
    catalogue = Catalogue.load(own.catalogue_file)
    deadlines = Deadlines.load(own.deadline_rules_file, own.calendar_dir)
    deadlines.check(catalogue)
    handlers = Publishing(service.origin, catalogue, own.key_ring(), deadlines)
    service.on_commands("publishing.intake", {
        c.SUBMIT_DISCLOSURE: handlers.submit,
        c.CREATE_DISCLOSURE: handlers.create,
        c.EDIT_DISCLOSURE: handlers.edit,
        c.SUBMIT_VERSION: handlers.submit_version,
        c.MARK_INFORMATION_CHANGED: handlers.mark_changed,
        c.SCHEDULE_RELEASE: handlers.schedule,
        c.WITHDRAW_DISCLOSURE: handlers.withdraw,
    })
    decisions: dict[str, EventHandler] = {
        c.REVIEW_CASE_OPENED: handlers.on_case_opened,
        c.REVIEW_APPROVED: handlers.on_approved,
        c.REVIEW_REJECTED: handlers.on_rejected,
        c.REVIEW_BLOCKED: handlers.on_blocked,
        c.REVIEW_REDACTION_REQUESTED: handlers.on_redaction_requested,
        c.REVIEW_WITHHELD: handlers.on_withheld,
    }
    service.on_events("publishing.reviews", {kind: not_of_replies(handler) for kind, handler in decisions.items()})
    return service, handlers


def create_app(settings: Settings | None = None, own: PublishingSettings | None = None) -> FastAPI:
    own = own or PublishingSettings()
    service, handlers = build(settings or Settings(), own)
    releases = Releases(units_of(service), handlers)
    service.background("releases", lambda: releases.run(own.release_poll_seconds))
    app = http_app(service, [http.router, public.router], title="Gongkai publishing",
                   description="Disclosure items: staff intake, their lifecycle, publication to channels, "
                               "and the public read side (catalogue, search, feeds).")
    app.state.publishing = handlers
    app.state.items = ItemReads(service.sessions, handlers.catalogue, handlers.deadlines)
    app.state.public = PublicReads(service.sessions, handlers.catalogue, handlers.deadlines)
    app.state.releases = releases
    return app
