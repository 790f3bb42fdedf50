"""The audit log with the four services as processes: every event of an item's life is in the log, each
proves included in a signed checkpoint, and an export verifies offline until one row is doctored."""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys

import asyncpg
import httpx
import pytest
from gongkai.audit import merkle
from gongkai.audit.checkpoint import Verifier, open_note
from gongkai.audit.config import AuditConfig
from gongkai.shared import contracts as c
from gongkai.shared.testing import Tap, bearer
from gongkai_system import started_system

SUBMITTER, REVIEWER, AUDITOR = bearer("dev-submitter-token"), bearer("dev-reviewer-token"), bearer("dev-auditor-token")
NOTICE = {"title": "关于调整城区公交线路的公告", "body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}
LIFECYCLE = {c.DISCLOSURE_SUBMITTED, c.REVIEW_CASE_OPENED, c.REVIEW_APPROVED, c.DISCLOSURE_PUBLISHED,
             c.PUBLIC_DISCLOSURE_PUBLISHED, c.DEADLINE_OPENED, c.DEADLINE_MET}


@pytest.fixture
def system(settings, tmp_path, monkeypatch):
    monkeypatch.setenv("GONGKAI_AUDIT_CHECKPOINT_INTERVAL_SECONDS", "0.5")
    with started_system(settings, tmp_path) as system:
        yield system


async def poll(fetch, until, timeout: float = 30.0):
    async with asyncio.timeout(timeout):
        while not until(result := await fetch()):
            await asyncio.sleep(0.1)
    return result


def gongkai(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gongkai.cli.main", "audit", *args], capture_output=True, text=True,
                          timeout=120)


async def test_an_items_whole_life_is_in_the_log_and_each_event_proves_included_in_a_signed_checkpoint(
        settings, system, tmp_path):
    trusted = AuditConfig().signer().verifier  # the auditor's copy of the published key
    async with httpx.AsyncClient(timeout=10) as http, Tap(settings, "public") as public:
        submitted = await http.post(f"{system.url('publishing')}/items", json=NOTICE, headers=SUBMITTER)
        assert submitted.status_code == 201, submitted.text
        item_id, content_hash = submitted.json()["item_id"], submitted.json()["content_hash"]
        cases = await poll(lambda: http.get(f"{system.url('review')}/cases", params={"item_id": item_id},
                                            headers=REVIEWER), lambda r: r.status_code == 200 and r.json())
        body = cases.json()
        case = (body["cases"] if isinstance(body, dict) else body)[0]
        decision = await http.post(f"{system.url('review')}/cases/{case['case_id']}/decision",
                                   json={"decision": "approve", "content_hash": content_hash}, headers=REVIEWER)
        assert decision.status_code == 200, decision.text
        await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.subject == item_id)

        audit = system.url("audit")
        trail = await poll(lambda: http.get(f"{audit}/items/{item_id}/events", headers=AUDITOR),
                           lambda r: r.status_code == 200 and LIFECYCLE <= types(r.json()["events"]))
        entries = [e for e in trail.json()["events"] if e["valid"]]
        last = max(e["seq"] for e in entries)
        latest = await poll(lambda: http.get(f"{audit}/log/checkpoints/latest", headers=AUDITOR),
                            lambda r: r.status_code == 200 and r.json()["size"] >= last)
        assert Verifier.parse((await http.get(f"{audit}/log/key", headers=AUDITOR)).json()["key"]) == trusted
        checkpoint = open_note(latest.json()["note"], trusted)

        for entry in entries:
            raw = (await http.get(f"{audit}/log/entries", params={"after_seq": entry["seq"] - 1, "limit": 1},
                                  headers=AUDITOR)).json()["entries"][0]
            body = base64.b64decode(raw["body"])
            assert json.loads(body)["id"] == entry["envelope"]["id"]
            proof = (await http.get(f"{audit}/log/proofs/inclusion",
                                    params={"seq": entry["seq"], "size": checkpoint.size}, headers=AUDITOR)).json()
            merkle.verify_inclusion(entry["seq"] - 1, checkpoint.size, merkle.leaf_hash(body),
                                    [base64.b64decode(p) for p in proof["proof"]], checkpoint.root)
        assert types(entries) >= LIFECYCLE

    # Offline: an export verifies with the public key, and stops verifying when one stored row is changed.
    key = trusted.text()
    exported = gongkai("export", str(tmp_path / "export"), "--url", audit, "--token", "dev-auditor-token")
    assert exported.returncode == 0, exported.stderr
    verified = gongkai("verify", str(tmp_path / "export"), "--public-key", key)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("ok: ")

    target = next(e["seq"] for e in entries if e["envelope"]["type"] == c.DISCLOSURE_SUBMITTED)
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        await connection.execute("alter table audit.events disable trigger user")
        await connection.execute("update audit.events set body = convert_to(replace(convert_from(body, 'UTF8'),"
                                 " 'S07', 'S01'), 'UTF8') where seq = $1", target)
    finally:
        await connection.close()
    assert gongkai("export", str(tmp_path / "doctored"), "--url", audit, "--token",
                   "dev-auditor-token").returncode == 0
    failed = gongkai("verify", str(tmp_path / "doctored"), "--public-key", key)
    assert failed.returncode == 1
    assert f"entry seq {target}: not the body the log recorded and signed" in failed.stderr


def types(entries: list[dict]) -> set[str]:
    return {(e.get("envelope") or {}).get("type") for e in entries}
