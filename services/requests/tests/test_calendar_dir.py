"""The requests service counts its correction and payment days on the operator's calendar files too."""

from __future__ import annotations

from datetime import date

from gongkai.requests.app import RequestsSettings, build
from gongkai.shared.settings import Settings

YEAR_2027 = """year = 2027
notice = "国务院办公厅关于2027年部分节假日安排的通知"
reference = "国办发明电〔2026〕1号"
issued_on = 2026-11-10

[[holidays]]
name = "元旦"
from = 2027-01-01
to = 2027-01-04
working = []
"""


def test_a_year_file_in_the_calendar_dir_is_the_year_the_service_counts_on(tmp_path):
    (tmp_path / "2027.toml").write_text(YEAR_2027, encoding="utf-8")
    _, shipped = build(Settings(), RequestsSettings())
    _, operators = build(Settings(), RequestsSettings(calendar_dir=tmp_path))
    monday = date(2027, 1, 4)
    assert shipped.calendar.is_working_day(monday)  # no 2027 data shipped: a plain Monday
    assert not operators.calendar.is_working_day(monday)  # the operator's file: 元旦 until the 4th
    assert operators.calendar.add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 5)
