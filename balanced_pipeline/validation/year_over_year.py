"""Year-over-year reasonability (issue 12 item 2): each campus's and county's values against the
year before.

A value that moved further from last year's accepted value than the standards file allows
(`year_over_year` in national.yaml: per field, the largest share it may fall, `max_decrease`, or
rise, `max_increase`) is a warning `yoy_<field>` naming both values and both years: a query the
school or county fixes or explains, never a reason to reject the record. No previous value (the
first year, a campus new this year, a blank or quarantined value, or zero last year: a share of
nothing measures nothing) means no check. A change exactly at the tolerance is accepted.

The campus values are the school form's fields plus two counts: `classes` (rows of the class
form) and `rooms` (music and art rooms of the room form).

Worked example (sports area, max_decrease 0.20): 10 000 ㎡ in 2025 → 8 000 ㎡ in 2026 is −20 %,
at the tolerance: no warning; → 7 999 ㎡ is −20.01 %: warning `yoy_sports_area_m2`
"体育运动场馆面积由2025年的10000变为2026年的7999（减少20.01%，超过允许的20%）".
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from balanced_pipeline.contract.forms import CAMPUS_KEY, FORMS
from balanced_pipeline.contract.issues import WARNING, conform_issues, issues_frame, location_en, location_zh
from balanced_pipeline.indicators.common import scalar_text
from balanced_pipeline.standards.loader import Standards

RULE_PREFIX = "yoy_"
COUNTS = {"classes": ("班级数", "Classes", "classes"), "rooms": ("音乐美术专用教室数", "Music and art rooms", "rooms")}
"""Campus values counted from a form's rows: label zh, label en, the form counted."""
CHANGE_DECIMALS = 2
"""A change is judged on its share rounded to this many percent decimals, so float noise at the
tolerance (80/100 − 1 = −0.19999999999999996) never decides."""


@dataclass(frozen=True)
class Tolerance:
    max_decrease: float
    max_increase: float


def tolerances(standards: Standards, level: str) -> dict[str, Tolerance]:
    """field → tolerance for `level` (campus or county) from the standards file."""
    return {field: Tolerance(float(limits["max_decrease"]), float(limits["max_increase"]))
            for field, limits in standards.section("year_over_year")[level].items()}


def relative_change(previous: pd.Series, current: pd.Series) -> pd.Series:
    """(current − previous) / previous, rounded (see CHANGE_DECIMALS); NA when either is missing
    or previous is not above 0 (a negative one is an error of its own year, never accepted)."""
    previous, current = (pd.Series(v).astype("Float64") for v in (previous, current))
    change = (current - previous) / previous.where(previous > 0)
    return change.round(CHANGE_DECIMALS + 2).astype("Float64")


def beyond(change: pd.Series, tolerance: Tolerance) -> pd.Series:
    """True where the change falls by more than max_decrease or rises by more than max_increase."""
    outside = (change < -tolerance.max_decrease) | (change > tolerance.max_increase)
    return outside.fillna(False).astype(bool)


def campus_counts(classes: pd.DataFrame, rooms: pd.DataFrame) -> pd.DataFrame:
    """One row per campus with class or room rows: `classes`, `rooms`, each count's file and sheet."""
    counted = []
    for field, frame in (("classes", classes), ("rooms", rooms)):
        grouped = frame.groupby(list(CAMPUS_KEY), sort=False)
        counted.append(pd.DataFrame({field: grouped.size(), f"{field}_file": grouped["source_file"].first(),
                                     f"{field}_sheet": grouped["sheet"].first()}))
    frame = counted[0].join(counted[1], how="outer")
    for field in COUNTS:
        frame[field] = frame[field].fillna(0).astype("Int64")
    return frame.reset_index()


def compare(current: pd.DataFrame, previous: pd.DataFrame, key: list[str], limits: dict[str, Tolerance],
            labels: dict[str, tuple[str, str, str]], year: int, previous_year: int,
            provenance: dict[str, tuple[str, str, str | None]]) -> pd.DataFrame:
    """A warning per record of `current` and field whose change from `previous` (same key) is
    beyond its tolerance. `labels`: field → (zh, en, form); `provenance`: field → the columns of
    `current` giving its file, sheet and row (None: no single row)."""
    earlier = previous[[*key, *[f for f in limits if f in previous.columns]]]
    pairs = current.merge(earlier, on=key, how="inner", suffixes=("", "_previous"))
    found = []
    for field, tolerance in limits.items():
        if field not in pairs.columns or f"{field}_previous" not in pairs.columns:
            continue
        change = relative_change(pairs[f"{field}_previous"], pairs[field])
        outside = beyond(change, tolerance).to_numpy()
        label_zh, label_en, form = labels[field]
        file_column, sheet_column, row_column = provenance[field]
        for (_, row), share in zip(pairs[outside].iterrows(), change[outside]):
            found.append(_warning(row, field, form, label_zh, label_en, float(share), tolerance, year, previous_year,
                                  row[file_column], row[sheet_column], row[row_column] if row_column else pd.NA))
    return issues_frame(found)


def _warning(row: pd.Series, field: str, form: str, label_zh: str, label_en: str, share: float,
             tolerance: Tolerance, year: int, previous_year: int, source_file, sheet, row_number) -> dict:
    old, new = scalar_text(row[f"{field}_previous"]), scalar_text(row[field])
    rising = share > 0
    allowed = tolerance.max_increase if rising else tolerance.max_decrease
    percent, allowed_percent = scalar_text(abs(share) * 100, CHANGE_DECIMALS), scalar_text(allowed * 100, CHANGE_DECIMALS)
    source_file, sheet = ("" if pd.isna(v) else str(v) for v in (source_file, sheet))
    where_zh = f"第{row_number}行" if pd.notna(row_number) else ""
    where_en = f"row {row_number}" if pd.notna(row_number) else ""
    return {
        **{column: row.get(column, "") for column in CAMPUS_KEY},
        "form": form, "source_file": source_file, "sheet": sheet, "row_number": row_number,
        "field": field, "value": new, "rule": f"{RULE_PREFIX}{field}", "severity": WARNING,
        "message_zh": location_zh(source_file, sheet, where_zh)
        + f"{label_zh}由{previous_year}年的{old}变为{year}年的{new}（{'增加' if rising else '减少'}{percent}%，"
          f"超过允许的{allowed_percent}%），请核实；如数据属实，请说明原因。",
        "message_en": location_en(source_file, sheet, where_en)
        + f"{label_en} changed from {old} in {previous_year} to {new} in {year} "
          f"({'+' if rising else '−'}{percent} %, beyond the {allowed_percent} % allowed): check it, "
          "and if it is right, explain why.",
    }


def year_over_year_issues(current: dict[str, pd.DataFrame], previous: dict[str, pd.DataFrame], year: int,
                          standards: Standards) -> pd.DataFrame:
    """Warnings of this year's accepted campus and county forms against last year's. Both dicts hold
    the accepted `schools`, `classes`, `rooms` and `counties` records of their year."""
    previous_year = year - 1
    schools_form, counties_form = FORMS["schools"], FORMS["counties"]
    campus_limits, county_limits = tolerances(standards, "campus"), tolerances(standards, "county")
    labels = {f.name: (f.label_zh, f.label_en, "schools") for f in schools_form.fields} | COUNTS
    provenance = {f.name: ("source_file", "sheet", "row_number") for f in schools_form.fields} | {
        field: (f"{field}_file", f"{field}_sheet", None) for field in COUNTS}
    county_labels = {f.name: (f.label_zh, f.label_en, "counties") for f in counties_form.fields}
    for level, limits, known in (("campus", campus_limits, labels), ("county", county_limits, county_labels)):
        unknown = sorted(set(limits) - set(known))
        if unknown:  # a misspelt field would otherwise never be checked, silently
            raise ValueError(f"standards {standards.version}: year_over_year.{level} names no such field: {unknown}")
    key = list(CAMPUS_KEY)
    this_campus, last_campus = (
        frames["schools"].merge(campus_counts(frames["classes"], frames["rooms"]), on=key, how="left")
        for frames in (current, previous))
    campus_issues = compare(this_campus, last_campus, key, campus_limits, labels, year, previous_year, provenance)
    county_provenance = {f.name: ("source_file", "sheet", "row_number") for f in counties_form.fields}
    county_issues = compare(current["counties"], previous["counties"], ["county_code"], county_limits,
                            county_labels, year, previous_year, county_provenance)
    return conform_issues(pd.concat([campus_issues, county_issues], ignore_index=True))

