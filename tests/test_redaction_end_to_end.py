"""Redaction through the real processes: a planted ID number is cut out, and only the redacted version goes public."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from gongkai.shared import contracts as c
from gongkai.shared.testing import Tap, bearer
from gongkai_system import started_system

SUBMITTER, REVIEWER = bearer("dev-submitter-token"), bearer("dev-reviewer-token")
REVIEWER2 = bearer("dev-reviewer2-token")
ID = "11010519491231002X"
NOTICE = {"title": "关于对道路运输违法行为的处罚决定公示",
          "body": "经查，当事人张某（公民身份号码 1101 0519 4912 3100 2X）未取得许可从事道路运输经营，依法处以罚款。",
          "category": "S07"}


@pytest.fixture
def system(settings, tmp_path):
    with started_system(settings, tmp_path) as system:
        yield system


async def poll(fetch, until, timeout: float = 30.0):
    async with asyncio.timeout(timeout):
        while not until(result := await fetch()):
            await asyncio.sleep(0.1)
    return result


async def test_a_redacted_version_replaces_the_one_with_the_id_number_and_only_it_is_published(settings, system):
    review = system.url("review")
    async with httpx.AsyncClient(timeout=10) as http, Tap(settings, "public") as public, \
            Tap(settings, "events") as events:
        submitted = await http.post(f"{system.url('publishing')}/items", json=NOTICE, headers=SUBMITTER)
        assert submitted.status_code == 201, submitted.text
        item_id = submitted.json()["item_id"]

        def cases(version: int):
            return lambda: http.get(f"{review}/cases", params={"item_id": item_id, "state": "all"}, headers=REVIEWER)

        first = await poll(cases(1), lambda r: r.status_code == 200 and len(r.json()) == 1)
        [case] = first.json()
        [finding] = [f for f in case["findings"] if f["detector"] == "id-number"]
        assert case["risk"] == "high" and NOTICE["body"][finding["start"]:finding["end"]].replace(" ", "") == ID

        span = {"field": "body", "start": finding["start"], "end": finding["end"]}
        redact = await http.post(f"{review}/cases/{case['case_id']}/decision", headers=REVIEWER, json={
            "decision": "redact", "content_hash": case["content_hash"], "spans": [span], "reason": "删除身份证号"})
        assert redact.status_code == 200, redact.text

        second = await poll(cases(2), lambda r: r.status_code == 200 and any(k["version"] == 2 for k in r.json()))
        [redacted] = [k for k in second.json() if k["version"] == 2]
        full = (await http.get(f"{review}/cases/{redacted['case_id']}", headers=REVIEWER)).json()
        assert "×××" in full["body"] and "1101" not in full["body"]
        assert (redacted["state"], redacted["risk"], redacted["submitted_by"]) == ("open", "none", "li.na")
        assert (redacted["required_approvals"], redacted["redaction_requested_by"]) == (2, "zhao.lei")

        # The high-risk original needed two reviewers: so does its redaction, and the one who asked for it is
        # not enough alone.
        for reviewer, state in ((REVIEWER, "open"), (REVIEWER2, "approved")):
            approve = await http.post(f"{review}/cases/{redacted['case_id']}/decision", headers=reviewer,
                                      json={"decision": "approve", "content_hash": redacted["content_hash"]})
            assert approve.status_code == 200 and approve.json()["state"] == state, approve.text

        published = await public.wait_for(c.PUBLIC_DISCLOSURE_PUBLISHED, lambda e: e.subject == item_id)
        await events.wait_for(c.DISCLOSURE_PUBLISHED, lambda e: e.subject == item_id)
    assert published.data["version"] == 2 and published.data["content_hash"] == redacted["content_hash"]
    assert published.data["body"] == NOTICE["body"].replace(NOTICE["body"][finding["start"]:finding["end"]], "×××")
    mine = [e for _, e in public.messages if e.subject == item_id]
    assert mine and all(e.data["version"] == 2 and "1101" not in e.data["body"] for e in mine)
    assert events.of_type(c.REVIEW_REDACTION_REQUESTED)[0].data["spans"] == [span]
