"""Working days in the agency's time zone, from the State Council's yearly holiday notices.

A year file (TOML) lists the notice, its reference and each holiday period with its make-up working
days. ``parse_year`` refuses a file that could not be a notice: a date before 1949 or outside the
file's year, a day listed twice, a day that is both a holiday and a working day, a make-up working
day that is not a Saturday or Sunday.

Counting: ``add_working_days(start, n)`` is the n-th working day after ``start`` (``start`` itself is
not counted, as a legal time limit starts the day after the event); ``working_days_between(a, b)``
counts the working days in (a, b], negative when ``b`` is before ``a``. A year with no data is counted
on weekends only; ``missing_years`` tells which years a span would have needed.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

AGENCY_TIME_ZONE = ZoneInfo("Asia/Shanghai")
EARLIEST_YEAR = 1949
MAX_SPAN = 3660  # working days; more than ten years is a mistake, not a time limit


class CalendarError(ValueError):
    """A year file or a question the calendar cannot answer; the message says why."""


@dataclass(frozen=True)
class Holiday:
    name: str
    start: date
    end: date
    working: tuple[date, ...] = ()

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Year:
    year: int
    notice: str
    reference: str
    issued_on: date | None
    holidays: tuple[Holiday, ...]
    off: dict[date, str] = field(default_factory=dict, compare=False)
    working: dict[date, str] = field(default_factory=dict, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (dates as ISO strings), as sent in a ``calendar.load`` command."""
        return {
            "year": self.year, "notice": self.notice, "reference": self.reference,
            "issued_on": self.issued_on.isoformat() if self.issued_on else None,
            "holidays": [{"name": h.name, "from": h.start.isoformat(), "to": h.end.isoformat(),
                          "working": [d.isoformat() for d in h.working]} for h in self.holidays],
        }


def _date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        raise CalendarError(f"{where}: {value} must be a date without a time")
    if isinstance(value, date):
        day = value
    elif isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            raise CalendarError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from None
    else:
        raise CalendarError(f"{where}: {value!r} is not a date (YYYY-MM-DD)")
    if day.year < EARLIEST_YEAR:
        raise CalendarError(f"{where}: {day} is before {EARLIEST_YEAR}; the calendar starts in {EARLIEST_YEAR}")
    return day


def parse_year(data: Mapping[str, Any]) -> Year:
    """A validated year from its TOML or JSON form; ``CalendarError`` says what is wrong."""
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise CalendarError("'year' must be a whole number, e.g. year = 2027")
    if year < EARLIEST_YEAR or year > 9999:
        raise CalendarError(f"year {year} is before {EARLIEST_YEAR} or after 9999")
    notice, reference = data.get("notice"), data.get("reference")
    if not isinstance(notice, str) or not notice.strip():
        raise CalendarError("'notice' must name the State Council notice the year is taken from")
    if not isinstance(reference, str) or not reference.strip():
        raise CalendarError("'reference' must give the notice's document number, e.g. 国办发明电〔2025〕7号")
    issued_on = _date(data["issued_on"], "issued_on") if data.get("issued_on") else None
    periods = data.get("holidays")
    if not isinstance(periods, list) or not periods:
        raise CalendarError("'holidays' must list the year's holiday periods")
    off: dict[date, str] = {}
    working: dict[date, str] = {}
    holidays: list[Holiday] = []
    for number, period in enumerate(periods, 1):
        if not isinstance(period, Mapping):
            raise CalendarError(f"holiday {number} must be a table with name, from, to and working")
        name = period.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CalendarError(f"holiday {number} has no name")
        where = f"{name} ({year})"
        start, end = _date(period.get("from"), f"{where} from"), _date(period.get("to"), f"{where} to")
        if end < start:
            raise CalendarError(f"{where}: 'to' {end} is before 'from' {start}")
        raw_working = period.get("working", [])
        if not isinstance(raw_working, list):
            raise CalendarError(f"{where}: 'working' must be a list of dates")
        holiday = Holiday(name, start, end, tuple(_date(d, f"{where} working") for d in raw_working))
        for day in [*holiday.days(), *holiday.working]:
            if day.year != year:
                raise CalendarError(f"{where}: {day} is outside the file's year {year}")
        for day in holiday.days():
            if day in off:
                raise CalendarError(f"{where}: {day} is listed twice (also in {off[day]})")
            off[day] = name
        for day in holiday.working:
            if day in working:
                raise CalendarError(f"{where}: make-up working day {day} is listed twice (also for {working[day]})")
            if day.weekday() < 5:
                raise CalendarError(f"{where}: make-up working day {day} is not a Saturday or Sunday")
            working[day] = name
        holidays.append(holiday)
    both = sorted(set(off) & set(working))
    if both:
        raise CalendarError(f"{both[0]} is listed both as a holiday ({off[both[0]]}) and as a working day "
                            f"({working[both[0]]})")
    return Year(year, notice.strip(), reference.strip(), issued_on, tuple(holidays), off, working)


def read_year_file(path: str | Path) -> Year:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarError(f"cannot read {path}: {exc}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CalendarError(f"{path} is not valid TOML: {exc}") from exc
    try:
        return parse_year(data)
    except CalendarError as exc:
        raise CalendarError(f"{path.name}: {exc}") from None


@cache
def shipped_years() -> dict[int, Year]:
    """The years shipped with Gongkai (``years/*.toml``)."""
    folder = resources.files(__package__) / "years"
    years = [read_year_file(Path(str(entry))) for entry in folder.iterdir() if entry.name.endswith(".toml")]
    return {y.year: y for y in years}


def years_with(calendar_dir: Path | None) -> dict[int, Year]:
    """The shipped years, each replaced or joined by a ``<year>.toml`` file of ``calendar_dir`` when given: the
    operator's ``GONGKAI_CALENDAR_DIR``, which every service that counts working days reads."""
    years = dict(shipped_years())
    for path in sorted(Path(calendar_dir).glob("*.toml")) if calendar_dir else ():
        year = read_year_file(path)
        years[year.year] = year
    return years


def shipped_calendar(zone: ZoneInfo = AGENCY_TIME_ZONE) -> WorkingCalendar:
    return WorkingCalendar(shipped_years().values(), zone)


def local_date(moment: datetime, zone: ZoneInfo = AGENCY_TIME_ZONE) -> date:
    """The agency's calendar date at ``moment`` (a naive time is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


class WorkingCalendar:
    """Working days from the given years; other years by weekends only (see ``missing_years``)."""

    def __init__(self, years: Iterable[Year] = (), zone: ZoneInfo = AGENCY_TIME_ZONE) -> None:
        self.years: dict[int, Year] = {y.year: y for y in years}
        self.zone = zone
        self._off: dict[date, str] = {}
        self._working: dict[date, str] = {}
        for y in self.years.values():
            self._off.update(y.off)
            self._working.update(y.working)

    def with_year(self, year: Year) -> WorkingCalendar:
        """This calendar with ``year`` added, or replacing the year's earlier data."""
        return WorkingCalendar([*(y for y in self.years.values() if y.year != year.year), year], self.zone)

    def today(self, now: datetime) -> date:
        return local_date(now, self.zone)

    def is_working_day(self, day: date) -> bool:
        if day.year < EARLIEST_YEAR:
            raise CalendarError(f"{day} is before {EARLIEST_YEAR}; the calendar starts in {EARLIEST_YEAR}")
        if day in self._working:
            return True
        if day in self._off:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (before it when ``n`` is negative; ``start`` when 0)."""
        _check_span(n)
        self.is_working_day(start)
        step = timedelta(days=1 if n >= 0 else -1)
        day, left = start, abs(n)
        while left:
            day += step
            if self.is_working_day(day):
                left -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative (those in (end, start]) when ``end`` is before ``start``."""
        if end < start:
            return -self.working_days_between(end, start)
        self.is_working_day(start)
        if (end - start).days > MAX_SPAN * 2:
            raise CalendarError(f"{start} to {end} is more than {MAX_SPAN * 2} days")
        return sum(1 for i in range(1, (end - start).days + 1) if self.is_working_day(start + timedelta(days=i)))

    def missing_years(self, start: date, end: date) -> tuple[int, ...]:
        """Years between the two dates (inclusive) that have no data: counted on weekends only."""
        low, high = min(start, end).year, max(start, end).year
        return tuple(y for y in range(low, high + 1) if y not in self.years)

    def explain(self, start: date, n: int) -> list[str]:
        """Each holiday and make-up working day met on the way from ``start`` to its n-th working day."""
        end = self.add_working_days(start, n)
        low, high = min(start, end), max(start, end)
        lines = []
        for i in range(1, (high - low).days + 1):
            day = low + timedelta(days=i)
            if day in self._off and day.weekday() < 5:
                lines.append(f"{day} {_WEEKDAYS[day.weekday()]} 放假（{self._off[day]}），不计")
            elif day in self._off:
                lines.append(f"{day} {_WEEKDAYS[day.weekday()]} 放假（{self._off[day]}，周末），不计")
            elif day in self._working:
                lines.append(f"{day} {_WEEKDAYS[day.weekday()]} 调休上班（{self._working[day]}），计入")
        for year in self.missing_years(low, high):
            lines.append(f"{year}年 无节假日数据：仅按周末计算（临时结果）")
        return lines


_WEEKDAYS = ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日")


def _check_span(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise CalendarError(f"{n!r} is not a whole number of working days")
    if abs(n) > MAX_SPAN:
        raise CalendarError(f"{n} working days is more than {MAX_SPAN}")
