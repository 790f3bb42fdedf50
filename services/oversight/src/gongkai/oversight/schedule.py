"""The reporting schedule as data (``schedule.toml``): monthly and quarterly reports to the district office, each
due a number of working days after its period ends. Periods are written ``2026-11`` (a month) and ``2026-Q4`` (a
quarter); a period that does not parse, or has not ended, is refused."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from gongkai.shared import contracts as c
from gongkai.shared.errors import Refused

DEFAULT_SCHEDULE = Path(__file__).with_name("schedule.toml")
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


class ScheduleError(ValueError):
    pass


@dataclass(frozen=True)
class Schedule:
    id: c.ReportSchedule
    period: str  # month | quarter
    deliver_within: int

    def bounds(self, period: str) -> tuple[date, date]:
        """The first and last day of ``period``; 422 when it is not a period of this schedule."""
        pattern = MONTH if self.period == "month" else QUARTER
        found = pattern.match(period)
        if found is None:
            example = "2026-11" if self.period == "month" else "2026-Q4"
            raise Refused(f"{period!r} is not a {self.period} (write it as {example})", status=422)
        year, n = int(found.group(1)), int(found.group(2))
        if not 2000 <= year <= 2100:
            raise Refused(f"{period!r}: no report for the year {year}", status=422)
        first_month = n if self.period == "month" else 3 * (n - 1) + 1
        start = date(year, first_month, 1)
        months = 1 if self.period == "month" else 3
        after = date(year + (first_month + months - 1) // 12, (first_month + months - 1) % 12 + 1, 1)
        return start, after - timedelta(days=1)

    def last_ended(self, today: date) -> str:
        """The latest period that ended before ``today``."""
        previous = today.replace(day=1) - timedelta(days=1)
        if self.period == "month":
            return f"{previous:%Y-%m}"
        quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        ended = quarter_start - timedelta(days=1)
        return f"{ended.year}-Q{(ended.month - 1) // 3 + 1}"


def load(path: str | Path | None = None) -> dict[c.ReportSchedule, Schedule]:
    path = Path(path) if path else DEFAULT_SCHEDULE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScheduleError(f"cannot read the schedule {path}: {exc}") from exc
    out: dict[c.ReportSchedule, Schedule] = {}
    for n, entry in enumerate(data.get("schedules", []), 1):
        try:
            kind = c.ReportSchedule(entry.get("id"))
        except (ValueError, AttributeError):
            raise ScheduleError(f"{path.name}: schedule {n} needs an id of "
                                f"{', '.join(s.value for s in c.ReportSchedule)}") from None
        period, within = entry.get("period"), entry.get("deliver_within")
        if period not in ("month", "quarter"):
            raise ScheduleError(f"{path.name}: schedule {kind.value}: period must be month or quarter")
        if isinstance(within, bool) or not isinstance(within, int) or not 1 <= within <= 60:
            raise ScheduleError(f"{path.name}: schedule {kind.value}: deliver_within must be 1 to 60 working days")
        if kind in out:
            raise ScheduleError(f"{path.name}: schedule {kind.value} is listed twice")
        out[kind] = Schedule(kind, period, within)
    if not out:
        raise ScheduleError(f"{path.name}: no [[schedules]]")
    return out
