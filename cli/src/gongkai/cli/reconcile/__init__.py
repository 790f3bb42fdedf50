"""``gongkai reconcile``: the operator's daily check that the services' records agree with each other.

It reads each service's schema (``snapshot``), runs the checks (``checks``) and prints the counts of each, and
the mismatching ids (at most ``--limit`` per check). Exit 0 when nothing mismatches, 1 when something does, 2
when a database cannot be read. Imported only when the command runs (``gongkai --help`` stays fast).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from gongkai.shared.settings import Settings
from sqlalchemy.exc import SQLAlchemyError

from .checks import Check, Limits, reconcile
from .snapshot import read

COLUMNS = ("CHECK", "CHECKED", "OK", "IN PROGRESS", "MISMATCHES")


def main(args: argparse.Namespace) -> int:
    limits_given = (timedelta(seconds=args.grace), timedelta(days=args.max_wait))
    try:
        checks = asyncio.run(run_checks(Settings(), *limits_given))
    except (OSError, SQLAlchemyError) as exc:
        print(f"gongkai reconcile: cannot read the databases: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    total = sum(len(check.mismatches) for check in checks)
    if args.json:
        print(json.dumps(as_json(checks, limits_given[0], limits_given[1], args.limit), ensure_ascii=False,
                         indent=2))
    else:
        print(table(checks, args.limit))
    print(f"reconciled: {total} mismatch{'es' if total != 1 else ''}", file=sys.stderr)
    return 1 if total else 0


async def run_checks(settings: Settings, grace: timedelta, max_wait: timedelta,
                     now: datetime | None = None) -> list[Check]:
    """Read every service's rows and run every check: what the command prints, and what the soak asks."""
    from gongkai.publishing.app import PublishingSettings

    own = PublishingSettings()  # publishing's own review keys, catalogue and deadline rules: what it acts on
    item_rule = _item_rules(own)
    snapshot = await read(settings)
    return reconcile(snapshot, Limits(now or datetime.now(UTC), grace, max_wait), own.key_ring(), item_rule)


def _item_rules(own: Any) -> Callable[[str], str | None]:
    """Category → the deadline rule its items' submission opens (as notification decides: the catalogue names the
    rule, the policy says whether a submission opens it)."""
    from gongkai.publishing.catalogue import Catalogue
    from gongkai.shared import contracts as c
    from gongkai.shared.deadline_rules import load_policy

    catalogue = Catalogue.load(own.catalogue_file)
    policy = load_policy(own.deadline_rules_file)

    def rule_of(code: str) -> str | None:
        category = catalogue.get(code)
        rule = policy.rules.get(category.deadline.rule or "") if category else None
        return rule.id if rule is not None and c.DISCLOSURE_SUBMITTED in rule.opened_by else None

    return rule_of


def as_json(checks: list[Check], grace: timedelta, max_wait: timedelta, limit: int) -> dict[str, Any]:
    return {"checks": [check.summary(limit) for check in checks],
            "mismatches": sum(len(check.mismatches) for check in checks),
            "grace_seconds": grace.total_seconds(), "max_wait_days": max_wait.days}


def table(checks: list[Check], limit: int) -> str:
    rows = [COLUMNS] + [(check.name, str(check.checked), str(check.ok), str(check.in_progress),
                         str(len(check.mismatches))) for check in checks]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in
                       enumerate(zip(row, widths, strict=True))) for row in rows]
    notes = [f"{check.name}: " + ", ".join(f"{value} {key}" for key, value in check.notes.items())
             for check in checks if check.notes]
    lines += ["", *notes] if notes else []
    for check in checks:
        if not check.mismatches:
            continue
        lines += ["", f"{check.name}: {len(check.mismatches)} mismatching ({check.what})"]
        lines += [f"  {id}: {why}" for id, why in check.mismatches[:limit]]
        if len(check.mismatches) > limit:
            lines.append(f"  … and {len(check.mismatches) - limit} more (--limit, or --json)")
    return "\n".join(lines)
