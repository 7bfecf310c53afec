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

from balanced_pipeline.schema import SCHOOLS, Kind
from balanced_pipeline.standards import Indicator, Standards

RESOURCE_DECLINE_PER_YEAR = 0.025  # earlier years: levels × (1 − 0.025 per year back)
TEACHER_DECLINE_PER_YEAR = 0.02
FUNDS_DECLINE_PER_YEAR = 0.03
# Per-student public-funds benchmark (公用经费基准定额, yuan/year) the demo budgets with.
PUBLIC_FUNDS_PER_STUDENT = {"primary": 720, "junior": 940, "senior": 1200}
SPECIAL_EDUCATION_FUNDS_PER_STUDENT = 6500
SMALL_SCHOOL_FUNDED_AS = 100  # village schools under 100 students are funded as 100
MIN_TEACHING_POINT_TEACHERS = 2
LAND_QUANTITY = "land_area_m2"


def school_rows(campuses: pd.DataFrame, standards: Standards, year: int, years_back: int) -> pd.DataFrame:
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
    for indicator in standards.resource_indicators:
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
    funds = _public_funds(campuses) * (1 - FUNDS_DECLINE_PER_YEAR * years_back)
    rows["public_funds_yuan"] = (np.ceil(funds / 100) * 100).astype(np.int64)
    rows["training_funds_yuan"] = np.ceil(rows["public_funds_yuan"] * campuses["training_share"].to_numpy()
                                          ).astype(np.int64)
    _add_catchment(rows, campuses)
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


def _public_funds(campuses: pd.DataFrame) -> np.ndarray:
    primary = campuses["students_primary"].to_numpy()
    small_village = (campuses["school_type"].isin(["primary", "teaching_point"])
                     & campuses["location_type"].eq("rural")).to_numpy()
    funded_primary = np.where(small_village, np.maximum(primary, SMALL_SCHOOL_FUNDED_AS), primary)
    ordinary = (funded_primary * PUBLIC_FUNDS_PER_STUDENT["primary"]
                + campuses["students_junior"].to_numpy() * PUBLIC_FUNDS_PER_STUDENT["junior"]
                + campuses["students_senior"].to_numpy() * PUBLIC_FUNDS_PER_STUDENT["senior"])
    special = campuses["school_type"].eq("special_education").to_numpy()
    special_funds = (primary + campuses["students_junior"].to_numpy()) * SPECIAL_EDUCATION_FUNDS_PER_STUDENT
    return np.where(special, special_funds, ordinary) * campuses["funds_factor"].to_numpy()


def _add_catchment(rows: pd.DataFrame, campuses: pd.DataFrame) -> None:
    """Urban and town public day schools admit by catchment (all primary, ≥96 % junior)."""
    private = rows["ownership"].eq("private").to_numpy()
    catchment_bound = (~private & rows["boarding"].eq(0).to_numpy()
                       & rows["location_type"].isin(["urban", "town"]).to_numpy())
    for stage in ("primary", "junior"):
        students = rows[f"students_{stage}"].to_numpy()
        share = np.where(private, campuses["private_catchment_share"].to_numpy(),
                         np.where(catchment_bound & (stage == "primary"), 1.0,
                                  campuses["catchment_share"].to_numpy()))
        rounding = np.where(catchment_bound, np.ceil(students * share), np.rint(students * share))
        rows[f"catchment_students_{stage}"] = np.minimum(rounding, students).astype(np.int64)
