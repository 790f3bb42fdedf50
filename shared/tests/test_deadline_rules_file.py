"""The policy file: the shipped default loads, and a wrong one is refused at load with a clear reason."""

from __future__ import annotations

import copy
import tomllib

import pytest
from gongkai.shared import contracts as c
from gongkai.shared.deadline_rules import DEFAULT_POLICY, PolicyError, Unit, load_policy, parse_policy

DEFAULT = tomllib.loads(DEFAULT_POLICY.read_text(encoding="utf-8"))


def changed(rule: str, **values) -> dict:
    data = copy.deepcopy(DEFAULT)
    data["rules"][rule].update(values)
    return data


def test_the_shipped_policy_has_every_rule_with_the_agencys_lengths():
    policy = load_policy()
    assert set(policy.rules) == {c.RULE_PROACTIVE_PUBLICATION, c.RULE_CHANGE_PUBLICATION, c.RULE_REVIEW,
                                 c.RULE_ANNUAL_REPORT, c.RULE_ANNUAL_TARGETS, c.RULE_REQUEST_REPLY,
                                 c.RULE_REQUEST_CORRECTION, c.RULE_REQUEST_THIRD_PARTY, c.RULE_OPINION_REPLY,
                                 c.RULE_RECTIFICATION, c.RULE_REPORT_ACKNOWLEDGEMENT}
    assert policy.rule(c.RULE_PROACTIVE_PUBLICATION).length == 15
    assert policy.rule(c.RULE_REQUEST_REPLY).max_extension == 20
    assert policy.rule(c.RULE_OPINION_REPLY).length == 15  # the agency's own time limit for the opinion box
    annual = policy.rule(c.RULE_ANNUAL_REPORT)
    assert annual.unit is Unit.fixed_date and annual.due == (1, 31)
    assert [r.id for r in policy.opened_by(c.DISCLOSURE_SUBMITTED)] == [c.RULE_PROACTIVE_PUBLICATION]
    assert policy.rule(c.RULE_PROACTIVE_PUBLICATION).reminders == (5, 1, 0)


def test_the_oversight_rules_may_be_left_out_and_then_open_no_clock():
    data = copy.deepcopy(DEFAULT)
    del data["rules"][c.RULE_RECTIFICATION], data["rules"][c.RULE_REPORT_ACKNOWLEDGEMENT]
    policy = parse_policy(data)
    assert c.RULE_RECTIFICATION not in policy.rules and policy.opened_by(c.OVERSIGHT_RECTIFICATION_ORDERED) == []
    shipped = load_policy()
    assert [r.id for r in shipped.opened_by(c.OVERSIGHT_RECTIFICATION_ORDERED)] == [c.RULE_RECTIFICATION]
    assert [r.id for r in shipped.met_by(c.OVERSIGHT_REPORT_ACKNOWLEDGED)] == [c.RULE_REPORT_ACKNOWLEDGEMENT]
    assert shipped.rule(c.RULE_RECTIFICATION).escalate == ("unit", "office", "administrators")


def test_an_unknown_rule_is_refused():
    data = copy.deepcopy(DEFAULT)
    data["rules"]["publish-fast"] = data["rules"][c.RULE_PROACTIVE_PUBLICATION]
    with pytest.raises(PolicyError, match="unknown rule 'publish-fast'"):
        parse_policy(data)


def test_a_missing_rule_is_refused():
    data = copy.deepcopy(DEFAULT)
    del data["rules"][c.RULE_REVIEW]
    with pytest.raises(PolicyError, match="rule 'review-sla' is missing"):
        parse_policy(data)


@pytest.mark.parametrize(("length", "message"), [(-3, "must not be below 1"), (0, "must not be below 1"),
                                                 (100_000, "not a time limit"), ("15", "whole number")])
def test_a_negative_zero_or_absurd_length_is_refused(length, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy(changed(c.RULE_REVIEW, length=length))


def test_publication_above_the_legal_ceiling_of_20_working_days_is_refused():
    at_ceiling = parse_policy(changed(c.RULE_PROACTIVE_PUBLICATION, length=20))
    assert at_ceiling.rule(c.RULE_PROACTIVE_PUBLICATION).length == 20
    with pytest.raises(PolicyError, match="above the legal ceiling of 20 working days"):
        parse_policy(changed(c.RULE_PROACTIVE_PUBLICATION, length=21))
    with pytest.raises(PolicyError, match="unit must be working-days"):
        parse_policy(changed(c.RULE_CHANGE_PUBLICATION, unit="calendar-days"))


@pytest.mark.parametrize(("values", "message"), [
    ({"unit": "weeks"}, "unit must be one of"),
    ({"due": "02-30"}, "due must be a day of the year as MM-DD"),
    ({"reminders": [-1]}, "reminder is -1"),
    ({"opened_by": ["gongkai.disclosure.sneezed.v1"]}, "unknown 'gongkai.disclosure.sneezed.v1'"),
    ({"notify": ["everyone"]}, "unknown 'everyone'"),
])
def test_other_mistakes_are_refused_with_the_place(values, message):
    with pytest.raises(PolicyError, match=message):
        parse_policy(changed(c.RULE_ANNUAL_REPORT, **values))


def test_a_policy_file_that_is_not_there_or_not_toml_is_refused(tmp_path):
    with pytest.raises(PolicyError, match="cannot read"):
        load_policy(tmp_path / "missing.toml")
    bad = tmp_path / "policy.toml"
    bad.write_text("[rules", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid TOML"):
        load_policy(bad)
