"""An inspection (明查 or 暗访, 实施方案七(三)) as an explicit state machine, with no I/O.

    planned ──record_checklist──▶ inspected ──order_rectification──▶ rectifying
                                     │  ▲ (record_finding in both)       │
                                     │  └──close_rectification (the last one open)──┘
                                     └──close──▶ closed      (refused while a rectification is open)

Each step names the state it may be taken from; a step out of order (409), dated before the inspection or in the
future (422), naming a point the checklist does not have or a finding the inspection does not have (422), or a
rectification closed without evidence (422) is refused with the reason and changes nothing: each function returns
a new ``Inspection`` or raises ``Refused``. Who may take a step is the handlers' business (the office and the
administrators).
"""

from __future__ import annotations

import hashlib
from datetime import date
from enum import StrEnum

from gongkai.shared import contracts as c
from gongkai.shared.calendar import WorkingCalendar
from gongkai.shared.errors import Conflict, NotFound, Refused
from pydantic import BaseModel, ConfigDict

from .checklist import Checklist


class State(StrEnum):
    planned = "planned"          # 已安排
    inspected = "inspected"      # 已检查
    rectifying = "rectifying"    # 整改中
    closed = "closed"            # 已办结


KIND_NAMES = {c.InspectionKind.announced: "明查", c.InspectionKind.unannounced: "暗访"}


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True)


class Done(_Value):
    step: str
    on: date
    person: str
    note: str | None = None


class Result(_Value):
    point: str
    result: c.PointResult
    note: str | None = None


class Finding(_Value):
    finding_id: str
    point: str
    severity: c.FindingSeverity
    text: str
    recorded_on: date


class Rectification(_Value):
    rectification_id: str
    finding_id: str
    text: str
    working_days: int
    ordered_on: date
    due_on: date
    ordered_by: str
    closed_on: date | None = None
    closed_by: str | None = None
    evidence: str | None = None
    evidence_sha256: str | None = None

    @property
    def open(self) -> bool:
        return self.closed_on is None


class Inspection(_Value):
    inspection_id: str
    unit: str
    kind: c.InspectionKind
    on: date
    inspectors: tuple[str, ...]
    state: State = State.planned
    results: tuple[Result, ...] = ()
    findings: tuple[Finding, ...] = ()
    rectifications: tuple[Rectification, ...] = ()
    closed_on: date | None = None
    history: tuple[Done, ...] = ()

    def open_rectifications(self) -> list[Rectification]:
        return [r for r in self.rectifications if r.open]

    def rectification(self, rectification_id: str) -> Rectification:
        found = next((r for r in self.rectifications if r.rectification_id == rectification_id), None)
        if found is None:
            raise NotFound(f"inspection {self.inspection_id} has no rectification {rectification_id}")
        return found

    def points_not_met(self) -> int:
        return sum(1 for r in self.results if r.result is not c.PointResult.met)


def _in_state(inspection: Inspection, step: str, *states: State) -> None:
    if inspection.state not in states:
        allowed = " or ".join(s.value for s in states)
        raise Conflict(f"{step} is not possible: inspection {inspection.inspection_id} is {inspection.state.value} "
                       f"(needs {allowed})")


def _dated(inspection: Inspection, what: str, on: date, today: date, *, not_before: date | None = None) -> None:
    if on > today:
        raise Refused(f"{what} cannot be dated {on}, after today ({today})", status=422)
    earliest = not_before or inspection.on
    if on < earliest:
        raise Refused(f"{what} cannot be dated {on}, before {earliest}", status=422)


def _done(inspection: Inspection, step: str, on: date, person: str, note: str | None = None) -> tuple[Done, ...]:
    return (*inspection.history, Done(step=step, on=on, person=person, note=note))


def plan(inspection_id: str, unit: str, kind: c.InspectionKind, on: date, inspectors: list[str], *, person: str,
         today: date) -> Inspection:
    names = [n.strip() for n in inspectors]
    if any(not n for n in names):
        raise Refused("an inspector's name is blank", status=422)
    if len(set(names)) != len(names):
        raise Refused("an inspector is named twice", status=422)
    if not unit.strip():
        raise Refused("the unit inspected is blank", status=422)
    if (today - on).days > 366:
        raise Refused(f"an inspection cannot be entered more than a year after it took place ({on})", status=422)
    planned = Inspection(inspection_id=inspection_id, unit=unit.strip(), kind=kind, on=on, inspectors=tuple(names))
    return planned.model_copy(update={"history": _done(planned, "plan", today, person, KIND_NAMES[kind])})


def record_checklist(inspection: Inspection, results: list[c.CheckResult], checklist: Checklist, *, person: str,
                     today: date) -> Inspection:
    _in_state(inspection, "recording the checklist", State.planned)
    if inspection.on > today:
        raise Refused(f"the checklist of the inspection on {inspection.on} cannot be recorded before that day",
                      status=422)
    named = [r.point for r in results]
    unknown = sorted(set(named) - set(checklist.ids()))
    if unknown:
        raise Refused(f"the checklist has no point {unknown[0]!r} (its points: {', '.join(checklist.ids())})",
                      status=422)
    twice = sorted({p for p in named if named.count(p) > 1})
    if twice:
        raise Refused(f"point {twice[0]!r} is given twice", status=422)
    missing = [p for p in checklist.ids() if p not in named]
    if missing:
        raise Refused(f"every point needs its result: {', '.join(missing)} missing", status=422)
    ordered = tuple(Result(point=p, result=r.result, note=r.note) for p in checklist.ids()
                    for r in results if r.point == p)
    return inspection.model_copy(update={"state": State.inspected, "results": ordered,
                                         "history": _done(inspection, "record_checklist", today, person)})


def record_finding(inspection: Inspection, point: str, severity: c.FindingSeverity, text: str, checklist: Checklist, *,
                   person: str, today: date) -> tuple[Inspection, Finding]:
    _in_state(inspection, "recording a finding", State.inspected, State.rectifying)
    if point not in checklist.ids():
        raise Refused(f"the checklist has no point {point!r}", status=422)
    if not text.strip():
        raise Refused("a finding needs its text", status=422)
    finding = Finding(finding_id=f"{inspection.inspection_id}-F{len(inspection.findings) + 1}", point=point,
                      severity=severity, text=text.strip(), recorded_on=today)
    after = inspection.model_copy(update={"findings": (*inspection.findings, finding),
                                          "history": _done(inspection, "record_finding", today, person,
                                                           finding.finding_id)})
    return after, finding


def order_rectification(inspection: Inspection, finding_id: str, text: str, working_days: int, on: date,
                        calendar: WorkingCalendar, *, person: str, today: date) -> tuple[Inspection, Rectification]:
    _in_state(inspection, "ordering a rectification", State.inspected, State.rectifying)
    if not any(f.finding_id == finding_id for f in inspection.findings):
        raise Refused(f"inspection {inspection.inspection_id} has no finding {finding_id}", status=422)
    if any(r.finding_id == finding_id and r.open for r in inspection.rectifications):
        raise Conflict(f"finding {finding_id} already has a rectification open")
    if not 1 <= working_days <= c.MAX_RECTIFICATION_DAYS:
        raise Refused(f"{working_days} working days: from 1 to {c.MAX_RECTIFICATION_DAYS}", status=422)
    if not text.strip():
        raise Refused("a rectification needs its text", status=422)
    _dated(inspection, "a rectification", on, today)
    rectification = Rectification(
        rectification_id=f"{inspection.inspection_id}-R{len(inspection.rectifications) + 1}", finding_id=finding_id,
        text=text.strip(), working_days=working_days, ordered_on=on, due_on=calendar.add_working_days(on, working_days),
        ordered_by=person)
    after = inspection.model_copy(update={
        "state": State.rectifying, "rectifications": (*inspection.rectifications, rectification),
        "history": _done(inspection, "order_rectification", on, person, rectification.rectification_id)})
    return after, rectification


def close_rectification(inspection: Inspection, rectification_id: str, evidence: str, on: date, *, person: str,
                        today: date) -> tuple[Inspection, Rectification]:
    _in_state(inspection, "closing a rectification", State.rectifying)
    current = inspection.rectification(rectification_id)
    if not current.open:
        raise Conflict(f"rectification {rectification_id} was closed on {current.closed_on}")
    if not evidence.strip():
        raise Refused("a rectification is closed only with the evidence that it was put right", status=422)
    _dated(inspection, "closing a rectification", on, today, not_before=current.ordered_on)
    text = evidence.strip()
    closed = current.model_copy(update={"closed_on": on, "closed_by": person, "evidence": text,
                                        "evidence_sha256": hashlib.sha256(text.encode()).hexdigest()})
    rectifications = tuple(closed if r.rectification_id == rectification_id else r for r in inspection.rectifications)
    still_open = any(r.open for r in rectifications)
    after = inspection.model_copy(update={
        "rectifications": rectifications, "state": State.rectifying if still_open else State.inspected,
        "history": _done(inspection, "close_rectification", on, person, rectification_id)})
    return after, closed


def close(inspection: Inspection, on: date, note: str | None, *, person: str, today: date) -> Inspection:
    open_ones = inspection.open_rectifications()
    if inspection.state is State.rectifying and open_ones:
        raise Conflict(f"inspection {inspection.inspection_id} has rectifications open: "
                       + ", ".join(r.rectification_id for r in open_ones))
    _in_state(inspection, "closing the inspection", State.inspected)
    _dated(inspection, "closing the inspection", on, today,
           not_before=max([inspection.on, *(r.closed_on for r in inspection.rectifications if r.closed_on)]))
    return inspection.model_copy(update={"state": State.closed, "closed_on": on,
                                         "history": _done(inspection, "close", on, person, note)})
