"""The letters a request's steps send, in Chinese, from templates: HTML stored and hashed, PDF rendered from it.

Each letter is rendered once, when its step is taken, and kept as it was sent (``letters`` table); its SHA-256
goes into the ``requests.letter_issued`` fact, so the audit log holds the hash of every letter. The PDF is made
from the stored HTML by WeasyPrint with the Noto Sans CJK SC font; nothing is loaded from outside the page.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape


class LetterKind(StrEnum):
    receipt = "receipt"                  # 登记回执
    correction = "correction"            # 补正告知书
    consultation = "consultation"        # 第三方意见征询函
    extension = "extension"              # 延期答复告知书
    reply = "reply"                      # 答复告知书
    fee = "fee"                          # 收费通知书


NAMES = {LetterKind.receipt: "政府信息公开申请登记回执",
         LetterKind.correction: "政府信息公开申请补正告知书",
         LetterKind.consultation: "政府信息公开第三方意见征询函",
         LetterKind.extension: "政府信息公开申请延期答复告知书",
         LetterKind.reply: "政府信息公开申请答复告知书",
         LetterKind.fee: "政府信息公开信息处理费收费通知书"}

LAYOUT = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
@page { size: A4; margin: 25mm 22mm; }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 12pt; line-height: 1.8; color: #000; }
h1 { font-size: 18pt; text-align: center; margin: 0 0 4mm; letter-spacing: 1pt; }
.number { text-align: center; margin-bottom: 8mm; }
p { text-indent: 2em; margin: 0 0 2mm; }
p.to, p.sign, p.date { text-indent: 0; }
p.sign, p.date { text-align: right; }
ol { margin: 0 0 2mm 2em; }
.quote { white-space: pre-wrap; border-left: 2pt solid #888; padding-left: 4mm; margin: 2mm 0 4mm 2em; }
</style></head>
<body>
<h1>{{ title }}</h1>
<div class="number">{{ agency_short }}依申〔{{ year }}〕{{ request_id }}号</div>
{% block body %}{% endblock %}
<p class="sign">{{ agency }}</p>
<p class="date">{{ issued_on }}</p>
</body></html>
"""

TEMPLATES = {
    "layout.html": LAYOUT,
    "receipt.html": """{% extends "layout.html" %}{% block body %}
<p class="to">{{ applicant }}：</p>
<p>本机关于{{ received_on }}收到您（单位）通过{{ channel }}提出的政府信息公开申请，已予登记，登记号为
{{ request_id }}。申请内容如下：</p>
<div class="quote">{{ description }}</div>
<p>本机关将依照《中华人民共和国政府信息公开条例》第三十三条的规定，自收到申请之日起20个工作日内予以答复；
需要延长答复期限的，将另行告知。您可以凭登记号和查询码查询办理进度。</p>
{% endblock %}""",
    "correction.html": """{% extends "layout.html" %}{% block body %}
<p class="to">{{ applicant }}：</p>
<p>本机关于{{ received_on }}收到您（单位）提出的政府信息公开申请（登记号{{ request_id }}）。经审查，
该申请需要补正以下事项：</p>
<ol>{% for item in items %}<li>{{ item }}</li>{% endfor %}</ol>
<p>根据《中华人民共和国政府信息公开条例》第三十条的规定，请您于{{ correct_by }}前补正。答复期限自本机关收到
补正的申请之日起计算。无正当理由逾期不补正的，视为放弃申请，本机关不再处理该政府信息公开申请。</p>
{% endblock %}""",
    "consultation.html": """{% extends "layout.html" %}{% block body %}
<p class="to">{{ whom }}：</p>
<p>本机关收到的政府信息公开申请（登记号{{ request_id }}）所申请的信息，公开后可能损害贵方合法权益。
申请内容如下：</p>
<div class="quote">{{ description }}</div>
<p>根据《中华人民共和国政府信息公开条例》第三十二条的规定，现书面征求贵方意见。请自收到本函之日起15个
工作日内提出意见。逾期未提出意见的，由本机关依照条例的规定决定是否公开。</p>
{% endblock %}""",
    "extension.html": """{% extends "layout.html" %}{% block body %}
<p class="to">{{ applicant }}：</p>
<p>本机关于{{ received_on }}收到您（单位）提出的政府信息公开申请（登记号{{ request_id }}）。因{{ reason }}，
不能在规定期限内作出答复。根据《中华人民共和国政府信息公开条例》第三十三条的规定，经本机关政府信息公开
工作机构负责人同意，答复期限延长{{ working_days }}个工作日。</p>
{% endblock %}""",
    "reply.html": """{% extends "layout.html" %}{% block body %}
<p class="to">{{ applicant }}：</p>
<p>本机关于{{ received_on }}收到您（单位）提出的政府信息公开申请（登记号{{ request_id }}）。
经审查，答复如下：{{ outcome }}。</p>
<div class="quote">{{ text }}</div>
{% if disclosed %}<p>提供的政府信息：</p><div class="quote">{{ disclosed }}</div>{% endif %}
<p>如对本答复不服，可以自收到本答复之日起60日内依法申请行政复议，或者自收到本答复之日起6个月内依法
提起行政诉讼。</p>
{% endblock %}""",
    "fee.html": """{% extends "layout.html" %}{% block body %}
<p class="to">{{ applicant }}：</p>
<p>本机关于{{ received_on }}收到您（单位）提出的政府信息公开申请（登记号{{ request_id }}）。根据《中华人民共和国
政府信息公开条例》第四十二条和{{ basis }}的规定，本机关对该申请收取信息处理费{{ yuan }}元。</p>
<p>计收标准：{{ band }}。</p>
<p>请您于{{ pay_by }}前缴纳。答复期限自本机关收到费用之日起计算；逾期未缴纳的，视为放弃申请，本机关不再
处理该政府信息公开申请。</p>
{% endblock %}""",
}

def _joined(source: str) -> str:
    """A template's paragraphs as one line each: a line break inside Chinese text would print as a space."""
    return re.sub(r"(?<=[^>\s])\n(?=[^<{\s])", "", source)


_ENV = Environment(loader=DictLoader({name: _joined(source) for name, source in TEMPLATES.items()}),
                   autoescape=select_autoescape(default=True, default_for_string=True),
                   undefined=StrictUndefined, keep_trailing_newline=True)


@dataclass(frozen=True)
class Letter:
    letter_id: str
    request_id: str
    kind: LetterKind
    issued_on: date
    html: str
    sha256: str

    @property
    def name(self) -> str:
        return NAMES[self.kind]


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def render(kind: LetterKind, *, letter_id: str, request_id: str, issued_on: date, agency: str,
           **context: Any) -> Letter:
    """The letter as HTML, with every value escaped; its SHA-256 over the UTF-8 bytes."""
    values = {k: chinese_date(v) if isinstance(v, date) else v for k, v in context.items()}
    html = _ENV.get_template(f"{kind.value}.html").render(
        title=NAMES[kind], agency=agency, agency_short=agency[:4], year=issued_on.year, request_id=request_id,
        issued_on=chinese_date(issued_on), **values)
    return Letter(letter_id=letter_id, request_id=request_id, kind=kind, issued_on=issued_on, html=html,
                  sha256=hashlib.sha256(html.encode()).hexdigest())


def pdf(html: str) -> bytes:
    """The letter's PDF (WeasyPrint; slow enough to be run in a thread by the HTTP routes)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # imported here: starting does not pay for it

    rendered: bytes = HTML(string=html).write_pdf()
    return rendered
