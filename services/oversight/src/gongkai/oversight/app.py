"""Wiring of the oversight service: the one place its parts are built."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.calendar import WorkingCalendar, years_with
from gongkai.shared.http import http_app
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import checklist, schedule
from .handlers import Oversight
from .http import annual_router, district, router
from .reads import Reads
from .reports import Reports, Sender
from .store import OversightUnitOfWork
from .tables import SCHEMA, metadata

DEFAULT_AGENCY = "某市交通运输局"
DEV_SECRET = "dev-district-report-secret"


class OversightSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GONGKAI_", extra="ignore")

    oversight_checklist_file: Path | None = Field(None, description="the bureau's own checklist (TOML), in place "
                                                                    "of the plan's five points")
    calendar_dir: Path | None = Field(None, description="year files beside the shipped ones, as notification's: "
                                                        "the rectifications' due dates")
    env: Literal["development", "production"] = "development"
    agency_name: str = Field(DEFAULT_AGENCY, min_length=2, max_length=64, description="the agency that reports")
    oversight_schedule_file: Path | None = Field(None, description="the bureau's own reporting schedule (TOML)")
    district_report_url: str | None = Field(None, pattern=r"^https?://", description="where the reports are "
                                            "delivered (the district disclosure office's endpoint); unset: none is "
                                            "compiled by the schedule nor delivered")
    district_report_secret: str = Field(DEV_SECRET, min_length=16, description="the HMAC-SHA256 secret shared "
                                        "with the district office, for the deliveries and its acknowledgements")
    report_interval: float = Field(5.0, ge=0, description="seconds between delivery rounds; 0 turns them off")
    report_max_attempts: int = Field(8, ge=1, le=50, description="a delivery failing this often is failed")
    report_backoff_seconds: float = Field(30.0, gt=0, description="first retry delay; doubled each attempt")
    report_backoff_max_seconds: float = Field(3600.0, gt=0)
    report_timeout: float = Field(10.0, gt=0, le=120)
    report_schedule: bool = Field(True, description="compile each schedule's last ended period by itself (with "
                                                    "a district endpoint set)")

    @model_validator(mode="after")
    def _own_secret_in_production(self) -> OversightSettings:
        if self.env == "production" and self.district_report_secret == DEV_SECRET:
            raise ValueError("GONGKAI_DISTRICT_REPORT_SECRET: production needs the secret agreed with the district "
                             "office, not the development one")
        return self


def build(settings: Settings, own: OversightSettings | None = None) -> tuple[Service, Oversight]:
    own = own or OversightSettings()
    service = Service(SCHEMA, metadata, settings, unit_of_work=OversightUnitOfWork)
    calendar = WorkingCalendar(years_with(own.calendar_dir).values())
    reports = Reports(service.origin, schedule.load(own.oversight_schedule_file), calendar,
                      own.district_report_secret, own.agency_name)
    handlers = Oversight(service.origin, calendar, checklist.load(own.oversight_checklist_file), reports)
    service.on_commands("oversight.intake", {
        c.PLAN_INSPECTION: handlers.plan,
        c.RECORD_CHECKLIST: handlers.record_checklist,
        c.RECORD_FINDING: handlers.record_finding,
        c.ORDER_RECTIFICATION: handlers.order_rectification,
        c.CLOSE_RECTIFICATION: handlers.close_rectification,
        c.CLOSE_INSPECTION: handlers.close,
        c.COMPILE_REPORT: handlers.compile_report,
        c.ENTER_REPORT_FIGURES: handlers.enter_report_figures,
        c.SAVE_REPORT_TEXT: handlers.save_report_text,
    })
    service.on_events("oversight.facts", {
        c.DEADLINE_MET: handlers.on_deadline_met,
        c.DISCLOSURE_WITHDRAWN: handlers.on_withdrawn,
        c.REQUESTS_ASSIGNED: handlers.on_request_assigned,
        c.REQUEST_ANSWERED: handlers.on_request_answered,
    })
    if own.report_interval > 0 and own.district_report_url:
        sender = Sender(reports, lambda: cast(OversightUnitOfWork, service.uow()), own.district_report_url,
                        interval=own.report_interval, max_attempts=own.report_max_attempts,
                        backoff=own.report_backoff_seconds, backoff_max=own.report_backoff_max_seconds,
                        timeout=own.report_timeout, schedule_reports=own.report_schedule)
        service.background("oversight-reports", sender.run)
    return service, handlers


def create_app(settings: Settings | None = None, own: OversightSettings | None = None) -> FastAPI:
    own = own or OversightSettings()
    service, handlers = build(settings or Settings(), own)
    app = http_app(service, [router, district, annual_router], title="Gongkai oversight",
                   description="Inspections of the bureau's units (明查、暗访) with their findings and rectifications, "
                               "the units' scorecards, and the periodic reports to the district disclosure office.")
    app.state.oversight = handlers
    app.state.reads = Reads(service.sessions)
    return app
