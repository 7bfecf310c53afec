"""A county report as one self-contained HTML page: inline CSS and SVG, no external URL."""

from __future__ import annotations

from html import escape

import pandas as pd

from balanced_pipeline.report.fonts import BROWSER_FONT_STACK
from balanced_pipeline.report.model import Chart, CountyReport, ReportSection, ReportTable

TONE_CLASS = {"pass": "tone-pass", "fail": "tone-fail", "warn": "tone-warn", "missing": "tone-missing", "": ""}
FONT_FAMILY = ", ".join(f"'{name}'" if " " in name else name for name in BROWSER_FONT_STACK)

STYLE = """
body { font-family: %(font)s; margin: 0 auto; max-width: 1240px; padding: 16px 24px 48px; color: #222;
       line-height: 1.5; background: #fff; }
h1 { font-size: 24px; margin: 8px 0 4px; }
h1 .en, h2 .en, h3 .en { font-weight: normal; color: #666; font-size: 0.75em; margin-left: 8px; }
h2 { font-size: 20px; border-bottom: 2px solid #4C78A8; padding-bottom: 4px; margin-top: 36px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.meta { color: #555; font-size: 13px; }
.headline { border-radius: 8px; padding: 18px 22px; margin: 16px 0 8px; color: #fff; }
.headline.ready { background: #2E7D32; }
.headline.not-ready { background: #C62828; }
.headline.unknown, .headline.incomplete { background: #757575; }
.headline .verdict { font-size: 30px; font-weight: bold; }
.headline .verdict .en { font-size: 18px; font-weight: normal; margin-left: 10px; }
.headline ul { margin: 10px 0 0; padding-left: 22px; font-size: 14px; }
.headline li b { margin-right: 4px; }
nav { font-size: 13px; margin: 10px 0; }
nav a { margin-right: 14px; color: #4C78A8; }
.badge { display: inline-block; font-size: 13px; padding: 1px 10px; border-radius: 10px; margin-left: 10px;
         vertical-align: middle; color: #fff; }
.badge.pass { background: #2E7D32; } .badge.fail { background: #C62828; } .badge.missing { background: #757575; }
table { border-collapse: collapse; margin: 4px 0 6px; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 7px; vertical-align: top; text-align: left; }
th { background: #f0f3f7; font-weight: 600; }
td.tone-pass { background: #D7EFD8; } td.tone-fail { background: #F8CFCF; }
td.tone-warn { background: #FCE6B2; } td.tone-missing { background: #E3E3E3; color: #555; }
table.grid td:not(:first-child) { text-align: right; white-space: nowrap; }
table.grid th { font-size: 12px; max-width: 120px; }
table.grid td:first-child { min-width: 170px; }
.headline ul ul { padding-left: 18px; margin: 2px 0 4px; font-size: 13px; }
.note { font-size: 12px; color: #555; margin: 2px 0 10px; }
.chart { width: 100%%; max-width: 760px; height: auto; display: block; }
figure { margin: 8px 0 14px; } figcaption { font-size: 12px; color: #555; }
.legend span { display: inline-block; padding: 0 8px; margin-right: 6px; font-size: 12px; }
@media print { nav { display: none; } h2 { break-before: auto; } }
""" % {"font": FONT_FAMILY}


def _cells(values: list, tones: list) -> list[str]:
    """One column's cells: every value escaped, a coloured cell with its tone's class."""
    opening = {tone: f'<td class="{TONE_CLASS[tone]}">' if TONE_CLASS.get(tone) else "<td>" for tone in set(tones)}
    return [f"{opening[tone]}{escape(str(value))}</td>" for value, tone in zip(values, tones)]


def _columns(frame: pd.DataFrame) -> list[list]:
    """The frame's columns as lists, the values a row iteration yields."""
    if all(dtype == object for dtype in frame.dtypes):
        return frame.to_numpy().T.tolist()
    return [frame.iloc[:, k].tolist() for k in range(frame.shape[1])]


def table_html(table: ReportTable, css_class: str = "") -> str:
    frame = table.frame
    head = "".join(f"<th>{escape(str(column))}</th>" for column in frame.columns)
    heading = f'<h3>{escape(table.title_zh)}<span class="en">{escape(table.title_en)}</span></h3>'
    note = f'<p class="note">{escape(table.note)}</p>' if table.note else ""
    if frame.empty:
        return heading + note
    # Column by column from lists: a county's tables are small, where row tuples cost more than the markup.
    tones = _columns(table.tones) if table.tones is not None else [[""] * len(frame)] * frame.shape[1]
    columns = [_cells(values, column_tones) for values, column_tones in zip(_columns(frame), tones)]
    body = "".join(f"<tr>{''.join(cells)}</tr>" for cells in zip(*columns))
    class_attribute = f' class="{css_class}"' if css_class else ""
    return f"{heading}<table{class_attribute}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{note}"


def shown_rows(table: ReportTable, limit: int) -> ReportTable:
    """The table cut to its first `limit` rows, saying how many the workbook holds."""
    if len(table.frame) <= limit:
        return table
    note = f"共 {len(table.frame)} 条，此处显示前 {limit} 条，完整列表见工作簿。{len(table.frame)} rows; the first {limit} shown, all in the workbook."
    return ReportTable(table.title_zh, table.title_en, table.frame.head(limit),
                       None if table.tones is None else table.tones.head(limit), note, table.grid)


def section_html(section: ReportSection) -> str:
    badge = ""
    if section.not_judged:
        badge = '<span class="badge missing">数据不完整，无法判定 not judged</span>'
    elif section.verdict is not None:
        badge = ('<span class="badge pass">达标 pass</span>' if section.verdict
                 else '<span class="badge fail">未达标 fail</span>')
    parts = [f'<section id="{section.key}"><h2>{escape(section.title_zh)}<span class="en">'
             f"{escape(section.title_en)}</span>{badge}</h2>"]
    for item in section.items:
        if isinstance(item, Chart):
            parts.append(f"<figure>{item.svg}<figcaption>{escape(item.caption)}</figcaption></figure>")
        elif isinstance(item, ReportTable):
            shown = shown_rows(item, item.page_rows) if item.page_rows else item
            parts.append(table_html(shown, "grid" if item.grid else ""))
        else:
            parts.append(f"<p>{escape(item)}</p>")
    parts.append("</section>")
    return "".join(parts)


def reasons_html(reasons: list[str]) -> str:
    """A dimension's reasons: one line, or a sub-list with one item per shortfall row."""
    if len(reasons) == 1:
        return escape(reasons[0])
    return "<ul>" + "".join(f"<li>{escape(reason)}</li>" for reason in reasons) + "</ul>"


HEADLINE_CLASS = {"ready": "ready", "not_ready": "not-ready", "incomplete": "incomplete"}


def headline_html(report: CountyReport) -> str:
    if report.status is None:
        css, verdict, verdict_en = "unknown", "无法判定", "No verdict: readiness was not evaluated"
    else:
        css, verdict, verdict_en = HEADLINE_CLASS[report.status], report.verdict_zh, report.verdict_en
    items = [f"<li><b>【{escape(dimension)}】</b>{reasons_html(reasons)}</li>" for dimension, reasons in report.reasons]
    if report.not_judged:
        items.append(f"<li><b>【数据完整性 Completeness】</b>{len(report.not_judged)}个校区未能评估 "
                     f"{len(report.not_judged)} campus(es) not judged：{reasons_html(report.not_judged)}</li>")
    detail = (f"<ul>{''.join(items)}</ul>" if items else
              "<ul><li>各项指标均达到要求，满足基本条件，无一票否决事项。Every indicator meets the standard, the precondition "
              "holds and there is no veto.</li></ul>" if report.ready else "")
    return (f'<div class="headline {css}"><div class="verdict">{escape(verdict)}<span class="en">'
            f"{escape(verdict_en)}</span></div>{detail}</div>")


def county_html(report: CountyReport, xlsx_name: str, rectification_name: str) -> str:
    nav = "".join(f'<a href="#{s.key}">{escape(s.title_zh)}</a>' for s in report.sections)
    place = "".join(part for part in (report.province, report.city) if part)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(report.title_zh)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(report.title_zh)}<span class="en">{escape(f"{report.year} self-evaluation report")}</span></h1>
<p class="meta">{escape(place)} · {escape(report.county_name)}（{escape(report.county_code)}） · 评估年度 {report.year}
（{report.year}年12月15日前上报） · 评估标准 {escape(report.standards_version)} ·
同内容工作簿 Workbook: <a href="{escape(xlsx_name)}">{escape(xlsx_name)}</a> ·
整改清单 Rectification lists: <a href="{escape(rectification_name)}">{escape(rectification_name)}</a></p>
{headline_html(report)}
<nav>{nav}</nav>
{''.join(section_html(section) for section in report.sections)}
</body></html>
"""
