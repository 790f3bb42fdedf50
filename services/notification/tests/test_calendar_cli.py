"""``gongkai calendar …``: the commands an operator types, run through their argparse wiring."""

from __future__ import annotations

import argparse

import pytest
from gongkai.notification import cli


def run(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="gongkai")
    cli.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out.strip(), err.strip()


def test_add_working_days_prints_the_date_across_national_day(capsys):
    assert run(capsys, "calendar", "add-working-days", "2026-09-28", "15") == (0, "2026-10-23", "")


@pytest.mark.parametrize(("day", "answer"), [("2026-10-10", "yes"), ("2026-10-05", "no"), ("2026-10-11", "no"),
                                             ("2026-10-12", "yes")])
def test_is_working_day_answers_yes_or_no(capsys, day, answer):
    assert run(capsys, "calendar", "is-working-day", day)[:2] == (0, answer)


def test_explain_lists_the_holidays_and_make_up_days_it_counted(capsys):
    code, out, _ = run(capsys, "calendar", "explain", "2026-09-28", "15")
    assert code == 0 and out.splitlines()[0] == "2026-09-28 起第15个工作日：2026-10-23"
    assert "2026-10-01 星期四 放假（国庆节），不计" in out and "2026-10-10 星期六 调休上班（国庆节），计入" in out


def test_a_year_without_data_is_answered_with_a_provisional_warning(capsys):
    code, out, err = run(capsys, "calendar", "add-working-days", "2026-12-28", "5")
    assert (code, out) == (0, "2027-01-04") and err.startswith("provisional: no holiday data for 2027")


def test_a_date_before_1949_is_an_error(capsys):
    code, _, err = run(capsys, "calendar", "is-working-day", "1948-12-31")
    assert code == 1 and "before 1949" in err


def test_load_check_validates_a_file_and_names_what_is_wrong(capsys, tmp_path):
    good = tmp_path / "2027.toml"
    good.write_text('year = 2027\nnotice = "通知"\nreference = "国办发明电〔2026〕1号"\n'
                    '[[holidays]]\nname = "元旦"\nfrom = 2027-01-01\nto = 2027-01-03\nworking = []\n', encoding="utf-8")
    code, out, _ = run(capsys, "calendar", "load", str(good), "--check")
    assert code == 0 and "1 holiday periods, 1 weekdays off, 0 make-up working days" in out
    bad = tmp_path / "bad.toml"
    bad.write_text(good.read_text(encoding="utf-8").replace("working = []", "working = [2027-01-02]"), encoding="utf-8")
    code, _, err = run(capsys, "calendar", "load", str(bad), "--check")
    assert code == 1 and "2027-01-02 is listed both as a holiday (元旦) and as a working day (元旦)" in err
