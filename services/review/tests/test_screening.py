"""Classification and internal-use markings: what blocks, what must not, and where a finding points."""

from __future__ import annotations

import pytest
from gongkai.review.screening import DETECTOR, normalise, screen, summary


def markings(text: str, title: str = "道路运输公告") -> list[str]:
    return [f.text for f in screen(title, text) if f.detector == DETECTOR]


def internal(title: str, body: str = "正文。") -> list[tuple[str, str, str]]:
    return [(f.field, f.text, f.severity) for f in screen(title, body) if f.detector == "internal-marking"]


@pytest.mark.parametrize(("body", "marked"), [
    ("本文件为机密★5年，请妥善保管。", "机密★5年"),
    ("【绝密】关于年度工作安排的通知", "【绝密】"),
    ("文件密级：机密", "机密"),
    ("本文件密级为绝密。", "绝密"),
    ("绝密\n关于执法检查的安排", "绝密"),
    ("机密", "机密"),
    ("秘密★1年", "秘密★1年"),
    ("文件密级：秘密▲", "秘密▲"),
    ("秘密★长期", "秘密★长期"),
    ("【秘密】道路运输执法检查方案", "【秘密】"),
    ("〔秘密〕执法通报", "〔秘密〕"),
    ("(秘密)执法通报", "(秘密)"),
    ("（秘密）执法通报", "（秘密）"),
    ("【秘密★6个月】", "【秘密★6个月】"),
    ("秘密\n关于执法检查的安排", "秘密"),
    ("第一段。\n秘密\n第二段。", "秘密"),
    ("第一段。\n　秘密　关于执法检查", "秘密"),
    ("通知\n秘密", "秘密"),
    ("机密★10年", "机密★10年"),
    ("司机密★1年", "机密★1年"),
    ("ＢＭ：机密\n关于执法检查的安排", "机密"),
    ("BM:秘密\n执法通报", "秘密"),
    ("bm 绝密", "绝密"),
])
def test_a_classification_marking_is_found_and_blocks(body, marked):
    findings = [f for f in screen("道路运输公告", body) if f.detector == DETECTOR]
    assert [f.text for f in findings] == [marked]
    finding = findings[0]
    assert (finding.severity, finding.field) == ("blocked", "body")
    assert body[finding.start:finding.end] == marked


@pytest.mark.parametrize(("body", "marked"), [
    ("本文件为機密★5年。", "機密★5年"),
    ("本文件为机 密★5年。", "机 密★5年"),
    ("本文件为机\u200b密★5年。", "机\u200b密★5年"),
    ("本文件为机密 ★ 5 年。", "机密 ★ 5 年"),
    ("本文件为机密★５年。", "机密★５年"),
    ("本文件为絕密。", "絕密"),
    ("〖秘密〗", "〖秘密〗"),
    ("［秘密］", "［秘密］"),
    ("秘-密★1年", "秘-密★1年"),
])
def test_a_disguised_marking_is_still_found_with_its_original_span(body, marked):
    assert markings(body) == [marked]


@pytest.mark.parametrize("body", [
    "工作公开透明，没有秘密可言。",
    "依法加强商业秘密保护。",
    "任何人不得秘密地收集个人信息。",
    "秘密地进行的调查已经结束。",
    "秘密文件管理办法的修订说明",
    "涉及国家秘密、商业秘密和个人隐私的信息不予公开。",
    "2026年道路运输行政许可事项公告",
    "请广大司机密切配合。",
    "请勿泄露手机密码。",
    "杜绝密集作业带来的安全隐患。",
    "有机密封胶按危险货物运输。",
])
def test_the_words_in_ordinary_prose_do_not_block(body):
    assert markings(body, "关于信息公开的说明") == []


@pytest.mark.parametrize(("body", "word"), [
    ("会议纪要涉及绝密事项。", "绝密"),
    ("国家秘密的密级分为绝密、机密、秘密三级。", "绝密"),
    ("机密文件管理规定的说明", "机密"),
])
def test_jue_mi_and_ji_mi_as_words_in_prose_need_two_reviewers_but_do_not_block(body, word):
    findings = [f for f in screen("关于保密工作的说明", body) if f.detector == DETECTOR]
    assert [f.text for f in findings][:1] == [word] and {f.severity for f in findings} == {"high"}


def test_a_title_that_starts_with_the_marking_is_blocked_in_the_title():
    [finding] = [f for f in screen("秘密 关于执法检查的通知", "正文没有标识。") if f.detector == DETECTOR]
    assert (finding.field, finding.start, finding.end, finding.text) == ("title", 0, 2, "秘密")


def test_a_bracketed_starred_marking_is_one_finding_not_two():
    assert markings("【机密★10年】请勿外传") == ["【机密★10年】"]


def test_every_marking_in_a_text_is_reported_in_order():
    assert markings("机密★5年\n正文引用了绝密材料。\n秘密\n完。") == ["机密★5年", "绝密", "秘密"]


def test_hidden_or_variant_characters_do_not_hide_a_marking_and_offsets_stay_in_the_original():
    body = "说明：机\u200b密★２年；絕密；［秘密］"
    findings = [f for f in screen("", body) if f.detector == DETECTOR]
    assert [body[f.start:f.end] for f in findings] == [f.text for f in findings]
    assert [f.text for f in findings] == ["机\u200b密★２年", "絕密", "［秘密］"]


@pytest.mark.parametrize(("title", "body", "expected"), [
    ("关于执法检查的通知", "内部资料 注意保管\n正文。", [("body", "内部资料", "high"), ("body", "注意保管", "high")]),
    ("关于执法检查的通知", "【内部】\n正文。", [("body", "内部", "high")]),
    ("关于执法检查的通知", "不得外传\n正文。", [("body", "不得外传", "high")]),
    ("内部资料（不得外传） 关于执法检查的通知", "正文。",
     [("title", "内部资料", "high"), ("title", "不得外传", "high")]),
    ("【内部资料】关于执法检查的通知", "正文。", [("title", "内部资料", "high")]),
    ("关于执法检查的通知", "（仅供参考）\n正文。", [("body", "仅供参考", "medium")]),
    ("关于執法检查的通知", "內部資料\n正文。", [("body", "內部資料", "high")]),
])
def test_an_internal_marking_in_a_header_is_found(title, body, expected):
    assert internal(title, body) == expected


@pytest.mark.parametrize(("title", "body"), [
    ("内部控制制度", "正文。"),
    ("关于印发内部控制制度的通知", "内部控制制度如下。"),
    ("2026年统计数据", "以上数据仅供参考。"),
    ("内部资料管理办法", "第一条 为规范内部资料管理……"),
    ("关于执法检查的通知", "第一段。\n第二段。\n第三段。\n内部资料\n"),  # past the header lines
])
def test_internal_words_in_prose_or_past_the_header_are_not_markings(title, body):
    assert internal(title, body) == []


def test_normalise_maps_each_character_back_to_the_original():
    text, origin = normalise("Ａ\u200bB")
    assert text == "ab" and origin == [0, 2]


def test_the_summary_names_what_blocked_and_where():
    line = summary(screen("", "机密★5年"))
    assert "机密★5年" in line and "body 0-5" in line
