"""School parts, R1–R7 and county coefficients on a small hand-made county."""

import json

import pandas as pd
import pytest

from balanced_pipeline.indicators import resource_allocation as ra
from balanced_pipeline.contract.forms import SCHOOLS
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.validation.completeness import campus_gaps

NATIONAL = load_standards("national")


def every_campus_accepted(schools):
    """The registry is the accepted campuses themselves: no campus missing or rejected."""
    return campus_gaps(schools, schools, schools)


def campus(code, school_type, primary=0, junior=0, senior=0, **values):
    row = {f: pd.NA for f in SCHOOLS.field_names}
    row.update(
        year=2026, county_code="340403", school_code=code, campus_code="01", school_name=f"学校{code}",
        school_type=school_type, location_type="rural", ownership="public",
        students_primary=primary, students_junior=junior, students_senior=senior,
    )
    row.update(values)
    return row


def schools_frame(*rows):
    frame = pd.DataFrame(list(rows))
    for f in SCHOOLS.fields:
        if f.kind.value == "integer":
            frame[f.name] = frame[f.name].astype("Int64")
        elif f.kind.value == "number":
            frame[f.name] = frame[f.name].astype("Float64")
    return frame


GOOD_PRIMARY = dict(
    teachers_primary=30, above_required_degree_primary=25, backbone_primary=6, pe_arts_teachers_primary=5,
    teaching_aux_area_m2=2500.0, sports_area_m2=4000.0, equipment_value_yuan=1_100_000.0, multimedia_classrooms=12,
    land_area_m2=12000.0,
)


def test_nine_year_school_is_split_into_two_parts_by_weighted_students():
    schools = schools_frame(
        campus("3404030001", "nine_year", primary=166, junior=210, teaching_aux_area_m2=23226.0,
               above_required_degree_primary=9, above_required_degree_junior=14)
    )
    parts = ra.school_parts(schools, NATIONAL).set_index("stage")
    assert parts.loc["primary", "students"] == 166
    assert parts.loc["primary", "split_share"] == pytest.approx(166 / 397)
    assert parts.loc["junior", "split_share"] == pytest.approx(231 / 397)

    indicators = ra.school_indicators(schools, ra.school_parts(schools, NATIONAL), NATIONAL)
    r4 = indicators[indicators["indicator_id"] == "R4"].set_index("stage")
    assert r4.loc["primary", "quantity"] == pytest.approx(23226 * 166 / 397)
    assert r4.loc["primary", "value"] == pytest.approx(23226 / 397)  # the same per weighted student
    r1 = indicators[indicators["indicator_id"] == "R1"].set_index("stage")
    assert r1.loc["primary", "value"] == pytest.approx(9 / 166 * 100)  # teachers are per stage, not split
    assert r1.loc["junior", "value"] == pytest.approx(14 / 210 * 100)
    assert r1.loc["junior", "threshold"] == 5.3


def test_exclusions_are_recorded_with_their_reason():
    schools = schools_frame(
        campus("3404030001", "primary", primary=400, **GOOD_PRIMARY),
        campus("3404030002", "teaching_point", primary=30, **GOOD_PRIMARY),
        campus("3404030003", "special_education", primary=60, junior=20),
    )
    parts = ra.school_parts(schools, NATIONAL).set_index("school_code")
    assert parts.loc["3404030001", "in_difference_coefficient"]
    assert parts.loc["3404030002", "in_resource_allocation"]
    assert not parts.loc["3404030002", "in_difference_coefficient"]
    assert "教学点" in parts.loc["3404030002", "scope_note"]
    assert not parts.loc["3404030003", "in_resource_allocation"]
    assert "G7" in parts.loc["3404030003", "scope_note"]
    assert len(parts) == 3  # nobody disappears


def test_county_coefficient_uses_only_parts_in_scope_and_is_student_weighted():
    schools = schools_frame(
        campus("3404030001", "primary", primary=300, **{**GOOD_PRIMARY, "teaching_aux_area_m2": 1500.0}),
        campus("3404030002", "primary", primary=100, **{**GOOD_PRIMARY, "teaching_aux_area_m2": 900.0}),
        campus("3404030003", "teaching_point", primary=20, **{**GOOD_PRIMARY, "teaching_aux_area_m2": 4000.0}),
    )
    standards = NATIONAL
    parts = ra.school_parts(schools, standards)
    indicators = ra.school_indicators(schools, parts, standards)
    coefficients = ra.county_difference_coefficients(indicators, parts, every_campus_accepted(schools), standards)
    r4 = coefficients[(coefficients["indicator_id"] == "R4")].iloc[0]
    # X = 5 and 9 m² per student, weights 300 and 100: X̄ = (1500 + 900) / 400 = 6,
    # S = sqrt(0.75 × 1 + 0.25 × 9) = sqrt(3), CV = sqrt(3) / 6. The teaching point is out of scope.
    assert r4["weighted_mean"] == pytest.approx(6.0)
    assert r4["cv"] == pytest.approx(3 ** 0.5 / 6)
    assert r4["schools_in_scope"] == 2 and r4["students_in_scope"] == 400
    assert r4["threshold"] == 0.50 and r4["passed"]


def test_missing_value_is_left_out_of_the_coefficient_and_leaves_the_school_not_judged():
    incomplete = {**GOOD_PRIMARY, "sports_area_m2": pd.NA}
    schools = schools_frame(
        campus("3404030001", "primary", primary=300, **GOOD_PRIMARY),
        campus("3404030002", "primary", primary=300, **GOOD_PRIMARY),
        campus("3404030003", "primary", primary=300, **incomplete),
    )
    parts = ra.school_parts(schools, NATIONAL)
    indicators = ra.school_indicators(schools, parts, NATIONAL)
    verdicts = ra.school_resource_verdicts(indicators, NATIONAL).set_index("school_code")
    assert verdicts.loc["3404030001", "passed"]
    assert pd.isna(verdicts.loc["3404030003", "passed"])  # not judged (未判定), never passed
    assert verdicts.loc["3404030003", "weakest_indicator"] == "R5"
    assert "R5" in verdicts.loc["3404030003", "not_computed_reason_zh"]
    r5_row = indicators[(indicators["school_code"] == "3404030003") & (indicators["indicator_id"] == "R5")].iloc[0]
    assert "sports_area_m2" in r5_row["not_computed_reason_en"] and "blank" in r5_row["not_computed_reason_en"]
    r5 = ra.county_difference_coefficients(indicators, parts, every_campus_accepted(schools), NATIONAL).set_index("indicator_id").loc["R5"]
    assert r5["schools_in_scope"] == 2 and r5["parts_without_value"] == 1
    assert "left out" in r5["note"]


def test_zero_mean_coefficient_is_null_and_becomes_a_data_quality_issue():
    schools = schools_frame(
        campus("3404030001", "primary", primary=300, **{**GOOD_PRIMARY, "multimedia_classrooms": 0}),
        campus("3404030002", "primary", primary=200, **{**GOOD_PRIMARY, "multimedia_classrooms": 0}),
    )
    parts = ra.school_parts(schools, NATIONAL)
    coefficients = ra.county_difference_coefficients(ra.school_indicators(schools, parts, NATIONAL), parts, every_campus_accepted(schools), NATIONAL)
    r7 = coefficients.set_index("indicator_id").loc["R7"]
    assert pd.isna(r7["cv"]) and not r7["passed"]
    issues = ra.coefficient_issues(coefficients)
    assert issues["field"].tolist() == ["R7"]
    assert issues.loc[0, "county_code"] == "340403" and "小学" in issues.loc[0, "message_zh"]


def test_provincial_overlay_adds_land_area_outside_the_six_of_seven_rule():
    anhui = load_standards("anhui")
    schools = schools_frame(campus("3404030001", "primary", primary=400, **{**GOOD_PRIMARY, "land_area_m2": 4000.0}))
    parts = ra.school_parts(schools, anhui)
    indicators = ra.school_indicators(schools, parts, anhui)
    land = indicators.set_index("indicator_id").loc["AH1"]
    assert land["value"] == pytest.approx(10.0) and land["threshold"] == 22 and not land["passed"]
    verdict = ra.school_resource_verdicts(indicators, anhui).iloc[0]
    assert verdict["indicators_judged"] == 7 and verdict["passed"]
    assert set(ra.county_difference_coefficients(indicators, parts, every_campus_accepted(schools), anhui)["indicator_id"]) == {f"R{i}" for i in range(1, 8)}


def test_coefficient_records_the_parts_expected_used_and_left_out_with_reasons():
    """Registry: 5 primary campuses and a nine-year school. 0001 and 0002 are accepted, 0003 is accepted but
    has no sports area, 0004 (a teaching point of 20 students) is accepted but out of scope, 0005 sent a
    form that was rejected, the nine-year 0006 sent nothing. For primary R5: expected 6 = used 2 +
    not computable 1 + out of scope 1 + rejected 1 + missing 1; for R4 the same but 0003 is used."""
    accepted = schools_frame(
        campus("3404030001", "primary", primary=300, **GOOD_PRIMARY),
        campus("3404030002", "primary", primary=100, **GOOD_PRIMARY),
        campus("3404030003", "primary", primary=200, **{**GOOD_PRIMARY, "sports_area_m2": pd.NA}),
        campus("3404030004", "teaching_point", primary=20, **GOOD_PRIMARY),
    )
    rejected = schools_frame(campus("3404030005", "primary", primary=250, **GOOD_PRIMARY))
    missing = schools_frame(campus("3404030006", "nine_year", primary=100, junior=100))
    registry = pd.concat([accepted, rejected, missing], ignore_index=True)
    received = pd.concat([accepted, rejected], ignore_index=True)
    gaps = campus_gaps(registry, received, accepted)
    assert gaps[["school_code", "gap"]].values.tolist() == [["3404030005", "campus_rejected"],
                                                            ["3404030006", "campus_missing"]]
    parts = ra.school_parts(accepted, NATIONAL)
    indicators = ra.school_indicators(accepted, parts, NATIONAL)
    table = ra.county_difference_coefficients(indicators, parts, gaps, NATIONAL).set_index(["stage", "indicator_id"])

    r5 = table.loc[("primary", "R5")]
    assert r5[["parts_expected", "schools_in_scope", "parts_without_value", "parts_out_of_scope", "parts_rejected",
               "parts_missing"]].tolist() == [6, 2, 1, 1, 1, 1]
    assert not r5["evidence_complete"]
    left_out = json.loads(r5["parts_left_out"])
    assert [(p["school_code"], p["reason"]) for p in left_out] == [
        ("3404030003", "not_computable"), ("3404030004", "out_of_scope"), ("3404030005", "campus_rejected"),
        ("3404030006", "campus_missing")]
    assert "教学点" in left_out[1]["note"] and left_out[3]["school_name"] == "学校3404030006"
    assert "2 school part(s) missing or rejected left out" in r5["note"]

    r4 = table.loc[("primary", "R4")]
    assert r4[["parts_expected", "schools_in_scope", "parts_without_value"]].tolist() == [6, 3, 0]
    # The nine-year school sent nothing: its junior part is expected, and the junior stage, with no
    # accepted part at all, still gets a row saying so instead of vanishing.
    junior = table.loc[("junior", "R4")]
    assert junior["parts_expected"] == 1 and junior["parts_missing"] == 1 and junior["schools_in_scope"] == 0
    assert pd.isna(junior["cv"]) and not junior["evidence_complete"]


def test_complete_coefficient_says_so():
    schools = schools_frame(campus("3404030001", "primary", primary=300, **GOOD_PRIMARY),
                            campus("3404030002", "primary", primary=100, **GOOD_PRIMARY))
    parts = ra.school_parts(schools, NATIONAL)
    table = ra.county_difference_coefficients(ra.school_indicators(schools, parts, NATIONAL), parts,
                                              every_campus_accepted(schools), NATIONAL)
    assert table["evidence_complete"].all() and (table["parts_expected"] == 2).all()
    assert (table["parts_left_out"] == "[]").all()
