"""Data-quality issue rows: one problem, where it is, and what to do, in Chinese and English.

Every staged record carries its provenance (`source_file`, `sheet`, `row_number`); an issue
names the same three, so an `error` issue quarantines exactly what it points at: on a campus,
class, room or county form, the one value of its field (the record stays, that value becomes
unknown); on a field that says who the record is or which rules apply to it, on no field, or on
any other form, the whole record.
"""

from __future__ import annotations

from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import FORMS

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
    "status",
    "explanation",
    "explained_by",
]
ERROR = "error"
WARNING = "warning"
SEVERITIES = (ERROR, WARNING)
OPEN, EXPLAINED, FIXED = "open", "explained", "fixed"
STATUSES = (OPEN, EXPLAINED, FIXED)
"""Fix or explain: an issue is open until fixed (it no longer occurs; carried from the year's
previous published run) or, a warning only, explained by the county (explanations.csv)."""

RECORD_FIELDS = {
    "schools": ("county_code", "school_code", "campus_code", "school_name", "school_type", "location_type",
                "ownership"),
    "classes": ("county_code", "school_code", "campus_code", "class_name"),
    "rooms": ("county_code", "school_code", "campus_code"),
    "counties": ("county_code", "county_name", "city", "province"),
}
"""Forms whose errors quarantine a value rather than the record, each with the fields whose error
still rejects the record: who the campus or county is (codes, names) and which rules apply to it
(a campus's type decides its stages; location and ownership the scope of G6, G13 and the national
form), without which no list of its judged values could be stated. A class is also identified by
its name (a duplicate class is a record question, not a value); its stage, grade and students, a
room's type and area, and every figure of the county form are values: an error on one makes
unknown only the items that declare it as an input (standards file). The other forms' records
(quality monitoring, vetoes, survey) are quarantined whole."""
QUARANTINE_COLUMNS = ["field", "rule", "message_zh", "message_en"]


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
    frame["status"] = frame["status"].mask(frame["status"] == "", OPEN)  # every issue is open until fixed or explained
    unknown = set(frame["severity"]) - set(SEVERITIES)
    if unknown:
        raise ValueError(f"unknown issue severity {sorted(unknown)}; use one of {SEVERITIES}")
    unknown = set(frame["status"]) - set(STATUSES)
    if unknown:
        raise ValueError(f"unknown issue status {sorted(unknown)}; use one of {STATUSES}")
    return frame.reset_index(drop=True)


def current_issues(issues: pd.DataFrame) -> pd.DataFrame:
    """The issues that still occur: every row but those carried as `fixed` from an earlier run, which
    are history and never count as a problem (completeness, deadline, report, certification)."""
    if "status" not in issues.columns:
        return issues
    return issues[issues["status"].astype("string").fillna(OPEN) != FIXED]


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


def _record_errors(issues: pd.DataFrame, form: str) -> pd.DataFrame:
    return issues[(issues["severity"] == ERROR) & (issues["form"] == form) & issues["row_number"].notna()]


def error_blocks_record(form: str, field: str) -> bool:
    """Whether an error on `field` of `form` rejects its record, rather than quarantining the value."""
    return form not in RECORD_FIELDS or field in RECORD_FIELDS[form] or field not in FORMS[form].field_names


def _blocks_record(errors: pd.DataFrame, form: str) -> pd.Series:
    """Whether each error rejects its whole record (see RECORD_FIELDS); an error on something that
    is not a field of the form (a whole-record rule) always does."""
    if form not in RECORD_FIELDS:
        return pd.Series(True, index=errors.index)
    quarantinable = set(FORMS[form].field_names) - set(RECORD_FIELDS[form])
    return ~errors["field"].isin(quarantinable)


def rejected_records(issues: pd.DataFrame, form: str) -> pd.DataFrame:
    """Provenance of the records of `form` that an error issue rejects whole."""
    errors = _record_errors(issues, form)
    blocking = errors[_blocks_record(errors, form)]
    return blocking[PROVENANCE].drop_duplicates().reset_index(drop=True)


def provenance_index(records: pd.DataFrame) -> pd.MultiIndex:
    """(source_file, sheet, row_number) of each record in one type, wherever the records were read from."""
    keys = records[PROVENANCE].astype({"source_file": "string", "sheet": "string", "row_number": "Int64"})
    return pd.MultiIndex.from_frame(keys.fillna({"source_file": "", "sheet": ""}))


def _maybe_at(records: pd.DataFrame, row_numbers) -> np.ndarray:
    """Records whose row number is one of `row_numbers` (any record some provenance points at is
    among them): few records have an error, and indexing every record of a large form by its full
    provenance costs seconds, so only these are."""
    wanted = pd.Series(row_numbers).astype("Int64").dropna()  # typed as provenance_index types them
    return records["row_number"].astype("Int64").isin(wanted).to_numpy(dtype=bool, na_value=False)


def _at(records: pd.DataFrame, keys: pd.MultiIndex) -> np.ndarray:
    """Which records have one of the provenances `keys` (file, sheet, row number)."""
    candidates = _maybe_at(records, keys.get_level_values(PROVENANCE.index("row_number")))
    found = np.zeros(len(records), dtype=bool)
    if candidates.any():
        found[candidates] = provenance_index(records[candidates]).isin(keys)
    return found


def quarantined_values(records: pd.DataFrame, issues: pd.DataFrame, form: str,
                       keep: tuple[str, ...] = ()) -> pd.DataFrame:
    """One row per value of `records` an error quarantines without rejecting its record: the
    record's `keep` columns, the field, the rule and the issue's messages."""
    errors = _record_errors(issues, form)
    errors = errors[~_blocks_record(errors, form)].drop_duplicates([*PROVENANCE, "field", "rule"])
    columns = [*keep, *QUARANTINE_COLUMNS]
    if errors.empty or records.empty:
        return pd.DataFrame({c: pd.Series(dtype=records[c].dtype if c in records else "string") for c in columns})
    candidates = _maybe_at(records, errors["row_number"])
    located = pd.DataFrame({"_position": np.flatnonzero(candidates)}, index=provenance_index(records[candidates]))
    positions = located.reindex(provenance_index(errors))["_position"].to_numpy()
    found = ~pd.isna(positions)
    matched = records.iloc[positions[found].astype(int)][list(keep)].reset_index(drop=True)
    details = errors.loc[found, QUARANTINE_COLUMNS].reset_index(drop=True)
    return pd.concat([matched, details], axis=1)[columns]


def without_quarantined_values(records: pd.DataFrame, issues: pd.DataFrame, form: str) -> pd.DataFrame:
    """`records` with every quarantined value set to missing: a value an error points at never
    reaches a computation (it stays, as submitted, in the issue row)."""
    quarantined = quarantined_values(records, issues, form, keep=tuple(PROVENANCE))
    if quarantined.empty:
        return records
    records = records.copy()
    for field, rows in quarantined.groupby("field"):
        records.loc[_at(records, provenance_index(rows)), field] = pd.NA
    return records


def split_accepted(staged: pd.DataFrame, issues: pd.DataFrame, form: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(accepted, rejected) records of a staged form, by the error issues that point at them;
    an accepted record's quarantined values are missing."""
    rejected_keys = rejected_records(issues, form)
    if rejected_keys.empty:
        return without_quarantined_values(staged, issues, form), staged.iloc[0:0]
    is_rejected = _at(staged, pd.MultiIndex.from_frame(rejected_keys))
    return without_quarantined_values(staged[~is_rejected], issues, form), staged[is_rejected]


def _column_or_blank(rows: pd.DataFrame, column: str):
    return rows[column] if column in rows.columns else ""


def failed_rows(rows: pd.DataFrame, *, form: str, field: str, rule: str, severity: str, **_messages) -> pd.DataFrame:
    """Failing records of one rule as issue rows without value or messages: what rejects records and
    quarantines values (`split_accepted`) when the issue table lists only the first rows of a problem.
    `rule` is one rule or one per row."""
    blank = pd.Series("", index=rows.index, dtype="string")
    return pd.DataFrame({
        **{c: (rows[c].astype("string") if c in rows.columns else blank)
           for c in ("county_code", "school_code", "campus_code", "source_file", "sheet")},
        "row_number": rows["row_number"] if "row_number" in rows.columns else pd.NA,
        "form": form, "field": field, "value": blank, "rule": rule, "severity": severity,
        "message_zh": blank, "message_en": blank,
    }, index=rows.index).reindex(columns=ISSUE_COLUMNS)  # status and explanation: set by conform_issues / explanations
