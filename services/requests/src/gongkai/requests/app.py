"""Wiring of the requests service: the one place its parts are built."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.calendar import WorkingCalendar, years_with
from gongkai.shared.http import http_app
from gongkai.shared.ratelimit import FormLimits
from gongkai.shared.review_keys import ReviewKeySettings
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings
from pydantic import Field

from .handlers import DEFAULT_AGENCY, Requests
from .http import public, router
from .reads import Reads
from .store import RequestsUnitOfWork
from .tables import SCHEMA, form_hits, metadata


class RequestsSettings(ReviewKeySettings):
    """``GONGKAI_REVIEW_KEYS`` / ``GONGKAI_REVIEW_KEYS_FILE``: review's verifier keys, as publishing takes them.

    A reply is sendable only on a decision signed with one of them; production refuses the development key.
    """

    form_per_address: int = Field(10, ge=1, le=10_000, description="online requests per client address an hour")
    form_per_contact: int = Field(5, ge=1, le=10_000, description="online requests per phone or e-mail a day")
    behind_proxy: bool = Field(False, description="take the client address from X-Forwarded-For (set by the "
                                                  "operator's proxy only)")
    agency_name: str = Field(DEFAULT_AGENCY, min_length=2, max_length=64, description="the agency that signs letters")
    calendar_dir: Path | None = Field(None, description="year files beside the shipped ones, as notification's and "
                                                        "publishing's: the correction and payment dates it writes")



def build(settings: Settings, own: RequestsSettings | None = None) -> tuple[Service, Requests]:
    own = own or RequestsSettings()
    service = Service(SCHEMA, metadata, settings, unit_of_work=RequestsUnitOfWork)
    calendar = WorkingCalendar(years_with(own.calendar_dir).values())
    handlers = Requests(service.origin, calendar, own.key_ring(), agency=own.agency_name)
    service.on_commands("requests.intake", {
        c.RECEIVE_REQUEST: handlers.receive,
        c.SUBMIT_ONLINE_REQUEST: handlers.submit_online,
        c.ASK_CORRECTION: handlers.ask_correction,
        c.RECORD_CORRECTION: handlers.record_correction,
        c.CLOSE_UNCORRECTED: handlers.close_uncorrected,
        c.ASSIGN_REQUEST: handlers.assign,
        c.START_CONSULTATION: handlers.consult,
        c.RECORD_CONSULTATION_REPLY: handlers.record_consultation_reply,
        c.EXTEND_REPLY: handlers.extend,
        c.DRAFT_REPLY: handlers.draft_reply,
        c.SEND_REPLY: handlers.send_reply,
        c.RECORD_CHALLENGE: handlers.record_challenge,
        c.NOTIFY_FEE: handlers.notify_fee,
        c.RECORD_FEE_PAYMENT: handlers.record_fee_payment,
        c.WAIVE_FEE: handlers.waive_fee,
        c.CLOSE_UNPAID: handlers.close_unpaid,
        c.MAKE_PUBLIC: handlers.make_public,
    })
    # Most of review's decisions and of notification's clocks are about disclosure items: acked without a
    # transaction (the handlers would ignore them too).
    service.on_events("requests.reviews", {kind: handlers.on_review_decided for kind in (
        c.REVIEW_APPROVED, c.REVIEW_REJECTED, c.REVIEW_BLOCKED, c.REVIEW_REDACTION_REQUESTED, c.REVIEW_WITHHELD)},
        only=lambda _, decision: c.is_reply_item(decision.item_id))
    service.on_events("requests.clocks", {c.DEADLINE_OPENED: handlers.on_clock,
                                          c.DEADLINE_RECOMPUTED: handlers.on_clock},
                      only=lambda _, clock: clock.rule == c.RULE_REQUEST_REPLY)
    return service, handlers


def create_app(settings: Settings | None = None, own: RequestsSettings | None = None) -> FastAPI:
    own = own or RequestsSettings()
    service, handlers = build(settings or Settings(), own)
    app = http_app(service, [router, public], title="Gongkai requests",
                   description="Requests for disclosure (依申请公开): receipt, correction, examination, consultation, "
                               "extension and the reply, with the applicant's status page.")
    app.state.requests = handlers
    app.state.reads = Reads(service.sessions)
    app.state.form_limits = FormLimits(own.form_per_address, own.form_per_contact, own.behind_proxy,
                                       sessions=service.sessions, table=form_hits)
    return app
