"""The annual report rendered: HTML (from a template, nothing loaded from outside the page), PDF made from that
HTML by WeasyPrint with the Noto Sans CJK SC font (as the requests service's letters), and plain text (the
disclosure item's body)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, StrictUndefined, select_autoescape

TEMPLATE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{{ r.title }}</title>
<style>
@page { size: A4; margin: 22mm 18mm; @bottom-center { content: counter(page); font-size: 9pt; } }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 11pt; line-height: 1.7; color: #000; }
h1 { font-size: 17pt; text-align: center; margin: 0 0 6mm; }
h2 { font-size: 13pt; margin: 6mm 0 2mm; }
p { text-indent: 2em; margin: 0 0 2mm; }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 9.5pt; }
th, td { border: 0.6pt solid #000; padding: 1mm 1.5mm; text-align: center; }
td.label { text-align: left; }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 1mm; }
.group td.label { font-weight: bold; }
.sign { text-align: right; text-indent: 0; }
</style></head>
<body>
{% macro request_row(row) %}<tr><td class="label">{{ row.label }}</td>{% for key in keys %}<td>{{ row[key] }}</td>
{% endfor %}</tr>{% endmacro %}
<h1>{{ r.title }}</h1>
<p>本报告依据《中华人民共和国政府信息公开条例》第五十条和{{ r.format }}的格式编制，
所列数据的统计期限自{{ r.year }}年1月1日起至{{ r.year }}年12月31日止。</p>

<h2>{{ r.overview.heading }}</h2>
{% for para in paragraphs(r.overview.text) %}<p>{{ para }}</p>{% endfor %}

<h2>{{ r.proactive.label }}</h2>
{% for block in r.proactive.blocks %}
<table><caption>{{ block.heading }}</caption>
<tr>{% for col in block.columns %}<th>{{ col }}</th>{% endfor %}</tr>
{% for row in block.rows %}<tr><td class="label">{{ row[0] }}</td>
{% for cell in row[1:] %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}
</table>
{% endfor %}

<h2>{{ r.requests.heading }}</h2>
<table>
<tr><th rowspan="2">（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</th>
<th rowspan="2">自然人</th><th colspan="5">法人或其他组织</th><th rowspan="2">总计</th></tr>
<tr>{% for col in r.requests.columns[1:6] %}<th>{{ col.label }}</th>{% endfor %}</tr>
{% for row in [r.requests.new, r.requests.carried_over] %}{{ request_row(row) }}{% endfor %}
<tr class="group"><td class="label" colspan="8">三、本年度办理结果</td></tr>
{% for row in r.requests.results %}
{% if row.rows is defined %}<tr class="group"><td class="label" colspan="8">{{ row.label }}</td></tr>
{% for one in row.rows %}{{ request_row(one) }}{% endfor %}
{% else %}{{ request_row(row) }}{% endif %}
{% endfor %}
{{ request_row(r.requests.handled_total) }}
{{ request_row(r.requests.carried_forward) }}
</table>

<h2>{{ r.challenges.heading }}</h2>
<table>
<tr>{% for g in r.challenges.groups %}<th colspan="5">{{ g.label }}</th>{% endfor %}</tr>
<tr>{% for g in r.challenges.groups %}{% for col in r.challenges.columns %}<th>{{ col.label }}</th>
{% endfor %}{% endfor %}</tr>
<tr>{% for g in r.challenges.groups %}{% for col in r.challenges.columns %}<td>{{ g[col.key] }}</td>
{% endfor %}{% endfor %}</tr>
</table>

<h2>{{ r.problems.heading }}</h2>
{% for para in paragraphs(r.problems.text or "（尚未撰写）") %}<p>{{ para }}</p>{% endfor %}

<h2>{{ r.other.heading }}</h2>
<p>{{ r.other.fee_sentence }}</p>
{% for para in paragraphs(r.other.text) %}<p>{{ para }}</p>{% endfor %}

<p class="sign">{{ r.agency }}</p>
</body></html>
"""

KEYS = ("natural-person", "commercial", "research", "social-welfare", "legal-service", "other", "total")


def _paragraphs(text: str) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True), undefined=StrictUndefined,
                   trim_blocks=True, lstrip_blocks=True)
_env.globals.update(paragraphs=_paragraphs, keys=KEYS)
_page = _env.from_string(TEMPLATE)


def html(report: Mapping[str, Any]) -> str:
    return _page.render(r=report)


def pdf(page: str) -> bytes:
    """The PDF of the report's HTML (WeasyPrint, Noto Sans CJK SC)."""
    from weasyprint import HTML  # type: ignore[import-untyped]  # imported here: starting does not pay for it

    rendered: bytes = HTML(string=page).write_pdf()
    return rendered


def text(report: Mapping[str, Any]) -> str:
    """The report as plain text: the body of the S08 disclosure item, every section and every table's figures."""
    lines = [report["title"], ""]
    lines += [report["overview"]["heading"], *_paragraphs(report["overview"]["text"]), ""]
    lines.append(report["proactive"]["label"])
    for block in report["proactive"]["blocks"]:
        lines.append(f"{block['heading']}（{'、'.join(block['columns'][1:])}）")
        lines += [f"  {row[0]}：{' / '.join(row[1:])}" for row in block["rows"]]
    lines += ["", report["requests"]["heading"]]
    columns = "、".join(col["label"] for col in report["requests"]["columns"])
    lines.append(f"（按{columns}）")

    def row_line(row: Mapping[str, Any], indent: str = "  ") -> str:
        return f"{indent}{row['label']}：{' / '.join(str(row[k]) for k in KEYS)}"
    requests = report["requests"]
    lines += [row_line(requests["new"]), row_line(requests["carried_over"]), "  三、本年度办理结果"]
    for row in requests["results"]:
        if "rows" in row:
            lines.append(f"    {row['label']}")
            lines += [row_line(one, "      ") for one in row["rows"]]
        else:
            lines.append(row_line(row, "    "))
    lines += [row_line(requests["handled_total"], "    "), row_line(requests["carried_forward"]), ""]
    lines.append(report["challenges"]["heading"])
    labels = "、".join(col["label"] for col in report["challenges"]["columns"])
    for group in report["challenges"]["groups"]:
        figures = " / ".join(str(group[col["key"]]) for col in report["challenges"]["columns"])
        lines.append(f"  {group['label']}（{labels}）：{figures}")
    lines += ["", report["problems"]["heading"], *_paragraphs(report["problems"]["text"] or "（尚未撰写）"), ""]
    lines += [report["other"]["heading"], report["other"]["fee_sentence"], *_paragraphs(report["other"]["text"])]
    lines += ["", report["agency"]]
    return "\n".join(lines)
