"""Soak: items through the whole system while its processes are killed, then the operator's reconciliation.

    make soak                                    # SOAK_ITEMS=10000 (as root: PostgreSQL is restarted once)
    .venv/bin/python bench/soak.py --items 500 [--rate 10] [--kill-every 10] [--postgres restart|cut|none]

Starts the four services as processes (``tests/gongkai_system.py``) in a namespace, a database and with broker
accounts and database roles of their own, and sends ``--items`` submissions through the intake exchange at
``--rate`` a second, an automatic reviewer approving every case (a mix: notices, notices with a phone number that
need two approvals, internal items for the staff exchange, classified ones that review blocks, and some to be
released 90 s later); as items come out, their clerk withdraws some and edits others into a version 2. While they
go, every ``--kill-every`` seconds one service (now and then two) is SIGKILLed and started again (at least
``--min-kills`` times); from halfway on, PostgreSQL is restarted once (``pg_ctlcluster --skip-systemctl-redirect
<version> main restart``, as root). ``--postgres cut`` instead cuts every database connection for 10 s through a
TCP proxy, as ``tests/faults/test_database_outage.py`` does; ``restart`` waits up to ``--quiet-wait`` seconds,
killing services meanwhile, for 10 s in which nobody else uses the server (no other client session, no other test
run's ``gk_test_…`` database), and falls back to the cut when none comes, so as not to break another run's work.
Then it waits for everything to settle (every version done, and ``gongkai reconcile``'s checks with no grace
finding nothing amiss) and prints what was done, what came out, and the checks' counts. Exit 1 when an item was
lost or announced twice, a message parked, a follow-up not applied, or a check still mismatches.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aio_pika
import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from faults.faults_helpers import DUPLICATE_LOG, parked, through
from gongkai.cli.reconcile import run_checks, table
from gongkai.cli.reconcile.checks import Check
from gongkai.shared import contracts as c
from gongkai.shared.accounts import STAFF_TOOL
from gongkai.shared.envelope import CONTENT_TYPE, new_event
from gongkai.shared.session_accounts import SessionAccounts, SessionRoles
from gongkai.shared.settings import Settings
from gongkai.shared.testing import connect_as, create_database, declare_topology, delete_topology, drop_database
from gongkai.shared.topology import Topology
from gongkai_system import SERVICES, AutoReviewer, System, submit_commands
from tcp_proxy import TcpProxy

NOTICE = {"body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}
CUT_SECONDS = 10.0
RELEASE_AFTER = timedelta(seconds=90)
QUIET_SECONDS = 10.0  # how long nobody else may have used PostgreSQL before the soak restarts it
NUMBERED = re.compile(r"第(\d+)号")
# Published items that get a follow-up command from their clerk: withdrawn, or edited into a version 2.
WITHDRAWN, EDITED = 5, 9  # n % 25


def item(n: int) -> dict[str, Any]:
    """The n-th submission: mostly public notices, some with a phone number (two approvals), some internal (the
    staff exchange), some classified (blocked by review: never published, their publication clock stays open),
    some to be released ``RELEASE_AFTER`` later (scheduled, then published by publishing's release poll)."""
    if n % 40 == 21:
        release_at = (datetime.now(UTC) + RELEASE_AFTER).isoformat()
        return {**NOTICE, "title": f"关于调整城区公交线路的公告（第{n}号）", "release_at": release_at}
    if n % 20 == 7:
        return {"title": f"年度工作目标（第{n}号）", "body": "全年目标完成情况如下。", "category": "N01",
                "audience": "internal"}
    if n % 50 == 13:
        return {**NOTICE, "title": f"机密★5年 关于线路调整的内部意见（第{n}号）"}
    if n % 10 == 3:
        return {**NOTICE, "title": f"关于调整城区公交线路的公告（第{n}号）",
                "body": NOTICE["body"] + "咨询电话：13912345678。"}
    return {**NOTICE, "title": f"关于调整城区公交线路的公告（第{n}号）"}


@dataclass
class Chaos:
    """What was done to the system, for the figures."""

    kills: Counter[str] = field(default_factory=Counter)
    postgres: str = "not yet"
    postgres_seconds: float = 0.0  # the restart (or the cut) itself
    postgres_ready_seconds: float = 0.0  # until every service answered /ready again
    restarts_seconds: list[float] = field(default_factory=list)


class Soak:
    def __init__(self, settings: Settings, log_dir: Path, args: argparse.Namespace) -> None:
        self.args = args
        self.settings = settings  # the administrators' URLs: what the soak itself uses
        self.random = random.Random(args.seed)
        self.proxy: TcpProxy | None = None
        services = settings
        if args.postgres != "none":
            database = urlsplit(settings.database_url.replace("+asyncpg", ""))
            self.proxy = TcpProxy(database.hostname or "127.0.0.1", database.port or 5432).__enter__()
            services = settings.model_copy(update={"database_url": through(settings.database_url, self.proxy.port)})
        self.system = System(services, log_dir)
        self.chaos = Chaos()
        self.mode = "restart" if args.postgres == "restart" else "cut"
        self.withdrawn: set[str] = set()
        self.edited: set[str] = set()

    def close(self) -> None:
        try:
            self.system.stop()
        finally:
            if self.proxy is not None:
                self.proxy.__exit__(None, None, None)

    async def ready(self) -> None:
        """Every service running and answering /ready."""
        dead = [name for name in SERVICES if name not in self.system.processes
                or self.system.processes[name].poll() is not None]
        for name in dead:
            self.system.processes.pop(name, None)
        if dead:
            await asyncio.to_thread(self.system.start, *dead)
        for name in SERVICES:
            await asyncio.to_thread(self.system.wait_ready, name, 300.0)

    async def kill_some(self) -> None:
        victims = self.random.sample(SERVICES, 2 if self.random.random() < 0.2 else 1)
        for name in victims:
            self.system.kill(name)
            self.chaos.kills[name] += 1
        progress(f"killed {' and '.join(victims)}")
        await asyncio.sleep(self.random.uniform(0.5, 3.0))
        began = time.monotonic()
        await self.ready()
        self.chaos.restarts_seconds.append(time.monotonic() - began)

    async def postgres_may_restart(self, give_up_at: float) -> bool:
        """True when PostgreSQL may be restarted now, False to try again later; past ``give_up_at`` (or not root)
        the restart is given up for a cut, and True."""
        if self.args.postgres != "restart" or self.mode != "restart":
            return True
        if os.geteuid() != 0:
            self.mode, self.chaos.postgres = "cut", "not restarted: pg_ctlcluster needs root"
            return True
        others = await quiet(self.settings)
        if not others:
            return True
        if time.monotonic() < give_up_at:
            return False  # another run is using the server: kill a service instead, and ask again next time
        self.mode, self.chaos.postgres = "cut", (f"not restarted: {others} other client(s) or test database(s) on "
                                                 "the server stayed")
        return True

    async def postgres_away(self) -> None:
        """Restart PostgreSQL (or cut every connection to it for ``CUT_SECONDS``), then wait for the services."""
        began = time.monotonic()
        if self.mode == "restart":
            version = sorted(os.listdir("/etc/postgresql"))[-1]
            await asyncio.to_thread(subprocess.run, ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main",
                                                     "restart"], check=True, capture_output=True)
            self.chaos.postgres = f"restarted (PostgreSQL {version} main)"
        else:
            assert self.proxy is not None
            self.proxy.cut()
            await asyncio.sleep(CUT_SECONDS)
            self.proxy.restore()
            self.chaos.postgres = f"every connection cut for {CUT_SECONDS:g} s" + (
                f" ({self.chaos.postgres})" if self.chaos.postgres != "not yet" else "")
        self.chaos.postgres_seconds = time.monotonic() - began
        progress(f"PostgreSQL {self.chaos.postgres}")
        await self.ready()
        self.chaos.postgres_ready_seconds = time.monotonic() - began

    async def run(self) -> dict[str, Any]:
        await asyncio.to_thread(self.system.migrate)
        await asyncio.to_thread(self.system.start)
        items = self.args.items
        sent: dict[str, float] = {}
        async with AutoReviewer(self.settings):
            began = time.monotonic()
            chaos = asyncio.create_task(self.inflict(lambda: len(sent) >= items // 2, lambda: len(sent) >= items))
            wave = max(1, int(self.args.rate))
            for start in range(0, items, wave):
                await asyncio.sleep(max(0.0, began + start / self.args.rate - time.monotonic()))
                sent.update(await submit_commands(self.settings, [item(n) for n in range(start,
                                                                                          min(items, start + wave))]))
                await self.follow_up()
                if len(sent) % max(1, items // 10) < wave:
                    progress(f"{len(sent)} of {items} items sent")
            sending = time.monotonic() - began
            progress("every item sent")
            await chaos
            await self.follow_up()
            await self.ready()
            progress("the last fault is over; waiting for everything to settle")
            settling = time.monotonic()
            checks, settled = await self.settle()
            settled_after = time.monotonic() - settling
        applied = await count(self.settings, "select count(*) from publishing.versions where state = 'withdrawn'"), \
            await count(self.settings, "select count(*) from publishing.versions where version = 2 and state = "
                                       "'published'")
        return {"sent": len(sent), "sending": sending, "settled": settled, "settled_after": settled_after,
                "followed": (len(self.withdrawn), len(self.edited)), "applied": applied,
                "checks": checks, "created": await count(self.settings, "select count(*) from publishing.items"),
                "parked": sum((await parked(self.settings)).values()),
                "twice": await announced_twice(self.settings), "absorbed": self.absorbed()}

    async def follow_up(self) -> None:
        """Withdraw, or edit into a version 2, the published items whose number says so (once each), as their
        clerk through the intake exchange: versions superseded, announcements updated and withdrawn."""
        try:
            connection = await asyncpg.connect(self.settings.database_url.replace("+asyncpg", ""))
        except (OSError, asyncpg.PostgresError):
            return  # PostgreSQL is restarting: the next wave asks again
        try:
            rows = await connection.fetch(  # only the candidates not followed up yet
                "select v.item_id, v.title, v.body from publishing.versions v join publishing.items i using (item_id) "
                "where v.version = 1 and v.state = 'published' and i.current_version = 1 "
                "and (substring(v.title from '第([0-9]+)号'))::int % 25 = any($1::int[]) "
                "and not (v.item_id = any($2::text[]))", [WITHDRAWN, EDITED], [*self.withdrawn, *self.edited])
        finally:
            await connection.close()
        commands: list[tuple[str, dict[str, Any]]] = []
        for row in rows:
            number = NUMBERED.search(row["title"])
            n = int(number.group(1)) % 25 if number else -1
            if n == WITHDRAWN and row["item_id"] not in self.withdrawn:
                self.withdrawn.add(row["item_id"])
                commands.append((c.WITHDRAW_DISCLOSURE, {"item_id": row["item_id"], "reason": "线路已恢复原走向"}))
            elif n == EDITED and row["item_id"] not in self.edited:
                self.edited.add(row["item_id"])
                commands.append((c.EDIT_DISCLOSURE, {"item_id": row["item_id"], "title": row["title"] + "（更新）",
                                                     "body": row["body"] + "特此更正。", "submit": True}))
        if commands:
            await send_commands(self.settings, commands)

    def absorbed(self) -> int:
        """Deliveries the services' inboxes recognised as handled before: proof the kills caught them mid-work."""
        return sum(len(DUPLICATE_LOG.findall(path.read_text(errors="replace")))
                   for path in self.system.log_dir.glob("*.log"))

    async def inflict(self, halfway: Any, done: Any) -> None:
        """Kill services every ``--kill-every`` seconds until every item is sent (and at least ``--min-kills``
        times); PostgreSQL once, from halfway on, when no other client uses the server (see ``--quiet-wait``)."""
        postgres_done = self.args.postgres == "none"
        give_up_at = float("inf")
        while not (done() and postgres_done and sum(self.chaos.kills.values()) >= self.args.min_kills):
            await asyncio.sleep(self.args.kill_every)
            if not postgres_done and (halfway() or done()):
                give_up_at = min(give_up_at, time.monotonic() + self.args.quiet_wait)
                if await self.postgres_may_restart(give_up_at):
                    await self.postgres_away()
                    postgres_done = True
                    continue
            await self.kill_some()

    async def settle(self) -> tuple[list[Check], bool]:
        """Until every version is done and the checks with no grace find nothing amiss (or the timeout)."""
        deadline = time.monotonic() + self.args.settle_timeout
        while True:
            checks = await run_checks(self.settings, timedelta(0), timedelta(days=30))
            waiting = next(check.in_progress for check in checks if check.name == "versions")
            if not waiting and not any(check.mismatches for check in checks):
                return checks, True
            if time.monotonic() > deadline:
                return checks, False
            await asyncio.sleep(5)


async def others_on_the_server(settings: Settings) -> int:
    """Whoever else uses the PostgreSQL server: client sessions in databases other than the soak's own, and other
    test runs' databases (``gk_test_…``: a run that is cutting its own connections has no session for a while)."""
    own = urlsplit(settings.database_url).path.lstrip("/")
    return await count(settings, "select (select count(*) from pg_stat_activity where backend_type = 'client backend' "
                                 "and pid <> pg_backend_pid() and datname is distinct from $1) + (select count(*) "
                                 "from pg_database where datname like 'gk\\_test\\_%' and datname <> $1)", own)


async def quiet(settings: Settings, seconds: float = QUIET_SECONDS) -> int:
    """0 when nobody else used the server during ``seconds`` (asked every second), else how many were seen."""
    end = time.monotonic() + seconds
    while True:
        others = await others_on_the_server(settings)
        if others or time.monotonic() >= end:
            return others
        await asyncio.sleep(1)


def progress(what: str) -> None:
    """A line on stderr while the soak runs (the figures go to stdout at the end)."""
    print(f"{time.strftime('%H:%M:%S')} {what}", file=sys.stderr, flush=True)


async def send_commands(settings: Settings, commands: list[tuple[str, dict[str, Any]]],
                        token: str = "dev-submitter-token") -> None:
    """Staff commands through the intake exchange as the staff tool, each confirmed (as ``submit_commands``)."""
    connection = await connect_as(settings, STAFF_TOOL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        intake = await channel.get_exchange(Topology(settings.namespace).exchange("intake"), ensure=False)
        for kind, data in commands:
            command = new_event(kind, data, source="/bench/staff-tool", actor="staff-tool", subject=data["item_id"])
            await intake.publish(
                aio_pika.Message(command.to_bytes(), message_id=command.id, content_type=CONTENT_TYPE,
                                 delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                                 headers={"authorization": f"Bearer {token}"}),
                routing_key=command.routing_key, mandatory=True)


async def announced_twice(settings: Settings) -> int:
    """Announcements beyond the first for one item version and routing key (a publication done twice)."""
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        rows = await connection.fetch("select routing_key, body from publishing.outbox where exchange in "
                                      "('public', 'staff')")
    finally:
        await connection.close()
    seen = Counter((row["routing_key"], json.loads(row["body"])["data"]["item_id"],
                    json.loads(row["body"])["data"]["version"]) for row in rows)
    return sum(n - 1 for n in seen.values())


async def count(settings: Settings, query: str, *args: Any) -> int:
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        return int(await connection.fetchval(query, *args))
    finally:
        await connection.close()


def report(args: argparse.Namespace, chaos: Chaos, figures: dict[str, Any]) -> int:
    kills = sum(chaos.kills.values())
    by_service = ", ".join(f"{name} {n}" for name, n in sorted(chaos.kills.items()))
    restart = (f", back to ready in {max(chaos.restarts_seconds):.0f} s at most"
               if chaos.restarts_seconds else "")
    lost = figures["sent"] - figures["created"]
    print(f"soak: {figures['sent']} items sent in {figures['sending']:.0f} s ({args.rate:g}/s)")
    print(f"killed: {kills} times with SIGKILL ({by_service}){restart}")
    if args.postgres == "none":
        print("PostgreSQL: left alone (--postgres none)")
    else:
        print(f"PostgreSQL: {chaos.postgres} in {chaos.postgres_seconds:.1f} s, every service ready again "
              f"{chaos.postgres_ready_seconds:.1f} s after it began")
    state = "settled" if figures["settled"] else "NOT settled"
    print(f"{state} {figures['settled_after']:.0f} s after the last fault (the checks with no grace: nothing amiss)")
    print(f"items created: {figures['created']} of {figures['sent']} sent (lost {max(0, lost)}); announced twice: "
          f"{figures['twice']}; parked: {figures['parked']}; redeliveries absorbed by the inboxes: "
          f"{figures['absorbed']}")
    followed, applied = figures["followed"], figures["applied"]
    print(f"follow-ups by the clerk: {followed[0]} withdrawals ({applied[0]} withdrawn), {followed[1]} edits "
          f"({applied[1]} version 2 published)")
    print()
    print(table(figures["checks"], limit=10))
    mismatches = sum(len(check.mismatches) for check in figures["checks"])
    failed = mismatches or lost or figures["twice"] or figures["parked"] or not figures["settled"]
    return 1 if failed or tuple(followed) != tuple(applied) else 0


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=int(os.environ.get("SOAK_ITEMS", "10000")))
    parser.add_argument("--rate", type=float, default=10.0, help="submissions a second (default 10)")
    parser.add_argument("--kill-every", type=float, default=10.0, metavar="SECONDS",
                        help="seconds between two kills (default 10)")
    parser.add_argument("--postgres", choices=["restart", "cut", "none"], default="restart",
                        help="restart PostgreSQL once (as root), cut its connections once, or leave it")
    parser.add_argument("--settle-timeout", type=float, metavar="SECONDS",
                        help="how long to wait for everything to settle (default 300 + 0.2 s an item)")
    parser.add_argument("--min-kills", type=int, default=5, metavar="N",
                        help="go on killing after the last item is sent until this many kills were made (default 5)")
    parser.add_argument("--quiet-wait", type=float, default=120.0, metavar="SECONDS",
                        help="how long to wait for the server's other clients to leave before restarting it, "
                             "after which the connections are cut instead (default 120)")
    parser.add_argument("--seed", type=int, help="which services are killed, and when (random by default)")
    parser.add_argument("--logs", type=Path, help="keep the services' logs in this directory")
    args = parser.parse_args()
    if args.settle_timeout is None:
        args.settle_timeout = 300 + 0.2 * args.items
    amqp_url = os.environ.get("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/")
    server = os.environ.get("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/gongkai")
    server = server.replace("+asyncpg", "").rsplit("/", 1)[0] + "/postgres"
    database_url = await create_database(server)
    with tempfile.TemporaryDirectory() as scratch:
        accounts = SessionAccounts(amqp_url, os.environ.get("GONGKAI_BROKER_MANAGEMENT_URL") or None,
                                   Path(scratch) / "broker-accounts.json").create()
        roles = await SessionRoles(server, Path(scratch) / "database-accounts.json").create()
        namespace = accounts.namespace()
        await declare_topology(amqp_url, namespace)
        settings = Settings(amqp_url=amqp_url, database_url=database_url, namespace=namespace,
                            **accounts.settings(), **roles.settings())
        logs = args.logs or Path(scratch)
        logs.mkdir(parents=True, exist_ok=True)
        soak = Soak(settings, logs, args)
        try:
            figures = await soak.run()
        finally:
            soak.close()
            await delete_topology(amqp_url, namespace)
            await drop_database(server, database_url)
            await roles.drop()
            accounts.delete()
    return report(args, soak.chaos, figures)


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
