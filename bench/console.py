"""The console's cost of rendering a page: the review queue with 50 entries, measured through the whole app
(session lookup, the three API calls, sorting, the template, the security headers) over an in-process HTTP
transport, with the services' answers stubbed so that only the console is timed.

Prints p50/p99 over ``--requests`` renders of the queue and, from the same run, two baselines: the console's
``/health`` (the framework and middleware alone) and the sign-in page (a small template). The services' own
answers come on top (see bench/publishing_catalogue.py for how fast those are).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
from gongkai.console.app import create_app
from gongkai.console.settings import ConsoleSettings

PEOPLE = [{"id": "zhao.lei", "name": "赵磊", "unit": "保密办", "roles": ["reviewer"]},
          {"id": "chen.jing", "name": "陈静", "unit": "保密办", "roles": ["reviewer"]},
          {"id": "li.na", "name": "李娜", "unit": "办公室", "roles": ["submitter"]}]
RISKS = ("high", "medium", "low", "none")


def cases(n: int) -> list[dict]:
    opened = datetime(2026, 11, 2, 9, tzinfo=UTC)
    found = []
    for i in range(n):
        body = f"关于第{i}批道路运输经营许可的公示。联系人手机1391234{i:04d}，地址某某路{i}号。" * 4
        found.append({
            "case_id": str(uuid.uuid4()), "item_id": str(uuid.uuid4()), "version": 1 + i % 3, "state": "open",
            "content_hash": "sha256:" + f"{i:064x}", "title": f"关于第{i}批道路运输经营许可的公示",
            "excerpt": body[:200], "category": "S05", "unit": "运输管理科", "submitted_by": "li.na",
            "risk": RISKS[i % 4], "required_approvals": 2 if i % 4 == 0 else 1,
            "approvals": ["zhao.lei"] if i % 5 == 0 else [],
            "findings": [{"detector": "mobile-number", "severity": "medium", "reason": "手机号码", "field": "body",
                          "start": 20, "end": 31, "text": f"1391234{i:04d}",
                          "context": {"before": body[:20], "after": body[31:61]}}],
            "opened_at": (opened + timedelta(minutes=i)).isoformat(), "decided_by": None, "decided_at": None,
            "reason": None, "legal_reason": None, "spans": [], "superseded_by": None, "authors": ["li.na"],
            "redaction_requested_by": None})
    return found


def stubs(queue: list[dict]) -> dict[str, httpx.MockTransport]:
    deadlines = {"deadlines": [{"deadline_id": str(i), "item_id": c["item_id"], "subject": c["case_id"],
                                "version": 1, "rule": "review-sla", "opened_on": "2026-11-02",
                                "due_on": f"2026-11-{9 + i % 5:02d}", "provisional": False, "state": "open",
                                "closed_at": None, "late": None, "unit": c["unit"], "extended_days": 0}
                               for i, c in enumerate(queue)]}

    def publishing(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/me":
            return httpx.Response(200, json=PEOPLE[0])
        return httpx.Response(200, json={"people": PEOPLE})

    return {"publishing": httpx.MockTransport(publishing),
            "review": httpx.MockTransport(lambda _: httpx.Response(200, json=queue)),
            "notification": httpx.MockTransport(lambda _: httpx.Response(200, json=deadlines))}


async def timed(http: httpx.AsyncClient, path: str, requests: int, expect: str) -> list[float]:
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        answer = await http.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200 and expect in answer.text, (path, answer.status_code)
    return times


def line(what: str, times: list[float]) -> str:
    cuts = statistics.quantiles(times, n=100)
    return f"{what:<40} p50 {statistics.median(times):6.2f} ms   p99 {cuts[98]:6.2f} ms   ({len(times)} renders)"


async def main(entries: int, requests: int) -> None:
    queue = cases(entries)
    app = create_app(ConsoleSettings(), transports=stubs(queue))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as http:
        page = await http.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        signed = await http.post("/signin", data={"csrf": csrf, "token": "bench-token", "next": "/queue"})
        assert signed.status_code == 303
        await timed(http, "/queue", 20, "审查队列")  # warm up: templates compiled, pools open
        health = await timed(http, "/health", requests, "ok")
        signin = await timed(http, "/signin", requests, "令牌")
        rendered = await timed(http, "/queue", requests, queue[-1]["title"])
    print(f"console: the review queue with {entries} entries (services stubbed: the console's own cost)")
    print(line("baseline: /health (framework only)", health))
    print(line("baseline: sign-in page (small template)", signin))
    print(line(f"queue page, {entries} entries", rendered))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=50)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.entries, args.requests))
