"""Wiring of the participation service: the one place its parts are built."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.http import http_app
from gongkai.shared.ratelimit import FormLimits
from gongkai.shared.review_keys import ReviewKeySettings
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings
from pydantic import Field

from . import policy as policies
from .consultation_http import consultations_public, consultations_router
from .handlers import Participation
from .http import public, router
from .reads import Reads
from .store import ParticipationUnitOfWork
from .tables import SCHEMA, form_hits, metadata


class ParticipationSettings(ReviewKeySettings):
    """``GONGKAI_REVIEW_KEYS`` / ``GONGKAI_REVIEW_KEYS_FILE``: review's verifier keys, as publishing takes them.

    A text is shown to the public only on a decision signed with one of them; production refuses the development
    key. ``GONGKAI_FORM_PER_ADDRESS`` and ``GONGKAI_FORM_PER_CONTACT`` bound the public forms, as the requests
    service's.
    """

    form_per_address: int = Field(10, ge=1, le=10_000, description="public forms per client address an hour")
    form_per_contact: int = Field(5, ge=1, le=10_000, description="public forms per phone or e-mail a day")
    behind_proxy: bool = Field(False, description="take the client address from X-Forwarded-For (set by the "
                                                  "operator's proxy only)")
    participation_policy_file: Path | None = Field(None, description="the topics and periods (policy.toml)")


def build(settings: Settings, own: ParticipationSettings | None = None) -> tuple[Service, Participation]:
    own = own or ParticipationSettings()
    service = Service(SCHEMA, metadata, settings, unit_of_work=ParticipationUnitOfWork)
    handlers = Participation(service.origin, policies.load(own.participation_policy_file), own.key_ring())
    service.on_commands("participation.intake", {
        c.RECEIVE_OPINION: handlers.receive_opinion,
        c.SUBMIT_ONLINE_OPINION: handlers.submit_online_opinion,
        c.ROUTE_OPINION: handlers.route_opinion,
        c.REPLY_OPINION: handlers.reply_opinion,
        c.PUBLISH_OPINION: handlers.publish_opinion,
        c.HIDE_OPINION: handlers.hide_opinion,
        c.CREATE_CONSULTATION: handlers.consultations.create,
        c.SUBMIT_COMMENT: handlers.consultations.submit_comment,
        c.HIDE_COMMENT: handlers.consultations.hide_comment,
        c.RECORD_EXPERT_OPINION: handlers.consultations.record_expert_opinion,
        c.ANNOUNCE_HEARING: handlers.consultations.announce_hearing,
        c.REGISTER_FOR_HEARING: handlers.consultations.register_for_hearing,
        c.SELECT_REPRESENTATIVES: handlers.consultations.select_representatives,
        c.RECORD_HEARING: handlers.consultations.record_hearing,
        c.RECORD_RESEARCH_VISIT: handlers.consultations.record_research_visit,
        c.CLOSE_CONSULTATION: handlers.consultations.close,
        c.PUBLISH_FEEDBACK: handlers.consultations.publish_feedback,
    })
    # Most of review's decisions and of notification's clocks are about disclosure items: acked without a
    # transaction (the handlers would ignore them too).
    service.on_events("participation.reviews", {kind: handlers.on_review_decided for kind in (
        c.REVIEW_APPROVED, c.REVIEW_REJECTED, c.REVIEW_BLOCKED, c.REVIEW_REDACTION_REQUESTED, c.REVIEW_WITHHELD)},
        only=lambda _, decision: c.is_participation_item(decision.item_id))
    service.on_events("participation.clocks", {c.DEADLINE_OPENED: handlers.on_clock,
                                               c.DEADLINE_RECOMPUTED: handlers.on_clock},
                      only=lambda _, clock: clock.rule == c.RULE_OPINION_REPLY)
    return service, handlers


def create_app(settings: Settings | None = None, own: ParticipationSettings | None = None) -> FastAPI:
    own = own or ParticipationSettings()
    service, handlers = build(settings or Settings(), own)
    app = http_app(service, [router, consultations_router, public, consultations_public], title="Gongkai participation",
                   description="Public participation (政民互动): the opinion box (意见箱) — opinions from the portal, "
                               "letters and the service hall, routed, answered on the reply clock, published "
                               "anonymised after review — its statistics, and consultations on major "
                               "decisions (征求意见): a reviewed draft, comments screened before they show, expert "
                               "opinions, hearings, research visits and the feedback report.")
    app.state.participation = handlers
    app.state.reads = Reads(service.sessions, handlers.policy)
    app.state.form_limits = FormLimits(own.form_per_address, own.form_per_contact, own.behind_proxy,
                                       sessions=service.sessions, table=form_hits)
    return app
