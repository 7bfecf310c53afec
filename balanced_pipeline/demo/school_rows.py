"""One year's schools.csv rows, derived from the campus table and the standards' thresholds.

Each R indicator's quantity is its threshold × the campus's level multiplier × the students it
serves, so "20 % above threshold" holds whatever the standards file says. A combined school's
shared quantities (areas, equipment, classrooms) are sized for the weighted student share of
the standards (§3 of the spec), so each of its parts reaches its own stage's threshold × level.
Earlier years are the same campuses with slightly fewer resources.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import SCHOOLS, Kind
from balanced_pipeline.standards.loader import Indicator, Standards

from .profiles import standard_item

RESOURCE_DECLINE_PER_YEAR = 0.025  # earlier years: levels × (1 − 0.025 per year back)
TEACHER_DECLINE_PER_YEAR = 0.02
FUNDS_DECLINE_PER_YEAR = 0.03
MIN_TEACHING_POINT_TEACHERS = 2
LAND_QUANTITY = "land_area_m2"
SMALL_SCHOOL_FUNDING, SPECIAL_EDUCATION_FUNDING, TRAINING_BUDGET, CATCHMENT = "G6", "G7", "Q4", "G13"


def school_rows(campuses: pd.DataFrame, standards: Standards, year: int, years_back: int,
                indicators: list[Indicator]) -> pd.DataFrame:
    """`indicators`: the resource quantities to write (the standards' own, plus any a provincial
    overlay adds, such as land area)."""
    rows = campuses[["county_code", "school_code", "campus_code", "school_name", "school_type",
                     "location_type", "ownership", "boarding",
                     "students_primary", "students_junior", "students_senior"]].copy()
    teacher_factor = 1 - TEACHER_DECLINE_PER_YEAR * years_back
    for stage in ("primary", "junior"):
        students = campuses[f"students_{stage}"].to_numpy()
        teachers = np.ceil(students * campuses[f"teachers_per_100_{stage}"].to_numpy() * teacher_factor / 100)
        floor = np.where(campuses["school_type"].eq("teaching_point"), MIN_TEACHING_POINT_TEACHERS, 1)
        rows[f"teachers_{stage}"] = np.where(students > 0, np.maximum(teachers, floor), 0).astype(np.int64)

    level_factor = 1 - RESOURCE_DECLINE_PER_YEAR * years_back
    for indicator in indicators:
        level = (campuses["level_land"].to_numpy() if indicator.quantity == LAND_QUANTITY
                 else campuses[f"level_{indicator.id}"].to_numpy() * level_factor)
        if indicator.per_stage:
            for stage in standards.evaluated_stages:
                count = np.ceil(level * indicator.thresholds[stage] * rows[f"students_{stage}"] / indicator.per)
                rows[f"{indicator.quantity}_{stage}"] = np.minimum(count, rows[f"teachers_{stage}"]).astype(np.int64)
        else:
            rows[indicator.quantity] = _shared_quantity(campuses, standards, indicator, level)

    teachers = rows["teachers_primary"] + rows["teachers_junior"]
    rows["certified_teachers"] = teachers
    rows["trained_360h_teachers"] = teachers
    funds = public_funds(campuses, standards) * (1 - FUNDS_DECLINE_PER_YEAR * years_back)
    rows["public_funds_yuan"] = (np.ceil(funds / 100) * 100).astype(np.int64)
    training_share = (standard_item(standards, TRAINING_BUDGET)["min_training_funds_share"]
                      * campuses["training_margin"].to_numpy())
    rows["training_funds_yuan"] = np.ceil(rows["public_funds_yuan"] * training_share).astype(np.int64)
    _add_catchment(rows, campuses, standard_item(standards, CATCHMENT))
    compulsory = rows["students_primary"] + rows["students_junior"]
    rows["migrant_children"] = np.rint(compulsory * campuses["migrant_share"].to_numpy()).astype(np.int64)
    for attestation in ("has_charter", "is_ict_managed", "moral_education_good"):
        rows[attestation] = np.int8(1)
    rows["evidence_ref"] = rows["school_code"] + rows["campus_code"] + f"-{year}-佐证"
    return rows[SCHOOLS.field_names]


def stage_weights(standards: Standards, school_type: str) -> dict[str, float]:
    return {"primary": 1.0, "junior": 1.0, "senior": 1.0, **standards.stage_split_weights.get(school_type, {})}


def _shared_quantity(campuses: pd.DataFrame, standards: Standards, indicator: Indicator,
                     level: np.ndarray) -> np.ndarray:
    """Total for the campus: its most demanding part gets exactly level × threshold per student."""
    needed_per_weighted_student, weighted_students = {}, np.zeros(len(campuses))
    for school_type in campuses["school_type"].unique():
        weights = stage_weights(standards, school_type)
        stages = standards.school_type_stages.get(school_type) or standards.evaluated_stages
        judged = [s for s in stages if s in indicator.thresholds]
        needed_per_weighted_student[school_type] = max(indicator.thresholds[s] / weights[s] for s in judged)
        is_type = campuses["school_type"].eq(school_type).to_numpy()
        weighted_students[is_type] = sum(weights[s] * campuses[f"students_{s}"].to_numpy()[is_type]
                                         for s in ("primary", "junior", "senior"))
    per_student = campuses["school_type"].map(needed_per_weighted_student).to_numpy()
    total = level * per_student * weighted_students / indicator.per
    kind = SCHOOLS.field(indicator.quantity).kind
    if kind is Kind.INTEGER:
        return np.ceil(total).astype(np.int64)
    if indicator.quantity.endswith("_yuan"):
        return (np.ceil(total / 100) * 100).astype(np.int64)
    return np.ceil(total * 10) / 10


def public_funds(campuses: pd.DataFrame, standards: Standards) -> np.ndarray:
    """Annual public funds before the year's decline: the campus's funds margin × what the
    standards ask for. That is G6's per-student benchmark × students, G6's floor of students for
    the small schools it names, and G7's minimum per student at special-education schools.
    Senior students have no national benchmark; they are budgeted at the highest compulsory one."""
    small_school = standard_item(standards, SMALL_SCHOOL_FUNDING)
    benchmark = small_school["public_funds_per_student_benchmark"]
    rate = {"senior": max(benchmark.values()), **benchmark}
    students = {stage: campuses[f"students_{stage}"].to_numpy() for stage in rate}
    ordinary = sum(rate[stage] * students[stage] for stage in rate)

    school_type = campuses["school_type"]
    compulsory = students["primary"] + students["junior"]
    covered = np.zeros(len(campuses), bool)
    for covered_type, locations in small_school["applies_to"].items():
        covered |= (school_type.eq(covered_type) & campuses["location_type"].isin(locations)).to_numpy()
    small = covered & (compulsory < small_school["small_school_below_students"])
    first_stage = school_type.map({t: stages[0] for t, stages in standards.school_type_stages.items() if stages})
    floor = first_stage.map(benchmark).fillna(0).to_numpy() * small_school["funded_as_students"]
    ordinary = np.where(small, np.maximum(ordinary, floor), ordinary)

    special = school_type.eq("special_education").to_numpy()
    special_funds = compulsory * standard_item(standards, SPECIAL_EDUCATION_FUNDING)["threshold"]
    return np.where(special, special_funds, ordinary) * campuses["funds_margin"].to_numpy()


def _add_catchment(rows: pd.DataFrame, campuses: pd.DataFrame, item: dict) -> None:
    """Public schools admit by catchment within the share G13 (`item`) allows each stage; the
    schools G13 judges round up, so they never fall short by rounding."""
    private = rows["ownership"].ne(item["ownership"]).to_numpy()
    judged = (~private & rows["boarding"].astype(bool).eq(item["boarding"]).to_numpy()
              & rows["location_type"].isin(item["location_types"]).to_numpy())
    for stage, threshold in item["thresholds"].items():
        students = rows[f"students_{stage}"].to_numpy()
        public_share = 1 - (1 - threshold) * campuses["catchment_slack"].to_numpy()
        share = np.where(private, campuses["private_catchment_share"].to_numpy(), public_share)
        rounding = np.where(judged, np.ceil(students * share), np.rint(students * share))
        rows[f"catchment_students_{stage}"] = np.minimum(rounding, students).astype(np.int64)
