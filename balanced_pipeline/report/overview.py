"""The year's overview page: every county with its readiness, grouped by province and city, each
linking its report and workbook by relative path; the city creation timetable below."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from urllib.parse import quote

import pandas as pd

from balanced_pipeline.report.html import STYLE

OVERVIEW_NAME = "index.html"


def relative_link(target: str, out_dir: Path) -> str:
    return quote(Path(os.path.relpath(Path(target).resolve(), Path(out_dir).resolve())).as_posix())


STATUS_TONE = {"ready": "tone-pass", "not_ready": "tone-fail", "incomplete": "tone-missing"}


def readiness_cell(county) -> str:
    """The county's headline, coloured by its status; an incomplete county says it is not a verdict."""
    if pd.isna(county.status):
        return '<td class="tone-missing">无法判定 no verdict</td>'
    return (f'<td class="{STATUS_TONE[county.status]}">{escape(str(county.verdict_zh))}<br>'
            f'<span class="en">{escape(str(county.verdict_en))}</span></td>')


def _text(value) -> str:
    return "" if pd.isna(value) else str(value)


def city_table(counties: pd.DataFrame, out_dir: Path) -> str:
    rows = []
    for county in counties.sort_values("county_code").itertuples(index=False):
        html_link, xlsx_link = relative_link(county.html_path, out_dir), relative_link(county.xlsx_path, out_dir)
        rows.append(f"<tr><td>{escape(str(county.county_code))}</td><td><a href=\"{html_link}\">"
                    f"{escape(str(county.county_name))}</a></td>{readiness_cell(county)}"
                    f"<td>{escape(_text(county.failed_dimensions))}</td><td>{escape(_text(county.dimensions_not_judged))}</td>"
                    f"<td>{escape(_text(county.campuses_not_judged))}</td><td><a href=\"{html_link}\">报告 report</a> · "
                    f"<a href=\"{xlsx_link}\">工作簿 workbook</a> · "
                    f"<a href=\"{relative_link(county.rectification_path, out_dir)}\">整改清单 rectification</a></td></tr>")
    return ("<table><thead><tr><th>代码 Code</th><th>县（市、区） County</th><th>结论 Readiness</th>"
            "<th>未达标维度 Dimensions not met</th><th>无法判定的维度 Dimensions not judged</th>"
            "<th>未能评估的校区 Campuses not judged</th><th>文件 Files</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def timetable_html(timetable: pd.DataFrame) -> str:
    if timetable is None or timetable.empty:
        return ""
    wide = timetable.pivot_table(index=["province", "city"], columns=["bucket_order", "target_year_bucket"],
                                 values="counties", aggfunc="sum", sort=False).sort_index(axis=1)
    head = "".join(f"<th>{escape(str(bucket))}</th>" for _, bucket in wide.columns)
    body = "".join(
        f"<tr><td>{escape(str(province))}</td><td>{escape(str(city))}</td>"
        + "".join(f"<td>{'' if pd.isna(v) else int(v)}</td>" for v in values) + "</tr>"
        for (province, city), values in zip(wide.index, wide.to_numpy()))
    return ("<h2>创建工作时间表<span class=\"en\">Creation timetable: counties per target year</span></h2>"
            f"<table><thead><tr><th>省 Province</th><th>市 City</th>{head}</tr></thead><tbody>{body}</tbody></table>")


def render_overview(index: pd.DataFrame, year: int, out_dir: Path, timetable: pd.DataFrame | None = None) -> Path:
    """Write `out_dir/index.html` listing every county of `index` (write_year_reports' frame)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    status = index["status"].astype("string")
    ready, not_ready, incomplete = (int(status.eq(name).fillna(False).sum()) for name in ("ready", "not_ready", "incomplete"))
    counts = (f"共 {len(index)} 个县（市、区），达到要求 {ready} 个，未达到 {not_ready} 个，数据不完整、不能作出结论 {incomplete} 个。"
              f"{len(index)} counties: {ready} ready, {not_ready} not ready, {incomplete} incomplete — not a verdict.")
    groups = []
    places = index.assign(province=index["province"].fillna(""), city=index["city"].fillna(""))
    for (province, city), counties in places.groupby(["province", "city"], sort=True):
        ready_in_city = int(counties["status"].astype("string").eq("ready").fillna(False).sum())
        groups.append(f"<h2>{escape(province)}{escape(city)}<span class=\"en\">{ready_in_city} / {len(counties)} "
                      f"ready</span></h2>{city_table(counties, out_dir)}")
    page = f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{year}年县域义务教育优质均衡发展自评汇总</title>
<style>{STYLE}</style></head><body>
<h1>{year}年县域义务教育优质均衡发展自评汇总<span class="en">{year} self-evaluations: overview</span></h1>
<p class="meta">{escape(counts)}</p>
{''.join(groups)}
{timetable_html(timetable)}
</body></html>
"""
    path = out_dir / OVERVIEW_NAME
    path.write_text(page, encoding="utf-8")
    return path
