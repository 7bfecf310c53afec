"""The short text summary printed after a run: where the tables are and how each county stands."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from balanced_pipeline.contract.issues import EXPLAINED, FIXED, current_issues
from balanced_pipeline.monitoring.dimensions import ALL_DIMENSIONS
from balanced_pipeline.validation.completeness import CAMPUS_GAP_TEXT
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.store import Warehouse

SUMMARY_FLAGS = [(d.passed_flag, d.short_zh) for d in ALL_DIMENSIONS if d.passed_flag]
REASON_WIDTH = 110


STATUS_TEXT = {"ready": "READY 达标", "not_ready": "NOT READY 未达标", "incomplete": "INCOMPLETE 数据不完整"}
REASONS_SHOWN = 3
"""Blocking shortfall rows printed per county; the rest are counted (all are in county_shortfalls)."""


def year_summary(warehouse: Warehouse, year: int) -> str:
    readiness = warehouse.read_partition(TABLES["county_readiness"], year)
    shortfalls = warehouse.read_partition(TABLES["county_shortfalls"], year)
    completeness = warehouse.read_partition(TABLES["submission_completeness"], year).set_index("county_code")
    all_issues = warehouse.read_partition(TABLES["data_quality_issues"], year)
    issues = current_issues(all_issues)
    reports = warehouse.read_partition(TABLES["county_reports"], year)
    status = readiness["status"].value_counts()

    lines = [
        f"Warehouse: {warehouse!r}",
        f"Tables ({len(TABLES)}, one partition per year): {', '.join(sorted(TABLES))}",
        f"Data-quality issues {year}: {int((issues['severity'] == 'error').sum())} errors, "
        f"{int((issues['severity'] == 'warning').sum())} warnings ({int(issues['status'].eq(EXPLAINED).fillna(False).sum())} "
        f"explained), {int(all_issues['status'].eq(FIXED).fillna(False).sum())} fixed since the previous run "
        "(table data_quality_issues)",
        f"Reports: {Path(reports['html_path'].iloc[0]).parent / 'index.html'} (one HTML report, workbook and "
        "rectification workbook per county)" if len(reports) else "Reports: none written",
        "",
        f"Readiness {year} (是否达到优质均衡): {int(status.get('ready', 0))} of {len(readiness)} counties ready, "
        f"{int(status.get('not_ready', 0))} not ready, {int(status.get('incomplete', 0))} incomplete — not a verdict "
        "(数据不完整，不能作出结论)",
    ]
    blocking = shortfalls[shortfalls["blocks_readiness"].astype(bool) & ~shortfalls["outcome"].isin(list(CAMPUS_GAP_TEXT))]
    for county in readiness.sort_values("county_code").itertuples():
        flags = " ".join(f"{label}{_mark(getattr(county, flag))}" for flag, label in SUMMARY_FLAGS)
        veto = " 一票否决✗" if county.vetoed else ""
        received = completeness.loc[county.county_code] if county.county_code in completeness.index else None
        counts = f"  学校 {received.accepted}/{received.expected} accepted" if received is not None else ""
        lines.append(f"  {county.county_code} {county.county_name}: {STATUS_TEXT[county.status]}"
                     f"  [{flags}{veto}]{counts}")
        if county.status != "ready":
            lines.append(f"      {county.verdict_zh} / {county.verdict_en}")
        if county.campuses_not_judged:
            lines.append(f"      {_shorten(county.campuses_not_judged)}")
        reasons = blocking.loc[blocking["county_code"] == county.county_code, "reason_zh"]
        lines += [f"      - {_shorten(reason)}" for reason in reasons.head(REASONS_SHOWN)]
        if len(reasons) > REASONS_SHOWN:
            lines.append(f"      … {len(reasons) - REASONS_SHOWN} more (table county_shortfalls)")
    return "\n".join(lines)


def _mark(flag) -> str:
    """✓ met, ✗ not met, ? cannot be judged."""
    return "?" if pd.isna(flag) else "✓" if flag else "✗"


def _shorten(text: str) -> str:
    return text if len(text) <= REASON_WIDTH else text[: REASON_WIDTH - 1] + "…"
