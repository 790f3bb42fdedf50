"""``gongkai reconcile`` against the real system: a small run reconciles to zero, and each invariant broken by hand in
the database is named and makes it exit 1.

The services run as processes (``started_system``); items go in through the intake exchange and an automatic
reviewer approves each case. The breakage is done as the database's administrator, behind the services' backs:
an audit record deleted (its triggers set aside for the session), an announcement written into publishing's
outbox with no approval, a review clock reopened after its decision, a publication deadline deleted, and a
published version put back in review.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from gongkai.cli.reconcile import run_checks
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import environment
from gongkai_system import AutoReviewer, started_system, submit_commands

NOTICE = {"body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}
ITEMS = [{**NOTICE, "title": f"关于调整城区公交线路的公告（第{n}号）"} for n in range(5)]
BLOCKED = {**NOTICE, "title": "机密★5年 关于线路调整的内部意见"}
INTERNAL = {"title": "年度工作目标", "body": "全年目标完成情况如下。", "category": "N01", "audience": "internal"}


@pytest.fixture
def system(settings, tmp_path):
    with started_system(settings, tmp_path) as system:
        yield system


def gongkai_reconcile(settings, *args: str) -> subprocess.CompletedProcess[str]:
    """``gongkai reconcile ARGS`` as an operator runs it, in a process of its own."""
    return subprocess.run([sys.executable, "-m", "gongkai.cli.main", "reconcile", *args],
                          env={**environment(settings), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                          timeout=120)


async def reconcile(settings, *args: str) -> tuple[int, dict[str, Any], str]:
    """``gongkai reconcile --json ARGS``: its exit code, its JSON and its stderr."""
    done = await asyncio.to_thread(gongkai_reconcile, settings, "--json", "--limit", "50", *args)
    return done.returncode, json.loads(done.stdout) if done.stdout.strip() else {}, done.stderr


def by_check(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["check"]: check for check in report["checks"]}


def named(report: dict[str, Any], check: str) -> str:
    return "\n".join(f"{entry['id']} {entry['why']}" for entry in by_check(report)[check]["ids"])


async def settled(settings, versions: int, timeout: float = 120.0) -> None:
    """Until all ``versions`` submitted are in the database and done, and the checks, with no grace at all, find
    nothing amiss. The count matters: the commands are still in intake's queue until publishing takes them, and an
    empty database reconciles to zero too."""
    checks: list[Any] = []
    try:
        async with asyncio.timeout(timeout):
            while True:
                checks = await run_checks(settings, timedelta(0), timedelta(days=30))
                done = next(check for check in checks if check.name == "versions")
                if done.checked == done.ok == versions and not any(check.mismatches for check in checks):
                    return
                await asyncio.sleep(1)
    except TimeoutError:
        raise AssertionError(f"not settled after {timeout}s ({versions} versions expected): "
                             f"{[check.summary(5) for check in checks]}") from None


async def test_a_small_run_reconciles_to_zero_and_each_broken_invariant_is_named(settings, system):
    async with AutoReviewer(settings):
        submitted = await submit_commands(settings, [*ITEMS, BLOCKED, INTERNAL])
        await settled(settings, versions=len(submitted))

    code, report, err = await reconcile(settings)
    assert code == 0, err
    checks = by_check(report)
    assert report["mismatches"] == 0
    assert checks["versions"]["checked"] == 7 and checks["versions"]["ok"] == 7
    assert checks["approvals"]["ok"] == 5 * 2 + 1  # two channels per notice, one staff announcement
    assert checks["outbox"]["checked"] > 50 and checks["outbox"]["ok"] == checks["outbox"]["checked"]
    assert checks["deadlines"]["mismatches"] == 0
    # The blocked item's publication clock is legitimately still open: the item must still be fixed.
    assert checks["deadlines"]["in_progress"] >= 1

    admin = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        broken = await break_everything(admin, settings.namespace)
    finally:
        await admin.close()

    code, report, err = await reconcile(settings, "--grace", "0")
    assert code == 1, err
    assert f"{report['mismatches']} mismatches" in err
    assert f"notification:{broken['unaudited']}" in named(report, "outbox")
    assert broken["forged"] in named(report, "approvals") and "no approval" in named(report, "approvals")
    deadlines = named(report, "deadlines")
    assert f"{broken['reopened']} (review-sla" in deadlines and "orphaned: the case is approved" in deadlines
    assert f"{broken['undeadlined']} (item) missing deadline: no proactive-publication" in deadlines
    assert f"{broken['half_way']}@1 review decided, not applied" in named(report, "versions")

    # The same, as a person reads it: the table, the ids under it, exit 1.
    done = await asyncio.to_thread(gongkai_reconcile, settings, "--grace", "0")
    assert done.returncode == 1
    assert done.stdout.splitlines()[0].split() == ["CHECK", "CHECKED", "OK", "IN", "PROGRESS", "MISMATCHES"]
    for id in (broken["unaudited"], broken["forged"], broken["reopened"], broken["undeadlined"]):
        assert id in done.stdout


async def break_everything(admin: asyncpg.Connection, namespace: str) -> dict[str, str]:
    """One breakage per invariant, each on a different item; the ids that reconcile must name."""
    items = [row["item_id"] for row in await admin.fetch(
        "select item_id from publishing.items where category = 'S07' and public_version = 1 order by item_id")]
    assert len(items) == 5
    # 1. An event notification sent, gone from the audit log (the log refuses deletes: its triggers set aside).
    unaudited = await admin.fetchval(
        "select event_id from notification.outbox where routing_key like 'deadline.opened.v1.%' "
        "and sent_at is not null order by seq limit 1")
    await admin.execute("set session_replication_role = replica")
    assert await admin.execute("delete from audit.events where event_id = $1", unaudited) == "DELETE 1"
    await admin.execute("set session_replication_role = default")
    # 2. An announcement in publishing's outbox that review never approved (marked sent: it stays off the wire).
    version = await admin.fetchrow("select * from publishing.versions where item_id = $1", items[0])
    forged = new_event(c.PUBLIC_DISCLOSURE_PUBLISHED, c.PublicDisclosure(
        item_id=items[0], version=1, title="伪造的公告", body=version["body"], category="S07",
        category_name="公交线路调整", channel=c.Channel.portal, action="published", published_at=datetime.now(UTC),
        content_hash="sha256:" + "0" * 64), source="/gongkai/publishing", actor="service:publishing",
        subject=items[0])
    await admin.execute(
        "insert into publishing.outbox (event_id, exchange, routing_key, body, sent_at) values ($1, 'public', $2, $3, "
        "now())", forged.id, "portal.S07.published", forged.to_bytes())
    # 3. A review clock opened again after its case was decided.
    case = await admin.fetchval("select case_id from review.cases where item_id = $1", items[1])
    reopened = await admin.fetchval(
        "update notification.deadlines set state = 'open', closed_at = null, late = null "
        "where subject = $1 and rule = 'review-sla' returning deadline_id", case)
    # 4. An item without the publication deadline its submission opened.
    assert await admin.execute("delete from notification.deadlines where subject = $1 "
                               "and rule = 'proactive-publication'", items[2]) == "DELETE 1"
    # 5. An item left half-way: its approved version back in review, as if the approval never arrived.
    await admin.execute("update publishing.versions set state = 'in_review', published_at = null "
                        "where item_id = $1 and version = 1", items[3])
    return {"unaudited": unaudited, "forged": forged.id, "reopened": reopened, "undeadlined": items[2],
            "half_way": items[3]}
