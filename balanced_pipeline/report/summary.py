"""The short text summary printed after a run: where the tables are and how each county stands."""

from __future__ import annotations

from pathlib import Path

from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.store import Warehouse

DIMENSIONS = {
    "resource_allocation_passed": "资源配置",
    "government_guarantee_passed": "政府保障",
    "education_quality_passed": "教育质量",
    "social_recognition_passed": "社会认可",
    "precondition_met": "基本条件",
}
REASON_WIDTH = 110


def year_summary(warehouse: Warehouse, year: int) -> str:
    readiness = warehouse.read_partition(TABLES["county_readiness"], year)
    completeness = warehouse.read_partition(TABLES["submission_completeness"], year).set_index("county_code")
    issues = warehouse.read_partition(TABLES["data_quality_issues"], year)
    reports = warehouse.read_partition(TABLES["county_reports"], year)

    lines = [
        f"Warehouse: {warehouse!r}",
        f"Tables ({len(TABLES)}, one partition per year): {', '.join(sorted(TABLES))}",
        f"Data-quality issues {year}: {int((issues['severity'] == 'error').sum())} errors, "
        f"{int((issues['severity'] == 'warning').sum())} warnings (table data_quality_issues)",
        f"Reports: {Path(reports['html_path'].iloc[0]).parent / 'index.html'} (one HTML report, workbook and "
        "rectification workbook per county)" if len(reports) else "Reports: none written",
        "",
        f"Readiness {year} (是否达到优质均衡): {int(readiness['ready'].sum())} of {len(readiness)} counties ready",
    ]
    for county in readiness.sort_values("county_code").itertuples():
        flags = " ".join(f"{label}{'✓' if getattr(county, flag) else '✗'}" for flag, label in DIMENSIONS.items())
        veto = " 一票否决✗" if county.vetoed else ""
        received = completeness.loc[county.county_code] if county.county_code in completeness.index else None
        counts = f"  学校 {received.accepted}/{received.expected} accepted" if received is not None else ""
        lines.append(f"  {county.county_code} {county.county_name}: {'READY 达标' if county.ready else 'NOT READY 未达标'}"
                     f"  [{flags}{veto}]{counts}")
        if not county.ready:
            lines.append(f"      {_shorten(county.reasons)}")
    return "\n".join(lines)


def _shorten(text: str) -> str:
    return text if len(text) <= REASON_WIDTH else text[: REASON_WIDTH - 1] + "…"
