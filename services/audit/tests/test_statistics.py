"""Statistics per unit and period, and the annual report's tables, counted from the log's entries."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from gongkai.audit.app import create_app
from gongkai.audit.config import AuditConfig
from gongkai.audit.statistics import challenges_table, requests_table
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import bearer, migrate, publish, running

AUDITOR = bearer("dev-auditor-token")


def request_fact(type: str, request: str, day: str, kind: str, outcome: str | None = None) -> dict[str, Any]:
    return {"type": type, "subject_id": request, "on_date": date.fromisoformat(day), "applicant_kind": kind,
            "outcome": outcome}


def test_the_requests_table_carries_over_and_forward_and_balances():
    facts = [
        request_fact(c.REQUEST_RECEIVED, "r1", "2025-12-20", "natural-person"),
        request_fact(c.REQUEST_ANSWERED, "r1", "2026-01-10", "natural-person", "granted"),
        request_fact(c.REQUEST_RECEIVED, "r2", "2026-03-01", "commercial"),
        request_fact(c.REQUEST_ANSWERED, "r2", "2026-03-15", "commercial", "withheld-state-secret"),
        request_fact(c.REQUEST_RECEIVED, "r3", "2026-12-20", "research"),
        request_fact(c.REQUEST_RECEIVED, "r4", "2025-05-01", "other"),
        request_fact(c.REQUEST_ANSWERED, "r4", "2025-06-01", "other", "granted"),
        request_fact(c.REQUEST_RECEIVED, "r5", "2026-06-01", "natural-person"),
        request_fact(c.REQUEST_ANSWERED, "r5", "2027-01-05", "natural-person", "granted"),
    ]
    table = requests_table(facts, 2026)
    assert (table["new"]["total"], table["new"]["natural-person"], table["new"]["commercial"],
            table["new"]["research"]) == (3, 1, 1, 1)
    assert (table["carried_over"]["total"], table["carried_over"]["natural-person"]) == (1, 1)
    assert table["handled_total"]["total"] == 2
    assert (table["carried_forward"]["total"], table["carried_forward"]["research"]) == (2, 1)
    granted = table["results"][0]
    assert granted["label"] == "（一）予以公开" and granted["natural-person"] == 1 and granted["total"] == 1
    withheld = table["results"][2]
    assert withheld["label"] == "（三）不予公开" and withheld["rows"][0]["commercial"] == 1
    assert table["balance"]["holds"] is True
    assert [col["label"] for col in table["columns"]] == ["自然人", "商业企业", "科研机构", "社会公益组织",
                                                          "法律服务机构", "其他", "总计"]


def test_an_answer_without_its_request_in_the_log_breaks_the_balance_and_says_where():
    table = requests_table([request_fact(c.REQUEST_ANSWERED, "r9", "2026-02-01", "legal-service", "granted")], 2026)
    assert table["balance"] == {"rule": table["balance"]["rule"], "holds": False,
                                "unbalanced_columns": ["legal-service", "total"]}


def challenge_fact(request: str, kind: str, result: str, day: str) -> dict[str, Any]:
    return {"subject_id": request, "action": kind, "outcome": result, "on_date": date.fromisoformat(day)}


def test_table_four_counts_each_case_where_it_stands_at_the_years_end():
    facts = [
        challenge_fact("r1", "reconsideration", "pending", "2026-03-01"),
        challenge_fact("r1", "reconsideration", "upheld", "2026-05-01"),        # decided in the year: 维持
        challenge_fact("r1", "litigation", "pending", "2026-06-01"),            # after its reconsideration
        challenge_fact("r1", "litigation", "corrected", "2027-02-01"),          # next year: still pending in 2026
        challenge_fact("r2", "litigation", "corrected", "2026-04-01"),          # sued directly: 纠正
        challenge_fact("r3", "reconsideration", "other", "2025-11-01"),         # decided last year: not counted
        challenge_fact("r4", "reconsideration", "pending", "2025-12-01"),       # pending since last year: 尚未审结
        challenge_fact("r5", "reconsideration", "pending", "2026-12-01"),
        challenge_fact("r5", "reconsideration", "corrected", "2026-12-20"),     # a later result replaces pending
    ]
    table = challenges_table(facts, 2026)
    groups = {g["key"]: g for g in table["groups"]}
    assert {k: groups["reconsideration"][k] for k in ("upheld", "corrected", "other", "pending", "total")} == {
        "upheld": 1, "corrected": 1, "other": 0, "pending": 1, "total": 3}
    assert (groups["litigation-direct"]["corrected"], groups["litigation-direct"]["total"]) == (1, 1)
    assert (groups["litigation-after-reconsideration"]["pending"],
            groups["litigation-after-reconsideration"]["total"]) == (1, 1)
    assert [col["label"] for col in table["columns"]] == ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]
    assert challenges_table(facts, 2025)["groups"][0]["total"] == 2  # r3 decided, r4 pending


@pytest.fixture
async def audit(settings):
    await migrate(settings, ("audit",))
    async with running(create_app(settings, AuditConfig(checkpoint_interval_seconds=3600))) as client:
        yield client


async def until_counted(settings, count: int) -> None:
    connection = await asyncpg.connect(settings.database_url.replace("+asyncpg", ""))
    try:
        async with asyncio.timeout(15):
            while await connection.fetchval("select count(*) from audit.events") < count:
                await asyncio.sleep(0.05)
    finally:
        await connection.close()


def fact(type: str, source: str, time: str, **data: Any):
    envelope = new_event(type, data, source=source, actor="someone", subject=data.get("item_id"))
    return envelope.model_copy(update={"time": datetime.fromisoformat(f"{time}T10:00:00+08:00")})


OFFICE, TRANSPORT = "办公室", "运输管理科"
PUB, REV, NOTE, REQ = "/gongkai/publishing", "/gongkai/review", "/gongkai/notification", "/gongkai/requests"
ITEM = {"unit": OFFICE, "category": "S05"}


async def test_statistics_per_unit_and_the_annual_report_count_what_the_log_holds(settings, audit):
    sent = [
        fact(c.DISCLOSURE_SUBMITTED, PUB, "2026-03-01", item_id="i1", version=1, **ITEM),
        fact(c.DISCLOSURE_SUBMITTED, PUB, "2026-03-02", item_id="i2", version=1, **ITEM),
        fact(c.DISCLOSURE_SUBMITTED, PUB, "2026-03-03", item_id="i3", version=1, unit=TRANSPORT, category="S07"),
        fact(c.REVIEW_APPROVED, REV, "2026-03-04", item_id="i1", version=1, **ITEM),
        fact(c.REVIEW_REJECTED, REV, "2026-03-04", item_id="i3", version=1, unit=TRANSPORT, category="S07"),
        fact(c.REVIEW_WITHHELD, REV, "2026-03-05", item_id="i2", version=1, legal_reason="personal-privacy", **ITEM),
        fact(c.DISCLOSURE_WITHHELD, PUB, "2026-03-05", item_id="i2", version=1, legal_reason="personal-privacy",
             **ITEM),
        fact(c.DISCLOSURE_PUBLISHED, PUB, "2026-03-06", item_id="i1", version=1, action="published", **ITEM),
        fact(c.DISCLOSURE_PUBLISHED, PUB, "2026-04-06", item_id="i1", version=2, action="updated", **ITEM),
        fact(c.DEADLINE_MET, NOTE, "2026-03-06", item_id="i1", rule="proactive-publication", late=False, **ITEM),
        fact(c.DEADLINE_MET, NOTE, "2026-04-06", item_id="i1", rule="change-publication", late=True, **ITEM),
        fact(c.DEADLINE_MET, NOTE, "2026-03-06", item_id="i1", rule="review-sla", late=True, **ITEM),
        fact(c.DEADLINE_DUE_SOON, NOTE, "2026-03-02", item_id="i1", rule="proactive-publication", **ITEM),
        fact(c.DEADLINE_OVERDUE, NOTE, "2026-03-20", item_id="i3", rule="proactive-publication", unit=TRANSPORT),
        fact(c.DISCLOSURE_WITHDRAWN, PUB, "2026-05-01", item_id="i1", version=2, **ITEM),
        fact(c.DISCLOSURE_SUBMITTED, PUB, "2025-03-01", item_id="old", version=1, **ITEM),
        fact(c.REQUEST_RECEIVED, NOTE, "2026-02-01", request_id="q1", applicant_kind="natural-person",
             received_on="2026-02-01", unit=OFFICE),
        fact(c.REQUEST_ANSWERED, NOTE, "2026-02-20", request_id="q1", applicant_kind="natural-person",
             outcome="partly-granted", answered_on="2026-02-20", unit=OFFICE),
        fact(c.REQUEST_RECEIVED, NOTE, "2026-12-30", request_id="q2", applicant_kind="social-welfare",
             received_on="2026-12-30", unit=OFFICE),
        fact(c.REQUESTS_CHALLENGE_RECORDED, REQ, "2026-03-01", request_id="q1", kind="reconsideration",
             result="corrected", on="2026-03-01", applicant_kind="natural-person", unit=OFFICE),
        fact(c.REQUESTS_CHALLENGE_RECORDED, REQ, "2026-04-01", request_id="q1", kind="litigation",
             result="pending", on="2026-04-01", applicant_kind="natural-person", unit=OFFICE),
    ]
    for message in sent:
        await publish(settings, "events", message)
    await until_counted(settings, len(sent))

    response = await audit.get("/statistics", params={"from": "2026-01-01", "to": "2026-12-31"}, headers=AUDITOR)
    assert response.status_code == 200, response.text
    office, transport = response.json()["units"][OFFICE], response.json()["units"][TRANSPORT]
    assert {k: office[k] for k in ("submitted", "approved", "withheld", "published", "updated", "published_on_time",
                                   "published_late", "withdrawn", "reminders", "escalations")} == {
        "submitted": 2, "approved": 1, "withheld": {"personal-privacy": 1}, "published": 1, "updated": 1,
        "published_on_time": 1, "published_late": 1, "withdrawn": 1, "reminders": 1, "escalations": 0}
    assert (transport["submitted"], transport["rejected"], transport["escalations"]) == (1, 1, 1)
    assert response.json()["total"]["submitted"] == 3
    one_unit = await audit.get("/statistics", params={"from": "2026-03-01", "to": "2026-03-02", "unit": OFFICE},
                               headers=AUDITOR)
    assert list(one_unit.json()["units"]) == [OFFICE] and one_unit.json()["units"][OFFICE]["submitted"] == 2

    report = (await audit.get("/reports/annual", params={"year": 2026}, headers=AUDITOR)).json()
    assert report["proactive"]["rows"] == [{"category": "S05", "本年新公开": 1, "本年更新": 1, "本年撤回": 1}]
    requests = report["requests"]
    assert requests["new"]["total"] == 2 and requests["new"]["social-welfare"] == 1
    assert requests["results"][1]["natural-person"] == 1
    assert requests["carried_forward"]["social-welfare"] == 1
    assert requests["balance"]["holds"] is True
    reconsideration, direct, after = report["challenges"]["groups"]
    assert (reconsideration["corrected"], reconsideration["total"]) == (1, 1)
    assert (direct["total"], after["pending"], after["total"]) == (0, 1, 1)


def test_a_generated_year_of_500_requests_gives_tables_three_and_four_that_balance():
    """500 requests over fourteen months (some from the year before, some answered the year after, every outcome
    and applicant kind), and a reconsideration or lawsuit against one in ten: both tables count them all."""
    import random

    rng = random.Random(2026)
    kinds, outcomes = [k.value for k in c.ApplicantKind], [o.value for o in c.RequestOutcome]
    facts, challenges, answered_in_year, open_at_end = [], [], 0, 0
    for n in range(500):
        received = date(2025, 11, 1) + timedelta(days=rng.randrange(426))  # 2025-11-01 … 2026-12-31
        kind, rid = rng.choice(kinds), f"r{n}"
        facts.append(request_fact(c.REQUEST_RECEIVED, rid, received.isoformat(), kind))
        answered = received + timedelta(days=rng.randrange(1, 45))
        facts.append(request_fact(c.REQUEST_ANSWERED, rid, answered.isoformat(), kind, rng.choice(outcomes)))
        if answered.year == 2025:
            continue  # … answered before the year: neither carried over nor counted in it
        answered_in_year += answered.year == 2026
        open_at_end += answered.year == 2027
        if n % 10 == 0 and answered.year == 2026:
            challenges.append(challenge_fact(rid, "reconsideration", "pending", answered.isoformat()))
            if n % 20 == 0:
                challenges.append(challenge_fact(rid, "reconsideration", "upheld", "2026-12-31"))
            if n % 30 == 0:
                challenges.append(challenge_fact(rid, "litigation", "corrected", "2026-12-31"))
    table = requests_table(sorted(facts, key=lambda f: f["on_date"]), 2026)
    assert table["balance"]["holds"] is True, table["balance"]
    assert table["handled_total"]["total"] == answered_in_year and table["carried_forward"]["total"] == open_at_end
    assert table["new"]["total"] + table["carried_over"]["total"] == answered_in_year + open_at_end
    assert sum(table["new"][k] for k in kinds) == table["new"]["total"]
    four = {g["key"]: g for g in challenges_table(challenges, 2026)["groups"]}
    assert four["reconsideration"]["total"] == sum(1 for f in challenges if f["outcome"] == "pending")
    assert four["reconsideration"]["upheld"] == sum(1 for f in challenges if f["outcome"] == "upheld")
    assert four["litigation-after-reconsideration"]["corrected"] == sum(
        1 for f in challenges if f["action"] == "litigation")
    assert four["litigation-direct"]["total"] == 0
