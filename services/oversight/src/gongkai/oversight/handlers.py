"""What the oversight service does with each command and event. HTTP and AMQP intake reach the same handlers.

Each command checks who asks (the office — the publisher, 负责人 of the office — and the administrators), loads
the inspection (locked), asks the domain for the next state, saves it and emits the fact; a rectification's facts
move notification's clock. A refusal raises ``Refused``: nothing is saved, nothing emitted. The facts a unit's
scorecard counts come from the other services' events and are kept, once each, in ``unit_facts``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.calendar import WorkingCalendar, local_date
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Conflict, Forbidden, NotFound
from gongkai.shared.identity import Principal, Role
from gongkai.shared.origin import Origin
from pydantic import BaseModel

from . import domain
from .annual import AnnualReports
from .checklist import Checklist
from .domain import Inspection
from .reports import Reports
from .store import OversightWork

# The 政务公开领导小组办公室 runs the inspections: in the directory that is the publisher (负责人 of the office);
# administrators too. Auditors read.
STAFF_ROLES = frozenset({Role.publisher, Role.administrator})
READER_ROLES = STAFF_ROLES | {Role.auditor}
PUBLICATION_RULES = (c.RULE_PROACTIVE_PUBLICATION, c.RULE_CHANGE_PUBLICATION)


def require_staff(principal: Principal) -> None:
    if not principal.roles & STAFF_ROLES:
        raise Forbidden(f"{principal.id} may not record inspections (needs publisher or administrator)")


def new_inspection_id(today: date) -> str:
    """``JC-20261202-7KQ2MX`` (检查): the day, and six characters."""
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return f"JC-{today:%Y%m%d}-" + "".join(secrets.choice(alphabet) for _ in range(6))


class Oversight:
    """The handlers: they need an origin for their events, the working-day calendar, the checklist and a clock."""

    def __init__(self, origin: Origin, calendar: WorkingCalendar, checklist: Checklist, reports: Reports,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.origin = origin
        self.calendar = calendar
        self.checklist = checklist
        self.reports = reports
        self.now = now
        self.annual = AnnualReports(origin, lambda: self.now(), self.today)

    def today(self) -> date:
        return local_date(self.now())

    def _emit(self, uow: OversightWork, kind: str, data: BaseModel, subject: str, cause: Envelope) -> None:
        uow.emit(self.origin.event(kind, data, subject=subject, cause=cause))

    async def _load(self, uow: OversightWork, inspection_id: str) -> Inspection:
        found = await uow.inspections.get(inspection_id, for_update=True)
        if found is None:
            raise NotFound(f"no inspection {inspection_id}")
        return found

    def _step(self, inspection: Inspection, on: date, note: str | None = None) -> c.InspectionStep:
        return c.InspectionStep(inspection_id=inspection.inspection_id, unit=inspection.unit, kind=inspection.kind,
                                on=on, note=note, inspectors=list(inspection.inspectors),
                                points_not_met=inspection.points_not_met())

    # ---- inspections --------------------------------------------------------------------------------

    async def plan(self, data: c.PlanInspection, command: Envelope, principal: Principal, uow: OversightWork
                   ) -> dict[str, Any]:
        require_staff(principal)
        today = self.today()
        for _ in range(5):
            inspection = domain.plan(new_inspection_id(today), data.unit, data.kind, data.on, list(data.inspectors),
                                     person=principal.id, today=today)
            if await uow.inspections.add(inspection):
                break
        else:  # pragma: no cover - 32^6 ids a day
            raise Conflict("no free inspection id; try again")
        self._emit(uow, c.OVERSIGHT_INSPECTION_PLANNED, self._step(inspection, inspection.on,
                                                                   domain.KIND_NAMES[inspection.kind]),
                   inspection.inspection_id, command)
        return _answer(inspection, on=inspection.on.isoformat())

    async def record_checklist(self, data: c.RecordChecklist, command: Envelope, principal: Principal,
                               uow: OversightWork) -> dict[str, Any]:
        require_staff(principal)
        inspection = await self._load(uow, data.inspection_id)
        after = domain.record_checklist(inspection, list(data.results), self.checklist, person=principal.id,
                                        today=self.today())
        await uow.inspections.save(after)
        self._emit(uow, c.OVERSIGHT_CHECKLIST_RECORDED, self._step(after, self.today()), after.inspection_id,
                   command)
        return _answer(after, points_not_met=after.points_not_met())

    async def record_finding(self, data: c.RecordFinding, command: Envelope, principal: Principal,
                             uow: OversightWork) -> dict[str, Any]:
        require_staff(principal)
        inspection = await self._load(uow, data.inspection_id)
        after, finding = domain.record_finding(inspection, data.point, data.severity, data.text, self.checklist,
                                               person=principal.id, today=self.today())
        await uow.inspections.save(after)
        self._emit(uow, c.OVERSIGHT_FINDING_RECORDED, c.FindingRecorded(
            inspection_id=after.inspection_id, finding_id=finding.finding_id, unit=after.unit, point=finding.point,
            severity=finding.severity), after.inspection_id, command)
        return _answer(after, finding_id=finding.finding_id)

    async def order_rectification(self, data: c.OrderRectification, command: Envelope, principal: Principal,
                                  uow: OversightWork) -> dict[str, Any]:
        require_staff(principal)
        inspection = await self._load(uow, data.inspection_id)
        after, rectification = domain.order_rectification(
            inspection, data.finding_id, data.text, data.working_days, data.on, self.calendar, person=principal.id,
            today=self.today())
        await uow.inspections.save(after)
        self._emit(uow, c.OVERSIGHT_RECTIFICATION_ORDERED, c.RectificationOrdered(
            inspection_id=after.inspection_id, rectification_id=rectification.rectification_id,
            finding_id=rectification.finding_id, unit=after.unit, ordered_on=rectification.ordered_on,
            working_days=rectification.working_days, due_on=rectification.due_on, ordered_by=principal.id),
            rectification.rectification_id, command)
        return _answer(after, rectification_id=rectification.rectification_id,
                       due_on=rectification.due_on.isoformat())

    async def close_rectification(self, data: c.CloseRectification, command: Envelope, principal: Principal,
                                  uow: OversightWork) -> dict[str, Any]:
        require_staff(principal)
        inspection = await self._load(uow, data.inspection_id)
        after, closed = domain.close_rectification(inspection, data.rectification_id, data.evidence, data.on,
                                                   person=principal.id, today=self.today())
        await uow.inspections.save(after)
        assert closed.closed_on is not None and closed.evidence_sha256 is not None
        self._emit(uow, c.OVERSIGHT_RECTIFICATION_CLOSED, c.RectificationClosed(
            inspection_id=after.inspection_id, rectification_id=closed.rectification_id, unit=after.unit,
            closed_on=closed.closed_on, evidence_sha256=closed.evidence_sha256, closed_by=principal.id),
            closed.rectification_id, command)
        return _answer(after, rectification_id=closed.rectification_id, late=closed.closed_on > closed.due_on)

    async def close(self, data: c.CloseInspection, command: Envelope, principal: Principal, uow: OversightWork
                    ) -> dict[str, Any]:
        require_staff(principal)
        inspection = await self._load(uow, data.inspection_id)
        after = domain.close(inspection, data.on, data.note, person=principal.id, today=self.today())
        await uow.inspections.save(after)
        self._emit(uow, c.OVERSIGHT_INSPECTION_CLOSED, self._step(after, data.on, data.note),
                   after.inspection_id, command)
        return _answer(after, closed_on=data.on.isoformat())

    # ---- periodic reports to the district office -------------------------------------------------------

    async def compile_report(self, data: c.CompileReport, command: Envelope, principal: Principal,
                             uow: OversightWork) -> dict[str, Any]:
        require_staff(principal)
        return await self.reports.compile(uow, data.schedule, data.period, principal.id, command)

    # ---- the annual report's figures and texts (政府信息公开工作年度报告) --------------------------------------

    async def enter_report_figures(self, data: c.EnterReportFigures, command: Envelope, principal: Principal,
                                   uow: OversightWork) -> dict[str, Any]:
        require_staff(principal)
        return await self.annual.enter_figures(data, command, principal, uow)

    async def save_report_text(self, data: c.SaveReportText, command: Envelope, principal: Principal,
                               uow: OversightWork) -> dict[str, Any]:
        require_staff(principal)
        return await self.annual.save_text(data, command, principal, uow)

    # ---- the facts a unit's scorecard counts (oversight.facts) ----------------------------------------

    async def on_deadline_met(self, data: c.DeadlineClosed, event: Envelope, uow: OversightWork) -> None:
        """A publication deadline met: one item published, on time or late, by its unit."""
        if data.rule in PUBLICATION_RULES:
            await uow.inspections.add_fact(event.id, "published", data.unit, local_date(data.closed_at), data.late,
                                           data.item_id)

    async def on_withdrawn(self, data: c.DisclosureWithdrawn, event: Envelope, uow: OversightWork) -> None:
        await uow.inspections.add_fact(event.id, "withdrawn", data.unit, local_date(data.withdrawn_at), False,
                                       data.item_id)

    async def on_request_assigned(self, data: c.RequestsStep, event: Envelope, uow: OversightWork) -> None:
        """A request given to a unit to examine: the unit's requests received."""
        await uow.inspections.add_fact(event.id, "request_assigned", data.unit, data.on, False, data.request_id)

    async def on_request_answered(self, data: c.RequestAnswered, event: Envelope, uow: OversightWork) -> None:
        """Notification's ``request.answered``: answered, and whether after its reply clock's due date."""
        await uow.inspections.add_fact(event.id, "request_answered", data.unit, data.answered_on, data.late,
                                       data.request_id)


def _answer(inspection: Inspection, **more: Any) -> dict[str, Any]:
    return {"inspection_id": inspection.inspection_id, "state": inspection.state.value, **more}
