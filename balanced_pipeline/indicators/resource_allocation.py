"""Resource allocation (资源配置, spec §2.1, §3, §4): school parts, R1–R7, verdicts, coefficients.

Works on the accepted `schools` frame (one row per campus, schema.SCHOOLS fields plus `year`).
Every exclusion from a computation is a row with its reason, never a silent drop; every value
that cannot be computed (an input quarantined by an error, or left blank) is a row with value
NULL and its `not_computed_reason` (dependencies.py).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from balanced_pipeline.indicators.formulas import (
    meets,
    per_students,
    ratio_to_standard,
    school_rule_verdict,
    stage_split_shares,
    weighted_difference_coefficient,
)
from balanced_pipeline.contract.issues import WARNING, issues_frame
from balanced_pipeline.indicators.dependencies import (
    REASON_COLUMNS,
    blank_inputs,
    indicator_inputs,
    not_computed_reasons,
    quarantined_inputs,
)
from balanced_pipeline.contract.forms import CAMPUS_KEY, STAGES, YEAR_CAMPUS_KEY
from balanced_pipeline.standards.loader import Standards

PART_KEY = [*YEAR_CAMPUS_KEY, "stage"]
SCHOOL_DESCRIPTION = ["school_name", "school_type", "location_type"]


def school_parts(schools: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """One row per campus × evaluated stage it teaches, with the stage's students, its share of
    the campus's undivided quantities, and whether it is in the R1–R7 and coefficient scopes.

    Campuses of a type outside resource allocation (special education) get one row with an
    empty stage and the reason, so the office sees them accounted for.
    """
    shares = _split_shares(schools, standards)
    scope = standards.scope
    excluded_types = set(scope["excluded_from_resource_allocation"])
    min_teaching_point = scope["teaching_point_min_students_for_difference_coefficient"]
    type_stages = standards.school_type_stages

    parts = []
    for stage in standards.evaluated_stages:
        teaches = schools["school_type"].isin([t for t, stages in type_stages.items() if stage in stages])
        part = schools.loc[teaches, [*YEAR_CAMPUS_KEY, *SCHOOL_DESCRIPTION]].copy()
        part["stage"] = stage
        part["students"] = schools.loc[teaches, f"students_{stage}"].astype("Int64")
        part["split_share"] = shares.loc[teaches, stage]
        parts.append(part)
    parts = pd.concat(parts, ignore_index=True)

    # A count made unknown by its error keeps the part in scope: its indicators are then rows
    # without a value (and their reason), not a part that silently has no students.
    unknown_students = parts["students"].isna()
    no_students = (parts["students"] <= 0).fillna(False).astype(bool)
    small_point = (parts["school_type"] == "teaching_point") & (parts["students"] < min_teaching_point).fillna(False)
    parts["in_resource_allocation"] = ~no_students
    parts["in_difference_coefficient"] = ~no_students & ~small_point
    parts["scope_note"] = np.select(
        [unknown_students, no_students, small_point],
        [
            "该学段在校生数缺失或填报有误，指标未计算 / students of this stage blank or in error: indicators not computed",
            "该学段无在校生，不计算指标 / no students in this stage: indicators not computed",
            f"教学点学生不足{min_teaching_point}人，不计入差异系数 / teaching point under "
            f"{min_teaching_point} students: left out of the difference coefficients",
        ],
        default="",
    )

    outside = schools[schools["school_type"].isin(excluded_types)]
    excluded = outside[[*YEAR_CAMPUS_KEY, *SCHOOL_DESCRIPTION]].assign(
        stage="",
        students=outside[[c for c in schools.columns if c.startswith("students_")]].sum(axis=1).astype("Int64"),
        split_share=pd.Series(pd.NA, index=outside.index, dtype="Float64"),
        in_resource_allocation=False,
        in_difference_coefficient=False,
        scope_note="特殊教育学校不参与资源配置7项指标计算，由政府保障程度G7评价 / special-education school: "
        "judged by G7, not by R1–R7",
    )
    if len(excluded):
        parts = pd.concat([parts, excluded], ignore_index=True)
    parts["standards_version"] = standards.version
    return parts.sort_values(PART_KEY, ignore_index=True)


def _split_shares(schools: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Per campus and evaluated stage, the share of undivided quantities (1 for one-stage schools)."""
    shares = pd.DataFrame(1.0, index=schools.index, columns=standards.evaluated_stages, dtype="Float64")
    for school_type, weights in standards.stage_split_weights.items():
        rows = schools["school_type"] == school_type
        if not rows.any():
            continue
        students = pd.DataFrame({stage: schools.loc[rows, f"students_{stage}"] for stage in weights})
        split = stage_split_shares(students, weights)
        for stage in standards.evaluated_stages:
            if stage in split.columns:
                shares.loc[rows, stage] = split[stage]
    return shares


def school_indicators(schools: pd.DataFrame, parts: pd.DataFrame, standards: Standards,
                      issues: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per school part × resource indicator of the standards version: value, threshold, ratio,
    passed; value, ratio and passed NULL with `not_computed_reason_zh/_en` when an input the
    standards file declares for the indicator was quarantined by an error of `issues` or left blank."""
    judged = parts[parts["in_resource_allocation"]]
    campus = judged.merge(schools, on=YEAR_CAMPUS_KEY, how="left", suffixes=("", "_campus"))
    rows = []
    for indicator in standards.resource_indicators:
        if indicator.per_stage:
            quantity = pd.Series(np.nan, index=campus.index, dtype="Float64")
            for stage in standards.evaluated_stages:
                at_stage = campus["stage"] == stage
                quantity[at_stage] = campus.loc[at_stage, f"{indicator.quantity}_{stage}"].astype("Float64")
        else:
            quantity = campus[indicator.quantity].astype("Float64") * campus["split_share"]
        row = campus[[*PART_KEY, *SCHOOL_DESCRIPTION, "students"]].copy()
        row["indicator_id"] = indicator.id
        row["indicator_name_zh"] = indicator.name_zh
        row["indicator_name_en"] = indicator.name_en
        row["unit"] = indicator.unit
        row["quantity"] = quantity
        row["value"] = per_students(quantity, campus["students"], indicator.per)
        row["threshold"] = campus["stage"].map(indicator.thresholds).astype("Float64")
        row["comparison"] = indicator.comparison
        row["counts_toward_school_rule"] = indicator.school_rule
        rows.append(row)
    table = pd.concat(rows, ignore_index=True)
    table["ratio"] = ratio_to_standard(table["value"], table["threshold"], table["comparison"])
    table["passed"] = meets(table["value"], table["threshold"], table["comparison"])
    table = with_not_computed(table, schools, standards, issues)
    table["standards_version"] = standards.version
    return table.sort_values([*PART_KEY, "indicator_id"], ignore_index=True)


def with_not_computed(table: pd.DataFrame, schools: pd.DataFrame, standards: Standards,
                      issues: pd.DataFrame | None) -> pd.DataFrame:
    """`table` with each indicator whose declared inputs are unknown set to NULL, with the reason.

    Masking matters beyond the missing value: the split treats an unknown senior count as 0, so
    without it R4–R7 of a twelve-year school would be computed on a wrong share."""
    inputs = indicator_inputs(standards)
    quarantined = quarantined_inputs(schools, issues if issues is not None else issues_frame())
    unknown = pd.concat([quarantined, blank_inputs(schools, sorted(set(inputs["field"])), quarantined)],
                        ignore_index=True)
    reasons = not_computed_reasons(table, inputs, unknown)
    not_computed = reasons["not_computed_reason_zh"].ne("")
    table = pd.concat([table, reasons], axis=1)
    for column in ("quantity", "value", "ratio", "passed"):
        table[column] = table[column].mask(not_computed)
    return table


def school_resource_verdicts(indicators: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """One row per school part: the 6-of-7 + 85 % rule over the indicators that count toward it."""
    counted = indicators[indicators["counts_toward_school_rule"]]
    rule = standards.school_rule
    verdict = school_rule_verdict(
        counted,
        by=PART_KEY,
        min_indicators_met=rule["min_indicators_met"],
        floor_ratio=rule["floor_ratio"],
    )
    names = counted[[*PART_KEY, "school_name"]].drop_duplicates(PART_KEY)
    table = names.merge(verdict, on=PART_KEY).merge(not_judged_reasons(counted), on=PART_KEY, how="left")
    table[REASON_COLUMNS] = table[REASON_COLUMNS].fillna("")
    table["standards_version"] = standards.version
    return table.sort_values(PART_KEY, ignore_index=True)


def not_judged_reasons(indicators: pd.DataFrame) -> pd.DataFrame:
    """Per school part, why its verdict is not judged: each indicator not computed and its reason."""
    unknown = indicators[indicators["not_computed_reason_zh"].fillna("").ne("")]
    labelled = unknown[PART_KEY].assign(
        not_computed_reason_zh=unknown["indicator_id"] + "：" + unknown["not_computed_reason_zh"],
        not_computed_reason_en=unknown["indicator_id"] + ": " + unknown["not_computed_reason_en"],
    )
    return labelled.groupby(PART_KEY, sort=False).agg({"not_computed_reason_zh": "；".join,
                                                      "not_computed_reason_en": "; ".join}).reset_index()


LEFT_OUT_REASONS = {
    "campus_missing": ("未报送", "campus sent nothing"),
    "campus_rejected": ("填报表被拦截", "campus form rejected"),
    "not_computable": ("缺少该指标数据", "no value for this indicator"),
    "out_of_scope": ("不在计算范围", "out of scope"),
}
"""Why a school part expected in a county stage is not in that coefficient (parts_left_out.reason)."""
INCOMPLETE_REASONS = ("campus_missing", "campus_rejected", "not_computable")
"""Reasons that make a coefficient stand on less than the county's evidence (out of scope is by rule)."""


def county_difference_coefficients(
    indicators: pd.DataFrame, parts: pd.DataFrame, campus_gaps: pd.DataFrame, standards: Standards
) -> pd.DataFrame:
    """County × stage × indicator: the student-weighted coefficient over the school parts in scope,
    and what it stands on: the parts expected (accepted parts of the stage plus the stages of
    registry campuses missing or rejected), the parts used, and each part left out with its
    reason (LEFT_OUT_REASONS). A part in scope without a value is left out as not computable."""
    coefficient_ids = [i.id for i in standards.resource_indicators if i.difference_coefficient]
    names = {i.id: i.name_zh for i in standards.resource_indicators}
    by = ["year", "county_code", "stage", "indicator_id"]
    in_scope = parts.loc[parts["in_difference_coefficient"], PART_KEY]
    # The join runs on the keys alone; the matching rows are then taken whole, in the join's order.
    coefficient = indicators["indicator_id"].isin(coefficient_ids).to_numpy(dtype=bool)
    keys = indicators.loc[coefficient, PART_KEY].assign(_position=np.flatnonzero(coefficient))
    rows = indicators.iloc[keys.merge(in_scope, on=PART_KEY)["_position"].to_numpy()].reset_index(drop=True)
    table = weighted_difference_coefficient(rows[rows["value"].notna()], by=by, value="value", weight="students")

    left_out = _parts_left_out(rows, parts, campus_gaps, coefficient_ids, standards)
    counted = left_out.assign(n=1).pivot_table(index=by, columns="reason", values="n", aggfunc="sum", fill_value=0)
    counted = counted.reindex(columns=list(LEFT_OUT_REASONS), fill_value=0).reset_index()
    listed = left_out.groupby(by, sort=False)["entry"].agg(lambda entries: json.dumps(list(entries), ensure_ascii=False))
    # A stage whose only parts are missing, rejected or without values still gets its row.
    table = table.merge(counted[counted[list(INCOMPLETE_REASONS)].sum(axis=1) > 0][by], on=by, how="outer")
    table = table.merge(counted, on=by, how="left").merge(listed.rename("parts_left_out").reset_index(), on=by, how="left")
    counts = {"parts_missing": "campus_missing", "parts_rejected": "campus_rejected",
              "parts_without_value": "not_computable", "parts_out_of_scope": "out_of_scope"}
    for column, reason in counts.items():
        table[column] = table[reason].fillna(0).astype("Int64")
    table["schools_in_scope"] = table["schools_in_scope"].fillna(0).astype("Int64")
    table["students_in_scope"] = table["students_in_scope"].fillna(0).astype("Int64")
    table["parts_expected"] = (table["schools_in_scope"] + table[list(counts)].sum(axis=1)).astype("Int64")
    table["parts_left_out"] = table["parts_left_out"].fillna("[]")
    unjudged = table["parts_missing"] + table["parts_rejected"] + table["parts_without_value"]
    table["evidence_complete"] = (unjudged == 0).astype("boolean")
    notes = [
        (table["parts_without_value"], "个学校（学段）缺少该指标数据，未计入 / ", " school part(s) without a value left out"),
        (table["parts_missing"] + table["parts_rejected"], "个学校（学段）未报送或填报表被拦截，未计入 / ",
         " school part(s) missing or rejected left out"),
    ]
    table["note"] = table["note"].fillna("")
    for count, zh, en in notes:
        text = count.astype(str) + zh + count.astype(str) + en
        table["note"] = table["note"].str.cat(text.where(count > 0, ""), sep="; ").str.strip("; ")
    table["indicator_name_zh"] = table["indicator_id"].map(names)
    table["threshold"] = table["stage"].map(
        {stage: standards.difference_coefficient_max(stage) for stage in standards.evaluated_stages}
    ).astype("Float64")
    table["passed"] = (table["cv"] <= table["threshold"]).astype("boolean").fillna(False)
    table["standards_version"] = standards.version
    return table.drop(columns=list(LEFT_OUT_REASONS)).sort_values(by, ignore_index=True)


def _parts_left_out(rows: pd.DataFrame, parts: pd.DataFrame, campus_gaps: pd.DataFrame, coefficient_ids: list[str],
                    standards: Standards) -> pd.DataFrame:
    """One row per county × stage × coefficient indicator × school part left out of it: year,
    county_code, stage, indicator_id, reason, entry (the dict listed in parts_left_out)."""
    indicator_ids = pd.DataFrame({"indicator_id": coefficient_ids})
    staged = parts[parts["stage"].isin(standards.evaluated_stages)]
    out_of_scope = staged[~staged["in_difference_coefficient"].astype(bool)].assign(reason="out_of_scope")
    out_of_scope = out_of_scope.merge(indicator_ids, how="cross")
    no_value = rows[rows["value"].isna()].assign(reason="not_computable", scope_note="")
    type_stages = pd.DataFrame(
        [(school_type, stage) for school_type, stages in standards.school_type_stages.items() for stage in stages
         if stage in standards.evaluated_stages and school_type not in standards.scope["excluded_from_resource_allocation"]],
        columns=["school_type", "stage"])
    gaps = campus_gaps.merge(type_stages, on="school_type").rename(columns={"gap": "reason"}).assign(scope_note="")
    gaps = gaps.merge(indicator_ids, how="cross")
    columns = [*YEAR_CAMPUS_KEY, "school_name", "stage", "indicator_id", "reason", "scope_note"]
    frame = pd.concat([f.reindex(columns=columns) for f in (gaps, no_value, out_of_scope)], ignore_index=True)
    frame["entry"] = [
        {"school_code": school, "campus_code": campus, "school_name": "" if pd.isna(name) else str(name),
         "reason": reason, **({"note": note} if isinstance(note, str) and note else {})}
        for school, campus, name, reason, note in zip(*(frame[c].to_numpy(dtype=object) for c in (
            "school_code", "campus_code", "school_name", "reason", "scope_note")))
    ]
    return frame.sort_values([*CAMPUS_KEY], kind="stable")


def coefficient_issues(coefficients: pd.DataFrame) -> pd.DataFrame:
    """A data-quality issue for each coefficient that could not be computed (X̄ = 0 or no values)."""
    undefined = coefficients[coefficients["cv"].isna()]
    stage_zh = undefined["stage"].map(STAGES).fillna(undefined["stage"])
    return issues_frame(
        {
            "county_code": row.county_code,
            "form": "county_difference_coefficients",
            "field": row.indicator_id,
            "rule": "difference_coefficient_undefined",
            "severity": WARNING,
            "message_zh": f"{label}{row.indicator_id}（{row.indicator_name_zh}）差异系数无法计算：{row.note}",
            "message_en": f"{row.stage} {row.indicator_id} difference coefficient undefined: {row.note}",
        }
        for row, label in zip(undefined.itertuples(), stage_zh)
    )
