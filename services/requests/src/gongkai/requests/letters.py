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

from gongkai.shared import contracts as c
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
{% if basis %}<p class="basis">{{ basis }}</p>{% endif %}
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

_ACT = "《中华人民共和国政府信息公开条例》"
_WITHHELD = "的规定，本机关决定不予公开。"
# Each kind of 答复告知书: the reason and the legal basis its outcome is given with (条例 2019), in the reply letter.
REPLY_BASIS: dict[c.RequestOutcome, str] = {
    c.RequestOutcome.granted: f"根据{_ACT}第三十六条第（二）项的规定，现向您提供该政府信息。",
    c.RequestOutcome.partly_granted: f"根据{_ACT}第三十七条的规定，本机关对所申请的信息作区分处理，向您提供可以公开的"
    "部分；其余部分不予公开。",
    c.RequestOutcome.withheld_state_secret: f"所申请的信息属于国家秘密。根据{_ACT}第十四条、第三十六条第（三）项"
    f"{_WITHHELD}",
    c.RequestOutcome.withheld_other_law: f"法律、行政法规禁止公开所申请的信息。根据{_ACT}第十四条、第三十六条第（三）项"
    f"{_WITHHELD}",
    c.RequestOutcome.withheld_security: "所申请的信息公开后可能危及国家安全、公共安全、经济安全、社会稳定。根据"
    f"{_ACT}第十四条、第三十六条第（三）项{_WITHHELD}",
    c.RequestOutcome.withheld_third_party: "所申请的信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害。根据"
    f"{_ACT}第十五条、第三十六条第（三）项{_WITHHELD}",
    c.RequestOutcome.withheld_internal: "所申请的信息属于人事管理、后勤管理、内部工作流程等内部事务信息。根据"
    f"{_ACT}第十六条第一款、第三十六条第（三）项{_WITHHELD}",
    c.RequestOutcome.withheld_process: "所申请的信息属于讨论记录、过程稿、磋商信函、请示报告等过程性信息。根据"
    f"{_ACT}第十六条第二款、第三十六条第（三）项{_WITHHELD}",
    c.RequestOutcome.withheld_enforcement_file: f"所申请的信息属于行政执法案卷信息。根据{_ACT}第十六条第二款、"
    f"第三十六条第（三）项{_WITHHELD}",
    c.RequestOutcome.withheld_query: "所申请的信息属于有关法律、行政法规对信息的获取有特别规定的查询事项。根据"
    f"{_ACT}第三十六条第（七）项的规定，本机关不予公开，请您依照有关法律、行政法规的规定办理查询。",
    c.RequestOutcome.unavailable_not_held: f"经检索，本机关不掌握所申请公开的信息。根据{_ACT}第三十六条第（四）项、"
    "第（五）项的规定予以告知。",
    c.RequestOutcome.unavailable_needs_making: "本机关没有现成的所申请信息，需要对现有政府信息进行加工、分析方能提供。"
    f"根据{_ACT}第三十八条的规定，本机关不予提供。",
    c.RequestOutcome.unavailable_unclear: f"经补正，申请内容仍不明确，本机关无法确定所申请的政府信息。根据{_ACT}"
    "第二十九条、第三十条的规定予以告知。",
    c.RequestOutcome.not_processed_petition: "您的申请属于以政府信息公开申请的形式进行的信访、投诉、举报等活动。根据"
    f"{_ACT}第三十九条第一款的规定，本机关不作为政府信息公开申请处理，您可以通过相应渠道提出。",
    c.RequestOutcome.not_processed_repeat: "本机关已就您提出的政府信息公开申请作出答复，您重复申请公开相同的政府信息。"
    f"根据{_ACT}第三十六条第（六）项的规定，本机关不予重复处理。",
    c.RequestOutcome.not_processed_publication: "您申请获取的是政府公报、报刊、书籍等公开出版物。根据"
    f"{_ACT}第三十九条第二款的规定，告知您获取的途径。",
    c.RequestOutcome.not_processed_excessive: "您申请公开政府信息的数量、频次明显超过合理范围，且说明的理由不合理。"
    f"根据{_ACT}第三十五条的规定，本机关不予处理。",
    c.RequestOutcome.not_processed_confirm: "您要求本机关确认或者重新出具已经获取的信息，不属于政府信息公开申请的范围，"
    "本机关不予处理。",
    c.RequestOutcome.other_no_correction: f"您未在规定期限内补正申请。根据{_ACT}第三十条的规定，视为放弃申请，本机关"
    "不再处理该政府信息公开申请。",
    c.RequestOutcome.other_no_fee: "您未在规定期限内缴纳信息处理费。根据《政府信息公开信息处理费管理办法》的规定，"
    "视为放弃申请，本机关不再处理该政府信息公开申请。",
    c.RequestOutcome.other: "",
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
