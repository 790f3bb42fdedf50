"""The annual report's figures and texts entered through oversight's routes, on the real broker and database: each
kept with who entered it and told as a fact; a bad entry is refused with its reason, changes nothing, and is
recorded."""

from __future__ import annotations

import pytest
from gongkai.oversight.app import create_app
from gongkai.shared import contracts as c
from gongkai.shared.envelope import new_event
from gongkai.shared.testing import Tap, bearer, migrate, publish, running

OFFICE, ADMIN = bearer("dev-publisher-token"), bearer("dev-admin-token")
CLERK, AUDITOR = bearer("dev-submitter-token"), bearer("dev-auditor-token")
YEAR = 2026


@pytest.fixture
async def oversight(settings):
    await migrate(settings, ("oversight",))
    async with running(create_app(settings)) as client:
        yield client


async def test_figures_and_texts_are_kept_with_who_entered_them_and_told_as_facts(oversight, settings):
    async with Tap(settings, "events", "oversight.#") as tap:
        entered = await oversight.post(f"/annual-reports/{YEAR}/figures", headers=OFFICE, json={"figures": [
            {"figure": "punishment-decisions", "value": 120, "note": "执法系统导出"},
            {"figure": "administrative-fees", "value": "12.50"}]})
        assert entered.status_code == 200, entered.text
        again = await oversight.post(f"/annual-reports/{YEAR}/figures", headers=ADMIN, json={"figures": [
            {"figure": "punishment-decisions", "value": 121}]})
        assert again.status_code == 200, again.text
        saved = await oversight.post(f"/annual-reports/{YEAR}/texts/problems", headers=OFFICE,
                                     json={"text": "一是部分栏目更新不及时。\n二是……"})
        assert saved.status_code == 200 and len(saved.json()["sha256"]) == 64, saved.text
        facts = await tap.wait_for(c.OVERSIGHT_REPORT_TEXT_SAVED)
        told = tap.of_type(c.OVERSIGHT_REPORT_FIGURES_ENTERED)
    assert [e.data["entered_by"] for e in told] == ["sun.qiang", "admin"]
    assert told[0].data["figures"][1] == {"figure": "administrative-fees", "value": "12.50", "note": None}
    assert facts.data["section"] == "problems" and facts.data["saved_by"] == "sun.qiang"

    shown = (await oversight.get(f"/annual-reports/{YEAR}", headers=AUDITOR)).json()
    assert shown["figures"]["punishment-decisions"]["value"] == "121"
    assert shown["figures"]["punishment-decisions"]["entered_by"] == "admin"
    assert shown["figures"]["administrative-fees"]["value"] == "12.5"
    assert shown["texts"]["problems"]["value"].startswith("一是")
    assert [h["entered_by"] for h in shown["history"]] == ["sun.qiang", "sun.qiang", "admin", "sun.qiang"]


@pytest.mark.parametrize(("body", "status", "reason"), [
    ({"figures": [{"figure": "punishment-decisions", "value": "1.5"}]}, 422, "whole number"),
    ({"figures": [{"figure": "administrative-fees", "value": "1.555"}]}, 422, "two decimals"),
    ({"figures": [{"figure": "punishment-decisions", "value": 1}, {"figure": "punishment-decisions",
                                                                    "value": 2}]}, 422, "twice"),
    ({"figures": [{"figure": "punishment-decisions", "value": -1}]}, 422, "value"),
    ({"figures": [{"figure": "speeding-tickets", "value": 1}]}, 422, "figure"),
    ({"figures": []}, 422, "figures"),
])
async def test_a_bad_figure_is_refused_with_its_reason_and_nothing_changes(oversight, settings, body, status, reason):
    async with Tap(settings, "events", "access.refused.*") as refusals:
        refused = await oversight.post(f"/annual-reports/{YEAR}/figures", headers=OFFICE, json=body)
        assert refused.status_code == status and reason in refused.text, refused.text
        await refusals.wait_for(c.ACCESS_REFUSED, lambda e: e.data["status"] == status)
    assert (await oversight.get(f"/annual-reports/{YEAR}", headers=OFFICE)).json()["history"] == []


async def test_only_the_office_enters_and_not_for_a_year_to_come(oversight):
    clerk = await oversight.post(f"/annual-reports/{YEAR}/figures", headers=CLERK, json={"figures": [
        {"figure": "punishment-decisions", "value": 1}]})
    assert clerk.status_code == 403
    auditor = await oversight.post(f"/annual-reports/{YEAR}/texts/overview", headers=AUDITOR, json={"text": "x"})
    assert auditor.status_code == 403
    future = await oversight.post("/annual-reports/2099/texts/overview", headers=OFFICE, json={"text": "x"})
    assert future.status_code == 422 and "2099" in future.json()["detail"]
    section = await oversight.post(f"/annual-reports/{YEAR}/texts/tables", headers=OFFICE, json={"text": "x"})
    assert section.status_code == 422
    assert (await oversight.get(f"/annual-reports/{YEAR}", headers=OFFICE)).json()["history"] == []


async def test_an_intake_command_enters_figures_and_a_refused_one_is_answered(oversight, settings):
    async with Tap(settings, "events", "#") as tap:
        good = new_event(c.ENTER_REPORT_FIGURES, {"year": YEAR, "figures": [
            {"figure": "enforcement-decisions", "value": 7}]}, source="/test", actor="sun.qiang")
        await publish(settings, "intake", good, headers={"authorization": "Bearer dev-publisher-token"})
        entered = await tap.wait_for(c.OVERSIGHT_REPORT_FIGURES_ENTERED)
        bad = new_event(c.SAVE_REPORT_TEXT, {"year": YEAR, "section": "problems", "text": "无"}, source="/test",
                        actor="li.na")
        await publish(settings, "intake", bad, headers={"authorization": "Bearer dev-submitter-token"})
        rejected = await tap.wait_for(c.INTAKE_REJECTED, lambda e: e.causationid == bad.id)
    assert entered.causationid == good.id and entered.data["entered_by"] == "sun.qiang"
    assert rejected.data["status"] == 403
    shown = (await oversight.get(f"/annual-reports/{YEAR}", headers=AUDITOR)).json()
    assert list(shown["figures"]) == ["enforcement-decisions"] and shown["texts"] == {}
