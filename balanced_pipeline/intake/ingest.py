"""One year folder → typed, provenance-carrying frames per form, every problem as an issue.

The folder holds bulk exports at its top (`<form>.csv` / `<form>.parquet`) and per-campus
workbooks (`*.xlsx`) at any depth. Raw rows of all files are concatenated per form and
typed in one pass (parsing is per distinct value, so this stays fast at national scale).
A campus submitted by more than one source is taken from the newest; the older source's
records stay in the frames with a `superseded_submission` error, so they are counted as
rejected with a reason rather than dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from balanced_pipeline.contract.issues import ERROR, PROVENANCE, WARNING, conform_issues, issues_frame, split_accepted
from balanced_pipeline.intake.parsing import clean_text, normalise_form
from balanced_pipeline.intake.readers import BULK_SUFFIXES, RawTable, file_issue, read_bulk_file
from balanced_pipeline.contract.forms import CAMPUS_KEY, CLASSES, FORMS, ROOMS, SCHOOLS, SURVEY_RESPONSES, Form
from balanced_pipeline.intake.workbook_reader import read_workbook_tables

FILE_COLUMNS = ["source_file", "source_sha256", "modified_at", "kind", "forms", "rows_read", "status", "message"]
BULK, WORKBOOK = "bulk", "workbook"
SUPERSEDED = "superseded_submission"
CAMPUS_FORMS = (SCHOOLS, CLASSES, ROOMS)
"""Forms whose records belong to one campus submission (the registry is the county's list)."""
BULK_FORMS = {**FORMS, SURVEY_RESPONSES.name: SURVEY_RESPONSES}
MAY_BE_EMPTY = {"veto_incidents", "survey_groups"}
"""Forms that may rightly have no record in a year; any other form with none gets a warning."""
STANDS_IN_FOR = {"survey_responses": "survey_groups"}
"""A form another one can replace: counties may send survey totals per group instead of answers."""
_STATUS_ORDER = ("read", "rejected", "unreadable")


@dataclass
class StagedSubmissions:
    forms: dict[str, pd.DataFrame]
    issues: pd.DataFrame
    files: pd.DataFrame


def read_year_folder(year_dir: Path) -> StagedSubmissions:
    year_dir = Path(year_dir)
    year = int(year_dir.name)
    raw_parts: dict[str, list[pd.DataFrame]] = {name: [] for name in BULK_FORMS}
    file_issues: list[dict] = []  # framed once at the end: thousands of workbooks, few issues each
    files: list[dict] = []
    for refuse in (_refuse_links_outside, _refuse_other_files):
        refused_issues, refused_rows = refuse(year_dir)
        file_issues.extend(refused_issues)
        files.extend(refused_rows)
    bulk_files, bulk_issues, skipped = _choose_bulk_files(year_dir)
    file_issues.extend(bulk_issues)
    files.extend(skipped)
    for form, path in bulk_files:
        table = read_bulk_file(path, _relative(path, year_dir), form)
        raw_parts[form.name].append(table.frame)
        file_issues.extend(table.issues)
        files.append(_file_row(path, year_dir, BULK, {form.name: table}))
    for path in _workbooks(year_dir):
        relative = _relative(path, year_dir)
        if path.suffix.lower() == ".xls":
            file_issues.append(_old_excel_issue(relative))
            files.append(_file_row(path, year_dir, WORKBOOK, {}, status="unreadable", message="old .xls format"))
            continue
        tables = read_workbook_tables(path, relative, expected_year=year)
        for name, table in tables.items():
            raw_parts[name].append(table.frame)
            file_issues.extend(table.issues)
        file_issues.extend(_empty_workbook_issue(relative, tables))
        files.append(_file_row(path, year_dir, WORKBOOK, tables))
    forms, issues = {}, []
    for name, form in BULK_FORMS.items():
        typed, parse_issues = _typed(form, raw_parts[name])
        typed.insert(0, "year", np.int64(year))
        forms[name] = typed
        issues.append(parse_issues)
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
    return StagedSubmissions(forms=forms, issues=all_issues, files=files_frame)


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
    sources = claims.groupby([*CAMPUS_KEY, "source"], as_index=False).agg(
        modified_at=("modified_at", "max"), newest_file=("source_file", "max"))
    sources = sources.sort_values([*CAMPUS_KEY, "modified_at", "newest_file"])
    sources["winner"] = sources.groupby(list(CAMPUS_KEY))["newest_file"].transform("last")
    losers = sources[sources.duplicated(list(CAMPUS_KEY), keep="last")][[*CAMPUS_KEY, "source", "winner"]]
    if losers.empty:
        return issues_frame()
    found = []
    for form in CAMPUS_FORMS:
        records = forms[form.name]
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


def _typed(form: Form, parts: list[pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = [part for part in parts if not part.empty]
    raw = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    typed, issues = normalise_form(form, raw)
    if form.name == SURVEY_RESPONSES.name:
        questions = sorted(column for column in raw.columns if column.startswith("q") and column[1:].isdigit())
        for question in questions:
            typed[question] = clean_text(raw[question]).to_numpy()
    return typed, issues


def _choose_bulk_files(year_dir: Path) -> tuple[list[tuple[Form, Path]], list[dict], list[dict]]:
    """The bulk file to read per form stem; the older of a CSV/Parquet pair is reported and
    skipped, an unknown top-level CSV/Parquet gets a warning."""
    by_stem: dict[str, list[Path]] = {}
    issues, skipped = [], []
    for path in sorted(p for p in year_dir.iterdir()
                       if p.is_file() and p.suffix.lower() in BULK_SUFFIXES and not _link_outside(p, year_dir)):
        stem = path.stem.lower()
        if stem in BULK_FORMS:
            by_stem.setdefault(stem, []).append(path)
            continue
        known = "、".join(BULK_FORMS)
        issues.append(file_issue(path.name, "", "", "", "", "unknown_file", WARNING,
                                 f"文件名不是约定的表名（{known}），未读取",
                                 f"the file name is not one of the agreed forms ({', '.join(BULK_FORMS)}); not read"))
        skipped.append(_file_row(path, year_dir, BULK, {}, status="rejected", message="unknown file name"))
    chosen = []
    for stem, paths in by_stem.items():
        ordered = sorted(paths, key=lambda p: (p.stat().st_mtime, p.name))
        newest = ordered[-1]
        chosen.append((BULK_FORMS[stem], newest))
        for older in ordered[:-1]:
            issues.append(file_issue(
                older.name, stem, "", "", "", "superseded_file", ERROR,
                f"同一张表还有更新的文件 {newest.name}，已采用新文件，本文件未读取；请只保留一个",
                f"the same form also came as the newer file {newest.name}, which was read instead; "
                "keep only one"))
            skipped.append(_file_row(older, year_dir, BULK, {}, status="superseded",
                                     message=f"superseded by {newest.name}"))
    return chosen, issues, skipped


def _workbooks(year_dir: Path) -> list[Path]:
    """Excel files at any depth, without Excel's own lock files (~$name.xlsx)."""
    return sorted(
        path for path in year_dir.rglob("*")
        if path.suffix.lower() in (".xlsx", ".xls") and not path.name.startswith(("~$", "."))
        and path.is_file() and not _link_outside(path, year_dir)
    )


def _link_outside(path: Path, year_dir: Path) -> bool:
    """A symbolic link that leads out of the year folder, or nowhere: never followed."""
    if not path.is_symlink():
        return False
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):  # dangling, or a loop of links
        return True
    return not target.is_relative_to(year_dir.resolve())


def _refuse_links_outside(year_dir: Path) -> tuple[list[dict], list[dict]]:
    """An issue and a refused file row for every link out of the folder, so nothing is read from
    outside it (a link to a system file once put its first line into data_quality_issues) and nothing
    in the folder goes unaccounted for."""
    issues, rows = [], []
    for path in sorted(p for p in year_dir.rglob("*") if _link_outside(p, year_dir)):
        relative = _relative(path, year_dir)
        issues.append(file_issue(
            relative, "", "", "", "", "link_outside_folder", ERROR,
            "是指向报送文件夹以外（或不存在）的链接，未读取；请把文件本身放入文件夹",
            "is a link to a place outside the submissions folder (or to nothing); not read — put the file "
            "itself into the folder"))
        rows.append({"source_file": relative, "source_sha256": "",
                     "modified_at": pd.Timestamp(path.lstat().st_mtime, unit="s", tz="UTC"), "kind": "link",
                     "forms": "", "rows_read": 0, "status": "rejected", "message": "link outside the folder"})
    return issues, rows


def _relative(path: Path, year_dir: Path) -> str:
    return path.relative_to(year_dir).as_posix()


def _file_row(path: Path, year_dir: Path, kind: str, tables: dict[str, RawTable], status: str | None = None,
              message: str = "") -> dict:
    statuses = [table.status for table in tables.values()]
    worst = max(statuses, key=_STATUS_ORDER.index) if statuses else "read"
    messages = [table.message for table in tables.values() if table.message]
    sha = next((t.frame["source_sha256"].iloc[0] for t in tables.values()
                if not t.frame.empty and "source_sha256" in t.frame.columns), "")
    return {
        "source_file": _relative(path, year_dir),
        "source_sha256": sha,
        "modified_at": pd.Timestamp(path.stat().st_mtime, unit="s", tz="UTC"),
        "kind": kind,
        "forms": ",".join(tables),
        "rows_read": sum(table.rows_read for table in tables.values()),
        "status": status or worst,
        "message": message or "; ".join(messages),
    }


def _mark_superseded_files(files: pd.DataFrame, forms: dict[str, pd.DataFrame],
                           superseded: pd.DataFrame) -> pd.DataFrame:
    """A file all of whose campus records were replaced by newer submissions is 'superseded'."""
    if superseded.empty:
        return files
    counts = pd.concat([forms[f.name]["source_file"] for f in CAMPUS_FORMS]).value_counts()
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


def _refuse_other_files(year_dir: Path) -> tuple[list[dict], list[dict]]:
    """A file the pipeline does not read (an .xlsm, .ods, .txt, a hidden file, a CSV in a subfolder)
    is refused with what to send instead, so no file in the folder goes unaccounted for."""
    issues, rows = [], []
    for path in sorted(year_dir.rglob("*")):
        if not path.is_file() or _link_outside(path, year_dir) or path.name.startswith("~$"):
            continue
        suffix = path.suffix.lower()
        read_elsewhere = suffix in (".xlsx", ".xls") and not path.name.startswith(".")  # see _workbooks
        if read_elsewhere or (suffix in BULK_SUFFIXES and path.parent == year_dir):
            continue
        relative = _relative(path, year_dir)
        issues.append(file_issue(
            relative, "", "", "", "", "unsupported_format", ERROR,
            "不是可读取的报送格式，未读取；学校请用下发的 .xlsx 模板填报，批量数据请放在年度文件夹根目录的"
            " .csv 或 .parquet 中",
            "is not a format the pipeline reads; not read — schools send the .xlsx template, bulk exports are"
            " .csv or .parquet at the top of the year folder"))
        rows.append(_file_row(path, year_dir, "other", {}, status="rejected", message="unsupported format"))
    return issues, rows


def _old_excel_issue(relative: str) -> dict:
    return file_issue(relative, "", "", "", "", "unsupported_format", ERROR,
                      "是旧版 .xls 格式，无法读取；请用下发的模板另存为 .xlsx 后提交",
                      "is in the old .xls format and cannot be read; save it as .xlsx from the template")

STAGED_FORMS = tuple(BULK_FORMS)
"""Every form a year folder can hold, in staging order (the ingest asset has one output per form)."""


def without_superseded(forms: dict[str, pd.DataFrame], issues: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The staged records still in force: a superseded submission is already rejected with its
    reason, and validating it beside its replacement would only report the pair as duplicates."""
    superseded = issues[issues["rule"] == SUPERSEDED]
    return {form: split_accepted(frame, superseded, form)[0] for form, frame in forms.items()}
