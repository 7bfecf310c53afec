"""Hand-worked cases for every resource-allocation formula (spec §2.1, §3, §4)."""

import math

import pandas as pd
import pytest

from balanced_pipeline.indicators.formulas import (
    meets,
    per_students,
    ratio_to_standard,
    school_rule_verdict,
    stage_split_shares,
    weighted_difference_coefficient,
)

BOOKS_STUDENTS = [45, 37, 89, 76, 55]
BOOKS = [279, 137, 935, 160, 402]


def _county(values, students):
    return pd.DataFrame({"county": "c", "value": values, "students": students})


def test_split_of_a_nine_year_school_follows_the_spec_example():
    students = pd.DataFrame({"primary": [166], "junior": [210]})
    shares = stage_split_shares(students, {"primary": 1.0, "junior": 1.1})
    # 166 / (166 + 1.1 × 210) = 166 / 397 = 0.41814...
    assert shares.loc[0, "primary"] == pytest.approx(166 / 397)
    assert round(shares.loc[0, "primary"], 4) == 0.4181
    assert round(23226 * shares.loc[0, "primary"]) == 9712  # 23,226 × 166 / 397 = 9,711.6
    assert shares.loc[0, "primary"] + shares.loc[0, "junior"] == pytest.approx(1.0)


def test_split_of_a_twelve_year_school_uses_three_weights():
    students = pd.DataFrame({"primary": [100], "junior": [100], "senior": [100]})
    shares = stage_split_shares(students, {"primary": 1.0, "junior": 1.1, "senior": 1.32})
    assert shares.loc[0, "senior"] == pytest.approx(1.32 / 3.42)


def test_split_without_students_is_missing_not_an_error():
    shares = stage_split_shares(pd.DataFrame({"primary": [0], "junior": [0]}), {"primary": 1.0, "junior": 1.1})
    assert shares.isna().all().all()


def test_per_hundred_students_and_no_students():
    value = per_students(pd.Series([21, 5]), pd.Series([500, 0]), per=100)
    assert value[0] == pytest.approx(4.2)
    assert pd.isna(value[1])


def test_ratio_and_pass_for_at_least_and_at_most_standards():
    value = pd.Series([6.1, 50.0, None])
    threshold = pd.Series([7.5, 45.0, 4.2])
    comparison = pd.Series([">=", "<=", ">="])
    ratio = ratio_to_standard(value, threshold, comparison)
    assert ratio[0] == pytest.approx(6.1 / 7.5)
    assert ratio[1] == pytest.approx(45 / 50)
    assert pd.isna(ratio[2])
    assert meets(value, threshold, comparison).tolist() == [False, False, pd.NA]


def test_meets_with_one_threshold_and_one_comparison_for_every_value():
    # G5 style: 45 students against "at most 45" passes, 46 fails, a class not counted is not judged.
    assert meets(pd.Series([45, 46, None]), 45, "<=").tolist() == [True, False, pd.NA]
    assert meets(pd.Series([0.5, 0.6]), pd.Series([0.6, 0.6]), ">").tolist() == [False, False]


def test_weighted_difference_coefficient_matches_the_worked_case():
    values = [b / s for b, s in zip(BOOKS, BOOKS_STUDENTS)]
    result = weighted_difference_coefficient(
        _county(values, BOOKS_STUDENTS), by=["county"], value="value", weight="students"
    ).iloc[0]
    assert result["weighted_mean"] == pytest.approx(1913 / 302)  # 6.334
    assert round(result["weighted_mean"], 3) == 6.334
    assert result["weighted_sd"] == pytest.approx(3.26, abs=0.005)
    assert result["cv"] == pytest.approx(0.515, abs=0.0005)
    assert result["schools_in_scope"] == 5 and result["students_in_scope"] == 302
    # The unweighted coefficient of the same schools is a different number (≈0.489).
    mean = sum(values) / 5
    unweighted = math.sqrt(sum((v - mean) ** 2 for v in values) / 5) / mean
    assert unweighted == pytest.approx(0.489, abs=0.0005)
    assert abs(result["cv"] - unweighted) > 0.02


def test_coefficient_of_one_school_is_zero_with_a_note():
    result = weighted_difference_coefficient(_county([3.0], [40]), by=["county"], value="value", weight="students")
    assert result.loc[0, "cv"] == 0
    assert "fewer than 2" in result.loc[0, "note"]


def test_coefficient_with_zero_mean_is_missing_with_a_note():
    result = weighted_difference_coefficient(_county([0.0, 0.0], [40, 60]), by=["county"], value="value", weight="students")
    assert pd.isna(result.loc[0, "cv"])
    assert "mean is 0" in result.loc[0, "note"]


def test_coefficients_are_computed_per_group():
    frame = pd.concat([_county([1.0, 3.0], [1, 1]), _county([2.0, 2.0], [5, 7]).assign(county="d")])
    result = weighted_difference_coefficient(frame, by=["county"], value="value", weight="students")
    assert result.set_index("county")["cv"].to_dict() == {"c": pytest.approx(0.5), "d": 0}


def _part(ratios, passed=None):
    passed = passed if passed is not None else [r >= 1 for r in ratios]
    return pd.DataFrame(
        {
            "part": "p",
            "indicator_id": [f"R{i}" for i in range(1, len(ratios) + 1)],
            "ratio": pd.array(ratios, dtype="Float64"),
            "passed": pd.array(passed, dtype="boolean"),
        }
    )


@pytest.mark.parametrize(
    "ratios, expected_pass, weakest",
    [
        ([1.2, 1.0, 1.1, 1.3, 1.0, 1.5, 1.01], True, "R2"),  # all 7 met
        ([1.2, 1.0, 1.1, 1.3, 1.0, 1.5, 0.86], True, "R7"),  # 6 met, the 7th at 86 %
        ([1.2, 1.0, 1.1, 1.3, 1.0, 1.5, 0.85], True, "R7"),  # exactly 85 % is enough
        ([1.2, 1.0, 1.1, 1.3, 1.0, 1.5, 0.84], False, "R7"),  # 6 met, the 7th below 85 %
        ([1.2, 0.9, 1.1, 1.3, 1.0, 1.5, 0.95], False, "R2"),  # only 5 met
    ],
)
def test_school_rule_six_of_seven_and_85_percent(ratios, expected_pass, weakest):
    verdict = school_rule_verdict(_part(ratios), by=["part"], min_indicators_met=6, floor_ratio=0.85).iloc[0]
    assert bool(verdict["passed"]) is expected_pass
    assert verdict["weakest_indicator"] == weakest


def test_school_rule_does_not_judge_a_part_with_a_missing_indicator():
    ratios = [1.2, 1.0, 1.1, 1.3, 1.0, 1.5, None]
    passed = [True] * 6 + [None]
    verdict = school_rule_verdict(_part(ratios, passed), by=["part"], min_indicators_met=6, floor_ratio=0.85).iloc[0]
    assert pd.isna(verdict["passed"])  # not judged (未判定): neither passed nor failed on data it did not give
    assert verdict["indicators_judged"] == 6
    assert verdict["weakest_indicator"] == "R7"


def test_school_rule_leaves_a_part_with_a_missing_indicator_unjudged_even_when_known_ones_fail():
    ratios = [0.5, 0.6, 1.1, 1.3, 1.0, 1.5, None]
    passed = [False, False] + [True] * 4 + [None]
    verdict = school_rule_verdict(_part(ratios, passed), by=["part"], min_indicators_met=6, floor_ratio=0.85).iloc[0]
    assert pd.isna(verdict["passed"]) and verdict["unmet_below_floor"] == 3


def test_meets_leaves_a_row_missing_whose_comparison_is_unknown():
    value, threshold = pd.Series([8.0, 8.0, 8.0, None]), pd.Series([7.5, 7.5, 7.5, 7.5])
    comparison = pd.Series([">=", "<", "~", ">="])
    assert meets(value, threshold, comparison).tolist() == [True, False, pd.NA, pd.NA]


def test_school_rule_finds_each_parts_weakest_indicator_among_interleaved_rows():
    frame = pd.DataFrame({
        "part": ["B", "A", "B", "A", "B"],
        "indicator_id": ["R1", "R1", "R2", "R2", "R3"],
        "ratio": pd.array([0.9, 1.2, 0.8, None, 0.8], dtype="Float64"),
        "passed": pd.array([False, True, False, None, False], dtype="boolean"),
    })
    verdict = school_rule_verdict(frame, by=["part"], min_indicators_met=1, floor_ratio=0.85).set_index("part")
    assert verdict.loc["A", "weakest_indicator"] == "R2" and pd.isna(verdict.loc["A", "weakest_ratio"])  # missing first
    assert verdict.loc["B", "weakest_indicator"] == "R2"  # 0.8 twice: the first of equals
    assert verdict.loc["B", "weakest_ratio"] == pytest.approx(0.8)
