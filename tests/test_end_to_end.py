"""The four services as separate processes, driven as staff, reviewers, the public and auditors would."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import httpx
import pytest
from gongkai.shared import contracts as c
from gongkai.shared.testing import Tap, bearer
from gongkai_system import AutoReviewer, started_system, submit_commands

SUBMITTER, REVIEWER, AUDITOR = bearer("dev-submitter-token"), bearer("dev-reviewer-token"), bearer("dev-auditor-token")
NOTICE = {"title": "关于调整城区公交线路的公告", "body": "自2026年12月1日起，3路公交车调整走向。", "category": "S07"}


@pytest.fixture
def system(settings, tmp_path):
    with started_system(settings, tmp_path) as system:
        yield system


async def poll(fetch, until, timeout: float = 20.0):
    """Call ``fetch`` until ``until(result)`` holds; the last result is returned."""
    async with asyncio.timeout(timeout):
        while not until(result := await fetch()):
            await asyncio.sleep(0.1)
    return result


async def test_an_approved_item_reaches_the_public_and_every_step_is_in_the_audit_trail(settings, system):
    async with httpx.AsyncClient(timeout=10) as http, Tap(settings, "public") as public:
        submitted = await http.post(f"{system.url('publishing')}/items", json=NOTICE, headers=SUBMITTER)
        assert submitted.status_code == 201, submitted.text
        item_id, content_hash = submitted.json()["item_id"], submitted.json()["content_hash"]

        cases = await poll(lambda: http.get(f"{system.url('review')}/cases", params={"item_id": item_id},
                                            headers=REVIEWER),
                           lambda r: r.status_code == 200 and r.json())
        case = _single_case(cases.json())
        decision = await http.post(f"{system.url('review')}/cases/{case['case_id']}/decision",
                                   json={"decision": "approve", "content_hash": content_hash}, headers=REVIEWER)
        assert decision.status_code == 200, decision.text

        announced = await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.subject == item_id)
        await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.id != announced.id)
        assert announced.data["title"] == NOTICE["title"] and announced.data["content_hash"] == content_hash
        assert sorted(key for key, _ in public.messages) == ["media.S07.published", "portal.S07.published"]

        deadlines = await poll(lambda: http.get(f"{system.url('notification')}/deadlines",
                                                params={"item_id": item_id}, headers=SUBMITTER),
                               lambda r: r.status_code == 200 and _states(r.json()) == ["met", "met"])
        assert sorted(d["rule"] for d in deadlines.json()["deadlines"]) == ["proactive-publication", "review-sla"]

        wanted = {c.DISCLOSURE_SUBMITTED, c.REVIEW_CASE_OPENED, c.REVIEW_APPROVED, c.DISCLOSURE_PUBLISHED,
                  c.PUBLIC_DISCLOSURE_PUBLISHED, c.DEADLINE_OPENED, c.DEADLINE_MET}
        trail = await poll(lambda: http.get(f"{system.url('audit')}/items/{item_id}/events", headers=AUDITOR),
                           lambda r: r.status_code == 200 and wanted <= _types(r.json()))
        assert wanted <= _types(trail.json())
        actors = {_envelope(e)["type"]: _envelope(e)["actor"] for e in _events(trail.json())}
        assert actors[c.DISCLOSURE_SUBMITTED] == "li.na" and actors[c.REVIEW_APPROVED] == "zhao.lei"


async def test_a_classified_item_is_blocked_and_never_reaches_the_public(settings, system):
    secret = {**NOTICE, "title": "机密★5年 关于线路调整的内部意见", "category": "S07"}
    async with httpx.AsyncClient(timeout=10) as http, Tap(settings, "public") as public, \
            Tap(settings, "events") as events:
        submitted = await http.post(f"{system.url('publishing')}/items", json=secret, headers=SUBMITTER)
        item_id = submitted.json()["item_id"]
        blocked = await events.wait_for(c.REVIEW_BLOCKED, lambda e: e.subject == item_id)
        assert blocked.data["findings"][0]["text"].startswith("机密")

        state = await poll(lambda: http.get(f"{system.url('publishing')}/items/{item_id}", headers=SUBMITTER),
                           lambda r: r.json()["versions"][0]["state"] == "blocked")
        assert state.json()["versions"][0]["state"] == "blocked"
        trail = await poll(lambda: http.get(f"{system.url('audit')}/items/{item_id}/events", headers=AUDITOR),
                           lambda r: r.status_code == 200 and c.REVIEW_BLOCKED in _types(r.json()))
        assert c.PUBLIC_DISCLOSURE_PUBLISHED not in _types(trail.json())
        # A block is no publication: the publication clock stays open, the item must still be fixed.
        deadlines = await poll(lambda: http.get(f"{system.url('notification')}/deadlines",
                                                params={"item_id": item_id}, headers=SUBMITTER),
                               lambda r: r.status_code == 200 and _states(r.json()) == ["open"])
        assert [d["rule"] for d in deadlines.json()["deadlines"]] == ["proactive-publication"]
    assert [e for _, e in public.messages if e.subject == item_id] == []


async def test_killing_services_mid_flow_loses_no_item_and_publishes_none_twice(settings, system):
    items = [{**NOTICE, "title": f"{NOTICE['title']}（第{n}号）"} for n in range(60)]
    async with Tap(settings, "public") as public, AutoReviewer(settings):
        sent = await submit_commands(settings, items)
        await poll(_count(public), lambda n: n >= 10, timeout=60)
        system.kill("publishing")
        system.kill("review")
        await asyncio.sleep(0.5)
        system.start("review", "publishing")
        await poll(_count(public), lambda n: n >= len(items) * 2, timeout=120)
        await asyncio.sleep(1.0)

    ids_per_item: dict[str, set[str]] = defaultdict(set)
    for routing_key, event in public.messages:
        ids_per_item[event.subject].add(f"{routing_key}:{event.id}")
    assert len(ids_per_item) == len(items) == len(sent)
    assert all(len(ids) == 2 for ids in ids_per_item.values())  # one event per channel (portal, media)
    assert {e.correlationid for _, e in public.messages} == set(sent)


def _count(tap: Tap):
    async def count() -> int:
        return len({(k, e.id) for k, e in tap.messages})
    return count


def _single_case(body) -> dict:
    cases = body["cases"] if isinstance(body, dict) else body
    assert len(cases) == 1, cases
    return cases[0]


def _states(body) -> list[str]:
    deadlines = body["deadlines"] if isinstance(body, dict) else body
    return [d["state"] for d in deadlines]


def _events(body) -> list[dict]:
    return body["events"] if isinstance(body, dict) else body


def _envelope(record: dict) -> dict:
    return record.get("envelope") or record.get("event") or record


def _types(body) -> set[str]:
    return {_envelope(e).get("type") for e in _events(body)}


def test_a_service_stops_cleanly_on_sigterm_and_comes_back(system):
    # uvicorn shuts the app down, then re-raises SIGTERM so the exit status tells how it ended.
    assert system.terminate("notification") in (0, -15)
    log = system.log("notification")
    assert log.index('"message": "service stopping') < log.index('"message": "service stopped"')
    system.start("notification")
    assert httpx.get(f"{system.url('notification')}/ready").status_code == 200
