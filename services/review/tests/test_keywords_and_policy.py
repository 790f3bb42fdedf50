"""Agency keywords (one pass, every disguise, reloaded when the file changes) and the review policy file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from gongkai.review import policy as policies
from gongkai.review.screening import Screener, normalise_text
from gongkai.review.screening.keywords import KeywordFile, KeywordFileError, Keywords, Term, parse


def keyword_screener(path: Path) -> Screener:
    return Screener(policies.load(policies.DEFAULT_POLICY), KeywordFile(path))


def keywords(screener: Screener, body: str) -> list[tuple[str, str]]:
    return [(f.text, f.severity) for f in screener.screen("", body) if f.detector == "keyword"]


def test_a_keyword_file_gives_terms_severities_and_reasons():
    terms = parse("# comment\n内部讨论稿 | high | 未定稿\n\n执法预案\n")
    assert terms == [Term("内部讨论稿", "high", "未定稿"),
                     Term("执法预案", "medium", "本机关关键词「执法预案」/ agency keyword")]


def test_a_bad_severity_names_the_line():
    with pytest.raises(KeywordFileError, match="line 2"):
        parse("甲乙\n丙丁 | urgent\n")


@pytest.mark.parametrize("body", ["本次执法预案如下", "本次執法預案如下", "本次执 法 预 案如下",
                                  "本次执\u200b法预案如下",
                                  "本次执-法-预-案如下"])
def test_a_keyword_is_found_through_traditional_spacing_and_hidden_characters(tmp_path, body):
    path = tmp_path / "keywords.txt"
    path.write_text("执法预案 | high\n", encoding="utf-8")
    [(text, severity)] = keywords(keyword_screener(path), body)
    assert severity == "high" and body.index(text) == 2


def test_ascii_keywords_match_in_any_case_and_width(tmp_path):
    path = tmp_path / "keywords.txt"
    path.write_text("Project X\n", encoding="utf-8")
    assert keywords(keyword_screener(path), "关于ＰＲＯＪＥＣＴ　Ｘ的说明") == [("ＰＲＯＪＥＣＴ　Ｘ", "medium")]


def test_many_thousands_of_terms_are_matched_in_one_pass():
    terms = [Term(f"专项{i:05d}号行动", "low", "bench") for i in range(20000)]
    automaton = Keywords(terms)
    found = list(automaton.matches(normalise_text("开展专项00042号行动和专项19999号行动。")))
    assert automaton.size == 20000 and [(s, e) for s, e, *_ in found] == [(2, 12), (13, 23)]


def test_the_keyword_file_is_reloaded_when_it_changes_and_a_broken_file_keeps_the_last_list(tmp_path):
    path = tmp_path / "keywords.txt"
    path.write_text("执法预案\n", encoding="utf-8")
    screener = keyword_screener(path)
    assert keywords(screener, "执法预案与督查方案") == [("执法预案", "medium")]

    path.write_text("督查方案 | high\n", encoding="utf-8")
    os.utime(path, ns=(1, 10**18))
    assert keywords(screener, "执法预案与督查方案") == [("督查方案", "high")]

    path.write_text("督查方案 | urgent\n", encoding="utf-8")
    os.utime(path, ns=(1, 2 * 10**18))
    assert keywords(screener, "执法预案与督查方案") == [("督查方案", "high")]
    assert "urgent" in (screener.keywords.error or "")


def test_a_missing_keyword_file_is_an_error_at_start():
    with pytest.raises(KeywordFileError, match="no-such-file"):
        KeywordFile(Path("/no-such-file.txt"))


def test_the_shipped_policy_needs_two_reviewers_for_high_risk_and_rejects_blocked():
    policy = policies.load(policies.DEFAULT_POLICY)
    assert [policy.approvals(r) for r in ("high", "medium", "low", "none")] == [2, 1, 1, 1]
    assert policy.rejects("blocked") and not policy.rejects("high")
    assert not policy.auto_approves("low", "S07")  # off by default
    # but a comment on a consultation with nothing found shows at once; one with a finding waits for a reviewer
    assert policy.auto_approves("none", "participation-comment")
    assert not policy.auto_approves("medium", "participation-comment")
    assert policy.keywords is not None and policy.keywords.exists()


def test_a_yaml_policy_can_auto_approve_low_risk_in_chosen_categories(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text("levels:\n  blocked: {outcome: reject}\n  high: {approvals: 3}\n  medium: {}\n  low: {}\n"
                    "  none: {}\nauto_approve:\n  categories: [S07]\n", encoding="utf-8")
    policy = policies.load(path)
    assert policy.approvals("high") == 3 and policy.auto_approves("low", "S07") and policy.auto_approves("none", "S07")
    assert not policy.auto_approves("medium", "S07") and not policy.auto_approves("low", "S05")


@pytest.mark.parametrize(("content", "reason"), [
    ("{not json", "policy file"),
    (json.dumps({"levels": {"high": {"approvals": 2}}}), "levels lacks"),
    (json.dumps({"levels": {r: {} for r in policies.RISKS}}), "blocked.outcome"),
    (json.dumps({"levels": {r: {"outcome": "reject"} for r in policies.RISKS}, "surprise": 1}), "surprise"),
])
def test_a_bad_policy_file_is_refused_with_the_reason(tmp_path, content, reason):
    path = tmp_path / "policy.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(policies.PolicyError, match=reason):
        policies.load(path)


def test_attachment_types_outside_the_allowed_list_are_findings_and_their_text_is_screened():
    screener = keyword_screener(policies.DEFAULT_POLICY.with_name("keywords.default.txt"))
    findings = screener.screen("公告", "正文。", attachments=[
        {"name": "目录.pdf", "media_type": "application/pdf", "text": "联系人：张伟，手机：13800138000"},
        {"name": "setup.exe", "media_type": "application/x-msdownload"},
        {"name": "表格.pdf", "media_type": "application/x-msdownload"},
    ])
    assert [(f.field, f.detector, f.severity) for f in findings] == [
        ("attachments[0].text", "person-name", "medium"), ("attachments[0].text", "mobile-number", "medium"),
        ("attachments[1].name", "attachment-type", "blocked"), ("attachments[2].name", "attachment-type", "blocked")]
    assert policies.risk_of(findings) == "blocked"


def test_risk_is_the_highest_severity_found():
    screener = keyword_screener(policies.DEFAULT_POLICY.with_name("keywords.default.txt"))
    assert policies.risk_of(screener.screen("公告", "正文。")) == "none"
    assert policies.risk_of(screener.screen("公告", "车牌粤B12345")) == "low"
    assert policies.risk_of(screener.screen("公告", "车牌粤B12345，手机13800138000")) == "medium"
    assert policies.risk_of(screener.screen("公告", "身份证11010519491231002X，手机13800138000")) == "high"
    assert policies.risk_of(screener.screen("机密★1年", "身份证11010519491231002X")) == "blocked"
