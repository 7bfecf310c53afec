"""One bulk file (CSV or Parquet) → raw string frame with provenance, plus file-level issues.

Values stay raw strings here; `parsing.normalise_form` types them. A file that cannot be
read, or lacks a required column, yields an error issue naming the file and no records —
never an exception that would stop the other files of the year.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from balanced_pipeline.contract.issues import ERROR, PROVENANCE, WARNING, location_en, location_zh
from balanced_pipeline.intake.parsing import SOURCE_HASH, half_width
from balanced_pipeline.contract.forms import SURVEY_RESPONSES, Form
from balanced_pipeline.contract.text import visible
from balanced_pipeline.settings import IntakeLimits

SURVEY_QUESTION = re.compile(r"^q0*(\d+)$")
"""Answer columns of a survey file (q1, Q01, ｑ０１ …), kept as `q01`, `q02`, …"""

BULK_SUFFIXES = (".csv", ".parquet")
_TRAILING_BRACKET = re.compile(r"\([^()]*\)$")
_HEADER_NOISE = re.compile(r"[\s*:]")
_LOOKUPS: dict[str, dict[str, str]] = {}


@dataclass
class RawTable:
    """What one file (or one sheet) yielded: raw records, issues, and how it went."""

    frame: pd.DataFrame
    issues: list[dict]  # issue records (issues.ISSUE_COLUMNS); framed once per year, not per file
    rows_read: int
    status: str  # read | rejected | unreadable
    message: str = ""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def header_key(header: object) -> str:
    """A header as compared: half-width, no spaces, no required-marker '*' or ':', lower case."""
    return _HEADER_NOISE.sub("", half_width(str(header))).lower()


def header_lookup(form: Form) -> dict[str, str]:
    """Every accepted spelling of a header of `form` → field name: the English name, the
    Chinese label with or without its unit, full-width or half-width brackets."""
    if form.name in _LOOKUPS:
        return _LOOKUPS[form.name]
    lookup = _LOOKUPS[form.name] = {}
    for field in form.fields:
        for spelling in (field.name, field.label_zh, field.header_zh):
            key = header_key(spelling)
            lookup[key] = field.name
            lookup[_TRAILING_BRACKET.sub("", key)] = field.name
    return lookup


def field_for_header(form: Form, header: object, keep_questions: bool = False) -> str | None:
    key = header_key(header)
    lookup = header_lookup(form)
    if key in lookup:
        return lookup[key]
    without_unit = _TRAILING_BRACKET.sub("", key)
    if without_unit in lookup:
        return lookup[without_unit]
    question = SURVEY_QUESTION.match(key) if keep_questions else None
    return f"q{int(question[1]):02d}" if question else None


def read_bulk_file(path: Path, relative_name: str, form: Form, sha: str | None = None,
                   limits: IntakeLimits = IntakeLimits()) -> RawTable:
    """A `<form>.csv` / `<form>.parquet` export, every value as a string. A file of more than
    `limits.rows_per_file` records is refused (a Parquet file by its footer, before reading)."""
    try:
        sha = sha or file_sha256(path)
        parquet = path.suffix.lower() == ".parquet"
        rows = pq.read_metadata(path).num_rows if parquet else None
        if rows is not None and rows > limits.rows_per_file:
            return _too_many_rows(relative_name, form.name, limits.rows_per_file)
        table = _read_parquet(path) if parquet else _read_csv(path, limits.rows_per_file + 1)
    except (OSError, ValueError, UnicodeError, pa.ArrowException, pd.errors.ParserError) as error:
        return unreadable(relative_name, form.name, "", str(error))
    if table.columns.empty:
        return unreadable(relative_name, form.name, "", "文件为空 / the file is empty")
    if len(table) > limits.rows_per_file:
        return _too_many_rows(relative_name, form.name, limits.rows_per_file)
    # The header is row 1, so data row i (0-based) is the clerk's row i + 2.
    row_numbers = pd.RangeIndex(2, len(table) + 2)
    return conform_table(table, form, relative_name, "", row_numbers, sha)


def conform_table(table: pd.DataFrame, form: Form, relative_name: str, sheet: str,
                  row_numbers, sha: str, identity: dict[str, str] | None = None) -> RawTable:
    """Columns of `table` (original headers) → field names, blank rows dropped, provenance added.

    `identity` fills blank campus-identity cells (a workbook's class sheet left them empty).
    """
    keep_questions = form.name == SURVEY_RESPONSES.name
    fields = [field_for_header(form, header, keep_questions) for header in table.columns]
    unknown = [visible(str(h)) for h, f in zip(table.columns, fields) if f is None and str(h).strip()]
    duplicated = {f for f in fields if f is not None and fields.count(f) > 1}
    issues = []
    if unknown:
        issues.append(file_issue(relative_name, form.name, sheet, "", "、".join(unknown), "unknown_columns",
                                  WARNING, f"有无法识别的列，已忽略：{'、'.join(unknown)}",
                                  f"unrecognised columns were ignored: {', '.join(unknown)}"))
    for field in sorted(duplicated):
        issues.append(file_issue(relative_name, form.name, sheet, field, "", "duplicate_column", WARNING,
                                  f"字段「{form.field(field).label_zh}」出现在多列，只读取第一列",
                                  f"field {field} appears in several columns; only the first is read"))
    first = {}
    for position, field in enumerate(fields):
        if field is not None and field not in first:
            first[field] = position
    # Built from NumPy columns in one constructor: pandas' per-call overhead (iloc, isna, ==, mask,
    # set-item, reset_index) cost milliseconds per sheet, which thousands of workbooks multiply.
    cells = table.iloc[:, list(first.values())].to_numpy(dtype=object)
    kept = ~_blank_rows(cells)  # a row of blank cells (or of no known column) is no record
    numbers = np.asarray(row_numbers)[kept]
    columns = {name: cells[kept, position] for position, name in enumerate(first)}
    for name, value in (identity or {}).items():
        columns[name] = (np.where(_blank(columns[name]), value, columns[name]) if name in columns
                         else np.full(len(numbers), value, dtype=object))
    frame = pd.DataFrame({name: column[:0] for name, column in columns.items()}, index=pd.Index(numbers[:0]))
    if not first:
        rows = int((~(table.isna() | (table == "")).all(axis=1)).sum()) if len(table.columns) else 0
        expected = "、".join(f.header_zh for f in form.fields if f.required)
        issues.append(file_issue(
            relative_name, form.name, sheet, "", "", "no_known_columns", ERROR,
            f"没有一列表头是本表的字段（必填列：{expected}），本表 {rows} 行数据均未读取；请使用约定的表头后重新提交",
            f"none of the column headers is a field of {form.name} (required: "
            f"{', '.join(f.name for f in form.fields if f.required)}); none of the {rows} data rows were read; "
            "use the agreed headers and submit again"))
        return RawTable(frame.iloc[0:0], issues, rows, "rejected",
                        f"没有可识别的列 / no known column ({rows} rows not read)")
    missing = [f for f in form.fields if f.required and f.name not in columns]
    if missing:
        rows = len(numbers)
        for field in missing:
            issues.append(file_issue(
                relative_name, form.name, sheet, field.name, "", "missing_required_column", ERROR,
                f"缺少必填列「{field.header_zh}」（或 {field.name}），本表 {rows} 行数据均未读取，请补上该列后重新提交",
                f"the required column {field.name} ({field.header_zh}) is missing; none of the "
                f"{rows} data rows were read; add the column and submit again"))
        return RawTable(frame.iloc[0:0], issues, rows, "rejected",
                        f"缺少必填列 / missing required columns: {', '.join(f.name for f in missing)}")
    frame = pd.DataFrame({"row_number": numbers, **columns, "source_file": relative_name, "sheet": sheet,
                          SOURCE_HASH: sha})
    return RawTable(frame, issues, len(frame), "read")


def _blank_rows(cells: np.ndarray) -> np.ndarray:
    """Which rows of `cells` are blank in every column, each column looked at only in the rows still
    blank (the first column usually settles nearly all of a large file's rows)."""
    blank = np.ones(len(cells), dtype=bool)
    for position in range(cells.shape[1]):
        rows = np.flatnonzero(blank)
        if not len(rows):
            break
        blank[rows] = _blank(cells[rows, position])
    return blank


def _blank(cells: np.ndarray) -> np.ndarray:
    """Which cells are missing or the empty string."""
    missing = pd.isna(cells)
    return missing | (np.where(missing, "", cells) == "")


def unreadable(relative_name: str, form_name: str, sheet: str, reason: str) -> RawTable:
    reason = visible(reason)  # a reader's error may quote what it choked on
    issue = file_issue(relative_name, form_name, sheet, "", "", "unreadable_file", ERROR,
                        f"无法读取（文件损坏、格式不对或为空），请重新导出后提交。原因：{reason}",
                        f"cannot be read (corrupt, wrong format or empty); export it again. Reason: {reason}")
    return RawTable(pd.DataFrame(columns=[*PROVENANCE, SOURCE_HASH]), [issue], 0,
                    "unreadable", reason)


def over_limit(relative_name: str, form_name: str, sheet: str, rule: str, problem_zh: str,
               problem_en: str) -> RawTable:
    """A file or sheet refused unread because it holds more than a limit of `IntakeLimits` allows."""
    issue = file_issue(relative_name, form_name, sheet, "", "", rule, ERROR, problem_zh, problem_en)
    return RawTable(pd.DataFrame(columns=[*PROVENANCE, SOURCE_HASH]), [issue], 0, "rejected", problem_en)


def _too_many_rows(relative_name: str, form_name: str, limit: int) -> RawTable:
    return over_limit(relative_name, form_name, "", "too_many_rows",
                      f"记录超过上限 {limit:,} 行，未读取；请按县拆分后重新提交",
                      f"holds more than the limit of {limit:,} records; not read — split it by county and send "
                      "it again")


def file_issue(relative_name: str, form_name: str, sheet: str, field: str, value: str, rule: str,
               severity: str, problem_zh: str, problem_en: str, row_number=None,
               campus: dict[str, str] | None = None) -> dict:
    """One issue about a whole file or sheet (row_number empty) or one located row."""
    where_zh = f"第{row_number}行" if row_number is not None else ""
    where_en = f"row {row_number}" if row_number is not None else ""
    return {
        **(campus or {}),
        "form": form_name, "source_file": relative_name, "sheet": sheet, "row_number": row_number,
        "field": field, "value": value, "rule": rule, "severity": severity,
        "message_zh": f"{location_zh(relative_name, sheet, where_zh)}{problem_zh}",
        "message_en": f"{location_en(relative_name, sheet, where_en)}{problem_en}",
    }


def _read_csv(path: Path, max_rows: int) -> pd.DataFrame:
    data = path.read_bytes()
    if not data.strip():
        return pd.DataFrame()
    if data.startswith(b"PK\x03\x04"):
        raise ValueError("这是一个Excel文件却以 .csv 命名 / this is an Excel file named .csv")
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    separator = "\t" if first_line.count("\t") > first_line.count(",") else ","
    # pandas' C parser ends a value at a NUL (`3124\x008800` → 3124); the Python parser keeps it
    # whole, so parsing can refuse the cell. Only files holding a NUL pay for the slower parser.
    engine = "python" if "\x00" in text else "c"
    return pd.read_csv(io.StringIO(text), sep=separator, dtype=str, keep_default_na=False,
                       skip_blank_lines=False, nrows=max_rows, engine=engine)


def _decode(data: bytes) -> str:
    """UTF-16 when the bytes start with its byte-order mark, UTF-8 (with or without BOM) when they
    are valid UTF-8, else GBK/GB18030; anything else is refused with the reason."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"编码无法识别（第 {error.start} 字节起），请另存为 UTF-8 编码的 CSV / the text encoding is not "
            f"recognised (from byte {error.start}); save the file as CSV UTF-8") from None


def _read_parquet(path: Path) -> pd.DataFrame:
    table = pq.read_table(path)
    return pd.DataFrame({name: _as_strings(table[name]) for name in table.column_names})


def _as_strings(column: pa.ChunkedArray) -> np.ndarray:
    """A column as Python strings (None where null), what `to_pandas` gives, but each distinct value
    made a Python string once: a survey file's answer columns repeat a handful of codes over
    hundreds of thousands of rows."""
    encoded = pc.dictionary_encode(pc.cast(column, pa.string()).combine_chunks())
    distinct = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    codes = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return distinct[codes]
