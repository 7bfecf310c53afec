"""Education quality (教育质量), Q1–Q9 (spec §2.3): each item's per-campus check (the rows of
school_guarantee_checks for Q3, Q4, Q6) and its county rule (the table county_quality), tied
together by ITEMS. The attested items (Q5, Q7, Q8) share one rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import SCHOOLS, YEAR_COUNTY_KEY
from balanced_pipeline.indicators.common import (
    COUNTY_ITEM_COLUMNS,
    county_universe,
    has_text,
    item_order,
    join_nonblank,
    number_text,
    percent_text,
    safe_ratio,
    scalar_text,
    yes_no_text,
)
from balanced_pipeline.contract.issues import ERROR, PROVENANCE, issues_frame
from balanced_pipeline.indicators.county_items import (
    CountyInputs,
    Item,
    all_schools_item,
    attestation_item,
    campus_rows,
    county_form_rows,
    figure_item,
    item_row,
    with_not_computed,
)
from balanced_pipeline.indicators.formulas import meets
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import conform


def _every_school(c: CountyInputs, item: dict[str, Any]) -> pd.DataFrame:
    return all_schools_item(c.universe, c.checks_of(item["id"]), item, c.campuses)


ITEMS = {
    "Q1": Item(county=lambda c, item: consolidation_item(c.county, item)),
    "Q2": Item(county=lambda c, item: disabled_enrolment_item(c.county, item)),
    "Q3": Item(school=lambda s, item: school_attestation_check(s.schools, item), county=_every_school),
    "Q4": Item(school=lambda s, item: training_budget_check(s.schools, item), county=_every_school),
    "Q6": Item(school=lambda s, item: school_attestation_check(s.schools, item), county=_every_school),
    "Q9": Item(county=lambda c, item: quality_monitoring_item(c.county, c.quality_monitoring, item,
                                                              rejected_subjects(c.issues))),
}
"""Item id → its per-campus check and county rule; an item of basis `attestation` (Q5, Q7, Q8) is
judged by attestation_item instead."""


def county_quality(
    counties: pd.DataFrame,
    schools: pd.DataFrame,
    school_checks: pd.DataFrame,
    quality_monitoring: pd.DataFrame,
    standards: Standards,
    issues: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per county × Q item for every county that sent a county form or school data; an
    item whose data is missing or quarantined by an error of `issues` is not computed, with the
    reason (county_items.with_not_computed)."""
    section = standards.section("education_quality")
    universe = county_universe(counties, schools)
    county = county_form_rows(universe, counties)
    inputs = CountyInputs(universe, county, schools, school_checks, schools.groupby(YEAR_COUNTY_KEY).size(),
                          issues if issues is not None else issues_frame(), quality_monitoring)
    rows = [
        attestation_item(county, item) if item["basis"] == "attestation" else ITEMS[item["id"]].county(inputs, item)
        for item in section["items"]
    ]
    table = pd.concat(rows, ignore_index=True).assign(standards_version=standards.version)
    table = with_not_computed(table, county, standards, inputs.issues)
    order = item_order(standards)
    table = table.sort_values(["year", "county_code", "item_id"], key=lambda c: c.map(order) if c.name == "item_id" else c,
                              kind="stable")
    return conform(table, COUNTY_ITEM_COLUMNS)


def consolidation_rate(graduates, grade7, deaths, transfers_in, transfers_out):
    """Junior three-year consolidation rate (初中三年巩固率) =
    graduates / (grade-7 enrolment − deaths + transfers in − transfers out).

    Works on scalars or aligned Series; missing where the cohort base is missing or not positive.
    """
    base = grade7 - deaths + transfers_in - transfers_out
    if isinstance(base, pd.Series):
        return safe_ratio(graduates, base)
    return graduates / base if base and base > 0 else float("nan")


def consolidation_item(county: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    figures = {f: county[f].astype("Float64") for f in item["inputs"]}
    value = consolidation_rate(figures["cohort_graduates"], figures["cohort_grade7"], figures["cohort_deaths"],
                               figures["cohort_transfers_in"], figures["cohort_transfers_out"])
    detail = (
        "毕业" + number_text(figures["cohort_graduates"], 0) + "人 ÷（初一入学" + number_text(figures["cohort_grade7"], 0)
        + " − 死亡" + number_text(figures["cohort_deaths"], 0) + " + 转入" + number_text(figures["cohort_transfers_in"], 0)
        + " − 转出" + number_text(figures["cohort_transfers_out"], 0) + "）= " + percent_text(value)
        + "，标准≥" + percent_text(pd.Series(float(item["threshold"]), index=county.index))
    )
    return figure_item(county, item, value, detail)


def disabled_enrolment_item(county: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    value = safe_ratio(county["disabled_enrolled"], county["disabled_school_age"])
    detail = (
        "适龄残疾儿童少年" + number_text(county["disabled_school_age"], 0) + "人，入学" + number_text(county["disabled_enrolled"], 0)
        + "人，入学率" + percent_text(value) + "，标准≥" + percent_text(pd.Series(float(item["threshold"]), index=county.index))
    )
    return figure_item(county, item, value, detail)


def monitoring_level(levels: pd.Series, level_map: dict[str, int]) -> pd.Series:
    """A submitted level ("3", "Ⅲ", "III", "Ⅲ级") as 1–4; missing when unreadable."""
    text = pd.Series(levels).astype("string").str.strip().str.removesuffix("级").str.upper()
    return text.map({str(k).upper(): v for k, v in level_map.items()}).astype("Int64")


def monitoring_subject_checks(quality_monitoring: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    """Q9 per subject: level ≥ Ⅲ and between-school difference rate < 0.15 (both from the
    standards file); `problem` says in Chinese what fails ('' when the subject passes)."""
    frame = quality_monitoring.copy()
    frame["level_number"] = monitoring_level(frame["level"], item["levels"])
    rate = frame["between_school_diff_rate"].astype("Float64")
    level_ok = meets(frame["level_number"], item["threshold"], item["comparison"])
    rate_ok = meets(rate, item["max_between_school_diff_rate"], item["diff_rate_comparison"])
    labels = {int(k): v for k, v in item["level_labels"].items()}
    level_text = frame["level_number"].map(labels).astype("string")
    wanted_level = labels[int(item["threshold"])]
    wanted_rate = scalar_text(item["max_between_school_diff_rate"])
    problems = [
        (level_ok.isna(), "达到水平缺失或无法识别（" + frame["level"].astype("string").fillna("空") + "）"),
        (~level_ok.fillna(True), level_text + f"级（标准{wanted_level}级以上）"),
        (rate_ok.isna(), pd.Series("校际差异率缺失", index=frame.index)),
        (~rate_ok.fillna(True), "校际差异率" + number_text(rate, 3) + f"（标准低于{wanted_rate}）"),
    ]
    problem_parts = [text.where(condition.astype(bool), "") for condition, text in problems]
    frame["problem"] = frame["subject"].astype("string") + "：" + join_nonblank(problem_parts, "，")
    frame["passed"] = (level_ok & rate_ok).fillna(False)
    return frame


def rejected_subjects(issues: pd.DataFrame) -> pd.Series:
    """Per county: how many of its quality-monitoring records an error rejected."""
    rejected = issues[(issues["form"] == "quality_monitoring") & (issues["severity"] == ERROR) & issues["row_number"].notna()]
    rejected = rejected.drop_duplicates(PROVENANCE)
    return rejected.groupby("county_code").size().rename("rejected_subjects")


def quality_monitoring_item(county: pd.DataFrame, quality_monitoring: pd.DataFrame, item: dict[str, Any],
                            rejected: pd.Series | None = None) -> pd.DataFrame:
    """Q9 over the accepted subjects: not computed without any, or when a subject was rejected and
    none of the accepted ones fails (the rejected one might)."""
    subjects = monitoring_subject_checks(quality_monitoring, item)
    subjects["failed"] = (~subjects["passed"]).astype(int)
    per_county = subjects.groupby(YEAR_COUNTY_KEY).agg(
        subjects=("passed", "size"), failed=("failed", "sum"), lowest_level=("level_number", "min")
    )
    problems = subjects[subjects["failed"] > 0].groupby(YEAR_COUNTY_KEY)["problem"].agg("；".join).rename("problems")
    frame = county.join(per_county, on=YEAR_COUNTY_KEY).join(problems, on=YEAR_COUNTY_KEY)
    reported = frame["subjects"].fillna(0) > 0
    passed = reported & (frame["failed"].fillna(0) == 0)
    rejected_count = frame["county_code"].map(rejected if rejected is not None else {}).astype("Int64").fillna(0)
    partial = reported & passed & (rejected_count > 0)
    unknown_zh = pd.Series(NO_MONITORING_ZH, index=frame.index, dtype="string").where(~reported, "")
    unknown_en = pd.Series(NO_MONITORING_EN, index=frame.index, dtype="string").where(~reported, "")
    unknown_zh = unknown_zh.mask(partial, rejected_count.astype("string") + "条国家义务教育质量监测结果被拦截，该项未计算")
    unknown_en = unknown_en.mask(partial, "not computed: " + rejected_count.astype("string")
                                 + " quality-monitoring record(s) rejected for errors")
    detail = pd.Series(
        np.select(
            [~reported, passed],
            ["数据缺失：未报送国家义务教育质量监测结果",
             frame["subjects"].astype("Int64").astype("string")
             + f"个监测学科均达到{item['level_labels'][int(item['threshold'])]}级以上且校际差异率低于"
             + scalar_text(item["max_between_school_diff_rate"])],
            default=frame["problems"].astype("string"),
        ),
        index=frame.index,
    )
    passed &= ~partial  # after the detail: it still says what the accepted subjects reached
    return item_row(frame, item, frame["lowest_level"].astype("Float64"), passed, detail).assign(
        _unknown_zh=unknown_zh, _unknown_en=unknown_en)


NO_MONITORING_ZH = "未报送国家义务教育质量监测结果（或结果被拦截），该项未计算"
NO_MONITORING_EN = "not computed: no accepted national quality-monitoring result"


def school_attestation_check(schools: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    frame = campus_rows(schools, item)
    fields = item["attestation_fields"]
    flags = schools[fields].astype("boolean")
    evidence = has_text(schools["evidence_ref"])
    attested = flags.fillna(False).all(axis=1) & evidence
    frame["value"] = attested.astype("Float64")
    frame["threshold"] = float(item["threshold"])
    frame["comparison"] = item["comparison"]
    frame["passed"] = attested.astype("boolean")
    statements = [SCHOOLS.field(f).label_zh + "：" + yes_no_text(flags[f]) for f in fields]
    evidence_text = pd.Series(np.where(evidence, "佐证材料：" + schools["evidence_ref"].astype(str), "缺少佐证材料编号"),
                              index=schools.index)
    frame["detail"] = join_nonblank([*statements, evidence_text])
    return frame


def training_budget_check(schools: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    frame = campus_rows(schools, item)
    training = schools["training_funds_yuan"].astype("Float64")
    public = schools["public_funds_yuan"].astype("Float64")
    frame["value"] = safe_ratio(training, public)
    frame["threshold"] = float(item["min_training_funds_share"])
    frame["comparison"] = ">="
    frame["passed"] = meets(frame["value"], frame["threshold"], ">=")
    frame["detail"] = (
        "教师培训经费" + number_text(training) + "元，占年度公用经费预算" + number_text(public) + "元的"
        + percent_text(frame["value"]) + "，标准≥" + percent_text(pd.Series(frame["threshold"]))
    ).where(frame["value"].notna(), "年度公用经费预算或教师培训经费缺失")
    return frame
