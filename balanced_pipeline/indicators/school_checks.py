"""Per-campus checks behind the county items that must hold at every school (spec §2.2, §2.3):
G3 music/art rooms, G4 school size, G5 class size, G6 small-school funding, G9 training,
G12 certification, G13 catchment admission, Q3 charter + ICT, Q4 training budget, Q6 moral
education. One row per campus × item (× stage for G13), so the office sees which schools make
a county item fail.

A row's `passed` is missing when the campus did not give the data the check needs; the detail
says what is missing and the county item counts the campus as not passing. When an error
quarantined one of the school-form fields an item declares as `inputs` in the standards file, the
row has value and passed NULL and its `not_computed_reason` (dependencies.py); the campus's other
checks are judged as usual.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from balanced_pipeline.indicators.common import (
    SCHOOL_CHECK_COLUMNS,
    failed,
    has_text,
    item_order,
    items_by_id,
    join_nonblank,
    number_text,
    percent_text,
    scalar_text,
    safe_ratio,
    yes_no_text,
)
from balanced_pipeline.indicators.formulas import meets
from balanced_pipeline.warehouse.catalogue import conform
from balanced_pipeline.contract.forms import CAMPUS_KEY, ROOM_TYPES, SCHOOLS, STAGES, YEAR_CAMPUS_KEY
from balanced_pipeline.contract.issues import issues_frame
from balanced_pipeline.indicators.dependencies import REASON_COLUMNS, item_inputs, not_computed_reasons, quarantined_inputs
from balanced_pipeline.standards.loader import Standards


def school_guarantee_checks(
    schools: pd.DataFrame, classes: pd.DataFrame, rooms: pd.DataFrame, standards: Standards,
    issues: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The table school_guarantee_checks for accepted campuses, their classes and rooms; a check
    whose declared inputs an error of `issues` quarantined is not judged, with the reason."""
    guarantee = items_by_id(standards.section("government_guarantee"))
    quality = items_by_id(standards.section("education_quality"))
    schools, classes, rooms = (with_campus_keys(f) for f in (schools, classes, rooms))
    parts = [
            room_check(schools, classes, rooms, guarantee["G3"]),
            school_size_check(schools, guarantee["G4"]),
            class_size_check(schools, classes, guarantee["G5"], standards.school_type_stages),
            small_school_funding_check(schools, guarantee["G6"], standards.school_type_stages),
            teacher_share_check(schools, guarantee["G9"], "trained_360h_teachers", "完成360学时培训"),
            teacher_share_check(schools, guarantee["G12"], "certified_teachers", "持有教师资格证"),
            catchment_check(schools, guarantee["G13"], standards.school_type_stages),
            school_attestation_check(schools, quality["Q3"]),
            training_budget_check(schools, quality["Q4"]),
            school_attestation_check(schools, quality["Q6"]),
    ]
    checks = pd.concat([part for part in parts if not part.empty] or parts[:1], ignore_index=True)
    checks = with_not_judged(checks, schools, standards, issues if issues is not None else issues_frame())
    checks["standards_version"] = standards.version
    order = item_order(standards)
    checks = checks.sort_values([*YEAR_CAMPUS_KEY, "item_id", "stage"], key=lambda c: c.map(order) if c.name in ("item_id", "stage") else c,
                                kind="stable")
    return conform(checks, SCHOOL_CHECK_COLUMNS)


def with_not_judged(checks: pd.DataFrame, schools: pd.DataFrame, standards: Standards,
                    issues: pd.DataFrame) -> pd.DataFrame:
    """`checks` with every check whose declared inputs were quarantined set to not judged: value
    and passed NULL, the detail replaced by the reason (what it said was computed on a missing value)."""
    reasons = not_computed_reasons(checks, item_inputs(standards), quarantined_inputs(schools, issues))
    not_judged = reasons["not_computed_reason_zh"].ne("")
    checks = pd.concat([checks.drop(columns=REASON_COLUMNS, errors="ignore"), reasons], axis=1)
    checks["value"] = checks["value"].mask(not_judged)
    checks["passed"] = checks["passed"].astype("boolean").mask(not_judged)
    checks["detail"] = checks["detail"].astype("string").mask(not_judged, reasons["not_computed_reason_zh"])
    return checks


def with_campus_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Join keys in one type whatever the reader produced (codes as text, year as Int64)."""
    frame = frame.copy()
    frame["year"] = frame["year"].astype("Int64")
    for column in CAMPUS_KEY:
        if column in frame.columns:
            frame[column] = frame[column].astype("string")
    return frame


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
        classes[classes["stage"].isin(item["class_stages"])].groupby(YEAR_CAMPUS_KEY).size().rename("classes")
    )
    min_area = pd.Series(item["room_min_area_m2"], dtype="Float64")
    adequate = (rooms["area_m2"].astype("Float64") >= rooms["room_type"].map(min_area).astype("Float64")).fillna(False)
    tally_columns = {}
    for room_type in min_area.index:
        of_type = rooms["room_type"] == room_type
        tally_columns[f"{room_type}_adequate"] = of_type & adequate
        tally_columns[f"{room_type}_undersized"] = of_type & ~adequate
    tallies = pd.concat([rooms[YEAR_CAMPUS_KEY], pd.DataFrame(tally_columns, index=rooms.index)], axis=1).groupby(YEAR_CAMPUS_KEY).sum()

    frame = _base(scoped, item).join(class_counts, on=YEAR_CAMPUS_KEY).join(tallies, on=YEAR_CAMPUS_KEY)
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
    frame = _base(scoped, item)
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
    judged = classes[classes["stage"].isin(limits.index)].copy()
    judged["limit"] = judged["stage"].map(limits).astype("Float64")
    oversize = meets(judged["students"], judged["limit"], ">")
    judged["oversize"] = oversize.fillna(False).astype(int)
    judged["unknown"] = oversize.isna().astype(int)
    judged["label"] = (
        judged["class_name"].astype("string") + "（" + judged["stage"].map(STAGES) + judged["grade"].astype("string")
        + "年级）" + number_text(judged["students"], 0) + "人，限" + number_text(judged["limit"], 0) + "人"
    )
    per_campus = judged.groupby(YEAR_CAMPUS_KEY).agg(classes=("limit", "size"), oversize=("oversize", "sum"),
                                            unknown=("unknown", "sum"))
    oversize_labels = judged[judged["oversize"] > 0].groupby(YEAR_CAMPUS_KEY)["label"].agg("、".join)

    judged_types = [t for t, stages in school_type_stages.items() if set(stages) & set(limits.index)]
    frame = _base(schools[schools["school_type"].isin(judged_types)], item)
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
    frame = _base(scoped, item)
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
    frame = _base(schools, item)
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
        frame = _base(teaching, item).assign(stage=stage)
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


def school_attestation_check(schools: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    frame = _base(schools, item)
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
    frame = _base(schools, item)
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


def _base(schools: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    return schools[[*YEAR_CAMPUS_KEY, "school_name"]].assign(item_id=item["id"], stage="")
