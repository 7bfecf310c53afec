"""County reports for a year: the report model from the warehouse tables, its HTML page and
workbook, and the index of every county's files with the overview page."""

from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Iterator, Mapping

import numpy as np
import pandas as pd

from balanced_pipeline.contract.issues import current_issues
from balanced_pipeline.monitoring.dimensions import DIMENSION_FLAGS, DIMENSIONS
from balanced_pipeline.report.rectification_workbook import export_rectification_workbook
from balanced_pipeline.report.html import county_html
from balanced_pipeline.report.model import CountyReport
from balanced_pipeline.report.overview import render_overview
from balanced_pipeline.report.sections import (
    campuses_not_judged,
    changes_section,
    conclusion_section,
    conditions_section,
    data_section,
    dimension_reasons,
    items_section,
    rectification_section,
    resource_section,
    social_section,
    timeliness_section,
    trend_section,
)
from balanced_pipeline.report.county_workbook import write_workbook
from balanced_pipeline.settings import report_workers, standards_name
from balanced_pipeline.standards.loader import Standards, load_standards
from balanced_pipeline.warehouse.catalogue import pandas_dtypes

COUNTY_TABLES = (
    "county_readiness", "county_guarantee", "county_quality", "county_social_recognition", "school_guarantee_checks",
    "school_rectification_list", "county_rectification_list", "county_trends", "recommendation_form_summary",
    "school_indicators", "school_resource_verdict", "county_difference_coefficients", "submission_completeness",
    "data_quality_issues", "county_submissions", "school_parts", "county_shortfalls", "submission_timeliness",
    "submission_changes",
)
"""The tables a county report reads (each has county_code); creation_timetable feeds the overview."""
SENT_COLUMNS = {
    "school_indicators": ("stage", "indicator_id", "school_code", "campus_code", "indicator_name_zh",
                          "threshold", "unit", "value", "ratio", "students", "school_name"),
    "school_guarantee_checks": ("stage", "item_id", "passed", "school_name", "detail"),
}
"""The columns the report reads (sections.school_grid, sections.items_section) of its two largest tables,
nine tenths of the rows: only these travel to the worker processes, half the bytes to pickle."""
INDEX_COLUMNS = pandas_dtypes("county_reports")
REPORT_PATH_COLUMNS = ("html_path", "xlsx_path", "rectification_path")
UNKNOWN_CITY = "未填报所属市"


def report_file_stem(county_code: str, year: int) -> str:
    return f"county_{county_code}_{year}"


def _check_tables(tables: Mapping[str, pd.DataFrame]) -> None:
    missing = [name for name in COUNTY_TABLES if name not in tables]
    if missing:
        raise ValueError(f"county report: tables missing from the input: {missing}")


def _of_year(frame: pd.DataFrame, year: int) -> pd.DataFrame:
    return frame[frame["year"].astype("Int64") == year] if "year" in frame.columns else frame


@contextmanager
def _collector_paused():
    """No cyclic garbage collection inside the block. Splitting 19 tables into 2,850 counties makes some
    54,000 small frames; the collector, triggered by those allocations, rescans every frame made so
    far, which doubled the split's cost at 870 counties and grew with the count. The split makes no
    reference cycles worth collecting mid-way."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _county_positions(tables: Mapping[str, pd.DataFrame], year: int) -> tuple[dict, dict, list[str], dict, int]:
    """The year's rows of every table, each county's row positions in them (ascending, as a groupby
    keeps them), the sorted county codes, the empty frame of each table and the count of issues
    attributed to no county. Positions, not frames: 2,850 counties make 54,000 small frames."""
    _check_tables(tables)
    # Issues fixed since the previous run are history: the report counts only those that still occur.
    tables = {**tables, "data_quality_issues": current_issues(tables["data_quality_issues"])}
    rows = {name: _of_year(tables[name], year) for name in COUNTY_TABLES}
    positions = {name: {str(code): at for code, at in rows[name].groupby("county_code", sort=False).indices.items()}
                 for name in COUNTY_TABLES}
    codes = sorted(set(positions["county_readiness"]) | set(positions["submission_completeness"])
                   | set(positions["county_submissions"]))
    empty = {name: tables[name].iloc[0:0] for name in COUNTY_TABLES}
    unattributed = int(rows["data_quality_issues"]["county_code"].astype("string").fillna("").eq("").sum())
    return rows, positions, codes, empty, unattributed


def county_slices(tables: Mapping[str, pd.DataFrame], year: int) -> dict[str, dict[str, pd.DataFrame]]:
    """county_code → {table → that county's rows of `year`}, grouping each table once."""
    rows, positions, codes, empty, unattributed = _county_positions(tables, year)
    with _collector_paused():
        slices = {code: {name: rows[name].take(positions[name][code]) if code in positions[name] else empty[name]
                         for name in COUNTY_TABLES} for code in codes}
    for county in slices.values():
        county["unattributed_issues"] = unattributed
    return slices


def _county_chunks(positioned: tuple[dict, dict, list[str], dict, int], chunks: int) -> Iterator[dict]:
    """The counties cut into about `chunks` runs of consecutive codes, each carrying one frame per
    table with its counties' rows back to back and each county's (start, stop) in it: a worker gets
    19 frames per chunk to unpickle instead of 19 per county, the per-frame cost being half of it.
    `positioned` is what _county_positions returns. Made one at a time, as they are sent: each is a
    copy of its counties' rows."""
    rows, positions, codes, empty, unattributed = positioned
    rows = {**rows, **{name: rows[name][list(columns)] for name, columns in SENT_COLUMNS.items()}}
    size = max(1, -(-len(codes) // max(1, chunks)))
    for first in range(0, len(codes), size):
        chunk_codes = codes[first:first + size]
        frames, bounds = {}, {}
        for name in COUNTY_TABLES:
            taken, spans, start = [], {}, 0
            for code in chunk_codes:
                if code in positions[name]:
                    at = positions[name][code]
                    taken.append(at)
                    spans[code] = (start, start + len(at))
                    start += len(at)
            frames[name] = rows[name].take(np.concatenate(taken)) if taken else empty[name]
            bounds[name] = spans
        yield {"codes": chunk_codes, "frames": frames, "bounds": bounds, "empty": empty,
               "unattributed_issues": unattributed}


def _chunk_county(chunk: Mapping, code: str) -> dict[str, pd.DataFrame]:
    """One county's slices (as county_slices gives them) out of its chunk."""
    county = {}
    for name in COUNTY_TABLES:
        span = chunk["bounds"][name].get(code)
        county[name] = chunk["frames"][name].iloc[span[0]:span[1]] if span else chunk["empty"][name]
    county["unattributed_issues"] = chunk["unattributed_issues"]
    return county


def county_report(county: Mapping[str, pd.DataFrame], county_code: str, year: int, standards: Standards) -> CountyReport:
    """The report of one county from its slices of the tables (see county_slices)."""
    readiness = county["county_readiness"]
    counties = county["county_submissions"]
    summary = county["recommendation_form_summary"]
    shortfalls = county["county_shortfalls"]
    row = readiness.iloc[0] if len(readiness) else pd.Series(dtype=object)
    flags = {dimension: _flag(row, flag) for dimension, flag in DIMENSION_FLAGS.items()}
    vetoed = _flag(row, "vetoed")
    coefficients = county["county_difference_coefficients"]
    sections = [
        conclusion_section(readiness, shortfalls, counties, summary),
        resource_section(flags["resource_allocation"], county["school_resource_verdict"], coefficients,
                         county["school_indicators"], county["school_parts"], standards),
        items_section("government_guarantee", DIMENSIONS["government_guarantee"], "Government guarantee",
                      flags["government_guarantee"], county["county_guarantee"], county["school_guarantee_checks"]),
        items_section("education_quality", DIMENSIONS["education_quality"], "Education quality",
                      flags["education_quality"], county["county_quality"], county["school_guarantee_checks"]),
        social_section(flags["social_recognition"], county["county_social_recognition"]),
        conditions_section(readiness, shortfalls, counties),
        rectification_section(county["school_rectification_list"], county["county_rectification_list"]),
        data_section(county["data_quality_issues"], county.get("unattributed_issues", 0), county["submission_completeness"]),
        timeliness_section(county["submission_timeliness"], year),
        changes_section(county["submission_changes"]),
        trend_section(county["county_trends"], coefficients, year, standards),
    ]
    evaluated = len(readiness) > 0
    for section in sections:
        section.not_judged = evaluated and section.key in flags and flags[section.key] is None
    judged = {**flags, "veto": None if vetoed is None else not vetoed}
    return CountyReport(
        year=year, county_code=county_code,
        county_name=_first(readiness, "county_name") or _first(counties, "county_name") or _first(summary, "county_name")
        or county_code,
        city=_first(counties, "city") or _first(summary, "city") or UNKNOWN_CITY,
        province=_first(counties, "province") or _first(summary, "province") or "",
        standards_version=_first(readiness, "standards_version") or standards.version,
        ready=None if pd.isna(row.get("ready", pd.NA)) else bool(row["ready"]),
        status=_first(readiness, "status") or None,
        verdict_zh=_first(readiness, "verdict_zh"), verdict_en=_first(readiness, "verdict_en"),
        reasons=[(DIMENSIONS[dimension], reasons) for dimension, reasons in dimension_reasons(shortfalls).items()],
        not_judged=campuses_not_judged(shortfalls).get("", []),
        failed_dimensions=[DIMENSIONS[d] for d, passed in judged.items() if passed is False],
        unjudged_dimensions=[DIMENSIONS[d] for d, passed in judged.items() if evaluated and passed is None],
        sections=sections,
    )


def _flag(row: pd.Series, column: str) -> bool | None:
    value = row.get(column, pd.NA)
    return None if pd.isna(value) else bool(value)


def _first(frame: pd.DataFrame, column: str) -> str:
    if column not in frame.columns or frame.empty:
        return ""
    value = frame[column].iloc[0]
    return "" if pd.isna(value) else str(value)


def write_county_files(report: CountyReport, county: Mapping[str, pd.DataFrame], out_dir: Path) -> tuple[Path, Path, Path]:
    """The county's HTML page, its workbook and its rectification workbook, side by side in
    `out_dir`; the page links both workbooks."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = report_file_stem(report.county_code, report.year)
    html_path, xlsx_path = out_dir / f"{stem}.html", out_dir / f"{stem}.xlsx"
    rectification_path = export_rectification_workbook(
        report.county_code, county["school_rectification_list"], county["county_rectification_list"],
        out_dir / f"{stem}_rectification.xlsx", county_name=report.county_name,
    )
    write_workbook(report, xlsx_path)
    html_path.write_text(county_html(report, xlsx_name=xlsx_path.name, rectification_name=rectification_path.name),
                         encoding="utf-8")
    return html_path, xlsx_path, rectification_path


def render_county_report(tables: Mapping[str, pd.DataFrame], county_code: str, year: int, out_dir: Path,
                         standards: Standards | None = None) -> tuple[Path, Path, Path]:
    """Write one county's report for `year` (HTML page, .xlsx workbook, rectification workbook) into `out_dir`."""
    standards = standards or load_standards(standards_name())
    slices = county_slices(tables, year)
    if str(county_code) not in slices:
        raise ValueError(f"county {county_code}: no readiness, completeness or county form rows for {year}")
    report = county_report(slices[str(county_code)], str(county_code), year, standards)
    return write_county_files(report, slices[str(county_code)], out_dir)


def _write_county(code: str, county: Mapping[str, pd.DataFrame], year: int, standards: Standards, out_dir: Path) -> dict:
    """One county's files and its index row."""
    report = county_report(county, code, year, standards)
    html_path, xlsx_path, rectification_path = write_county_files(report, county, out_dir)
    return {"year": year, "county_code": code, "county_name": report.county_name, "city": report.city,
            "province": report.province, "ready": report.ready, "status": report.status,
            "verdict_zh": report.verdict_zh, "verdict_en": report.verdict_en,
            "failed_dimensions": "、".join(report.failed_dimensions),
            "dimensions_not_judged": "、".join(report.unjudged_dimensions),
            "campuses_not_judged": "、".join(report.not_judged),
            "html_path": str(html_path), "xlsx_path": str(xlsx_path),
            "rectification_path": str(rectification_path)}


def _write_chunk(job: tuple[Mapping, int, Standards, Path]) -> list[dict]:
    """The files and index rows of a chunk's counties; a top-level function so a worker process can run
    it. The standards travel once per chunk, not once per county."""
    chunk, year, standards, out_dir = job
    return [_write_county(code, _chunk_county(chunk, code), year, standards, out_dir) for code in chunk["codes"]]


def _write_counties(tables: Mapping[str, pd.DataFrame], year: int, standards: Standards, out_dir: Path) -> list[dict]:
    """The counties' reports, in code order, in report_workers() processes when there are enough
    counties, each taking chunks of them. Spawned, not forked: the caller may be a Dagster run with
    threads of its own."""
    positioned = _county_positions(tables, year)
    workers = report_workers(len(positioned[2]))
    jobs = ((chunk, year, standards, out_dir) for chunk in _county_chunks(positioned, 1 if workers <= 1 else workers * 8))
    if workers <= 1:
        return [row for job in jobs for row in _write_chunk(job)]
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return [row for rows in _in_order(pool, jobs, in_flight=2 * workers) for row in rows]


def _in_order(pool: ProcessPoolExecutor, jobs: Iterator[tuple], in_flight: int) -> Iterator[list[dict]]:
    """`pool.map(_write_chunk, jobs)` without taking every job first: pool.map submits them all at
    once, which held a second copy of all the report's input tables until the last chunk was done;
    here at most `in_flight` chunks exist at a time, the next made when the oldest is done."""
    pending: deque = deque()
    for job in jobs:
        pending.append(pool.submit(_write_chunk, job))
        if len(pending) >= in_flight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def write_year_reports(tables: Mapping[str, pd.DataFrame], year: int, out_dir: Path,
                       standards: Standards | None = None, published_dir: Path | None = None) -> pd.DataFrame:
    """Every county's report for `year` and the overview page (index.html) in `out_dir`; returns
    the index, one row per county. Its paths are under `published_dir` when given: the folder readers
    will find the files in once `out_dir` is published (the overview links by relative path either way)."""
    standards = standards or load_standards(standards_name())
    out_dir = Path(out_dir)
    rows = _write_counties(tables, year, standards, out_dir)
    index = pd.DataFrame(rows, columns=list(INDEX_COLUMNS)).astype(INDEX_COLUMNS)
    render_overview(index, year, out_dir, timetable=_of_year(tables.get("creation_timetable", pd.DataFrame()), year))
    if published_dir is not None:
        for column in REPORT_PATH_COLUMNS:
            index[column] = index[column].map(lambda path: str(Path(published_dir) / Path(path).name)).astype(INDEX_COLUMNS[column])
    return index
