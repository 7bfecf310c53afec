"""Government guarantee (政府保障程度), G1–G15 per county (spec §2.2): the table county_guarantee."""

from __future__ import annotations

from typing import Any

import pandas as pd

from balanced_pipeline.contract.forms import STAGES
from balanced_pipeline.indicators.common import (
    COUNTY,
    COUNTY_ITEM_COLUMNS,
    county_universe,
    item_order,
    join_nonblank,
    number_text,
    percent_text,
    safe_ratio,
    yes_no_text,
)
from balanced_pipeline.indicators.formulas import meets
from balanced_pipeline.warehouse.catalogue import conform
from balanced_pipeline.indicators.county_items import (
    all_schools_item,
    attestation_item,
    county_form_rows,
    failing_school_text,
    figure_item,
    item_row,
    missing_fields_text,
    pooled_rate_item,
    NO_SCHOOLS,
)
from balanced_pipeline.indicators.school_checks import catchment_scope, teacher_share, with_campus_keys
from balanced_pipeline.standards.loader import Standards


def county_guarantee(
    counties: pd.DataFrame, schools: pd.DataFrame, school_checks: pd.DataFrame, standards: Standards
) -> pd.DataFrame:
    """One row per county × G item (G13 per stage) for every county that sent a county form
    or school data."""
    section = standards.section("government_guarantee")
    schools = with_campus_keys(schools)
    universe = county_universe(counties, schools)
    county = county_form_rows(universe, counties)
    campuses = schools.groupby(COUNTY).size()
    builders = {
        "G3": lambda item: all_schools_item(universe, school_checks, item, campuses),
        "G4": lambda item: all_schools_item(universe, school_checks, item, campuses),
        "G5": lambda item: class_size_item(universe, school_checks, item, campuses),
        "G6": lambda item: all_schools_item(universe, school_checks, item, campuses),
        "G7": lambda item: special_education_item(county, schools, item),
        "G8": lambda item: teacher_pay_item(county, item),
        "G9": lambda item: teacher_rate_item(universe, schools, school_checks, item, campuses,
                                             "trained_360h_teachers", "5年内完成360学时培训"),
        "G11": lambda item: rotation_item(county, item),
        "G12": lambda item: teacher_rate_item(universe, schools, school_checks, item, campuses,
                                              "certified_teachers", "持有教师资格证"),
        "G13": lambda item: catchment_item(universe, schools, school_checks, item, campuses),
        "G14": lambda item: senior_high_quota_item(county, item),
        "G15": lambda item: migrant_children_item(county, item),
    }
    rows = [
        attestation_item(county, item) if item["basis"] == "attestation" else builders[item["id"]](item)
        for item in section["items"]
    ]
    table = pd.concat(rows, ignore_index=True).assign(standards_version=standards.version)
    order = item_order(standards)
    table = table.sort_values(["year", "county_code", "item_id", "stage"],
                              key=lambda c: c.map(order) if c.name in ("item_id", "stage") else c, kind="stable")
    return conform(table, COUNTY_ITEM_COLUMNS)


def class_size_item(universe: pd.DataFrame, checks: pd.DataFrame, item: dict[str, Any],
                    campuses: pd.Series) -> pd.DataFrame:
    """G5: the county value is the number of classes over the limit; every campus's class list
    must be known."""
    campus_checks = checks[checks["item_id"] == item["id"]]
    oversize = campus_checks.groupby(COUNTY)["value"].sum(min_count=1).rename("oversize")
    tallies = failing_school_text(
        campus_checks.assign(school_name=campus_checks["school_name"] + (
            "（" + number_text(campus_checks["value"], 0) + "个）").where((campus_checks["value"] > 0).fillna(False), "")),
        COUNTY,
    )
    frame = universe.merge(tallies, on=COUNTY, how="left").join(oversize, on=COUNTY)
    has_schools = pd.Series(frame.set_index(COUNTY).index.isin(campuses.index), index=frame.index)
    value = frame["oversize"].astype("Float64").fillna(0)
    passed = meets(value, item["threshold"], item["comparison"]) & (frame["undecided"].fillna(0) == 0) & has_schools
    failed_text = ("超标班级" + number_text(value, 0) + "个，涉及" + frame["failed"].astype("Int64").astype("string")
                   + "所学校（校区）：" + frame["failed_names"].astype("string")).where(frame["failed"].fillna(0) > 0, "")
    undecided_text = ("数据缺失" + frame["undecided"].astype("Int64").astype("string") + "所学校（校区）："
                      + frame["undecided_names"].astype("string")).where(frame["undecided"].fillna(0) > 0, "")
    detail = join_nonblank([failed_text, undecided_text])
    detail = detail.where(detail.ne(""), "全部班级未超过班额标准").where(has_schools, NO_SCHOOLS)
    return item_row(frame, item, value, passed, detail)


def special_education_item(county: pd.DataFrame, schools: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    """G7: judged when the county reports the figure; without a figure it fails, unless the
    county has no special-education school (not applicable)."""
    value = county[item["value_field"]].astype("Float64")
    special = schools[schools["school_type"] == "special_education"].groupby(COUNTY).size()
    has_special = pd.Series(county.set_index(COUNTY).index.isin(special.index), index=county.index)
    detail = "特殊教育学校生均公用经费" + number_text(value) + "元，标准≥" + number_text(pd.Series(float(item["threshold"]), index=county.index)) + "元"
    row = figure_item(county, item, value, detail, [item["value_field"]])
    not_applicable = value.isna() & ~has_special & county["has_form"]
    row["passed"] = row["passed"].mask(not_applicable, True)
    row["detail"] = row["detail"].mask(not_applicable, "本县无特殊教育学校（不适用）")
    return row


def teacher_pay_item(county: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    """G8: teachers' average pay / civil servants' ≥ 1, and the performance-pay total approved."""
    flag = item["also_required_flag"]
    value = safe_ratio(county["teacher_avg_pay"], county["civil_servant_avg_pay"])
    detail = (
        "教师平均工资收入" + number_text(county["teacher_avg_pay"]) + "元，当地公务员平均工资收入"
        + number_text(county["civil_servant_avg_pay"]) + "元（比值" + number_text(value) + "，标准≥"
        + number_text(pd.Series(float(item["threshold"]), index=county.index)) + "）；绩效工资总量足额核定："
        + yes_no_text(county[flag])
    )
    return figure_item(county, item, value, detail, ["teacher_avg_pay", "civil_servant_avg_pay", flag],
                       extra_condition=county[flag])


def teacher_rotation_met(
    eligible: pd.Series, rotated: pd.Series, rotated_backbone: pd.Series,
    min_rotation_share: float, min_backbone_share: float,
) -> pd.DataFrame:
    """G11's two-part rule: rotated / eligible ≥ min_rotation_share AND rotated backbone
    teachers / rotated ≥ min_backbone_share. Returns rotation_share, backbone_share, passed
    (missing where a share cannot be computed, e.g. nobody rotated)."""
    rotation_share = safe_ratio(rotated, eligible)
    backbone_share = safe_ratio(rotated_backbone, rotated)
    passed = meets(rotation_share, min_rotation_share, ">=") & meets(backbone_share, min_backbone_share, ">=")
    return pd.DataFrame({"rotation_share": rotation_share, "backbone_share": backbone_share, "passed": passed})


def rotation_item(county: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    shares = teacher_rotation_met(county["rotation_eligible"], county["rotated"], county["rotated_backbone"],
                                  item["threshold"], item["min_backbone_share_of_rotated"])
    detail = (
        "交流轮岗教师" + number_text(county["rotated"], 0) + "人，占符合交流条件教师" + number_text(county["rotation_eligible"], 0)
        + "人的" + percent_text(shares["rotation_share"]) + "（标准≥" + percent_text(pd.Series(float(item["threshold"]), index=county.index))
        + "）；其中骨干教师" + number_text(county["rotated_backbone"], 0) + "人，占交流轮岗教师的"
        + percent_text(shares["backbone_share"]) + "（标准≥"
        + percent_text(pd.Series(float(item["min_backbone_share_of_rotated"]), index=county.index)) + "）"
    )
    return figure_item(county, item, shares["rotation_share"], detail,
                       ["rotation_eligible", "rotated", "rotated_backbone"], extra_condition=shares["passed"])


def teacher_rate_item(universe: pd.DataFrame, schools: pd.DataFrame, checks: pd.DataFrame, item: dict[str, Any],
                      campuses: pd.Series, count_field: str, what_zh: str) -> pd.DataFrame:
    """G9 / G12: Σ counted teachers / Σ full-time teachers over the county's campuses."""
    teachers = schools[["teachers_primary", "teachers_junior"]].astype("Float64").sum(axis=1, min_count=1)
    share = teacher_share(schools[count_field], teachers)
    pieces = schools[COUNTY].assign(numerator=share * teachers, denominator=teachers)
    return pooled_rate_item(universe, pieces, checks[checks["item_id"] == item["id"]], item, campuses,
                            float(item["threshold"]), "全县专任教师", what_zh)


def catchment_item(universe: pd.DataFrame, schools: pd.DataFrame, checks: pd.DataFrame, item: dict[str, Any],
                   campuses: pd.Series) -> pd.DataFrame:
    """G13 per stage: Σ catchment students / Σ students over public non-boarding urban and
    town campuses teaching the stage."""
    scoped = schools[catchment_scope(schools, item)]
    rows = []
    for stage, threshold in item["thresholds"].items():
        students = scoped[f"students_{stage}"].astype("Float64")
        teaching = students.fillna(0) > 0
        pieces = scoped.loc[teaching, COUNTY].assign(
            numerator=scoped.loc[teaching, f"catchment_students_{stage}"].astype("Float64"),
            denominator=students[teaching],
        )
        stage_checks = checks[(checks["item_id"] == item["id"]) & (checks["stage"] == stage)]
        rows.append(pooled_rate_item(universe, pieces, stage_checks, item, campuses, float(threshold),
                                     f"城区和镇区公办非寄宿{STAGES[stage]}在校生", "就近划片入学", stage=stage))
    return pd.concat(rows, ignore_index=True)


def senior_high_quota_item(county: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    """G14: allocated quality senior-high places / all places ≥ 50 %, tilted to rural schools."""
    flag = item["also_required_flag"]
    value = safe_ratio(county["hs_quota_allocated"], county["hs_quota_total"])
    detail = (
        "分配到初中学校的名额" + number_text(county["hs_quota_allocated"], 0) + "个，占优质高中招生计划"
        + number_text(county["hs_quota_total"], 0) + "个的" + percent_text(value) + "（标准≥"
        + percent_text(pd.Series(float(item["threshold"]), index=county.index)) + "）；向农村学校倾斜："
        + yes_no_text(county[flag])
    )
    return figure_item(county, item, value, detail, ["hs_quota_total", "hs_quota_allocated", flag],
                       extra_condition=county[flag])


def migrant_children_item(county: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    """G15: (in public schools + in purchased places) / eligible ≥ 85 %; a county without
    migrant children passes as not applicable."""
    fields = ["migrant_eligible", "migrant_in_public", "migrant_in_purchased"]
    served = county["migrant_in_public"].astype("Float64") + county["migrant_in_purchased"].astype("Float64")
    value = safe_ratio(served, county["migrant_eligible"])
    detail = (
        "随迁子女" + number_text(county["migrant_eligible"], 0) + "人，在公办学校和政府购买学位民办学校就读"
        + number_text(served, 0) + "人，比例" + percent_text(value) + "，标准≥"
        + percent_text(pd.Series(float(item["threshold"]), index=county.index))
    )
    row = figure_item(county, item, value, detail, fields)
    none_eligible = (county["migrant_eligible"].astype("Float64") == 0).fillna(False) & missing_fields_text(county, fields).eq("")
    row["passed"] = row["passed"].mask(none_eligible, True)
    row["detail"] = row["detail"].mask(none_eligible, "本县无随迁子女（不适用）")
    return row
