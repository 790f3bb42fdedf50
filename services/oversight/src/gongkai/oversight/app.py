"""Wiring of the oversight service: the one place its parts are built."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.calendar import WorkingCalendar, years_with
from gongkai.shared.http import http_app
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import checklist
from .handlers import Oversight
from .http import router
from .reads import Reads
from .store import OversightUnitOfWork
from .tables import SCHEMA, metadata


class OversightSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_", extra="ignore")

    oversight_checklist_file: Path | None = Field(None, description="the bureau's own checklist (TOML), in place "
                                                                    "of the plan's five points")
    calendar_dir: Path | None = Field(None, description="year files beside the shipped ones, as notification's: "
                                                        "the rectifications' due dates")


def build(settings: Settings, own: OversightSettings | None = None) -> tuple[Service, Oversight]:
    own = own or OversightSettings()
    service = Service(SCHEMA, metadata, settings, unit_of_work=OversightUnitOfWork)
    calendar = WorkingCalendar(years_with(own.calendar_dir).values())
    handlers = Oversight(service.origin, calendar, checklist.load(own.oversight_checklist_file))
    service.on_commands("oversight.intake", {
        c.PLAN_INSPECTION: handlers.plan,
        c.RECORD_CHECKLIST: handlers.record_checklist,
        c.RECORD_FINDING: handlers.record_finding,
        c.ORDER_RECTIFICATION: handlers.order_rectification,
        c.CLOSE_RECTIFICATION: handlers.close_rectification,
        c.CLOSE_INSPECTION: handlers.close,
    })
    service.on_events("oversight.facts", {
        c.DEADLINE_MET: handlers.on_deadline_met,
        c.DISCLOSURE_WITHDRAWN: handlers.on_withdrawn,
        c.REQUESTS_ASSIGNED: handlers.on_request_assigned,
        c.REQUEST_ANSWERED: handlers.on_request_answered,
    })
    return service, handlers


def create_app(settings: Settings | None = None, own: OversightSettings | None = None) -> FastAPI:
    own = own or OversightSettings()
    service, handlers = build(settings or Settings(), own)
    app = http_app(service, [router], title="Gongkai oversight",
                   description="Inspections of the bureau's units (明查、暗访) with their findings and rectifications, "
                               "the units' scorecards, and the periodic reports to the district disclosure office.")
    app.state.oversight = handlers
    app.state.reads = Reads(service.sessions)
    return app
