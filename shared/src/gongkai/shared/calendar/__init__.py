"""The Chinese working-day calendar: official holidays and make-up working days (调休), year by year.

Each year is a data file taken from the State Council's notice (``years/<year>.toml``); a year with no
data is counted on weekends only, and whoever asks learns it was (``missing_years``).
"""

from .calendar import (
    AGENCY_TIME_ZONE,
    EARLIEST_YEAR,
    CalendarError,
    Holiday,
    WorkingCalendar,
    Year,
    local_date,
    parse_year,
    read_year_file,
    shipped_calendar,
    shipped_years,
    years_with,
)

__all__ = [
    "AGENCY_TIME_ZONE", "EARLIEST_YEAR", "CalendarError", "Holiday", "WorkingCalendar", "Year", "local_date",
    "parse_year", "read_year_file", "shipped_calendar", "shipped_years", "years_with",
]
