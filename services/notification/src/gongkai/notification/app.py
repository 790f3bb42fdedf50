"""Wiring of the notification service: the one place its parts are built."""

from __future__ import annotations

from typing import cast

from fastapi import FastAPI
from gongkai.shared import contracts as c
from gongkai.shared.deadline_rules import load_policy
from gongkai.shared.http import http_app
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings

from .contacts import load_contacts
from .delivery import Deliveries
from .handlers import Calendars, Notification
from .http import inbox_router, router
from .monitor import Monitor
from .opinion_clocks import OpinionClocks
from .oversight_clocks import OversightClocks
from .parking_alert import ParkingAlert
from .reads import Reads
from .request_clocks import RequestClocks
from .settings import NotificationSettings
from .store import NotificationUnitOfWork
from .tables import SCHEMA, metadata


def build(settings: Settings, options: NotificationSettings | None = None
          ) -> tuple[Service, Notification, Monitor, Deliveries]:
    options = options or NotificationSettings()
    service = Service(SCHEMA, metadata, settings, unit_of_work=NotificationUnitOfWork)
    contacts = load_contacts(options.contacts_file)

    def uow() -> NotificationUnitOfWork:
        return cast(NotificationUnitOfWork, service.uow())  # Service builds its unit_of_work

    handlers = Notification(service.origin, load_policy(options.policy_file), contacts,
                            Calendars(options.calendar_dir))
    requests = RequestClocks(handlers.clocks)
    opinions = OpinionClocks(handlers.clocks)
    oversight = OversightClocks(handlers)
    monitor = Monitor(handlers.clocks, uow, options)
    deliveries = Deliveries(service.origin, uow, contacts, options)
    service.on_events("notification.deadlines", {
        c.DISCLOSURE_SUBMITTED: handlers.on_submitted,
        c.DISCLOSURE_INFORMATION_CHANGED: handlers.on_information_changed,
        c.DISCLOSURE_PUBLISHED: handlers.on_published,
        c.DISCLOSURE_WITHHELD: handlers.on_stopped,
        c.DISCLOSURE_WITHDRAWN: handlers.on_stopped,
        c.REVIEW_CASE_OPENED: handlers.on_case_opened,
        c.REVIEW_APPROVED: handlers.on_case_closed,
        c.REVIEW_REJECTED: handlers.on_case_closed,
        c.REVIEW_BLOCKED: handlers.on_case_closed,
        c.REVIEW_REDACTION_REQUESTED: handlers.on_case_closed,
        c.REVIEW_WITHHELD: handlers.on_case_closed,
        c.REVIEW_CASE_VOIDED: handlers.on_case_closed,
        c.CALENDAR_YEAR_MISSING: deliveries.on_year_missing,
        c.REQUESTS_RECEIVED: requests.on_received,
        c.REQUESTS_CORRECTION_ASKED: requests.on_correction_asked,
        c.REQUESTS_CORRECTED: requests.on_corrected,
        c.REQUESTS_CONSULTATION_STARTED: requests.on_consultation_started,
        c.REQUESTS_CONSULTATION_REPLIED: requests.on_consultation_replied,
        c.REQUESTS_EXTENDED: requests.on_extended,
        c.REQUESTS_FEE_NOTIFIED: requests.on_fee_notified,
        c.REQUESTS_FEE_SETTLED: requests.on_fee_settled,
        c.REQUESTS_ANSWERED: requests.on_answered,
        c.OPINION_RECEIVED: opinions.on_received,
        c.OPINION_ROUTED: opinions.on_routed,
        c.OPINION_ANSWERED: opinions.on_answered,
        c.OPINION_HIDDEN: opinions.on_hidden,
        c.OVERSIGHT_RECTIFICATION_ORDERED: oversight.on_rectification_ordered,
        c.OVERSIGHT_RECTIFICATION_CLOSED: oversight.on_rectification_closed,
        c.OVERSIGHT_REPORT_DELIVERED: oversight.on_report_delivered,
        c.OVERSIGHT_REPORT_ACKNOWLEDGED: oversight.on_report_acknowledged,
    })
    service.on_commands("notification.intake", {
        c.LOAD_CALENDAR_YEAR: handlers.load_calendar_year,
        c.REGISTER_REQUEST: requests.register,
        c.ASK_REQUEST_CORRECTION: requests.ask_correction,
        c.RECORD_REQUEST_CORRECTION: requests.record_correction,
        c.CONSULT_THIRD_PARTY: requests.consult_third_party,
        c.RECORD_THIRD_PARTY_REPLY: requests.record_third_party_reply,
        c.EXTEND_REQUEST: requests.extend,
        c.ANSWER_REQUEST: requests.answer,
    })
    service.on_events("notification.deliveries", {
        c.DEADLINE_DUE_SOON: deliveries.on_deadline_notice,
        c.DEADLINE_OVERDUE: deliveries.on_deadline_notice,
        c.DEADLINE_RECOMPUTED: deliveries.on_deadline_notice,
        c.NOTIFICATION_PARKED: deliveries.on_parked,
    })
    service.gauge("open_deadlines", Reads(service.sessions).live)
    return service, handlers, monitor, deliveries


def create_app(settings: Settings | None = None, options: NotificationSettings | None = None) -> FastAPI:
    options = options or NotificationSettings()
    service, handlers, monitor, deliveries = build(settings or Settings(), options)
    if options.monitor_interval > 0:
        service.background("notification-monitor", monitor.run)
    if options.sender_interval > 0:
        service.background("notification-sender", deliveries.run)
    if options.parking_check_interval > 0:
        service.background("notification-parking-alert", ParkingAlert(service, deliveries).run)
    app = http_app(service, [router, inbox_router], title="Gongkai notification",
                   description="Deadlines on the working-day calendar, reminders and escalation, and their "
                               "delivery by e-mail, signed webhook and in-app inbox.")
    app.state.notification = handlers
    app.state.reads = Reads(service.sessions)
    app.state.monitor = monitor
    app.state.deliveries = deliveries
    return app
