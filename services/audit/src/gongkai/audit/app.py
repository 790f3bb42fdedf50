"""Wiring of the audit service: the one place its parts are built."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from gongkai.shared.http import http_app
from gongkai.shared.service import Service
from gongkai.shared.settings import Settings
from sqlalchemy import event
from sqlalchemy.engine import AdaptedConnection
from sqlalchemy.pool import ConnectionPoolEntry

from .config import AuditConfig
from .consumers import DEAD_LETTER_QUEUE, RECORD_QUEUE, subscribe
from .handlers import Audit
from .http import router
from .tables import SCHEMA, metadata

log = logging.getLogger("gongkai.audit")


def run_as(service: Service, role: str) -> None:
    """Every connection of the service runs as ``role`` (INSERT and SELECT only on the log)."""

    @event.listens_for(service.engine.sync_engine, "connect")
    def set_role(dbapi_connection: AdaptedConnection, _record: ConnectionPoolEntry) -> None:
        # Outside any transaction, so that a rollback cannot undo it.
        dbapi_connection.run_async(lambda connection: connection.execute(f'set role "{role}"'))


def build(settings: Settings, config: AuditConfig | None = None) -> tuple[Service, Audit]:
    config = config or AuditConfig()
    # The log and its tree grow by thousands of rows a minute in a burst: every lookup planned for the tables as
    # they are, not by a plan made while they were small (shared/db.py, PLAN_EACH).
    service = Service(SCHEMA, metadata, settings, plan_each=True)
    if config.db_role:
        run_as(service, config.db_role)
    handlers = Audit(service, config)
    subscribe(service, handlers, RECORD_QUEUE, dead_lettered=False)
    subscribe(service, handlers, DEAD_LETTER_QUEUE, dead_lettered=True)
    return service, handlers


async def checkpoints_every(audit: Audit, seconds: float) -> None:
    while True:
        try:
            await audit.checkpoint()
        except Exception:
            log.exception("signing a checkpoint failed; trying again at the next interval")
        await asyncio.sleep(seconds)


def create_app(settings: Settings | None = None, config: AuditConfig | None = None) -> FastAPI:
    service, handlers = build(settings or Settings(), config)
    service.background("audit-checkpoints",
                       lambda: checkpoints_every(handlers, handlers.config.checkpoint_interval_seconds))
    app = http_app(service, [router], title="Gongkai audit",
                   description="The append-only, verifiable log of every event, command and dead letter, "
                               "for auditors: queries, Merkle proofs, signed checkpoints and statistics.")
    app.state.audit = handlers
    return app
