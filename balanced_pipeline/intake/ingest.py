"""One year folder → typed, provenance-carrying frames per form, every problem as an issue.

The folder holds bulk exports at its top (`<form>.csv` / `<form>.parquet`) and per-campus
workbooks (`*.xlsx`) at any depth; `landing` first sorts it, so a refused file never reaches a
reader, and each reader runs guarded, so a file it trips over is refused and the rest are read.
Raw rows of all files are concatenated per form and typed in one pass (parsing is per distinct
value, so this stays fast at national scale). A campus submitted by more than one source is
taken from the newest; the older source's records stay in the frames with a
`superseded_submission` error, so they are counted as rejected with a reason rather than dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from balanced_pipeline.contract.issues import ERROR, PROVENANCE, WARNING, conform_issues, issues_frame, split_accepted
from balanced_pipeline.intake.parsing import clean_text, normalise_form
from balanced_pipeline.intake.landing import BULK_FORMS, Landed, scan_year_folder
from balanced_pipeline.intake.readers import RawTable, file_issue, read_bulk_file, unreadable
from balanced_pipeline.contract.forms import (CAMPUS_KEY, CLASSES, EXPLANATIONS, ROOMS, SCHOOLS, SURVEY_RESPONSES, Form,
                                             conform_keys)
from balanced_pipeline.intake.workbook_reader import read_workbook_tables
from balanced_pipeline.settings import IntakeLimits

FILE_COLUMNS = ["source_file", "source_sha256", "modified_at", "kind", "forms", "rows_read", "status", "message"]
BULK, WORKBOOK = "bulk", "workbook"
SUPERSEDED = "superseded_submission"
CAMPUS_FORMS = (SCHOOLS, CLASSES, ROOMS)
"""Forms whose records belong to one campus submission (the registry is the county's list)."""
SUPERSEDED_WITH_THE_CAMPUS = (*CAMPUS_FORMS, EXPLANATIONS)
"""Forms whose records a newer submission of the campus replaces: a workbook's explanations go with
its campus (explanations.csv is the county's file and is never replaced by a campus)."""
MAY_BE_EMPTY = {"veto_incidents", "survey_groups", "explanations"}
"""Forms that may rightly have no record in a year; any other form with none gets a warning."""
STANDS_IN_FOR = {"survey_responses": "survey_groups"}
"""A form another one can replace: counties may send survey totals per group instead of answers."""
_STATUS_ORDER = ("read", "rejected", "unreadable")


@dataclass
class StagedSubmissions:
    forms: dict[str, pd.DataFrame]
    issues: pd.DataFrame
    """Issues to read: capped per file, sheet, field and rule (see IntakeLimits.issue_rows_per_rule)."""
    files: pd.DataFrame
    failed: pd.DataFrame
    """The unreadable cells the capped issues only summarise, one row each without a message: with
    `issues`, what rejects or quarantines each record."""


def read_year_folder(year_dir: Path, limits: IntakeLimits = IntakeLimits()) -> StagedSubmissions:
    year_dir = Path(year_dir)
    year = int(year_dir.name)
    raw_parts: dict[str, list[pd.DataFrame]] = {name: [] for name in BULK_FORMS}
    file_issues: list[dict] = []  # framed once at the end: thousands of workbooks, few issues each
    files: list[dict] = []
    landing = scan_year_folder(year_dir, limits)
    file_issues.extend(landing.issues)
    files.extend(landing.files)
    for landed in [*landing.bulk, *landing.workbooks]:
        tables = _read_guarded(landed, year, limits)
        for name, table in tables.items():
            raw_parts[name].append(table.frame)
            file_issues.extend(table.issues)
        if landed.form is None:
            file_issues.extend(_empty_workbook_issue(landed.relative, tables))
        files.append(_file_row(landed, WORKBOOK if landed.form is None else BULK, tables))
    forms, issues, failed = {}, [], []
    for name, form in BULK_FORMS.items():
        typed, parse_issues, parse_failed = _typed(form, raw_parts[name], limits)
        typed.insert(0, "year", year)
        # The graph's boundary: every form leaves ingest with the catalogue's key types, so no step
        # downstream re-casts year or a code before a join.
        forms[name] = conform_keys(typed)
        issues.append(parse_issues)
        failed.append(parse_failed)
    for name, form in BULK_FORMS.items():
        stand_in = STANDS_IN_FOR.get(name)
        if forms[name].empty and name not in MAY_BE_EMPTY and (stand_in is None or forms[stand_in].empty):
            file_issues.append(_form_not_submitted_issue(form))
    issues.insert(0, issues_frame(file_issues))
    files_frame = pd.DataFrame(files, columns=FILE_COLUMNS)
    other_years = {issue["source_file"] for issue in file_issues if issue["rule"] == "year_mismatch"}
    superseded = supersede_older_submissions(forms, files_frame, ignored_files=other_years)
    issues.append(superseded)
    files_frame = _mark_superseded_files(files_frame, forms, superseded)
    all_issues = conform_issues(pd.concat([i for i in issues if not i.empty] or [issues_frame()], ignore_index=True))
    all_failed = conform_issues(pd.concat([f for f in failed if not f.empty] or [issues_frame()], ignore_index=True))
    return StagedSubmissions(forms=forms, issues=all_issues, files=files_frame, failed=all_failed)


def supersede_older_submissions(forms: dict[str, pd.DataFrame], files: pd.DataFrame,
                                ignored_files: set[str] = frozenset()) -> pd.DataFrame:
    """Error issues on every record of a campus that a newer source submitted again.

    A source is one workbook, or the bulk export as a whole (its schools, classes and rooms
    files together). Newest by modification time wins, ties by the later path. Files in
    `ignored_files` (filled for another year) replace nothing.
    """
    kinds = files.set_index("source_file")["kind"]
    times = files.set_index("source_file")["modified_at"]
    claims = pd.concat(
        [forms[form.name][[*CAMPUS_KEY, "source_file"]] for form in CAMPUS_FORMS], ignore_index=True
    ).dropna().drop_duplicates()
    claims = claims[~claims["source_file"].isin(ignored_files)]
    if claims.empty:
        return issues_frame()
    claims["source"] = np.where(claims["source_file"].map(kinds) == BULK, BULK, claims["source_file"])
    claims["modified_at"] = claims["source_file"].map(times)
    by_source = [*CAMPUS_KEY, "source"]
    # The newest file of each source by sorting, not groupby's max: on text columns that max runs
    # in Python once per group (seconds at 20,000 campuses).
    newest_file = (claims.sort_values("source_file").drop_duplicates(by_source, keep="last")
                   [[*by_source, "source_file"]].rename(columns={"source_file": "newest_file"}))
    sources = claims.groupby(by_source, as_index=False).agg(modified_at=("modified_at", "max")).merge(
        newest_file, on=by_source, how="left")
    sources = sources.sort_values([*CAMPUS_KEY, "modified_at", "newest_file"])
    sources["winner"] = sources.groupby(list(CAMPUS_KEY))["newest_file"].transform("last")
    losers = sources[sources.duplicated(list(CAMPUS_KEY), keep="last")][[*CAMPUS_KEY, "source", "winner"]]
    if losers.empty:
        return issues_frame()
    found = []
    for form in SUPERSEDED_WITH_THE_CAMPUS:
        records = forms[form.name]
        if form is EXPLANATIONS:
            records = records[records["source_file"].map(kinds) != BULK]
        records = records.assign(
            source=np.where(records["source_file"].map(kinds) == BULK, BULK, records["source_file"]))
        superseded = records.merge(losers, on=[*CAMPUS_KEY, "source"], how="inner")
        if not superseded.empty:
            found.append(_superseded_issues(form, superseded))
    return conform_issues(pd.concat(found, ignore_index=True)) if found else issues_frame()


def _superseded_issues(form: Form, records: pd.DataFrame) -> pd.DataFrame:
    where_zh, where_en = _locations(records)
    winner = records["winner"].astype("string")
    return pd.DataFrame({
        **{column: records[column] for column in (*CAMPUS_KEY, *PROVENANCE)},
        "form": form.name,
        "field": "",
        "value": "",
        "rule": SUPERSEDED,
        "severity": ERROR,
        "message_zh": where_zh + "本校区已在更新的文件 " + winner + " 中重新提交，本条记录以新文件为准，未采用",
        "message_en": where_en + "this campus was submitted again in the newer file " + winner
        + "; this record was replaced by it and not used",
    })


def _locations(records: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    file = records["source_file"].astype("string")
    sheet = records["sheet"].astype("string").fillna("")
    row = records["row_number"].astype("string").fillna("")
    has_sheet = sheet != ""
    zh = "文件 " + file + has_sheet.map({True: " 工作表 ", False: ""}) + sheet + " 第" + row + "行 "
    en = "File " + file + has_sheet.map({True: ", sheet ", False: ""}) + sheet + ", row " + row + ": "
    return zh, en


def _typed(form: Form, parts: list[pd.DataFrame], limits: IntakeLimits
           ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    parts = [part for part in parts if not part.empty]
    if not parts:
        return tuple(frame.copy() for frame in _no_records(form.name))
    raw = pd.concat(parts, ignore_index=True)
    typed, issues, failed = normalise_form(form, raw, issue_rows_per_rule=limits.issue_rows_per_rule)
    if form.name == SURVEY_RESPONSES.name:
        questions = sorted(column for column in raw.columns if column.startswith("q") and column[1:].isdigit())
        for question in questions:
            typed[question] = clean_text(raw[question]).to_numpy()
    return typed, issues, failed


@cache
def _no_records(form_name: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A form no file sent, typed once: its empty frame costs as much pandas work as a full one,
    and a small folder (a county's first upload, most tests) lacks most forms."""
    return normalise_form(BULK_FORMS[form_name], pd.DataFrame())


def _file_row(landed: Landed, kind: str, tables: dict[str, RawTable]) -> dict:
    statuses = [table.status for table in tables.values()]
    worst = max(statuses, key=_STATUS_ORDER.index) if statuses else "read"
    return {
        "source_file": landed.relative,
        "source_sha256": landed.sha256,
        "modified_at": pd.Timestamp(landed.path.stat().st_mtime, unit="s", tz="UTC"),
        "kind": kind,
        "forms": ",".join(tables),
        "rows_read": sum(table.rows_read for table in tables.values()),
        "status": worst,
        "message": "; ".join(table.message for table in tables.values() if table.message),
    }


def _read_guarded(landed: Landed, year: int, limits: IntakeLimits) -> dict[str, RawTable]:
    """The file's tables per form, or — whatever its reader raised — the file refused as unreadable
    with the error named: one file a reader trips over (a broken sheet XML, a value no parser
    foresaw) never stops the others."""
    form_name = landed.form.name if landed.form is not None else SCHOOLS.name
    try:
        if landed.form is not None:
            return {form_name: read_bulk_file(landed.path, landed.relative, landed.form, landed.sha256, limits)}
        return read_workbook_tables(landed.path, landed.relative, year, landed.sha256, limits)
    except Exception as error:  # noqa: BLE001 — any failure is this file's, reported on it
        return {form_name: unreadable(landed.relative, form_name, "", f"{type(error).__name__}: {error}")}


def _mark_superseded_files(files: pd.DataFrame, forms: dict[str, pd.DataFrame],
                           superseded: pd.DataFrame) -> pd.DataFrame:
    """A file all of whose campus records were replaced by newer submissions is 'superseded'."""
    if superseded.empty:
        return files
    counts = pd.concat([forms[f.name]["source_file"] for f in SUPERSEDED_WITH_THE_CAMPUS]).value_counts()
    replaced = superseded["source_file"].value_counts()
    fully = replaced[replaced >= counts.reindex(replaced.index).fillna(0)].index
    files = files.copy()
    files.loc[files["source_file"].isin(fully), "status"] = "superseded"
    return files


def _empty_workbook_issue(relative: str, tables: dict[str, RawTable]) -> list[dict]:
    if any(table.rows_read for table in tables.values()) or any(t.status != "read" for t in tables.values()):
        return []
    return [file_issue(relative, SCHOOLS.name, SCHOOLS.label_zh, "", "", "empty_workbook", WARNING,
                       "工作簿未填写任何数据", "the workbook holds no data")]


def _form_not_submitted_issue(form: Form) -> dict:
    return {
        "form": form.name, "source_file": "", "sheet": "", "row_number": None, "field": "", "value": "",
        "rule": "form_not_submitted", "severity": WARNING,
        "message_zh": f"本年度没有收到任何「{form.label_zh}」记录（批量文件 {form.name}.csv/.parquet 或学校填报表），"
                      "相关指标将按缺数据处理",
        "message_en": f"No {form.name} record arrived this year (bulk file {form.name}.csv/.parquet or campus "
                      "workbooks); the indicators that need it are judged as missing data.",
    }


STAGED_FORMS = tuple(BULK_FORMS)
"""Every form a year folder can hold, in staging order (the ingest asset has one output per form)."""


def without_superseded(forms: dict[str, pd.DataFrame], issues: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The staged records still in force: a superseded submission is already rejected with its
    reason, and validating it beside its replacement would only report the pair as duplicates."""
    superseded = issues[issues["rule"] == SUPERSEDED]
    return {form: split_accepted(frame, superseded, form)[0] for form, frame in forms.items()}
