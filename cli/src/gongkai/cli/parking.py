"""``gongkai parking``: the operator's view of the parking queues, and replaying or dropping what waits there.

It connects as ``AMQP_URL`` (the broker's administrator or operator account) and writes the services' outboxes
as their runtime roles (``DATABASE_URL``'s database, the database accounts file). The work is done by
``gongkai.shared.parking``; this module parses, prints and refuses.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from typing import Any, Literal, overload

from gongkai.shared.contracts import printable
from gongkai.shared.errors import CommandFailed
from gongkai.shared.parking import Operator, Outcome, ParkingQueues, Refusal, matches, plan_replay
from gongkai.shared.settings import Settings

COLUMNS = (("id", "ID"), ("type", "TYPE"), ("from", "FROM"), ("died_in", "DIED IN"), ("reason", "WHY"),
           ("times", "TIMES"), ("died_at", "WHEN (UTC)"), ("parked_in", "PARKED IN"))


def list_(args: argparse.Namespace) -> int:
    return asyncio.run(_list(args))


def show(args: argparse.Namespace) -> int:
    return asyncio.run(_show(args))


def replay(args: argparse.Namespace) -> int:
    reason = _reason(args.reason, required=False)
    return asyncio.run(_replay(args, _operator(args.operator), reason))


def drop(args: argparse.Namespace) -> int:
    reason = _reason(args.reason, required=True)
    return asyncio.run(_drop(args, _operator(args.operator), reason))


# ---- the commands ------------------------------------------------------------------------------------------


async def _list(args: argparse.Namespace) -> int:
    settings = Settings()
    async with ParkingQueues(settings) as queues:
        rows = [p.summary(settings) for p in queues.parked
                if matches(p, settings.namespace, type=args.type, queue=args.queue)]
        truncated = queues.truncated
    if args.json:
        print_json(rows)
    elif rows:
        print(_table(rows, settings.namespace))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["parked_in"]] = counts.get(row["parked_in"], 0) + 1
    where = ", ".join(f"{n} in {queue}" for queue, n in counts.items())
    print(f"{len(rows)} parked{f' ({where})' if where else ''}" + (" (only the first were read)" if truncated else ""),
          file=sys.stderr)
    return 0


async def _show(args: argparse.Namespace) -> int:
    settings = Settings()
    async with ParkingQueues(settings) as queues:
        groups = queues.select([args.id], what="show")
        print_json({"id": args.id, "copies": [p.detail() for p in groups[0]]})
    return 0


async def _replay(args: argparse.Namespace, operator: str, reason: str | None) -> int:
    settings = Settings()
    failures: list[str] = []
    outcomes: list[Outcome] = []
    replaying: Operator | None = None
    try:
        async with ParkingQueues(settings) as queues:
            plans = [plan_replay(group, settings)
                     for group in queues.select(args.ids, every=args.all, type=args.type, queue=args.queue)]
            refused = [f"{plan.id}: {plan.refusal}" for plan in plans if plan.refusal]
            if refused and args.ids:
                raise CommandFailed("nothing replayed: " + "; ".join(refused))
            failures.extend(refused)
            if args.dry_run:
                for plan in plans:
                    if not plan.refusal:
                        via = f"through {plan.owner}'s outbox" if plan.owner else "as the operator"
                        print(f"would replay {plan.id} ({plan.head.type}) to {plan.exchange} {plan.routing_key} {via}")
                return _finish(failures, "not replayed")
            replaying = Operator(queues, operator)
            for plan in plans:
                if plan.refusal:
                    continue
                try:
                    outcome = await replaying.replay(plan, reason)
                except Refusal as exc:
                    failures.append(str(exc))
                    continue
                except Exception as exc:
                    raise CommandFailed(f"{plan.id}: {type(exc).__name__}: {exc} (it and the messages after it "
                                        "stay parked)") from exc
                outcomes.append(outcome)
                print(f"replayed {outcome.id} ({outcome.type}): {outcome.how}")
        # The parking queues are settled: now wait for the owners' relays, holding nothing.
        unsent = await replaying.wait_sent(outcomes, args.wait)
    finally:
        if replaying is not None:
            await replaying.close()
    for service, ids in unsent.items():
        print(f"{len(ids)} replayed message(s) still wait in {service}'s outbox after {args.wait:g} s: its relay "
              f"sends them when {service} runs", file=sys.stderr)
    return _finish(failures, "not replayed")


async def _drop(args: argparse.Namespace, operator: str, reason: str) -> int:
    settings = Settings()
    async with ParkingQueues(settings) as queues:
        groups = queues.select(args.ids, every=args.all, type=args.type, queue=args.queue, what="drop")
        if args.dry_run:
            for group in groups:
                print(f"would drop {group[0].id} ({group[0].type}): {len(group)} parked copies")
            return 0
        operator_ = Operator(queues, operator)
        try:
            for group in groups:
                try:
                    outcome = await operator_.drop(group, reason)
                except Exception as exc:
                    raise CommandFailed(f"{group[0].id}: {type(exc).__name__}: {exc} (it and the messages after "
                                        "it stay parked)") from exc
                print(f"{outcome.id} ({outcome.type}): {outcome.how}")
        finally:
            await operator_.close()
    return 0


# ---- input and output --------------------------------------------------------------------------------------


def _operator(given: str | None) -> str:
    name = (given or os.environ.get("GONGKAI_OPERATOR") or _login()).strip()
    if not name or len(name) > 128 or printable(name, 128) != name:
        raise CommandFailed("--operator must name who runs this (one line, at most 128 characters)")
    return name


def _login() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


@overload
def _reason(reason: str | None, *, required: Literal[True]) -> str: ...
@overload
def _reason(reason: str | None, *, required: bool) -> str | None: ...
def _reason(reason: str | None, *, required: bool) -> str | None:
    if reason is None or not reason.strip():
        if required:
            raise CommandFailed("drop needs --reason: why the message is removed for good (it goes to the audit log)")
        return None
    if len(reason) > 2000:
        raise CommandFailed("--reason is at most 2000 characters")
    return reason


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def _finish(failures: list[str], what: str) -> int:
    for failure in failures:
        print(f"gongkai: {what}: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _table(rows: list[dict[str, Any]], namespace: str) -> str:
    def cell(row: dict[str, Any], key: str) -> str:
        value = row.get(key)
        if value is None:
            return "-"
        text = str(value)
        if key == "type":
            return text.removeprefix("gongkai.")
        if key in ("died_in", "parked_in"):
            return text.removeprefix(f"{namespace}.")
        if key == "died_at":
            return text[:19].replace("T", " ")
        return text

    cells = [[cell(row, key) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(title), *(len(r[i]) for r in cells)) for i, (_, title) in enumerate(COLUMNS)]
    lines = ["  ".join(title.ljust(w) for (_, title), w in zip(COLUMNS, widths, strict=True)).rstrip()]
    lines += ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)
