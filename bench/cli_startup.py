"""Benchmark: how long the ``gongkai`` command takes to answer what needs no service.

    .venv/bin/python bench/cli_startup.py --runs 20

Runs each command N times as a fresh process and prints the median and the fastest run, beside
``python -c pass`` (the interpreter's own start) measured in the same run, and beside importing the
stack the command used to import before it printed ``--help`` (alembic, SQLAlchemy, aio-pika, httpx and
FastAPI through the services), so that the figures can be compared on a machine whatever its load.

Each is measured twice:
  - with a warm bytecode cache (``PYTHONPYCACHEPREFIX`` a scratch directory, filled by one run first):
    what a user sees from the second run on;
  - with no bytecode written (``PYTHONDONTWRITEBYTECODE=1``, as the development environment runs): every
    module without a ``.pyc`` beside it — the editable packages, and site-packages installed by uv — is
    compiled from source on every run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PYTHON = sys.executable
GONGKAI = str(Path(PYTHON).with_name("gongkai"))
COMMANDS = [
    ("python -c pass", [PYTHON, "-c", "pass"]),
    ("gongkai --help", [GONGKAI, "--help"]),
    ("gongkai calendar is-working-day 2026-10-10", [GONGKAI, "calendar", "is-working-day", "2026-10-10"]),
    ("reference: import the stack --help imported before",
     [PYTHON, "-c", "import gongkai.shared.migrations, gongkai.shared.broker, gongkai.shared.staff_tool, httpx, "
                    "gongkai.publishing.app"]),
]


def timed(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def measure(runs: int, env: dict[str, str]) -> dict[str, list[float]]:
    for _, argv in COMMANDS:  # warm the page cache (and the bytecode cache where there is one)
        timed(argv, env)
    times: dict[str, list[float]] = {name: [] for name, _ in COMMANDS}
    for _ in range(runs):  # interleaved, so that a burst of load elsewhere touches every command alike
        for name, argv in COMMANDS:
            times[name].append(timed(argv, env))
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    print(f"gongkai command start-up, median (fastest) of {args.runs} runs; load average "
          f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="gongkai-pycache-") as cache:
        modes = [("warm bytecode cache", {**base, "PYTHONPYCACHEPREFIX": cache}),
                 ("no bytecode written", {**base, "PYTHONDONTWRITEBYTECODE": "1"})]
        for mode, env in modes:
            times = measure(args.runs, env)
            baseline = statistics.median(times[COMMANDS[0][0]])
            print(f"\n{mode}:")
            for name, _ in COMMANDS:
                median = statistics.median(times[name])
                beside = "" if name == COMMANDS[0][0] else f"   {median - baseline:6.3f} s over python"
                print(f"  {name:<52} {median:6.3f} s ({min(times[name]):.3f}){beside}")


if __name__ == "__main__":
    main()
