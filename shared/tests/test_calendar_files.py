"""Year files: what a notice's data must look like, and the clear errors when it does not."""

from __future__ import annotations

from datetime import date

import pytest
from gongkai.shared.calendar import CalendarError, parse_year, read_year_file

GOOD = """
year = 2027
notice = "国务院办公厅关于2027年部分节假日安排的通知"
reference = "国办发明电〔2026〕1号"

[[holidays]]
name = "元旦"
from = 2027-01-01
to = 2027-01-03
working = []

[[holidays]]
name = "春节"
from = 2027-02-05
to = 2027-02-12
working = [2027-02-20]
"""


def year_with(**changes) -> dict:
    base = {"year": 2027, "notice": "通知", "reference": "国办发明电〔2026〕1号",
            "holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01", "working": []}]}
    return {**base, **changes}


def test_a_good_file_reads_with_its_notice_and_days(tmp_path):
    path = tmp_path / "2027.toml"
    path.write_text(GOOD, encoding="utf-8")
    year = read_year_file(path)
    assert (year.year, year.reference) == (2027, "国办发明电〔2026〕1号")
    assert year.off[date(2027, 2, 8)] == "春节" and year.working == {date(2027, 2, 20): "春节"}
    assert parse_year(year.to_dict()) == year


def test_a_day_listed_as_both_holiday_and_working_day_is_refused():
    holidays = [{"name": "春节", "from": "2027-02-05", "to": "2027-02-12", "working": ["2027-02-06"]}]
    with pytest.raises(CalendarError, match="2027-02-06 is listed both as a holiday"):
        parse_year(year_with(holidays=holidays))


def test_a_date_outside_the_files_year_is_refused():
    holidays = [{"name": "元旦", "from": "2026-12-31", "to": "2027-01-01", "working": []}]
    with pytest.raises(CalendarError, match="2026-12-31 is outside the file's year 2027"):
        parse_year(year_with(holidays=holidays))


def test_a_date_before_1949_is_refused():
    with pytest.raises(CalendarError, match="year 1948 is before 1949"):
        parse_year(year_with(year=1948, holidays=[{"name": "国庆", "from": "1948-10-01", "to": "1948-10-01"}]))
    with pytest.raises(CalendarError, match="before 1949"):
        parse_year(year_with(holidays=[{"name": "元旦", "from": "1900-01-01", "to": "2027-01-01"}]))


def test_duplicate_days_are_refused():
    overlapping = [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-03"},
                   {"name": "又一个", "from": "2027-01-03", "to": "2027-01-04"}]
    with pytest.raises(CalendarError, match="2027-01-03 is listed twice"):
        parse_year(year_with(holidays=overlapping))
    twice = [{"name": "春节", "from": "2027-02-05", "to": "2027-02-12", "working": ["2027-02-20", "2027-02-20"]}]
    with pytest.raises(CalendarError, match="2027-02-20 is listed twice"):
        parse_year(year_with(holidays=twice))


@pytest.mark.parametrize(("changes", "message"), [
    ({"year": "2027"}, "'year' must be a whole number"),
    ({"notice": ""}, "'notice' must name"),
    ({"reference": None}, "'reference' must give"),
    ({"holidays": []}, "'holidays' must list"),
    ({"holidays": [{"name": "元旦", "from": "2027-01-03", "to": "2027-01-01"}]}, "is before 'from'"),
    ({"holidays": [{"name": "元旦", "from": "2027-13-01", "to": "2027-01-01"}]}, "is not a date"),
    ({"holidays": [{"name": "元旦", "from": "2027-01-01", "to": "2027-01-01", "working": ["2027-01-04"]}]},
     "2027-01-04 is not a Saturday or Sunday"),
])
def test_a_malformed_file_is_refused_with_the_reason(changes, message):
    with pytest.raises(CalendarError, match=message):
        parse_year(year_with(**changes))


def test_a_file_that_is_not_toml_names_itself(tmp_path):
    path = tmp_path / "2027.toml"
    path.write_text("year = = 2027", encoding="utf-8")
    with pytest.raises(CalendarError, match=r"2027\.toml is not valid TOML"):
        read_year_file(path)
