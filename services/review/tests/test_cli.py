"""``gongkai review screen``: findings as JSON, exit 0 / 1 / 2, many files or stdin."""

from __future__ import annotations

import argparse
import io
import json
import sys

import pytest
from gongkai.review.cli import register


def main(argv: list[str]) -> int:
    """As the ``gongkai`` command runs it: the service's ``register`` adds the commands to its parser."""
    parser = argparse.ArgumentParser(prog="gongkai")
    register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return args.func(args)

ID = "11010519491231002X"


def screen(capsys, *args: str) -> tuple[int, list[dict], str]:
    status = main(["review", "screen", *args])
    out, err = capsys.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


def test_a_clean_text_file_screens_to_no_findings_and_exit_0(tmp_path, capsys):
    path = tmp_path / "notice.txt"
    path.write_text("关于调整3路公交线路的公告\n自2026年12月1日起调整走向。", encoding="utf-8")
    status, [result], _ = screen(capsys, str(path))
    assert (status, result) == (0, {"file": str(path), "risk": "none", "blocked": False, "findings": []})


def test_a_json_document_reports_each_finding_with_field_span_and_text(tmp_path, capsys):
    path = tmp_path / "item.json"
    body = f"当事人张伟，身份证号码：{ID}。"
    path.write_text(json.dumps({"title": "处罚决定公示", "body": body, "summary": "手机13800138000",
                                "attachments": [{"name": "a.pdf", "media_type": "application/pdf",
                                                 "text": "车牌粤B12345"}]}), encoding="utf-8")
    status, [result], _ = screen(capsys, str(path))
    assert status == 0 and result["risk"] == "high" and not result["blocked"]
    assert [(f["detector"], f["severity"], f["field"], f["text"]) for f in result["findings"]] == [
        ("mobile-number", "medium", "summary", "13800138000"),
        ("person-name", "medium", "body", "张伟"), ("id-number", "high", "body", ID),
        ("licence-plate", "low", "attachments[0].text", "粤B12345")]
    finding = result["findings"][2]
    assert body[finding["start"]:finding["end"]] == ID


def test_a_blocking_file_among_many_makes_the_exit_status_1(tmp_path, capsys):
    clean, secret = tmp_path / "clean.txt", tmp_path / "secret.txt"
    clean.write_text("公告正文。", encoding="utf-8")
    secret.write_text("機密★5年\n正文。", encoding="utf-8")
    status, results, _ = screen(capsys, str(clean), str(secret))
    assert status == 1 and [r["blocked"] for r in results] == [False, True]
    assert results[1]["findings"][0] | {"reason": ""} == {
        "detector": "classification-marking", "severity": "blocked", "field": "body", "start": 0, "end": 5,
        "text": "機密★5年", "reason": ""}


def test_stdin_is_read_with_a_dash(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(f"身份证{ID}".encode())))
    status, [result], _ = screen(capsys, "-")
    assert status == 0 and result["file"] == "-" and result["findings"][0]["text"] == ID


@pytest.mark.parametrize(("content", "reason"), [
    (b"\xff\xfe\x00not text", "not valid UTF-8 (byte 0xff at offset 0)"),
    (b"", "empty"),
    (b"  \n ", "empty"),
    (b'{"title": "", "body": ""}', "empty"),
    (b'{"title": 1, "body": "x"}', "title must be a string"),
    ("正".encode() * 1_000_001, "too large"),
])
def test_a_file_that_cannot_be_screened_is_named_with_the_reason_and_exit_2(tmp_path, capsys, content, reason):
    bad, good = tmp_path / "bad.json", tmp_path / "good.txt"
    bad.write_bytes(content)
    good.write_text("机密★1年", encoding="utf-8")
    status, results, err = screen(capsys, str(bad), str(good))
    assert status == 2 and reason in err and str(bad) in err
    assert [r["file"] for r in results] == [str(good)]


def test_a_missing_file_is_exit_2(capsys):
    status, results, err = screen(capsys, "/no/such/file.txt")
    assert (status, results) == (2, []) and "No such file" in err


def test_a_keyword_file_can_be_given(tmp_path, capsys):
    words, text = tmp_path / "words.txt", tmp_path / "t.txt"
    words.write_text("执法预案 | high\n", encoding="utf-8")
    text.write_text("本次执法预案如下", encoding="utf-8")
    status, [result], _ = screen(capsys, "--keywords", str(words), str(text))
    assert status == 0 and [(f["detector"], f["text"]) for f in result["findings"]] == [("keyword", "执法预案")]
