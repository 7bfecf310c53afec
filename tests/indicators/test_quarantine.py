"""An error quarantines the value, not the school (issue 10, items 2 and 3), from the suites to the
indicators, on one hand-built county: the campuses of tests/validation plus two twelve-year schools
and one campus with a wrong type, each broken in one way.

- 二小 (primary, 200 students) types a negative sports area: only R5 is unknown;
- 四校 (twelve-year) lists no senior classes: a warning, every indicator computed;
- 五校 (twelve-year) reports 100 senior students but lists senior classes of 80: the split of its
  shared areas is unknown, so R4–R7 of both parts are not computed; R1–R3 and G/Q stay;
- 六校 types an unknown school type: an identity error, the campus is rejected.
"""

from __future__ import annotations

import pandas as pd
import pytest

from balanced_pipeline.contract.forms import FORMS
from balanced_pipeline.contract.issues import split_accepted
from balanced_pipeline.validation.completeness import campus_gaps
from balanced_pipeline.indicators import resource_allocation as ra
from balanced_pipeline.indicators import school_checks
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.validation.validate import validate_forms
from tests.validation.test_validation import SCHOOL_DEFAULTS, typed, valid_forms

STANDARDS = load_standards("national")
SPLIT = ["R4", "R5", "R6", "R7"]
PER_STAGE = ["R1", "R2", "R3"]


def twelve_year(code: str, name: str, **changes) -> dict:
    """A twelve-year campus: 300 primary, 200 junior, 100 senior students, every R1–R7 met."""
    return {**SCHOOL_DEFAULTS, "county_code": "340403", "school_code": code, "campus_code": "01", "school_name": name,
            "school_type": "twelve_year", "students_primary": 300, "students_junior": 200, "students_senior": 100,
            "teachers_primary": 20, "teachers_junior": 18, "above_required_degree_primary": 18,
            "above_required_degree_junior": 16, "backbone_primary": 4, "backbone_junior": 3,
            "pe_arts_teachers_primary": 3, "pe_arts_teachers_junior": 3, "certified_teachers": 36,
            "trained_360h_teachers": 30, "land_area_m2": 30000.0, "teaching_aux_area_m2": 6000.0,
            "sports_area_m2": 12000.0, "equipment_value_yuan": 3_000_000.0, "multimedia_classrooms": 30,
            "catchment_students_primary": 280, "catchment_students_junior": 190, **changes}


def classes_of(code: str, stages: list[tuple[str, int, int, int]]) -> list[dict]:
    identity = {"county_code": "340403", "school_code": code, "campus_code": "01"}
    return [{**identity, "stage": stage, "grade": grade, "class_name": f"{grade}-{n + 1}班", "students": size}
            for stage, grade, size, count in stages for n in range(count)]


def broken_county() -> dict[str, pd.DataFrame]:
    forms = valid_forms()
    forms["schools"].loc[forms["schools"]["school_name"] == "二小", "sports_area_m2"] = -100.0
    added = [twelve_year("3404030004", "四校"), twelve_year("3404030005", "五校"),
             twelve_year("3404030006", "六校", school_type="middle_school")]
    compulsory = [("primary", 1, 50, 6), ("junior", 7, 50, 4)]
    added_classes = (classes_of("3404030004", compulsory)  # no senior classes at all
                     + classes_of("3404030005", [*compulsory, ("senior", 10, 40, 2)])  # 80 ≠ 100 senior students
                     + classes_of("3404030006", compulsory))
    schools = typed(FORMS["schools"].fields, added, "schools_added.csv")
    classes = typed(FORMS["classes"].fields, added_classes, "classes_added.csv")
    registry = typed(FORMS["registry"].fields, [{k: s[k] for k in FORMS["registry"].field_names} for s in added],
                     "registry_added.csv")
    for name, extra in (("schools", schools), ("classes", classes), ("registry", registry)):
        forms[name] = pd.concat([forms[name], extra], ignore_index=True)
    return {name: forms[name] for name in ("registry", "schools", "classes", "rooms")}


@pytest.fixture(scope="module")
def year():
    """The year as the assets compute it: suites, quarantine, parts, R1–R7, verdicts, coefficients, checks."""
    forms = broken_county()
    issues = validate_forms(forms, STANDARDS).issues
    schools, rejected = split_accepted(forms["schools"], issues, "schools")
    classes = split_accepted(forms["classes"], issues, "classes")[0]
    rooms = split_accepted(forms["rooms"], issues, "rooms")[0]
    parts = ra.school_parts(schools, STANDARDS)
    indicators = ra.school_indicators(schools, parts, STANDARDS, issues)
    return {
        "issues": issues, "schools": schools, "rejected": rejected, "parts": parts, "indicators": indicators,
        "verdicts": ra.school_resource_verdicts(indicators, STANDARDS),
        "coefficients": ra.county_difference_coefficients(
            indicators, parts, campus_gaps(forms["registry"], forms["schools"], schools), STANDARDS),
        "checks": school_checks.school_guarantee_checks(schools, classes, rooms, STANDARDS, issues),
    }


def rows_of(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    return frame[frame["school_name"] == name]


def by_indicator(indicators: pd.DataFrame, name: str, stage: str) -> pd.DataFrame:
    rows = rows_of(indicators, name)
    return rows[rows["stage"] == stage].set_index("indicator_id")


def test_a_negative_sports_area_makes_only_r5_unknown(year):
    issue = year["issues"][(year["issues"]["rule"] == "sports_area_m2_non_negative")]
    assert issue["school_code"].tolist() == ["3404030002"] and issue["severity"].tolist() == ["error"]
    assert "3404030002" in set(year["schools"]["school_code"])  # the campus is kept
    r = by_indicator(year["indicators"], "二小", "primary")
    assert pd.isna(r.loc["R5", "value"]) and pd.isna(r.loc["R5", "passed"]) and pd.isna(r.loc["R5", "quantity"])
    assert "sports_area_m2" in r.loc["R5", "not_computed_reason_en"]
    assert "sports_area_m2_non_negative" in r.loc["R5", "not_computed_reason_en"]
    assert "体育运动场馆面积" in r.loc["R5", "not_computed_reason_zh"]
    others = r.drop(index="R5")
    assert others["value"].notna().all() and others["not_computed_reason_zh"].eq("").all()
    # R4 = 1000 m² / 200 students = 5.0 m² per student, computed as if nothing were wrong
    assert r.loc["R4", "value"] == pytest.approx(5.0)
    verdict = rows_of(year["verdicts"], "二小").iloc[0]
    assert pd.isna(verdict["passed"]) and verdict["indicators_judged"] == 6
    assert verdict["not_computed_reason_zh"].startswith("R5：")


def test_the_school_with_the_bad_value_stays_in_every_coefficient_that_does_not_read_it(year):
    primary = year["coefficients"][year["coefficients"]["stage"] == "primary"].set_index("indicator_id")
    # primary parts: 一中 (nine-year), 二小, 四校, 五校; 五校 has no R4–R7 (its split is unknown)
    assert primary.loc["R1", "schools_in_scope"] == 4 and primary.loc["R1", "parts_without_value"] == 0
    assert primary.loc["R4", "schools_in_scope"] == 3 and primary.loc["R4", "parts_without_value"] == 1
    assert primary.loc["R5", "schools_in_scope"] == 2 and primary.loc["R5", "parts_without_value"] == 2
    assert primary.loc["R5", "students_in_scope"] == 300 + 300  # 一中 and 四校
    checks = rows_of(year["checks"], "二小")
    assert checks["passed"].notna().all() and checks["not_computed_reason_zh"].eq("").all()


def test_a_twelve_year_school_without_senior_classes_is_judged_with_a_warning(year):
    issues = year["issues"][year["issues"]["school_code"] == "3404030004"]
    assert issues[["rule", "severity", "field"]].values.tolist() == [["senior_classes_listed", "warning", "students_senior"]]
    assert "100" in issues["message_zh"].iloc[0]
    for stage in ("primary", "junior"):
        r = by_indicator(year["indicators"], "四校", stage)
        assert r["value"].notna().all() and r["not_computed_reason_zh"].eq("").all()
    verdicts = rows_of(year["verdicts"], "四校").set_index("stage")
    assert verdicts["passed"].tolist() == [True, True]
    # the shared 6000 m² split by weighted students 300 : 1.1 × 200 : 1.32 × 100 = 300 : 220 : 132
    primary = by_indicator(year["indicators"], "四校", "primary")
    assert primary.loc["R4", "quantity"] == pytest.approx(6000 * 300 / 652)


def test_a_senior_count_contradicting_its_classes_makes_only_r4_to_r7_unknown(year):
    issues = year["issues"][(year["issues"]["school_code"] == "3404030005") & (year["issues"]["severity"] == "error")]
    assert issues[["rule", "field"]].values.tolist() == [["class_students_match_senior", "students_senior"]]
    assert "3404030005" in set(year["schools"]["school_code"])
    for stage, students in (("primary", 300), ("junior", 200)):
        r = by_indicator(year["indicators"], "五校", stage)
        assert r.loc[SPLIT, "value"].isna().all() and r.loc[SPLIT, "passed"].isna().all()
        assert r.loc[SPLIT, "not_computed_reason_en"].str.contains("students_senior").all()
        assert r.loc[SPLIT, "not_computed_reason_en"].str.contains("class_students_match_senior").all()
        assert r.loc[PER_STAGE, "value"].notna().all() and r.loc[PER_STAGE, "not_computed_reason_zh"].eq("").all()
        assert r.loc["R1", "value"] == pytest.approx((18 if stage == "primary" else 16) / students * 100)
    verdicts = rows_of(year["verdicts"], "五校")
    assert verdicts["passed"].isna().all() and (verdicts["indicators_judged"] == 3).all()
    checks = rows_of(year["checks"], "五校").set_index("item_id")
    assert checks["passed"].notna().all() and checks["not_computed_reason_zh"].eq("").all()
    assert checks.loc["G4", "value"] == 500  # the compulsory stages' size, untouched by the senior count


def test_an_identity_error_still_rejects_the_campus(year):
    assert year["rejected"]["school_name"].tolist() == ["六校"]
    assert "3404030006" not in set(year["parts"]["school_code"])
    assert "3404030006" not in set(year["checks"]["school_code"])


def test_a_quarantined_check_input_leaves_only_that_check_not_judged():
    forms = valid_forms()
    forms["schools"].loc[forms["schools"]["school_name"] == "二小", "training_funds_yuan"] = -1.0
    issues = validate_forms({k: forms[k] for k in ("registry", "schools", "classes", "rooms")}, STANDARDS).issues
    schools = split_accepted(forms["schools"], issues, "schools")[0]
    checks = school_checks.school_guarantee_checks(schools, forms["classes"], forms["rooms"], STANDARDS, issues)
    checks = rows_of(checks, "二小").set_index("item_id")
    assert pd.isna(checks.loc["Q4", "passed"]) and pd.isna(checks.loc["Q4", "value"])
    assert "training_funds_yuan" in checks.loc["Q4", "not_computed_reason_en"]
    assert checks.loc["Q4", "detail"] == checks.loc["Q4", "not_computed_reason_zh"]
    assert checks.drop(index="Q4")["not_computed_reason_zh"].eq("").all()
    assert checks.drop(index="Q4")["passed"].notna().all()  # G4, G5, G9, G12, Q3, Q6 ... read other fields
