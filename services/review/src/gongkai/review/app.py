"""Wiring of the review service: the one place its parts are built."""

from __future__ import annotations

from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.http import http_app
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings

from . import policy as policies
from .config import ReviewConfig
from .handlers import Cases, Review
from .http import router
from .screening import Screener
from .screening.keywords import KeywordFile
from .store import ReviewUnitOfWork
from .tables import SCHEMA, metadata


def screener(policy: policies.Policy | None = None) -> Screener:
    """The screener of the configured policy (``GONGKAI_REVIEW_POLICY``) and keyword file."""
    policy = policy or policies.load()
    return Screener(policy, KeywordFile(policies.keyword_path(policy)))


def build(settings: Settings, policy: policies.Policy | None = None,
          config: ReviewConfig | None = None) -> tuple[Service, Review]:
    service = Service(SCHEMA, metadata, settings, unit_of_work=ReviewUnitOfWork)
    handlers = Review(service.origin, screener(policy), (config or ReviewConfig()).signer())
    # A reply to a request for disclosure is screened and decided like any version (its item is reply:<request>),
    # and so is what participation would show the public (opinion:<id>, consultation:<id>, comment:<id> …).
    service.on_events("review.submissions", {c.DISCLOSURE_SUBMITTED: handlers.on_submitted,
                                             c.REQUESTS_REPLY_SUBMITTED: handlers.on_submitted,
                                             c.PUBLICATION_SUBMITTED: handlers.on_submitted})
    service.on_commands("review.intake", {c.DECIDE_REVIEW: handlers.decide})
    return service, handlers


def create_app(settings: Settings | None = None, policy: policies.Policy | None = None,
               config: ReviewConfig | None = None) -> FastAPI:
    service, handlers = build(settings or Settings(), policy, config)
    app = http_app(service, [router], title="Gongkai review",
                   description="Confidentiality review (保密审查): screening, the reviewers' queue and decisions.")
    app.state.review = handlers
    app.state.cases = Cases(service.sessions)
    return app
