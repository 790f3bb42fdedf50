"""The working-day calendar against the State Council notices of 2024–2026.

The expected days were cross-checked day by day with the ``chinesecalendar`` package (1.11.0) for all
1,096 days of 2024–2026; they are written out here so the tests need no such package.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from gongkai.shared.calendar import CalendarError, WorkingCalendar, local_date, shipped_calendar, shipped_years

# Weekdays off (holidays and their 调休 days) and weekend days worked (make-up days), by year, as MMDD.
WEEKDAYS_OFF = {
    2024: "0101 0212 0213 0214 0215 0216 0404 0405 0501 0502 0503 0610 0916 0917 1001 1002 1003 1004 1007",
    2025: "0101 0128 0129 0130 0131 0203 0204 0404 0501 0502 0505 0602 1001 1002 1003 1006 1007 1008",
    2026: "0101 0102 0216 0217 0218 0219 0220 0223 0406 0501 0504 0505 0619 0925 1001 1002 1005 1006 1007",
}
WEEKENDS_WORKED = {
    2024: "0204 0218 0407 0428 0511 0914 0929 1012",
    2025: "0126 0208 0427 0928 1011",
    2026: "0104 0214 0228 0509 0920 1010",
}
PERIODS = {
    2024: ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"],
    2025: ["元旦", "春节", "清明节", "劳动节", "端午节", "国庆节、中秋节"],
    2026: ["元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节"],
}


def days(year: int, mmdd: str) -> set[date]:
    return {date(year, int(d[:2]), int(d[2:])) for d in mmdd.split()}


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return shipped_calendar()


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_every_day_of_the_year_is_a_working_day_exactly_as_the_notice_says(cal, year):
    off, worked = days(year, WEEKDAYS_OFF[year]), days(year, WEEKENDS_WORKED[year])
    day = date(year, 1, 1)
    while day.year == year:
        expected = (day.weekday() < 5 and day not in off) or day in worked
        assert cal.is_working_day(day) is expected, day
        day += timedelta(days=1)


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_each_year_file_names_its_notice_and_every_holiday_period(year):
    shipped = shipped_years()[year]
    assert shipped.notice == f"国务院办公厅关于{year}年部分节假日安排的通知"
    assert shipped.reference.startswith("国办发明电〔")
    assert [h.name for h in shipped.holidays] == PERIODS[year]


def test_2026_10_10_is_a_make_up_working_saturday_and_10_october_2026_counts(cal):
    assert cal.is_working_day(date(2026, 10, 10)) is True
    assert cal.is_working_day(date(2026, 10, 11)) is False   # the Sunday after it is a rest day
    assert cal.is_working_day(date(2026, 9, 20)) is True     # the Sunday before National Day


@pytest.mark.parametrize(("start", "n", "due"), [
    # New Year
    (date(2023, 12, 29), 1, date(2024, 1, 2)),
    (date(2024, 12, 31), 1, date(2025, 1, 2)),
    (date(2025, 12, 31), 1, date(2026, 1, 4)),      # 2026-01-04 is a make-up Sunday
    # Spring Festival, with its make-up Saturdays and Sundays
    (date(2024, 2, 2), 5, date(2024, 2, 8)),        # counts Sunday 2024-02-04
    (date(2024, 2, 8), 1, date(2024, 2, 9)),
    (date(2024, 2, 8), 2, date(2024, 2, 18)),       # across the whole festival to the make-up Sunday
    (date(2025, 1, 24), 3, date(2025, 2, 5)),       # Sunday 01-26 worked, 01-28 to 02-04 off
    (date(2025, 1, 24), 10, date(2025, 2, 13)),     # counts Saturday 02-08
    (date(2026, 2, 13), 1, date(2026, 2, 14)),      # Saturday 02-14 is worked
    (date(2026, 2, 13), 5, date(2026, 2, 27)),
    (date(2026, 2, 13), 6, date(2026, 2, 28)),      # Saturday 02-28 is worked
    # Qingming
    (date(2024, 4, 3), 2, date(2024, 4, 8)),        # Sunday 04-07 worked
    (date(2025, 4, 3), 1, date(2025, 4, 7)),
    (date(2026, 4, 3), 1, date(2026, 4, 7)),
    # Labour Day
    (date(2024, 4, 26), 3, date(2024, 4, 30)),      # Sunday 04-28 worked
    (date(2025, 4, 30), 1, date(2025, 5, 6)),
    (date(2026, 4, 30), 1, date(2026, 5, 6)),
    # Dragon Boat
    (date(2024, 6, 7), 1, date(2024, 6, 11)),
    (date(2025, 5, 30), 1, date(2025, 6, 3)),
    (date(2026, 6, 18), 1, date(2026, 6, 22)),
    # Mid-Autumn
    (date(2024, 9, 13), 2, date(2024, 9, 18)),      # Saturday 09-14 worked
    (date(2026, 9, 24), 1, date(2026, 9, 28)),
    # National Day (2025 with Mid-Autumn), with make-up days on both sides
    (date(2024, 9, 27), 15, date(2024, 10, 23)),
    (date(2025, 9, 26), 1, date(2025, 9, 28)),      # Sunday 09-28 worked
    (date(2025, 9, 26), 5, date(2025, 10, 10)),
    (date(2025, 9, 30), 15, date(2025, 10, 28)),
    (date(2026, 9, 18), 2, date(2026, 9, 21)),      # Sunday 09-20 worked
    (date(2026, 9, 28), 15, date(2026, 10, 23)),
    (date(2026, 9, 30), 1, date(2026, 10, 8)),
])
def test_adding_working_days_skips_holidays_and_counts_make_up_days(cal, start, n, due):
    assert cal.add_working_days(start, n) == due
    assert cal.working_days_between(start, due) == n
    assert cal.add_working_days(due, -n) <= start or not cal.is_working_day(start)


def test_working_days_between_is_negative_backwards_and_zero_on_the_same_day(cal):
    assert cal.working_days_between(date(2026, 10, 23), date(2026, 9, 28)) == -15
    assert cal.working_days_between(date(2026, 10, 1), date(2026, 10, 7)) == 0
    assert cal.add_working_days(date(2026, 10, 8), -1) == date(2026, 9, 30)
    assert cal.add_working_days(date(2026, 10, 3), 0) == date(2026, 10, 3)


def test_a_year_without_data_is_counted_on_weekends_only_and_reported_missing(cal):
    assert cal.missing_years(date(2026, 12, 20), date(2027, 1, 10)) == (2027,)
    assert cal.missing_years(date(2026, 1, 1), date(2026, 12, 31)) == ()
    assert cal.is_working_day(date(2027, 1, 1)) is True   # a Friday: no notice yet, so not yet a holiday
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 1)


def test_loading_2027_replaces_the_weekend_guess():
    from gongkai.shared.calendar import parse_year

    year = parse_year({"year": 2027, "notice": "国务院办公厅关于2027年部分节假日安排的通知", "reference": "测试",
                       "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03", "working": []}]})
    cal = shipped_calendar().with_year(year)
    assert cal.missing_years(date(2026, 12, 20), date(2027, 1, 10)) == ()
    assert cal.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)


def test_dates_before_1949_and_absurd_spans_are_refused(cal):
    with pytest.raises(CalendarError, match="before 1949"):
        cal.is_working_day(date(1948, 12, 31))
    with pytest.raises(CalendarError, match="before 1949"):
        cal.add_working_days(date(1900, 1, 1), 5)
    with pytest.raises(CalendarError, match="more than"):
        cal.add_working_days(date(2026, 1, 1), 100_000)


def test_explain_lists_the_holidays_skipped_and_the_make_up_days_counted(cal):
    lines = cal.explain(date(2026, 9, 28), 15)
    assert lines[0].startswith("2026-10-01 星期四 放假（国庆节）")
    assert lines[-1].startswith("2026-10-10 星期六 调休上班（国庆节）")
    assert any("2027年 无节假日数据" in line for line in cal.explain(date(2026, 12, 28), 10))


def test_the_agency_date_is_taken_in_shanghai():
    assert local_date(datetime(2026, 9, 30, 16, 0, tzinfo=UTC)) == date(2026, 10, 1)
    assert local_date(datetime(2026, 9, 30, 15, 59, tzinfo=UTC)) == date(2026, 9, 30)
