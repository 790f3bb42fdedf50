"""The annual report's figures and section texts as the office enters them (政府信息公开工作年度报告).

Figures no event gives — 规章 and 规范性文件 issued, repealed and in force, 行政处罚 and 行政强制 decisions, the
行政事业性收费 amount — and figures staff confirm (行政许可 decisions, the information processing fees) are entered
here, each kept with who entered it and when, and told to audit as ``oversight.report_figures_entered``; audit
builds the report from its log. The rules are pure functions; the handlers store, then emit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from gongkai.shared import contracts as c
from gongkai.shared.envelope import Envelope
from gongkai.shared.errors import Refused
from gongkai.shared.identity import Principal
from gongkai.shared.origin import Origin
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from .store import OversightWork
from .tables import annual_report_entries as entries

FIGURE, TEXT = "figure", "text"


def check_year(year: int, today: date) -> None:
    """A year's report is of a year that has begun: figures of a year to come are a mistake."""
    if year > today.year:
        raise Refused(f"the annual report of {year} cannot be written before {year} has begun", status=422)


def check_figures(figures: list[c.EnteredFigure]) -> None:
    seen: set[c.ReportFigure] = set()
    for entered in figures:
        if entered.figure in seen:
            raise Refused(f"figures: {entered.figure.value} is given twice", status=422)
        seen.add(entered.figure)
        if entered.figure not in c.AMOUNT_FIGURES and entered.value != entered.value.to_integral_value():
            raise Refused(f"figures: {entered.figure.value} is a count and must be a whole number, not "
                          f"{entered.value}", status=422)
        if entered.figure in c.AMOUNT_FIGURES and entered.value.as_tuple().exponent < -2:  # type: ignore[operator]
            raise Refused(f"figures: {entered.figure.value} is an amount with at most two decimals, not "
                          f"{entered.value}", status=422)


def normalised(value: Any) -> str:
    """A figure as stored and told: ``12`` for a count, ``3.50`` stays ``3.5``."""
    text = format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)
    return text


class AnnualReports:
    def __init__(self, origin: Origin, now: Callable[[], datetime], today: Callable[[], date]) -> None:
        self.origin = origin
        self.now = now
        self.today = today

    async def enter_figures(self, data: c.EnterReportFigures, command: Envelope, principal: Principal,
                            uow: OversightWork) -> dict[str, Any]:
        check_year(data.year, self.today())
        check_figures(list(data.figures))
        at = self.now()
        await uow.annual.add([
            {"year": data.year, "kind": FIGURE, "key": f.figure.value, "value": normalised(f.value), "note": f.note,
             "entered_by": principal.id, "entered_at": at} for f in data.figures])
        uow.emit(self.origin.event(c.OVERSIGHT_REPORT_FIGURES_ENTERED, c.ReportFiguresEntered(
            year=data.year, figures=list(data.figures), entered_by=principal.id, entered_at=at),
            subject=f"annual-report:{data.year}", cause=command))
        return {"year": data.year, "entered": [f.figure.value for f in data.figures], "entered_by": principal.id}

    async def save_text(self, data: c.SaveReportText, command: Envelope, principal: Principal,
                        uow: OversightWork                        ) -> dict[str, Any]:
        check_year(data.year, self.today())
        at, text = self.now(), data.text.strip()
        await uow.annual.add([{"year": data.year, "kind": TEXT, "key": data.section.value, "value": text, "note": None,
                               "entered_by": principal.id, "entered_at": at}])
        sha256 = hashlib.sha256(text.encode()).hexdigest()
        uow.emit(self.origin.event(c.OVERSIGHT_REPORT_TEXT_SAVED, c.ReportTextSaved(
            year=data.year, section=data.section, text=text, sha256=sha256, saved_by=principal.id, saved_at=at),
            subject=f"annual-report:{data.year}", cause=command))
        return {"year": data.year, "section": data.section.value, "sha256": sha256, "entered_by": principal.id}


async def entered(session: AsyncSession, year: int) -> dict[str, Any]:
    """What stands for a year (the latest entry of each figure and section, with who and when) and the history."""
    rows = (await session.execute(select(entries).where(entries.c.year == year).order_by(entries.c.entry_id))
            ).mappings().all()
    current: dict[str, dict[str, Any]] = {FIGURE: {}, TEXT: {}}
    history = []
    for row in rows:
        shown = {"key": row["key"], "value": row["value"], "note": row["note"], "entered_by": row["entered_by"],
                 "entered_at": row["entered_at"]}
        current[row["kind"]][row["key"]] = shown
        history.append({"kind": row["kind"], **shown})
    return {"year": year, "figures": current[FIGURE], "texts": current[TEXT], "history": history}


async def add_entries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    await session.execute(insert(entries), rows)
