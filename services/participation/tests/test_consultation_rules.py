"""The consultation rules with no I/O: the period per kind, the hearing's notice and cap, comments only while
open, and a feedback report that answers every opinion with its reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from gongkai.participation import consultations as rules
from gongkai.participation import policy
from gongkai.participation.consultations import CState
from gongkai.shared import contracts as c
from gongkai.shared.errors import Conflict, Refused

POLICY = policy.load()
DAY = date(2026, 12, 1)


def opened(**changes) -> rules.Consultation:
    data = c.CreateConsultation(kind="major-decision", title="方案", draft="草案", unit="运输管理科", opens_on=DAY,
                                **changes)
    x = rules.create("ZQ-1", data, POLICY, person="li.na", today=DAY)
    return x.model_copy(update={"state": CState.approved})


def test_the_period_follows_the_kind_and_its_least_days():
    assert opened().closes_on == DAY + timedelta(days=29)
    with pytest.raises(Refused, match="at least 30 days"):
        opened(closes_on=DAY + timedelta(days=20))


def test_comments_only_while_open():
    x = opened()
    assert rules.comment(x, "m1", "赞成", today=DAY).number == 1
    with pytest.raises(Conflict, match="closed on"):
        rules.comment(x, "m2", "赞成", today=x.closes_on + timedelta(days=1))
    with pytest.raises(Conflict, match="not passed review"):
        rules.comment(x.model_copy(update={"state": CState.in_review}), "m3", "赞成", today=DAY)


def test_a_hearing_needs_its_notice_and_refuses_registrations_over_its_cap():
    body = c.HearingBody(title="听证会", held_on=DAY + timedelta(days=9), place="会议室", capacity=1)
    with pytest.raises(Refused, match="at least 10 days"):
        rules.announce_hearing(opened(), body, POLICY.hearing_notice_days, person="sun.qiang", today=DAY)
    x = rules.announce_hearing(opened(), body.model_copy(update={"held_on": DAY + timedelta(days=10)}),
                               POLICY.hearing_notice_days, person="sun.qiang", today=DAY)
    x, hearing = rules.register(x, "H1", today=DAY)
    assert hearing.registered == 1
    with pytest.raises(Conflict, match="full"):
        rules.register(x, "H1", today=DAY)


def test_the_feedback_report_answers_every_opinion_with_a_reason():
    x = opened()
    m = rules.comment(x, "m1", "赞成", today=DAY)
    x = rules.expert(x, c.ExpertOpinionBody(expert="钱教授", opinion="分期实施", on=DAY), person="li.na", today=DAY)
    x = x.model_copy(update={"state": CState.closed})
    answer = c.Answer(opinion="comment:m1", outcome=c.AnswerOutcome.adopted, reason="采纳")
    with pytest.raises(Refused, match="unanswered: expert:E1"):
        rules.feedback(x, "小结", [answer], [m], person="sun.qiang", today=DAY)
    with pytest.raises(Refused, match="not an opinion"):
        rules.feedback(x, "小结", [answer, answer.model_copy(update={"opinion": "comment:zz"})], [m],
                       person="sun.qiang", today=DAY)
    hidden = m.model_copy(update={"hidden": True})
    done = rules.feedback(x, "小结", [c.Answer(opinion="expert:E1", outcome=c.AnswerOutcome.not_adopted,
                                               reason="成本过高")], [hidden], person="sun.qiang", today=DAY)
    assert done.state is CState.report_in_review and rules.counts(done)["not_adopted"] == 1
    with pytest.raises(Conflict, match="follows its closing"):
        rules.feedback(opened(), "小结", [], [], person="sun.qiang", today=DAY)
