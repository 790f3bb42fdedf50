"""What the oversight handlers need of storage, as a small protocol, and the unit of work that carries it.

``OversightWork`` is a handler's whole view of its unit of work: the inspections, the unit facts, and ``emit``.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from gongkai.shared.envelope import Envelope
from gongkai.shared.unit_of_work import UnitOfWork
from sqlalchemy.ext.asyncio import AsyncSession

from . import repository
from .domain import Inspection


class InspectionStore(Protocol):
    async def add(self, inspection: Inspection) -> bool:
        """Store a new inspection; False when its id is taken."""

    async def get(self, inspection_id: str, *, for_update: bool = False) -> Inspection | None: ...

    async def save(self, inspection: Inspection) -> None: ...

    async def add_fact(self, event_id: str, kind: str, unit: str | None, on: date, late: bool,
                       subject: str | None) -> None: ...


class ReportStore(Protocol):
    async def add(self, row: dict[str, Any]) -> bool:
        """Store a compiled report; False when one of that id (schedule and period) exists."""

    async def get(self, report_id: str, *, for_update: bool = False) -> dict[str, Any] | None: ...

    async def update(self, report_id: str, values: dict[str, Any]) -> None: ...

    async def figures(self, start: date, end: date) -> tuple[dict[str, dict[str, int]], list[Inspection]]: ...


class AnnualReportStore(Protocol):
    async def add(self, rows: list[dict[str, Any]]) -> None:
        """Append entries (figures or texts) of a year's annual report; the latest of each key stands."""


class OversightWork(Protocol):
    inspections: InspectionStore
    reports: ReportStore
    annual: AnnualReportStore

    def emit(self, event: Envelope, exchange: str = "events", routing_key: str | None = None,
             reply_to: str | None = None) -> None: ...


class SqlInspections:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, inspection: Inspection) -> bool:
        return await repository.add(self._session, inspection)

    async def get(self, inspection_id: str, *, for_update: bool = False) -> Inspection | None:
        return await repository.get(self._session, inspection_id, for_update=for_update)

    async def save(self, inspection: Inspection) -> None:
        await repository.save(self._session, inspection)

    async def add_fact(self, event_id: str, kind: str, unit: str | None, on: date, late: bool,
                       subject: str | None) -> None:
        await repository.add_fact(self._session, event_id, kind, unit, on, late, subject)


class SqlReports:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, row: dict[str, Any]) -> bool:
        return await repository.add_report(self._session, row)

    async def get(self, report_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
        return await repository.get_report(self._session, report_id, for_update=for_update)

    async def update(self, report_id: str, values: dict[str, Any]) -> None:
        await repository.update_report(self._session, report_id, values)

    async def figures(self, start: date, end: date) -> tuple[dict[str, dict[str, int]], list[Inspection]]:
        return await repository.figures(self._session, start, end)


class SqlAnnualReports:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add(self, rows: list[dict[str, Any]]) -> None:
        from .annual import add_entries

        await add_entries(self._session, rows)


class OversightUnitOfWork(UnitOfWork):
    """The runtime's unit of work with the inspections, reports and annual report entries on it."""

    inspections: InspectionStore
    reports: ReportStore
    annual: AnnualReportStore

    async def __aenter__(self) -> OversightUnitOfWork:
        await super().__aenter__()
        self.inspections = SqlInspections(self.session)
        self.reports = SqlReports(self.session)
        self.annual = SqlAnnualReports(self.session)
        return self
