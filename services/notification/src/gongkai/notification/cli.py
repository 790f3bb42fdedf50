"""``gongkai calendar …``: count working days, and load a year's holiday notice into the running service."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where they are used, so that `gongkai --help` stays quick
    from gongkai.shared.calendar import WorkingCalendar
    from gongkai.shared.envelope import Envelope


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cal = subparsers.add_parser("calendar", help="the working-day calendar: count, explain, load a year")
    cal.add_argument("--dir", default=os.environ.get("GONGKAI_NOTIFICATION_CALENDAR_DIR"),
                     help="extra year files (<year>.toml) to count with, besides the shipped years")
    sub = cal.add_subparsers(title="calendar commands")

    add = sub.add_parser("add-working-days", help="print the N-th working day after a date")
    add.add_argument("start", type=_day)
    add.add_argument("n", type=int)
    add.set_defaults(func=_add_working_days)

    between = sub.add_parser("working-days-between", help="print the working days in (FROM, TO]")
    between.add_argument("start", type=_day)
    between.add_argument("end", type=_day)
    between.set_defaults(func=_between)

    check = sub.add_parser("is-working-day", help="print yes or no")
    check.add_argument("day", type=_day)
    check.set_defaults(func=_is_working_day)

    explain = sub.add_parser("explain", help="the N-th working day after FROM, with the holidays and make-up "
                                             "days counted on the way")
    explain.add_argument("start", type=_day)
    explain.add_argument("n", type=int)
    explain.set_defaults(func=_explain)

    load = sub.add_parser("load", help="validate a year file and send it to the running notification service")
    load.add_argument("file")
    load.add_argument("--check", action="store_true", help="only validate the file")
    load.add_argument("--token", default=os.environ.get("GONGKAI_TOKEN"),
                      help="an administrator's bearer token (default: $GONGKAI_TOKEN)")
    load.set_defaults(func=_load)

    def usage(_: argparse.Namespace) -> int:
        cal.print_help()
        return 2
    cal.set_defaults(func=usage)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _calendar(args: argparse.Namespace) -> WorkingCalendar:
    from pathlib import Path

    from gongkai.shared.calendar import WorkingCalendar, read_year_file, shipped_years

    years = dict(shipped_years())
    if args.dir:
        for path in sorted(Path(args.dir).glob("*.toml")):
            year = read_year_file(path)
            years[year.year] = year
    return WorkingCalendar(years.values())


def _guarded(run: Callable[[], int]) -> int:
    from gongkai.shared.calendar import CalendarError

    try:
        return run()
    except CalendarError as exc:
        print(f"gongkai calendar: {exc}", file=sys.stderr)
        return 1


def _warn_missing(cal: WorkingCalendar, start: date, end: date) -> None:
    missing = cal.missing_years(start, end)
    if missing:
        print(f"provisional: no holiday data for {', '.join(map(str, missing))} (weekends only); "
              "load the year's notice with 'gongkai calendar load'", file=sys.stderr)


def _add_working_days(args: argparse.Namespace) -> int:
    def run() -> int:
        cal = _calendar(args)
        due = cal.add_working_days(args.start, args.n)
        print(due.isoformat())
        _warn_missing(cal, args.start, due)
        return 0
    return _guarded(run)


def _between(args: argparse.Namespace) -> int:
    def run() -> int:
        cal = _calendar(args)
        print(cal.working_days_between(args.start, args.end))
        _warn_missing(cal, args.start, args.end)
        return 0
    return _guarded(run)


def _is_working_day(args: argparse.Namespace) -> int:
    def run() -> int:
        cal = _calendar(args)
        print("yes" if cal.is_working_day(args.day) else "no")
        _warn_missing(cal, args.day, args.day)
        return 0
    return _guarded(run)


def _explain(args: argparse.Namespace) -> int:
    def run() -> int:
        cal = _calendar(args)
        due = cal.add_working_days(args.start, args.n)
        print(f"{args.start} 起第{args.n}个工作日：{due}")
        for line in cal.explain(args.start, args.n):
            print(f"  {line}")
        return 0
    return _guarded(run)


def _load(args: argparse.Namespace) -> int:
    import asyncio

    from gongkai.shared.calendar import CalendarError, read_year_file

    try:
        year = read_year_file(args.file)
    except CalendarError as exc:
        print(f"gongkai calendar load: {exc}", file=sys.stderr)
        return 1
    days_off = sum(1 for d in year.off if d.weekday() < 5)
    print(f"{year.year}: {year.notice}（{year.reference}）: {len(year.holidays)} holiday periods, "
          f"{days_off} weekdays off, {len(year.working)} make-up working days")
    if args.check:
        return 0
    if not args.token:
        print("gongkai calendar load: no token: pass --token or set GONGKAI_TOKEN (an administrator's)",
              file=sys.stderr)
        return 1
    answer = asyncio.run(_send(year.to_dict(), args.token))
    if answer is None:
        print("sent; no answer yet (is the notification service running?)", file=sys.stderr)
        return 1
    from gongkai.shared.contracts import CALENDAR_YEAR_LOADED, INTAKE_REJECTED

    if answer.type == INTAKE_REJECTED:
        print(f"refused: {answer.data.get('reason')}", file=sys.stderr)
        return 1
    if answer.type != CALENDAR_YEAR_LOADED:
        print(f"gongkai calendar load: answered with {answer.type}, not {CALENDAR_YEAR_LOADED}: is the notification "
              "service the same version as this command?", file=sys.stderr)
        return 1
    print(f"loaded: {answer.data['recomputed']} open deadlines recomputed")
    return 0


async def _send(data: dict[str, Any], token: str, wait_seconds: float = 15.0) -> Envelope | None:
    """Send ``gongkai.calendar.load.v1`` on the intake exchange as the staff tool; the answer is what it caused."""
    from gongkai.shared.contracts import LOAD_CALENDAR_YEAR
    from gongkai.shared.envelope import new_event
    from gongkai.shared.settings import Settings
    from gongkai.shared.staff_tool import send_command

    command = new_event(LOAD_CALENDAR_YEAR, data, source="/gongkai/cli", actor="cli", subject=str(data["year"]))
    return await send_command(Settings(), command.routing_key, command.to_bytes(), command.id, f"Bearer {token}",
                              wait_seconds)
