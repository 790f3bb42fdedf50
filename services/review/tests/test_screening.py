"""Screening for classification markings: what blocks, what must not, and where a finding points."""

from __future__ import annotations

import pytest
from gongkai.review.screening import DETECTOR, normalise, screen, summary


def markings(text: str) -> list[str]:
    return [f.text for f in screen("", text)]


@pytest.mark.parametrize(("body", "marked"), [
    ("本文件为机密★5年，请妥善保管。", "机密★5年"),
    ("【绝密】关于年度工作安排的通知", "【绝密】"),
    ("会议纪要涉及绝密事项。", "绝密"),
    ("机密", "机密"),
    ("秘密★1年", "秘密★1年"),
    ("文件密级：秘密▲", "秘密▲"),
    ("秘密★长期", "秘密★长期"),
    ("【秘密】道路运输执法检查方案", "【秘密】"),
    ("〔秘密〕内部通报", "〔秘密〕"),
    ("(秘密)内部通报", "(秘密)"),
    ("（秘密）内部通报", "（秘密）"),
    ("【秘密★6个月】", "【秘密★6个月】"),
    ("秘密\n关于执法检查的安排", "秘密"),
    ("第一段。\n秘密\n第二段。", "秘密"),
    ("第一段。\n　秘密　关于执法检查", "秘密"),
    ("通知\n秘密", "秘密"),
])
def test_a_classification_marking_is_found_and_blocks(body, marked):
    findings = screen("道路运输公告", body)
    assert [f.text for f in findings] == [marked]
    finding = findings[0]
    assert (finding.detector, finding.severity, finding.field) == (DETECTOR, "blocked", "body")
    assert body[finding.start:finding.end] == marked


@pytest.mark.parametrize("body", [
    "工作公开透明，没有秘密可言。",
    "依法加强商业秘密保护。",
    "任何人不得秘密地收集个人信息。",
    "秘密地进行的调查已经结束。",
    "秘密文件管理办法的修订说明",
    "涉及国家秘密、商业秘密和个人隐私的信息不予公开。",
    "2026年道路运输行政许可事项公告",
])
def test_the_word_in_ordinary_prose_does_not_block(body):
    assert screen("关于信息公开的说明", body) == []


def test_a_title_that_starts_with_the_marking_is_blocked_in_the_title():
    [finding] = screen("秘密 关于执法检查的通知", "正文没有标识。")
    assert (finding.field, finding.start, finding.end, finding.text) == ("title", 0, 2, "秘密")


def test_a_bracketed_starred_marking_is_one_finding_not_two():
    assert markings("【机密★10年】请勿外传") == ["【机密★10年】"]


def test_every_marking_in_a_text_is_reported_in_order():
    body = "机密★5年\n正文引用了绝密材料。\n秘密\n完。"
    assert markings(body) == ["机密★5年", "绝密", "秘密"]


def test_hidden_or_variant_characters_do_not_hide_a_marking_and_offsets_stay_in_the_original():
    body = "说明：机\u200b密★２年；絕密；［秘密］"
    findings = screen("", body)
    assert [body[f.start:f.end] for f in findings] == [f.text for f in findings]
    assert [f.text for f in findings] == ["机\u200b密★２年", "絕密", "［秘密］"]


def test_normalise_maps_each_character_back_to_the_original():
    text, origin = normalise("Ａ\u200bB")
    assert text == "AB" and origin == [0, 2]


def test_the_summary_names_what_blocked_and_where():
    line = summary(screen("", "机密★5年"))
    assert "机密★5年" in line and "body 0-5" in line
