"""Data-quality issue rows: one problem, where it is, and what to do, in Chinese and English.

Every staged record carries its provenance (`source_file`, `sheet`, `row_number`); an issue
names the same three, so an `error` issue quarantines exactly the record it points at.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import pandas as pd

PROVENANCE = ["source_file", "sheet", "row_number"]
"""Identifies one submitted record: file (relative to the year folder), sheet ('' for CSV and
Parquet) and 1-based row number as the clerk sees it in the file (the header is row 1)."""

ISSUE_COLUMNS = [
    "county_code",
    "school_code",
    "campus_code",
    "form",
    *PROVENANCE,
    "field",
    "value",
    "rule",
    "severity",
    "message_zh",
    "message_en",
]
ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)


def location_zh(source_file: str, sheet: str, where: str) -> str:
    """'文件 a.xlsx 工作表 学校基本情况 第5行 ' — `where` is '第5行' or '单元格B27' or ''."""
    sheet_part = f"工作表 {sheet} " if sheet else ""
    return f"文件 {source_file} {sheet_part}{where + ' ' if where else ''}"


def location_en(source_file: str, sheet: str, where: str) -> str:
    sheet_part = f", sheet {sheet}" if sheet else ""
    return f"File {source_file}{sheet_part}{', ' + where if where else ''}: "


def issues_frame(records: Iterable[Mapping] = ()) -> pd.DataFrame:
    """Issue rows with the standard columns, in the standard order and types."""
    frame = pd.DataFrame(list(records), columns=ISSUE_COLUMNS)
    return conform_issues(frame)


def conform_issues(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reindex(columns=ISSUE_COLUMNS)
    text_columns = [c for c in ISSUE_COLUMNS if c != "row_number"]
    frame[text_columns] = frame[text_columns].astype("string").fillna("")
    frame["row_number"] = pd.to_numeric(frame["row_number"], errors="coerce").astype("Int64")
    unknown = set(frame["severity"]) - set(SEVERITIES)
    if unknown:
        raise ValueError(f"unknown issue severity {sorted(unknown)}; use one of {SEVERITIES}")
    return frame.reset_index(drop=True)


def issues_for_rows(
    rows: pd.DataFrame,
    *,
    form: str,
    field: str,
    rule: str,
    severity: str,
    message_zh: str,
    message_en: str,
    value_column: str | None = None,
) -> pd.DataFrame:
    """One issue per row of `rows` (staged records carrying provenance and campus identity).

    `message_zh` / `message_en` may contain `{value}`, replaced by the row's value of
    `value_column` (default: `field`), so the clerk sees what was submitted; each message starts
    with where the record is (file, sheet, row), so it can be read on its own.
    """
    value_column = value_column or field
    values = (
        rows[value_column].astype("string").fillna("（空）")
        if value_column in rows.columns
        else pd.Series("", index=rows.index, dtype="string")
    )
    files, sheets = (rows[c].fillna("") if c in rows.columns else [""] * len(rows) for c in ("source_file", "sheet"))
    row_numbers = rows["row_number"] if "row_number" in rows.columns else [pd.NA] * len(rows)
    frame = pd.DataFrame(
        {
            "county_code": _column_or_blank(rows, "county_code"),
            "school_code": _column_or_blank(rows, "school_code"),
            "campus_code": _column_or_blank(rows, "campus_code"),
            "form": form,
            "source_file": _column_or_blank(rows, "source_file"),
            "sheet": _column_or_blank(rows, "sheet"),
            "row_number": rows["row_number"] if "row_number" in rows.columns else pd.NA,
            "field": field,
            "value": values,
            "rule": rule,
            "severity": severity,
            "message_zh": [
                location_zh(file, sheet, f"第{row}行" if pd.notna(row) else "") + message_zh.replace("{value}", v)
                for file, sheet, row, v in zip(files, sheets, row_numbers, values)
            ],
            "message_en": [
                location_en(file, sheet, f"row {row}" if pd.notna(row) else "") + message_en.replace("{value}", v)
                for file, sheet, row, v in zip(files, sheets, row_numbers, values)
            ],
        },
        index=rows.index,
    )
    return conform_issues(frame)


def rejected_records(issues: pd.DataFrame, form: str) -> pd.DataFrame:
    """Provenance of the records of `form` that an error issue quarantines."""
    blocking = issues[(issues["severity"] == ERROR) & (issues["form"] == form) & issues["row_number"].notna()]
    return blocking[PROVENANCE].drop_duplicates().reset_index(drop=True)


def split_accepted(staged: pd.DataFrame, issues: pd.DataFrame, form: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accepted, rejected) records of a staged form, by the error issues that point at them."""
    rejected_keys = rejected_records(issues, form)
    if rejected_keys.empty:
        return staged, staged.iloc[0:0]
    is_rejected = pd.MultiIndex.from_frame(staged[PROVENANCE].astype({"row_number": "Int64"})).isin(
        pd.MultiIndex.from_frame(rejected_keys)
    )
    return staged[~is_rejected], staged[is_rejected]


def _column_or_blank(rows: pd.DataFrame, column: str):
    return rows[column] if column in rows.columns else ""
