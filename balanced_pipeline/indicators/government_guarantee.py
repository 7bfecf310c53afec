"""Government guarantee (政府保障程度), G1–G15 (spec §2.2): each item's per-campus check (the rows
of school_guarantee_checks for G3–G6, G9, G12, G13) and its county rule (the table
county_guarantee), tied together by ITEMS. The attested items (G1, G2, G10) share one rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import ROOM_TYPES, STAGES, YEAR_CAMPUS_KEY, YEAR_COUNTY_KEY
from balanced_pipeline.contract.issues import issues_frame
from balanced_pipeline.indicators.common import (
    COUNTY_ITEM_COLUMNS,
    county_universe,
    failed,
    item_order,
    join_nonblank,
    number_text,
    percent_text,
    safe_ratio,
    scalar_text,
    yes_no_text,
)
from balanced_pipeline.indicators.county_items import (
    NO_SCHOOLS,
    CountyInputs,
    Item,
    all_schools_item,
    attestation_item,
    campus_rows,
    county_form_rows,
    failing_school_text,
    figure_item,
    item_row,
    missing_fields_text,
    pooled_rate_item,
    undecided_reason,
    with_not_computed,
)
from balanced_pipeline.indicators.formulas import meets
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import conform


def _every_school(c: CountyInputs, item: dict[str, Any]) -> pd.DataFrame:
    return all_schools_item(c.universe, c.checks_of(item["id"]), item, c.campuses)


ITEMS = {
    "G3": Item(school=lambda s, item: room_check(s.schools, s.classes, s.rooms, item), county=_every_school),
    "G4": Item(school=lambda s, item: school_size_check(s.schools, item), county=_every_school),
    "G5": Item(school=lambda s, item: class_size_check(s.schools, s.classes, item, s.school_type_stages),
               county=lambda c, item: class_size_item(c.universe, c.checks_of(item["id"]), item, c.campuses)),
    "G6": Item(school=lambda s, item: small_school_funding_check(s.schools, item, s.school_type_stages),
               county=_every_school),
    "G7": Item(county=lambda c, item: special_education_item(c.county, c.schools, item)),
    "G8": Item(county=lambda c, item: teacher_pay_item(c.county, item)),
    "G9": Item(school=lambda s, item: teacher_share_check(s.schools, item, "trained_360h_teachers", "完成360学时培训"),
               county=lambda c, item: teacher_rate_item(c.universe, c.schools, c.checks_of(item["id"]), item, c.campuses,
                                                        "trained_360h_teachers", "5年内完成360学时培训")),
    "G11": Item(county=lambda c, item: rotation_item(c.county, item)),
    "G12": Item(school=lambda s, item: teacher_share_check(s.schools, item, "certified_teachers", "持有教师资格证"),
                county=lambda c, item: teacher_rate_item(c.universe, c.schools, c.checks_of(item["id"]), item, c.campuses,
                                                         "certified_teachers", "持有教师资格证")),
    "G13": Item(school=lambda s, item: catchment_check(s.schools, item, s.school_type_stages),
                county=lambda c, item: catchment_item(c.universe, c.schools, c.checks_of(item["id"]), item, c.campuses)),
    "G14": Item(county=lambda c, item: senior_high_quota_item(c.county, item)),
    "G15": Item(county=lambda c, item: migrant_children_item(c.county, item)),
}
"""Item id → its per-campus check and county rule; an item of basis `attestation` (G1, G2, G10) is
judged by attestation_item instead."""


def county_guarantee(
    counties: pd.DataFrame, schools: pd.DataFrame, school_checks: pd.DataFrame, standards: Standards,
    issues: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per county × G item (G13 per stage) for every county that sent a county form
    or school data; an item whose data is missing or quarantined by an error of `issues` is not
    computed, with the reason (county_items.with_not_computed)."""
    section = standards.section("government_guarantee")
    universe = county_universe(counties, schools)
    county = county_form_rows(universe, counties)
    inputs = CountyInputs(universe, county, schools, school_checks, schools.groupby(YEAR_COUNTY_KEY).size(),
                          issues if issues is not None else issues_frame())
    rows = [
        attestation_item(county, item) if item["basis"] == "attestation" else ITEMS[item["id"]].county(inputs, item)
        for item in section["items"]
    ]
    table = pd.concat(rows, ignore_index=True).assign(standards_version=standards.version)
    table = with_not_computed(table, county, standards, inputs.issues)
    order = item_order(standards)
    table = table.sort_values(["year", "county_code", "item_id", "stage"],
                              key=lambda c: c.map(order) if c.name in ("item_id", "stage") else c, kind="stable")
    return conform(table, COUNTY_ITEM_COLUMNS)


def rooms_required(classes: pd.Series, classes_per_set: int, rooms_per_set: int) -> pd.Series:
    """Rooms of one kind a school needs: `rooms_per_set` for every started set of
    `classes_per_set` classes (13 classes need two sets, so 2 rooms at 1 per 12)."""
    classes = pd.Series(classes).astype("Float64")
    return (np.ceil(classes / classes_per_set) * rooms_per_set).astype("Int64")


def compulsory_students(schools: pd.DataFrame, stages: list[str]) -> pd.Series:
    """Students of the given stages; missing only when every stage's count is missing."""
    columns = schools[[f"students_{stage}" for stage in stages]].astype("Float64")
    return columns.sum(axis=1, min_count=1)


def room_check(schools: pd.DataFrame, classes: pd.DataFrame, rooms: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    scoped = schools[schools["school_type"].isin(item["school_types"])]
    class_counts = (
        classes.loc[classes["stage"].isin(item["class_stages"]), YEAR_CAMPUS_KEY].groupby(YEAR_CAMPUS_KEY).size()
        .rename("classes")
    )
    min_area = pd.Series(item["room_min_area_m2"], dtype="Float64")
    adequate = (rooms["area_m2"].astype("Float64") >= rooms["room_type"].map(min_area).astype("Float64")).fillna(False)
    tally_columns = {}
    for room_type in min_area.index:
        of_type = rooms["room_type"] == room_type
        tally_columns[f"{room_type}_adequate"] = of_type & adequate
        tally_columns[f"{room_type}_undersized"] = of_type & ~adequate
    tallies = pd.concat([rooms[YEAR_CAMPUS_KEY], pd.DataFrame(tally_columns, index=rooms.index)], axis=1).groupby(YEAR_CAMPUS_KEY).sum()

    frame = campus_rows(scoped, item).join(class_counts, on=YEAR_CAMPUS_KEY).join(tallies, on=YEAR_CAMPUS_KEY)
    frame[list(tally_columns)] = frame[list(tally_columns)].fillna(0).astype("Int64")
    classes_known = frame["classes"].astype("Int64")
    required = rooms_required(classes_known, item["classes_per_room_set"], item["rooms_per_set"])
    adequate_counts = frame[[f"{t}_adequate" for t in min_area.index]]
    frame["value"] = adequate_counts.min(axis=1).astype("Float64")
    frame["threshold"] = required.astype("Float64")
    frame["comparison"] = ">="
    frame["passed"] = meets(frame["value"], frame["threshold"], ">=")

    sentences = []
    for room_type, area in min_area.items():
        undersized = frame[f"{room_type}_undersized"]
        sentences.append(
            ROOM_TYPES[room_type] + frame[f"{room_type}_adequate"].astype("string") + "间"
            + ("（另有" + undersized.astype("string") + f"间小于{scalar_text(area)}㎡，不计）").where(undersized > 0, "")
        )
    kinds = "、".join(ROOM_TYPES[t].removesuffix("教室") for t in min_area.index)
    frame["detail"] = (
        classes_known.astype("string") + f"个班，应配{kinds}专用教室各" + required.astype("string")
        + "间；符合面积要求的" + join_nonblank(sentences, "、")
    ).fillna("未报送班级信息，无法核定应配专用教室数")
    return frame.drop(columns=["classes", *tally_columns])


def school_size_check(schools: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    limits = pd.Series(item["max_students"], dtype="Float64")
    scoped = schools[schools["school_type"].isin(limits.index)]
    frame = campus_rows(scoped, item)
    students = compulsory_students(scoped, item["student_stages"])
    frame["value"] = students
    frame["threshold"] = scoped["school_type"].map(limits).astype("Float64")
    frame["comparison"] = "<="
    frame["passed"] = meets(students, frame["threshold"], "<=")
    over = ("，超" + number_text(students - frame["threshold"], 0) + "人").where(failed(frame["passed"]), "")
    frame["detail"] = (
        "义务教育阶段在校生" + number_text(students, 0) + "人，标准≤" + number_text(frame["threshold"], 0) + "人" + over
    ).where(students.notna(), "义务教育阶段在校生数缺失")
    return frame


def class_size_check(
    schools: pd.DataFrame, classes: pd.DataFrame, item: dict[str, Any], school_type_stages: dict[str, list[str]]
) -> pd.DataFrame:
    limits = pd.Series(item["max_class_size"], dtype="Float64")
    judged = classes.loc[classes["stage"].isin(limits.index), [*YEAR_CAMPUS_KEY, *CLASS_LABEL_FIELDS, "students"]]
    judged["limit"] = judged["stage"].map(limits).astype("Float64")
    oversize = meets(judged["students"], judged["limit"], ">")
    judged["oversize"] = oversize.fillna(False).astype(int)
    judged["unknown"] = oversize.isna().astype(int)
    per_campus = judged.groupby(YEAR_CAMPUS_KEY).agg(classes=("limit", "size"), oversize=("oversize", "sum"),
                                            unknown=("unknown", "sum"))
    # Only oversize classes are named, so only they get a label.
    oversize = judged[judged["oversize"] > 0]
    oversize_labels = oversize.assign(label=oversize_class_label(oversize)).groupby(YEAR_CAMPUS_KEY)["label"].agg("、".join)

    judged_types = [t for t, stages in school_type_stages.items() if set(stages) & set(limits.index)]
    frame = campus_rows(schools[schools["school_type"].isin(judged_types)], item)
    frame = frame.join(per_campus, on=YEAR_CAMPUS_KEY).join(oversize_labels.rename("oversize_labels"), on=YEAR_CAMPUS_KEY)
    oversize_count = frame["oversize"].astype("Int64")
    unknown_count = frame["unknown"].astype("Int64")
    frame["value"] = oversize_count.astype("Float64")
    frame["threshold"] = float(item["threshold"])
    frame["comparison"] = item["comparison"]
    undecided = frame["classes"].isna() | ((oversize_count == 0) & (unknown_count > 0)).fillna(False)
    frame["passed"] = meets(frame["value"], frame["threshold"], item["comparison"]).mask(undecided)
    frame["detail"] = (
        pd.Series(np.select(
            [frame["classes"].isna(), (oversize_count > 0).fillna(False), (unknown_count > 0).fillna(False)],
            ["未报送班级信息", "超标班级", "学生数缺失的班级"],
            default="全部",
        ), index=frame.index, dtype="string")
        + pd.Series(np.select(
            [frame["classes"].isna(), (oversize_count > 0).fillna(False), (unknown_count > 0).fillna(False)],
            [
                "",
                oversize_count.astype("string") + "个：" + frame["oversize_labels"].astype("string"),
                unknown_count.astype("string") + "个",
            ],
            default=frame["classes"].astype("Int64").astype("string") + "个班级未超过班额标准",
        ), index=frame.index, dtype="string")
    )
    return frame.drop(columns=["classes", "oversize", "unknown", "oversize_labels"])


CLASS_LABEL_FIELDS = ["class_name", "stage", "grade"]


def oversize_class_label(classes: pd.DataFrame) -> pd.Series:
    """How an oversize class is named in G5's detail: '3班（小学4年级）52人，限45人'."""
    return (
        classes["class_name"].astype("string") + "（" + classes["stage"].map(STAGES)
        + classes["grade"].astype("string").fillna("?")
        + "年级）" + number_text(classes["students"], 0) + "人，限" + number_text(classes["limit"], 0) + "人"
    )


def small_school_funding_check(
    schools: pd.DataFrame, item: dict[str, Any], school_type_stages: dict[str, list[str]]
) -> pd.DataFrame:
    kind_applies = pd.Series(False, index=schools.index)
    for school_type, locations in item["applies_to"].items():
        kind_applies |= ((schools["school_type"] == school_type) & schools["location_type"].isin(locations)).fillna(False)
    students = compulsory_students(schools, ["primary", "junior"])
    # A campus of the right kind whose size is unknown is judged (as undecided), not skipped.
    small_or_unknown = (students < item["small_school_below_students"]).fillna(True).astype(bool)
    scoped_mask = kind_applies.astype(bool) & small_or_unknown
    scoped = schools[scoped_mask]
    students = students[scoped_mask]
    frame = campus_rows(scoped, item)
    benchmark = pd.Series(item["public_funds_per_student_benchmark"], dtype="Float64")
    stage_of_type = {t: stages[0] for t, stages in school_type_stages.items() if stages}
    per_student = scoped["school_type"].map(stage_of_type).map(benchmark).astype("Float64")
    frame["value"] = scoped["public_funds_yuan"].astype("Float64")
    frame["threshold"] = small_school_funding_required(per_student, item["funded_as_students"])
    frame["comparison"] = ">="
    frame["passed"] = meets(frame["value"], frame["threshold"], ">=").mask(students.isna())
    short = ("，差" + number_text(frame["threshold"] - frame["value"]) + "元").where(failed(frame["passed"]), "")
    frame["detail"] = (
        "在校生" + number_text(students, 0) + f"人，按{item['funded_as_students']}人核定公用经费应不低于"
        + number_text(frame["threshold"]) + "元（" + number_text(per_student) + "元/生），年度公用经费预算"
        + number_text(frame["value"]) + "元" + short
    ).where(students.notna(), "在校生数缺失，无法判定是否为小规模学校")
    return frame


def small_school_funding_required(per_student_benchmark: pd.Series, funded_as_students: int) -> pd.Series:
    """Public funds a small school must get: the per-student benchmark times the floor
    (a 37-student village school at 650 yuan is funded 650 × 100 = 65,000 yuan)."""
    return (pd.Series(per_student_benchmark).astype("Float64") * funded_as_students).astype("Float64")


def teacher_share_check(schools: pd.DataFrame, item: dict[str, Any], count_field: str, what_zh: str) -> pd.DataFrame:
    frame = campus_rows(schools, item)
    teachers = schools[["teachers_primary", "teachers_junior"]].astype("Float64").sum(axis=1, min_count=1)
    counted = schools[count_field].astype("Float64")
    frame["value"] = teacher_share(counted, teachers)
    frame["threshold"] = float(item["threshold"])
    frame["comparison"] = item["comparison"]
    frame["passed"] = meets(frame["value"], frame["threshold"], item["comparison"])
    frame["detail"] = (
        "专任教师" + number_text(teachers, 0) + f"人，{what_zh}" + number_text(counted, 0) + "人，比例"
        + percent_text(frame["value"]) + "，标准" + percent_text(pd.Series(frame["threshold"]))
    ).where(frame["value"].notna(), f"专任教师数或{what_zh}教师数缺失")
    return frame


def teacher_share(counted: pd.Series, teachers: pd.Series) -> pd.Series:
    """counted / teachers, with counted capped at teachers so an over-report cannot lift a
    county total above what its schools really have."""
    counted = pd.Series(counted).astype("Float64")
    teachers = pd.Series(teachers).astype("Float64")
    return safe_ratio(counted.clip(upper=teachers), teachers)


def catchment_scope(schools: pd.DataFrame, item: dict[str, Any]) -> pd.Series:
    """Campuses the catchment rule applies to: public, non-boarding, in the listed locations
    (a blank boarding flag counts as non-boarding, so the campus is judged rather than skipped)."""
    return (
        schools["location_type"].isin(item["location_types"])
        & (schools["ownership"] == item["ownership"])
        & (schools["boarding"].astype("boolean").fillna(False) == item["boarding"])
    ).fillna(False).astype(bool)


def catchment_check(schools: pd.DataFrame, item: dict[str, Any], school_type_stages: dict[str, list[str]]) -> pd.DataFrame:
    scoped = schools[catchment_scope(schools, item)]
    per_stage = []
    for stage, threshold in item["thresholds"].items():
        students = scoped[f"students_{stage}"].astype("Float64")
        # A stage the type teaches whose count is unknown stays a row, judged as not computable.
        types_teaching = [t for t, stages in school_type_stages.items() if stage in stages]
        judged = ((students > 0) | (students.isna() & scoped["school_type"].isin(types_teaching))).fillna(False)
        teaching = scoped[judged.astype(bool)]
        students = students[judged.astype(bool)]
        catchment = teaching[f"catchment_students_{stage}"].astype("Float64")
        frame = campus_rows(teaching, item).assign(stage=stage)
        frame["value"] = safe_ratio(catchment, students)
        frame["threshold"] = float(threshold)
        frame["comparison"] = item["comparison"]
        frame["passed"] = meets(frame["value"], frame["threshold"], item["comparison"])
        frame["detail"] = (
            f"{STAGES[stage]}就近划片入学" + number_text(catchment, 0) + "人，在校生" + number_text(students, 0)
            + "人，比例" + percent_text(frame["value"]) + "，标准≥" + percent_text(pd.Series(frame["threshold"]))
        ).where(catchment.notna(), f"{STAGES[stage]}就近划片入学学生数缺失")
        per_stage.append(frame)
    return pd.concat(per_stage, ignore_index=True)


def class_size_item(universe: pd.DataFrame, checks: pd.DataFrame, item: dict[str, Any],
                    campuses: pd.Series) -> pd.DataFrame:
    """G5: the county value is the number of classes over the limit; every campus's class list
    must be known."""
    campus_checks = checks[checks["item_id"] == item["id"]]
    oversize = campus_checks.groupby(YEAR_COUNTY_KEY)["value"].sum(min_count=1).rename("oversize")
    tallies = failing_school_text(
        campus_checks.assign(school_name=campus_checks["school_name"] + (
            "（" + number_text(campus_checks["value"], 0) + "个）").where((campus_checks["value"] > 0).fillna(False), "")),
        YEAR_COUNTY_KEY,
    )
    frame = universe.merge(tallies, on=YEAR_COUNTY_KEY, how="left").join(oversize, on=YEAR_COUNTY_KEY)
    has_schools = pd.Series(frame.set_index(YEAR_COUNTY_KEY).index.isin(campuses.index), index=frame.index)
    value = frame["oversize"].astype("Float64").fillna(0)
    passed = meets(value, item["threshold"], item["comparison"]) & (frame["undecided"].fillna(0) == 0) & has_schools
    failed_text = ("超标班级" + number_text(value, 0) + "个，涉及" + frame["failed"].astype("Int64").astype("string")
                   + "所学校（校区）：" + frame["failed_names"].astype("string")).where(frame["failed"].fillna(0) > 0, "")
    undecided_text = ("数据缺失" + frame["undecided"].astype("Int64").astype("string") + "所学校（校区）："
                      + frame["undecided_names"].astype("string")).where(frame["undecided"].fillna(0) > 0, "")
    detail = join_nonblank([failed_text, undecided_text])
    detail = detail.where(detail.ne(""), "全部班级未超过班额标准").where(has_schools, NO_SCHOOLS)
    unknown_zh, unknown_en = undecided_reason(frame, frame["failed"].fillna(0) > 0)
    return item_row(frame, item, value, passed, detail).assign(_unknown_zh=unknown_zh, _unknown_en=unknown_en)


def special_education_item(county: pd.DataFrame, schools: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    """G7: judged when the county reports the figure; without a figure it fails, unless the
    county has no special-education school (not applicable)."""
    value = county[item["value_field"]].astype("Float64")
    special = schools[schools["school_type"] == "special_education"].groupby(YEAR_COUNTY_KEY).size()
    has_special = pd.Series(county.set_index(YEAR_COUNTY_KEY).index.isin(special.index), index=county.index)
    detail = "特殊教育学校生均公用经费" + number_text(value) + "元，标准≥" + number_text(pd.Series(float(item["threshold"]), index=county.index)) + "元"
    row = figure_item(county, item, value, detail)
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
    return figure_item(county, item, value, detail, extra_condition=county[flag])


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
    return figure_item(county, item, shares["rotation_share"], detail, extra_condition=shares["passed"])


def teacher_rate_item(universe: pd.DataFrame, schools: pd.DataFrame, checks: pd.DataFrame, item: dict[str, Any],
                      campuses: pd.Series, count_field: str, what_zh: str) -> pd.DataFrame:
    """G9 / G12: Σ counted teachers / Σ full-time teachers over the county's campuses."""
    teachers = schools[["teachers_primary", "teachers_junior"]].astype("Float64").sum(axis=1, min_count=1)
    share = teacher_share(schools[count_field], teachers)
    pieces = schools[YEAR_COUNTY_KEY].assign(numerator=share * teachers, denominator=teachers)
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
        pieces = scoped.loc[teaching, YEAR_COUNTY_KEY].assign(
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
    return figure_item(county, item, value, detail, extra_condition=county[flag])


def migrant_children_item(county: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    """G15: (in public schools + in purchased places) / eligible ≥ 85 %; a county without
    migrant children passes as not applicable."""
    served = county["migrant_in_public"].astype("Float64") + county["migrant_in_purchased"].astype("Float64")
    value = safe_ratio(served, county["migrant_eligible"])
    detail = (
        "随迁子女" + number_text(county["migrant_eligible"], 0) + "人，在公办学校和政府购买学位民办学校就读"
        + number_text(served, 0) + "人，比例" + percent_text(value) + "，标准≥"
        + percent_text(pd.Series(float(item["threshold"]), index=county.index))
    )
    row = figure_item(county, item, value, detail)
    none_eligible = ((county["migrant_eligible"].astype("Float64") == 0).fillna(False)
                     & missing_fields_text(county, item["inputs"]).eq(""))
    row["passed"] = row["passed"].mask(none_eligible, True)
    row["detail"] = row["detail"].mask(none_eligible, "本县无随迁子女（不适用）")
    return row
