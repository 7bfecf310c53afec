"""GX Data Docs: the validation results of one or more quality reports as a static HTML site."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Iterable
from urllib.parse import quote

import pandas as pd

from balanced_pipeline.validation._gx import new_context
from balanced_pipeline.validation.suites import load_suite
from balanced_pipeline.validation.validate import QualityReport
from balanced_pipeline.contract.forms import EXPLANATIONS, FORMS, SURVEY_RESPONSES
from great_expectations.data_context.types.resource_identifiers import (
    ExpectationSuiteIdentifier,
    ValidationResultIdentifier,
)

SITE_NAME = "data_quality"
FORM_LABELS = {name: form.label_zh for name, form in {**FORMS, SURVEY_RESPONSES.name: SURVEY_RESPONSES,
                                                     EXPLANATIONS.name: EXPLANATIONS}.items()}


def build_data_docs(reports: QualityReport | Iterable[QualityReport], folder: Path) -> Path:
    """Write the Data Docs site for `reports` into `folder`; returns its index.html."""
    reports = [reports] if isinstance(reports, QualityReport) else list(reports)
    folder = Path(folder).resolve()
    context = new_context()
    context.add_data_docs_site(site_name=SITE_NAME, site_config={
        "class_name": "SiteBuilder",
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    })
    for form_name in sorted({form for report in reports for form in report.validation_results}):
        context.suites.add(load_suite(form_name))
    for report in reports:
        for form_name, result in report.validation_results.items():
            identifier = ValidationResultIdentifier(
                expectation_suite_identifier=ExpectationSuiteIdentifier(name=form_name),
                run_id=result.meta["run_id"],
                batch_identifier=form_name,
            )
            context.validation_results_store.set(identifier, result)
    context.build_data_docs(site_names=[SITE_NAME])
    return folder / "index.html"


SUMMARY_NAME = "summary.html"
ISSUES_SHOWN_PER_FORM = 200
_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#1f2933}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:2px solid #3e6ea8;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #c8d1dc;padding:3px 8px;
text-align:left;vertical-align:top}th{background:#eef2f7}.error{background:#f8d4d4}.warning{background:#fbecc5}
.passed{color:#1e7d32;font-weight:bold}.failed{color:#b71c1c;font-weight:bold}.note{color:#5f6b7a;font-size:12px}
"""


def write_validation_summary(report: QualityReport, issues: pd.DataFrame, folder: Path) -> Path:
    """A self-contained page of the validation results (no scripts, no CDN), readable on an office
    intranet where the GX Data Docs index, which loads its styles and tables from the internet,
    stays blank. `issues` are all of the year's submission issues (reading problems too, not only
    failed expectations); each form links its GX validation page, which does render offline."""
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    sections = [
        _form_section(form_name, summary, issues[issues["form"] == form_name], _gx_page(folder, form_name))
        for form_name, summary in report.summaries.items()
    ]
    page = (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>数据质量校验结果 Validation results</title>"
        f"<style>{_STYLE}</style></head><body><h1>数据质量校验结果 <span class='note'>Validation results</span></h1>"
        "<p class='note'>每个表单一节：运行的校验规则数、出错与提示记录、每条问题的位置与说明。"
        "One section per form: expectations run, records with errors and warnings, and each problem with its place. "
        "<a href='index.html'>Great Expectations Data Docs</a></p>" + "".join(sections) + "</body></html>"
    )
    path = folder / SUMMARY_NAME
    path.write_text(page, encoding="utf-8")
    return path


def _gx_page(folder: Path, form_name: str) -> str:
    pages = sorted((folder / "validations" / form_name).rglob("*.html"))
    return pages[-1].relative_to(folder).as_posix() if pages else ""


def _form_section(form_name: str, summary, issues, gx_page: str) -> str:
    label = escape(FORM_LABELS.get(form_name, form_name))
    status = "<span class='passed'>通过 passed</span>" if summary.passed else "<span class='failed'>有错误 errors</span>"
    link = f" · <a href='{escape(quote(gx_page))}'>GX 校验详情 details</a>" if gx_page else ""
    by_rule = (
        issues.groupby(["rule", "severity", "field"]).size().rename("records").reset_index()
        if len(issues) else issues.iloc[0:0]
    )
    rule_rows = "".join(
        f"<tr class='{escape(r.severity)}'><td>{escape(r.rule)}</td><td>{escape(r.severity)}</td>"
        f"<td>{escape(r.field)}</td><td>{r.records}</td></tr>"
        for r in by_rule.itertuples()
    )
    shown = issues.sort_values(["severity", "source_file", "row_number"]).head(ISSUES_SHOWN_PER_FORM)
    issue_rows = "".join(
        f"<tr class='{escape(r.severity)}'><td>{escape(r.source_file)}</td><td>{escape(r.sheet)}</td>"
        f"<td>{'' if pd.isna(r.row_number) else r.row_number}</td><td>{escape(r.field)}</td><td>{escape(r.value)}</td>"
        f"<td>{escape(r.message_zh)}</td><td>{escape(r.message_en)}</td></tr>"
        for r in shown.itertuples()
    )
    more = (f"<p class='note'>仅显示前 {ISSUES_SHOWN_PER_FORM} 条，全部见 data_quality_issues 表 / first "
            f"{ISSUES_SHOWN_PER_FORM} shown; all are in the data_quality_issues table</p>"
            if len(issues) > ISSUES_SHOWN_PER_FORM else "")
    tables = (
        "<table><tr><th>规则 Rule</th><th>级别 Severity</th><th>字段 Field</th><th>记录数 Records</th></tr>"
        f"{rule_rows}</table><table><tr><th>文件 File</th><th>工作表 Sheet</th><th>行 Row</th><th>字段 Field</th>"
        f"<th>填报值 Value</th><th>说明</th><th>Message</th></tr>{issue_rows}</table>{more}"
        if len(issues) else "<p>没有发现问题 / no problem found</p>"
    )
    return (
        f"<h2>{label} <span class='note'>{escape(form_name)}</span></h2>"
        f"<p>{status} · 记录 records {summary.records} · 校验规则 expectations {summary.expectations_run} · "
        f"错误 errors {summary.errors} · 提示 warnings {summary.warnings}{link}</p>{tables}"
    )
