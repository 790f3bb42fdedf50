"""An inspection's state machine without I/O: every step in order, and each refusal with nothing changed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from gongkai.oversight import checklist, domain
from gongkai.oversight.domain import State
from gongkai.shared import contracts as c
from gongkai.shared.calendar import shipped_calendar
from gongkai.shared.errors import Conflict, NotFound, Refused

TODAY = date(2026, 12, 2)  # a Wednesday
LIST = checklist.load()
CAL = shipped_calendar()


def results(not_met: tuple[str, ...] = ()) -> list[c.CheckResult]:
    return [c.CheckResult(point=p, result=c.PointResult.not_met if p in not_met else c.PointResult.met)
            for p in LIST.ids()]


def planned(on: date = TODAY) -> domain.Inspection:
    return domain.plan("JC-1", "运输管理科", c.InspectionKind.announced, on, ["孙强"], person="sun.qiang", today=TODAY)


def inspected() -> domain.Inspection:
    return domain.record_checklist(planned(), results(("rules-in-place",)), LIST, person="sun.qiang", today=TODAY)


def rectifying() -> tuple[domain.Inspection, str]:
    after, finding = domain.record_finding(inspected(), "rules-in-place", c.FindingSeverity.major, "无制度", LIST,
                                           person="sun.qiang", today=TODAY)
    after, rect = domain.order_rectification(after, finding.finding_id, "建立制度", 5, TODAY, CAL,
                                             person="sun.qiang", today=TODAY)
    return after, rect.rectification_id


def test_the_whole_way_with_the_due_date_on_the_working_day_calendar():
    after, rid = rectifying()
    assert after.state is State.rectifying and after.points_not_met() == 1
    assert after.rectification(rid).due_on == date(2026, 12, 9)  # five working days from Wednesday
    after, closed = domain.close_rectification(after, rid, "制度已印发", TODAY, person="sun.qiang", today=TODAY)
    assert after.state is State.inspected and closed.evidence_sha256 and len(closed.evidence_sha256) == 64
    done = domain.close(after, TODAY, None, person="sun.qiang", today=TODAY)
    assert done.state is State.closed and [d.step for d in done.history] == [
        "plan", "record_checklist", "record_finding", "order_rectification", "close_rectification", "close"]


def test_the_shipped_checklist_is_the_plans_five_points():
    assert [p.name for p in LIST.points] == ["规范化开展工作", "规章制度是否建立健全", "领导是否重视",
                                             "学习贯彻《条例》情况", "规范指导下属公用事业单位办事公开"]
    assert LIST.source.endswith("七(三)")


def test_a_checklist_file_without_points_or_with_one_twice_is_refused(tmp_path):
    empty = tmp_path / "empty.toml"
    empty.write_text('source = "x"\n', encoding="utf-8")
    with pytest.raises(checklist.ChecklistError, match="needs"):
        checklist.load(empty)
    twice = tmp_path / "twice.toml"
    twice.write_text('[[points]]\nid = "a"\nname = "A"\ntext = "t"\n[[points]]\nid = "a"\nname = "B"\ntext = "t"\n',
                     encoding="utf-8")
    with pytest.raises(checklist.ChecklistError, match="twice"):
        checklist.load(twice)


@pytest.mark.parametrize(("step", "refusal", "words"), [
    (lambda: domain.record_checklist(inspected(), results(), LIST, person="p", today=TODAY), Conflict, "inspected"),
    (lambda: domain.record_checklist(planned(TODAY + timedelta(days=1)), results(), LIST, person="p", today=TODAY),
     Refused, "before that day"),
    (lambda: domain.record_checklist(planned(), results()[:4], LIST, person="p", today=TODAY), Refused, "missing"),
    (lambda: domain.record_finding(planned(), "rules-in-place", c.FindingSeverity.minor, "x", LIST, person="p",
                                   today=TODAY), Conflict, "planned"),
    (lambda: domain.record_finding(inspected(), "canteen", c.FindingSeverity.minor, "x", LIST, person="p",
                                   today=TODAY), Refused, "no point"),
    (lambda: domain.order_rectification(inspected(), "JC-1-F9", "x", 5, TODAY, CAL, person="p", today=TODAY),
     Refused, "no finding"),
    (lambda: domain.order_rectification(rectifying()[0], "JC-1-F1", "x", 5, TODAY, CAL, person="p", today=TODAY),
     Conflict, "already has a rectification open"),
    (lambda: domain.close_rectification(rectifying()[0], "JC-1-R1", " \n", TODAY, person="p", today=TODAY),
     Refused, "evidence"),
    (lambda: domain.close_rectification(rectifying()[0], "JC-1-R1", "材料", TODAY - timedelta(days=1), person="p",
                                        today=TODAY), Refused, "before"),
    (lambda: domain.close_rectification(rectifying()[0], "JC-1-R7", "材料", TODAY, person="p", today=TODAY),
     NotFound, "no rectification"),
    (lambda: domain.close(rectifying()[0], TODAY, None, person="p", today=TODAY), Conflict, "JC-1-R1"),
    (lambda: domain.close(planned(), TODAY, None, person="p", today=TODAY), Conflict, "planned"),
    (lambda: domain.close(inspected(), TODAY + timedelta(days=1), None, person="p", today=TODAY), Refused,
     "after today"),
    (lambda: domain.plan("JC-2", "科", c.InspectionKind.unannounced, TODAY - timedelta(days=400), ["甲"], person="p",
                         today=TODAY), Refused, "more than a year"),
])
def test_each_step_out_of_order_or_wrongly_dated_is_refused_with_its_reason(step, refusal, words):
    with pytest.raises(refusal, match=words):
        step()
