"""The letters from their templates: what each says, escaping, the hash, and the PDF read back as text."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from datetime import date

import pytest
from gongkai.requests import letters
from gongkai.requests.letters import LetterKind
from gongkai.shared import contracts as c

COMMON = {"letter_id": "YSQ-1-L1", "request_id": "YSQ-20261130-ABCDEF", "issued_on": date(2026, 12, 1),
          "agency": "某市交通运输局", "applicant": "张三", "received_on": date(2026, 11, 30),
          "description": "请公开城区公交线路调整的论证报告"}
CONTEXT = {LetterKind.receipt: {"channel": "邮寄（挂号信）"},
           LetterKind.correction: {"items": ["写明文件名称", "提供身份证明"], "correct_by": date(2026, 12, 15)},
           LetterKind.consultation: {"whom": "某公交公司"},
           LetterKind.extension: {"reason": "需调取档案", "working_days": 15},
           LetterKind.reply: {"outcome": "予以公开", "text": "现将信息提供如下。", "disclosed": "论证报告",
                              "basis": letters.REPLY_BASIS[c.RequestOutcome.granted]},
           LetterKind.fee: {"yuan": 200, "band": "当月第31件，第31—40件，200元/件", "pay_by": date(2026, 12, 29),
                            "basis": "《政府信息公开信息处理费管理办法》（国办函〔2020〕109号）"}}
SAYS = {LetterKind.receipt: ["登记回执", "2026年11月30日", "邮寄（挂号信）", "20个工作日"],
        LetterKind.correction: ["补正告知书", "写明文件名称", "提供身份证明", "2026年12月15日", "视为放弃申请",
                                "第三十条"],
        LetterKind.consultation: ["征询函", "某公交公司", "15个", "第三十二条"],
        LetterKind.extension: ["延期答复告知书", "需调取档案", "15个工作日", "第三十三条"],
        LetterKind.reply: ["答复告知书", "予以公开", "论证报告", "行政复议", "行政诉讼", "第三十六条第（二）项"],
        LetterKind.fee: ["收费通知书", "200元", "第31—40件", "2026年12月29日", "国办函〔2020〕109号", "第四十二条",
                         "视为放弃申请"]}


@pytest.mark.parametrize("kind", list(LetterKind))
def test_each_letter_says_what_its_step_requires_in_chinese(kind):
    letter = letters.render(kind, **COMMON, **CONTEXT[kind])
    for words in SAYS[kind]:
        assert words in letter.html, (kind, words)
    assert "某市交通运输局" in letter.html and "2026年12月1日" in letter.html and 'lang="zh-CN"' in letter.html
    assert letter.sha256 == hashlib.sha256(letter.html.encode()).hexdigest()
    assert "http" not in letter.html  # nothing loaded from anywhere
    assert not re.search(r"[\u4e00-\u9fff]\s+[\u4e00-\u9fff]", letter.html)  # no stray space inside a sentence


@pytest.mark.parametrize("outcome", list(c.RequestOutcome))
def test_each_kind_of_reply_gives_its_reason_and_legal_basis(outcome):
    basis = letters.REPLY_BASIS[outcome]
    if outcome is c.RequestOutcome.other:  # 其他处理: the reply's own text says why
        assert basis == ""
        return
    assert "条例》第" in basis or "管理办法》" in basis or outcome is c.RequestOutcome.not_processed_confirm
    letter = letters.render(LetterKind.reply, **COMMON, outcome="x", text="说明。", disclosed=None, basis=basis)
    assert basis in letter.html
    if outcome.value.startswith("withheld"):
        assert "不予公开" in basis
        item = "（七）" if outcome is c.RequestOutcome.withheld_query else "（三）"
        assert f"第三十六条第{item}项" in basis


def test_what_the_applicant_wrote_is_escaped():
    letter = letters.render(LetterKind.receipt, **{**COMMON, "description": "<script>x</script>"}, channel="传真")
    assert "<script>" not in letter.html and "&lt;script&gt;" in letter.html


def test_a_missing_value_is_an_error_not_an_empty_line():
    with pytest.raises(Exception, match="items"):
        letters.render(LetterKind.correction, **COMMON, correct_by=date(2026, 12, 15))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils' pdftotext")
def test_the_pdf_reads_back_as_the_same_chinese_letter(tmp_path):
    letter = letters.render(LetterKind.correction, **COMMON, **CONTEXT[LetterKind.correction])
    pdf = letters.pdf(letter.html)
    assert pdf.startswith(b"%PDF")
    (tmp_path / "letter.pdf").write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(tmp_path / "letter.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\n", "").replace(" ", "")
    for words in ("政府信息公开申请补正告知书", "写明文件名称", "2026年12月15日", "某市交通运输局"):
        assert words in text, words


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils' pdftotext")
def test_the_fee_notice_pdf_states_the_amount_band_basis_and_deadline(tmp_path):
    letter = letters.render(LetterKind.fee, **COMMON, **CONTEXT[LetterKind.fee])
    (tmp_path / "fee.pdf").write_bytes(letters.pdf(letter.html))
    text = subprocess.run(["pdftotext", str(tmp_path / "fee.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout.replace("\n", "").replace(" ", "")
    for words in ("政府信息公开信息处理费收费通知书", "信息处理费200元", "第31—40件，200元/件", "国办函〔2020〕109号",
                  "2026年12月29日前缴纳"):
        assert words in text, words
