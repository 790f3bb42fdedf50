"""The gongkai command answers at once what needs no service: its parser, and every service's ``register()``,
import nothing heavy; the heavy imports happen inside the command that needs them (bench/cli_startup.py times it)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = {"alembic", "sqlalchemy", "fastapi", "starlette", "uvicorn", "faststream", "aio_pika", "aiormq", "asyncpg",
         "httpx", "pydantic", "pydantic_settings"}
SERVICE_INTERNALS = ("gongkai.publishing.", "gongkai.review.", "gongkai.notification.", "gongkai.audit.")

PROBE = """
import json, sys
from gongkai.cli.main import main
try:
    code = main(sys.argv[1:])
except SystemExit as exit:
    code = exit.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def imported_by(*argv: str) -> tuple[int, list[str]]:
    """Run ``gongkai ARGV`` in a fresh interpreter; its exit code and every module it imported."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120)
    probe = json.loads(done.stderr.strip().splitlines()[-1])
    return probe["code"], probe["modules"]


@pytest.mark.parametrize("argv", [["--help"], ["calendar", "is-working-day", "2026-10-10"],
                                  ["calendar", "add-working-days", "2026-09-28", "15"], ["run", "--help"],
                                  ["review", "screen", "--help"], ["audit", "verify", "--help"],
                                  ["parking", "replay", "--help"], ["reconcile", "--help"]],
                         ids=" ".join)
def test_help_and_the_offline_calendar_import_none_of_the_heavy_modules(argv):
    code, modules = imported_by(*argv)
    assert code == 0
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY) == []
    # A service's register() stays cheap: only its cli module is imported, not its app, handlers or screening.
    assert [m for m in modules if m.startswith(SERVICE_INTERNALS) and not m.endswith(".cli")] == []


def test_a_command_that_needs_the_stack_still_imports_it_when_it_runs():
    code, modules = imported_by("topology", "export")
    assert code == 0 and "gongkai.shared.broker" in modules and "aio_pika" in modules
