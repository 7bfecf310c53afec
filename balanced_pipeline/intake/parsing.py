"""Cell normalisation: what clerks type into forms → typed values, or a problem code.

Each column is parsed once per distinct raw value and mapped back, because real columns
repeat a lot (county codes, stages, yes/no) and a 4-million-row class list has few
distinct cells per column. Nothing unclear is guessed: an ambiguous cell becomes missing
plus an issue naming file, sheet, row and field; a missing cell stays missing (never 0).
"""

from __future__ import annotations

import math
import re
from datetime import date
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from balanced_pipeline.contract.issues import (ERROR, PROVENANCE, WARNING, conform_issues, error_blocks_record, failed_rows,
                                               issues_frame, location_en, location_zh)
from balanced_pipeline.contract.forms import Field, Form, Kind
from balanced_pipeline.contract.text import CONTROL_CHARACTERS, visible
from balanced_pipeline.settings import IntakeLimits

SOURCE_HASH = "source_sha256"
CELL_PREFIX = "cell:"
"""A raw column `cell:<field>` (optional) names the spreadsheet cell a field came from, e.g.
`B27` on the vertical school sheet; messages then point at that cell instead of the row."""

_WIDTH_AND_SPACE = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_WIDTH_AND_SPACE.update({0x3000: 0x20, 0x00A0: 0x20, 0x2007: 0x20, 0x2009: 0x20, 0x202F: 0x20,
                         0x200B: None, 0xFEFF: None})
MISSING_TOKENS = frozenset({"", "nan", "none", "null", "n/a", "#n/a", "-", "--", "—", "/", "\\"})
"""Cells that mean 'nothing entered' (clerks write / or — for 'not applicable')."""

TRUE_TOKENS = frozenset({"是", "有", "对", "y", "yes", "t", "true", "1", "1.0", "√", "✓", "✔"})
FALSE_TOKENS = frozenset({"否", "无", "没有", "不是", "n", "no", "f", "false", "0", "0.0", "×", "✗", "✘"})

CHOICE_SYNONYMS = {
    "nine_year": ("九年一贯制", "九年制", "九年一贯制学校", "九年制学校"),
    "twelve_year": ("十二年一贯制", "十二年制", "十二年一贯制学校"),
    "complete_secondary": ("完中", "完全中学"),
    "junior": ("初级中学", "初中", "初中学校"),
    "primary": ("小学", "小学校"),
    "senior": ("高中", "高级中学"),
    "teaching_point": ("教学点", "小学教学点"),
    "special_education": ("特殊教育", "特教学校", "特殊教育学校"),
    "urban": ("城区", "城市"),
    "town": ("镇区", "镇"),
    "rural": ("乡村", "农村"),
    "public": ("公办", "公立"),
    "private": ("民办", "私立"),
    "music": ("音乐", "音乐教室", "音乐室"),
    "art": ("美术", "美术教室", "美术室"),
}
"""Obvious other spellings, by English code; used only where the field offers that code."""

AMBIGUOUS_CHOICES = {"城镇": ("urban", "town"), "一贯制": ("nine_year", "twelve_year")}

GRADE_WORDS = {
    **{f"{word}年级": number for number, word in enumerate("一二三四五六七八九", start=1)},
    "初一": 7, "初二": 8, "初三": 9, "高一": 10, "高二": 11, "高三": 12,
}

_SQUARE_METRES = {"㎡": 1.0, "m2": 1.0, "m²": 1.0, "平方米": 1.0, "平米": 1.0, "平方": 1.0}
_FIELD_UNITS = {
    "㎡": _SQUARE_METRES,
    "元": {"元": 1.0},
    "人": {"人": 1.0, "名": 1.0},
    "间": {"间": 1.0, "个": 1.0, "室": 1.0},
}
_PERCENT = {"%": 0.01}
_KNOWN_UNITS = frozenset(
    {"年", "年级", *_PERCENT, *(unit for units in _FIELD_UNITS.values() for unit in units)}
)
_MULTIPLIERS = {"": 1.0, "万": 1e4, "亿": 1e8}
_NUMBER = re.compile(
    r"^(?P<number>[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[-+]?\.\d+)"
    r"(?P<exponent>e[-+]?\d+)?(?P<multiplier>[万亿]?)(?P<unit>.*)$"
)
_SPACE_BETWEEN_DIGITS = re.compile(r"(?<=\d)\s+(?=\d)")
_SPACE = re.compile(r"\s+")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ t]00:00(?::00)?)?$")
_CODE_FLOAT = re.compile(r"^(\d+)\.0*$")
_CODE_SCIENTIFIC = re.compile(r"^\d+(?:\.\d+)?e\+?\d+$")
_EXACT_FLOAT_LIMIT = 2.0**53

PROBLEMS = {
    "unparsable_number": ("无法识别为数字，请填写纯数字", "is not a number; enter digits only"),
    "unit_mismatch": ("带有与本字段单位「{unit}」不符的单位，请按「{unit}」填写纯数字",
                      "carries a unit other than this field's ({unit}); enter a plain number in {unit}"),
    "fractional_count": ("不是整数，本字段须填写整数", "is not a whole number; this field takes whole numbers"),
    "unparsable_boolean": ("无法识别为是/否，请填写「是」或「否」", "is not yes/no; enter 是 or 否"),
    "unknown_choice": ("不是可选项，请从下拉列表选择：{choices}", "is not one of the options: {choices}"),
    "ambiguous_choice": ("含义不明确，请从下拉列表选择：{choices}", "is ambiguous; choose one of: {choices}"),
    "invalid_code": ("不是纯数字代码，请只填写数字", "is not a numeric code; enter digits only"),
    "code_in_scientific_notation": (
        "被Excel存成了科学计数法，位数已丢失；请把单元格设为文本格式后重新填写完整代码",
        "was stored by Excel in scientific notation and has lost digits; "
        "format the cell as text and enter the full code"),
    "unparsable_date": ("无法识别为日期，请按 2026-03-05 的格式填写", "is not a date; write it as 2026-03-05"),
    "control_character": ("含有不可见的控制字符（如 NUL），已拒收，请删除后重新填写",
                          "contains an invisible control character (such as NUL); delete it and enter the value again"),
}


def half_width(text: str) -> str:
    """Full-width ASCII (ＡＢＣ１２３，) and odd spaces (NBSP, ideographic) → plain ASCII."""
    return text.translate(_WIDTH_AND_SPACE)


def clean_text_value(raw: object) -> str | None:
    """One cell as text: half-width, single-spaced, stripped; None when nothing was entered."""
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return None
    text = _SPACE.sub(" ", half_width(str(raw))).strip()
    return None if text.lower() in MISSING_TOKENS else text


def clean_text(raw: pd.Series) -> pd.Series:
    """A column as text (see `clean_text_value`), as pandas `string` with <NA> for missing."""
    values, _ = _map_unique(raw, lambda uniques: ([clean_text_value(v) for v in uniques], None))
    return pd.Series(values, index=raw.index, dtype="string")


def parse_field(field: Field, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(typed values, problem codes) of one column; the problem is '' where the cell is fine."""
    values, problems = _map_unique(raw, lambda uniques: _parse_uniques(field, uniques))
    return pd.Series(values, index=raw.index).astype(field.pandas_dtype), pd.Series(
        problems, index=raw.index, dtype="string"
    )


def normalise_form(form: Form, raw: pd.DataFrame, issue_rows_per_rule: int = IntakeLimits().issue_rows_per_rule
                   ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Typed frame (every field of `form` in schema order, then provenance), its issues and its failures.

    A cell that cannot be read becomes missing and yields one issue; the record keeps its
    other values (an error issue quarantines it downstream, a warning does not). Past
    `issue_rows_per_rule` problems of one rule in one field of one sheet, the rest are one summary
    issue ("and 199,900 more rows with the same problem"), so 200,000 garbage rows cannot make
    millions of issue rows. The failures are the cells a summary stands for, one row each without a
    message (`failed_rows`): with them a summarised error rejects or quarantines its records exactly as
    a listed one does.
    """
    typed = pd.DataFrame(index=raw.index)
    problems = {}
    for field in form.fields:
        column = raw[field.name] if field.name in raw.columns else pd.Series(pd.NA, index=raw.index, dtype="object")
        typed[field.name], problems[field.name] = parse_field(field, column)
    for column in [*PROVENANCE, SOURCE_HASH]:
        typed[column] = raw[column] if column in raw.columns else pd.NA
    typed = typed.astype({"source_file": "string", "sheet": "string", SOURCE_HASH: "string",
                          "row_number": "Int64"})
    issues, failed = [], []
    for name, found in problems.items():
        if (found != "").any():
            field = form.field(name)
            located, summary, summarised = _problem_issues(form, field, typed, raw, found, issue_rows_per_rule)
            issues.extend([located, summary])
            failed.append(failed_rows(typed[summarised], form=form.name, field=name, rule=found[summarised],
                                      severity=severity_of(field)))
    if not issues:
        return typed, issues_frame(), issues_frame()
    return typed, conform_issues(pd.concat(issues, ignore_index=True)), conform_issues(pd.concat(failed, ignore_index=True))


def severity_of(field: Field) -> str:
    """A wrong number, code or required value must not flow; an unclear optional flag or
    choice only becomes missing (a warning)."""
    blocking = field.required or field.kind in (Kind.INTEGER, Kind.NUMBER, Kind.CODE)
    return ERROR if blocking else WARNING


def _problem_issues(form: Form, field: Field, typed: pd.DataFrame, raw: pd.DataFrame, problems: pd.Series,
                    limit: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(one issue per problem cell, up to `limit` per sheet and rule; one summary issue per sheet and
    rule past it; which cells the summary stands for). Messages are built for kept rows only."""
    found = problems != ""
    groups = pd.DataFrame({"file": typed.loc[found, "source_file"].fillna(""),
                           "sheet": typed.loc[found, "sheet"].fillna(""), "rule": problems[found]})
    rank = groups.groupby(["file", "sheet", "rule"], sort=False).cumcount()
    rows = pd.Series(False, index=problems.index)
    rows[rank.index[rank < limit]] = True
    summarised = pd.Series(False, index=problems.index)
    summarised[rank.index[rank >= limit]] = True
    severity = severity_of(field)
    summary = _summary_issues(form, field, groups[(rank >= limit).to_numpy()], severity)
    raw_values = raw.loc[rows, field.name].astype("string").fillna("").map(visible)
    codes = problems[rows]
    cells = raw.loc[rows, CELL_PREFIX + field.name] if CELL_PREFIX + field.name in raw.columns else None
    choices_zh = "、".join(field.choices.values())
    choices_en = ", ".join(field.choices)
    messages_zh, messages_en = [], []
    for index, value, code in zip(raw_values.index, raw_values, codes):
        file, sheet, row = (typed.at[index, c] for c in PROVENANCE)
        cell = cells[index] if cells is not None and isinstance(cells[index], str) else ""
        zh_where = f"单元格{cell}" if cell else (f"第{row}行" if pd.notna(row) else "")
        en_where = f"cell {cell}" if cell else (f"row {row}" if pd.notna(row) else "")
        zh, en = PROBLEMS[code]
        fill = {"unit": field.unit, "choices": choices_zh}
        messages_zh.append(f"{location_zh(file, sheet or '', zh_where)}字段「{field.label_zh}」的值「{value}」"
                           f"{zh.format(**fill)}")
        fill["choices"] = choices_en
        messages_en.append(f"{location_en(file, sheet or '', en_where)}field {field.name} ({field.label_en}): "
                           f"value '{value}' {en.format(**fill)}.")
    located = typed.loc[rows]
    located_issues = pd.DataFrame({
        **{c: located[c].astype("string") for c in ("county_code", "school_code", "campus_code")
           if c in located.columns},
        "form": form.name,
        **{c: located[c] for c in PROVENANCE},
        "field": field.name,
        "value": raw_values,
        "rule": codes,
        "severity": severity,
        "message_zh": messages_zh,
        "message_en": messages_en,
    })
    return located_issues, summary, summarised


def _summary_issues(form: Form, field: Field, past_limit: pd.DataFrame, severity: str) -> pd.DataFrame:
    """One issue per file, sheet and rule for the problem cells past the limit (row_number empty: it
    speaks for the sheet)."""
    counts = past_limit.groupby(["file", "sheet", "rule"], sort=False).size()
    records = []
    for (file, sheet, rule), count in counts.items():
        zh, en = PROBLEMS[rule]
        fill = {"unit": field.unit, "choices": "、".join(field.choices.values())}
        problem_zh = zh.format(**fill)
        fill["choices"] = ", ".join(field.choices)
        problem_en = en.format(**fill)
        outcome_zh, outcome_en = (
            ("这些行均未采用", "none of these rows were used") if severity == ERROR and error_blocks_record(form.name, field.name)
            else ("这些值未采用（按缺失处理），其所在行保留", "these values were not used (taken as missing); their rows are kept")
            if severity == ERROR else ("这些值按缺失处理", "these values are taken as missing"))
        records.append({
            "form": form.name, "source_file": file, "sheet": sheet, "row_number": None, "field": field.name,
            "value": "", "rule": rule, "severity": severity,
            "message_zh": f"{location_zh(file, sheet, '')}字段「{field.label_zh}」还有 {count:,} 行存在同样问题"
                          f"（{problem_zh}），{outcome_zh}",
            "message_en": f"{location_en(file, sheet, '')}field {field.name} ({field.label_en}): and {count:,} more "
                          f"rows with the same problem ({problem_en}); {outcome_en}.",
        })
    return issues_frame(records)


def _map_unique(raw: pd.Series, parse_uniques):
    """Parse each distinct raw value once; missing raw cells stay missing with no problem."""
    codes, uniques = pd.factorize(raw, use_na_sentinel=True)
    values, problems = parse_uniques(list(uniques))
    values = np.append(np.asarray(values, dtype=object), None)
    taken_values = values[codes]  # code -1 picks the trailing None
    if problems is None:
        return taken_values, None
    problems = np.append(np.asarray(problems, dtype=object), "")
    return taken_values, problems[codes]


_ODD_ASCII = r"[\x00-\x1f\x7f]|  |^ | $"
"""What `clean_text_value` changes or refuses in an ASCII cell: a control character, a doubled,
leading or trailing space."""
_MISSING = pa.array(sorted(MISSING_TOKENS))


def _plain(uniques: list) -> tuple[np.ndarray, pa.Array | None]:
    """Which distinct values `clean_text_value` keeps exactly as they are and no rule refuses (ASCII,
    no control character, no space to fold or strip, not a missing token), found column-wise: most
    cells of a large column are plain, and only the others need the per-value parser. Also the
    values as an Arrow array (None when they are not all strings: then none is plain)."""
    try:
        text = pa.array(uniques, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return np.zeros(len(uniques), dtype=bool), None
    plain = pc.and_(pc.string_is_ascii(text), pc.invert(pc.match_substring_regex(text, _ODD_ASCII)))
    plain = pc.and_(plain, pc.invert(pc.is_in(pc.utf8_lower(text), value_set=_MISSING)))
    return _mask(plain), text


def _mask(booleans: pa.Array) -> np.ndarray:
    return booleans.to_numpy(zero_copy_only=False).astype(bool)


def _parse_uniques(field: Field, uniques: list) -> tuple[np.ndarray, np.ndarray]:
    plain, text = _plain(uniques)
    cleaned = [raw if is_plain else clean_text_value(raw) for raw, is_plain in zip(uniques, plain)]
    if field.kind in (Kind.INTEGER, Kind.NUMBER):
        quick = pd.to_numeric(pd.Series(cleaned, dtype="object"), errors="coerce").to_numpy(dtype=float)
    else:
        quick = np.full(len(cleaned), np.nan)
    values = np.empty(len(uniques), dtype=object)
    problems = np.full(len(uniques), "", dtype=object)
    done = _parse_plain(field, uniques, text, plain, quick, values, problems)
    parse_one = _PARSE_ONE[field.kind]
    for index in np.flatnonzero(~done):
        raw, cell = uniques[index], cleaned[index]
        if isinstance(raw, str) and CONTROL_CHARACTERS.search(raw):
            value, problem = None, "control_character"
        else:
            value, problem = (None, "") if cell is None else parse_one(field, cell, quick[index])
        values[index] = value
        problems[index] = problem
    return values, problems


def _parse_plain(field: Field, uniques: list, text: pa.Array | None, plain: np.ndarray, quick: np.ndarray,
                 values: np.ndarray, problems: np.ndarray) -> np.ndarray:
    """Fills `values` and `problems` where a plain value is read column-wise exactly as its kind's
    parser reads it (text as it is, a code of digits, a numeral pandas read); returns where."""
    if field.kind is Kind.TEXT:
        done = plain
        values[done] = np.asarray(uniques, dtype=object)[done]
    elif field.kind is Kind.CODE:
        done = plain & _matches(text, plain, r"^[0-9]+$")
        values[done] = np.asarray(uniques, dtype=object)[done]
    elif field.kind in (Kind.INTEGER, Kind.NUMBER):
        done = plain & np.isfinite(quick) & ~_matches(text, plain, "[A-Za-z]")
        if field.kind is Kind.INTEGER:
            fractional = done & ((quick != np.floor(quick)) | (np.abs(quick) >= _EXACT_FLOAT_LIMIT))
            problems[fractional] = "fractional_count"
            done_whole = done & ~fractional
        else:
            done_whole = done
        values[done_whole] = quick[done_whole].tolist()
    else:
        done = np.zeros(len(uniques), dtype=bool)
    return done


def _matches(text: pa.Array | None, plain: np.ndarray, pattern: str) -> np.ndarray:
    """Whether each value matches `pattern` (none does when they are not all strings)."""
    return np.zeros_like(plain) if text is None else _mask(pc.match_substring_regex(text, pattern))


def _parse_text(field: Field, text: str, _: float) -> tuple[str, str]:
    return text, ""


def _parse_number(field: Field, text: str, quick_number: float) -> tuple[float | None, str]:
    """`quick_number` is pandas' reading of a plain numeral (NaN when it is not one)."""
    if math.isfinite(quick_number) and not any(c.isalpha() for c in text):
        value, problem = float(quick_number), ""
    else:
        value, problem = _parse_number_text(field, text)
    if problem == "" and field.kind is Kind.INTEGER:
        return _as_count(value)
    return value, problem


def _parse_number_text(field: Field, text: str) -> tuple[float | None, str]:
    text = text.lower()
    if field.name == "grade" and text in GRADE_WORDS:
        return float(GRADE_WORDS[text]), ""
    text = _SPACE.sub("", _SPACE_BETWEEN_DIGITS.sub(",", text))
    match = _NUMBER.match(text)
    if match is None:
        return None, "unparsable_number"
    unit = match["unit"]
    accepted = _accepted_units(field.name, field.unit)
    if unit not in accepted:
        return None, "unit_mismatch" if unit in _KNOWN_UNITS else "unparsable_number"
    number = float(match["number"].replace(",", "") + (match["exponent"] or ""))
    value = number * _MULTIPLIERS[match["multiplier"]] * accepted[unit]
    return (value, "") if math.isfinite(value) else (None, "unparsable_number")


@lru_cache(maxsize=None)
def _accepted_units(name: str, unit: str) -> dict[str, float]:
    """Units a clerk may type after a number in this field, with their factor to the field's unit."""
    accepted = {"": 1.0, **_FIELD_UNITS.get(unit, {})}
    if name.endswith("_rate"):
        accepted.update(_PERCENT)
    if name.endswith("_year"):
        accepted["年"] = 1.0
    if name == "grade":
        accepted["年级"] = 1.0
    return accepted


def _as_count(value: float) -> tuple[float | None, str]:
    if value != round(value) or abs(value) >= _EXACT_FLOAT_LIMIT:
        return None, "fractional_count"
    return value, ""


def _parse_boolean(field: Field, text: str, _: float) -> tuple[bool | None, str]:
    token = text.lower()
    if token in TRUE_TOKENS:
        return True, ""
    if token in FALSE_TOKENS:
        return False, ""
    return None, "unparsable_boolean"


def _choice_key(text: str) -> str:
    return _SPACE.sub("", text).lower().replace("-", "_")


@lru_cache(maxsize=None)
def _choice_lookup(choices: tuple[tuple[str, str], ...]) -> tuple[dict[str, str], frozenset[str]]:
    lookup: dict[str, str] = {}
    for code, label in choices:
        for spelling in (*CHOICE_SYNONYMS.get(code, ()), label, code):
            lookup[_choice_key(spelling)] = code
    offered = dict(choices)
    ambiguous = frozenset(
        token for token, candidates in AMBIGUOUS_CHOICES.items()
        if sum(code in offered for code in candidates) > 1
    )
    return lookup, ambiguous


def _parse_choice(field: Field, text: str, _: float) -> tuple[str | None, str]:
    lookup, ambiguous = _choice_lookup(tuple(field.choices.items()))
    key = _choice_key(text)
    if key in ambiguous:
        return None, "ambiguous_choice"
    if key in lookup:
        return lookup[key], ""
    return None, "unknown_choice"


def _parse_code(field: Field, text: str, _: float) -> tuple[str | None, str]:
    text = text.lstrip("'").lower()
    if text.isascii() and text.isdigit():
        return text, ""
    excel_float = _CODE_FLOAT.match(text)
    if excel_float:
        return excel_float[1], ""
    if _CODE_SCIENTIFIC.match(text):
        return None, "code_in_scientific_notation"
    return None, "invalid_code"


def _parse_date(field: Field, text: str, _: float) -> tuple[str | None, str]:
    match = _DATE.match(text.lower())
    if match is None:
        return None, "unparsable_date"
    try:
        return date(*(int(part) for part in match.groups())).isoformat(), ""
    except ValueError:
        return None, "unparsable_date"


_PARSE_ONE = {
    Kind.TEXT: _parse_text,
    Kind.CODE: _parse_code,
    Kind.INTEGER: _parse_number,
    Kind.NUMBER: _parse_number,
    Kind.BOOLEAN: _parse_boolean,
    Kind.CHOICE: _parse_choice,
    Kind.DATE: _parse_date,
}
