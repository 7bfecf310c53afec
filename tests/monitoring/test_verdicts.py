"""Hand-built years where one fact decides a county's status (issue 10): a campus missing → incomplete,
a campus rejected → incomplete, a conclusive failure on complete evidence → not_ready, all good →
ready; a conclusive failure with a campus missing → not_ready and the gap; a coefficient that fails
only on part of the schools → incomplete. The evaluation frames are those of test_evaluation (two
counties: 340401 passes everything, 340402 fails every dimension)."""

import pandas as pd
import pytest

from balanced_pipeline.indicators.education_quality import county_quality
from balanced_pipeline.indicators.government_guarantee import county_guarantee
from balanced_pipeline.indicators.school_checks import school_guarantee_checks
from balanced_pipeline.indicators.social_recognition import county_social_recognition
from balanced_pipeline.monitoring.readiness import county_readiness
from balanced_pipeline.monitoring.rectification import county_rectification_list, school_rectification_list
from balanced_pipeline.monitoring.shortfalls import county_shortfalls
from balanced_pipeline.validation.completeness import campus_gaps
from tests.forms import typed
from tests.monitoring.test_evaluation import (
    COUNTY_ROWS, FAILING, PASSING, SCHOOL_ROWS, STANDARDS, campus, class_rows, resource_outputs, room_rows, survey_rows,
)

EXTRA = campus(PASSING, 3, "甲区第二小学", "primary", "urban")
"""A registry campus of the passing county beside its two accepted ones."""


def evaluate(registry_rows, received_rows, cvs_change=None):
    """Readiness and shortfalls of both counties when the registry lists `registry_rows` and the
    school forms of `received_rows` arrived (the accepted campuses are SCHOOL_ROWS)."""
    schools = typed("schools", SCHOOL_ROWS)
    registry = typed("registry", [{k: r[k] for k in ("county_code", "school_code", "campus_code", "school_name",
                                                     "school_type")} for r in registry_rows])
    gaps = campus_gaps(registry, typed("schools", received_rows), schools)
    counties = typed("counties", COUNTY_ROWS)
    monitoring = typed("quality_monitoring", [
        dict(county_code=code, subject=subject, level=level, between_school_diff_rate=0.1)
        for code in (PASSING, FAILING) for subject, level in (("数学", "Ⅲ"), ("语文", "4"))])
    vetoes = typed("veto_incidents", [dict(county_code=FAILING, kind="重点班", description="乙县第一中学设重点班。")])
    indicators, verdicts, cvs = resource_outputs()
    if cvs_change is not None:
        cvs = cvs_change(cvs)
    checks = school_guarantee_checks(schools, typed("classes", class_rows()), typed("rooms", room_rows()), STANDARDS)
    guarantee = county_guarantee(counties, schools, checks, STANDARDS)
    quality = county_quality(counties, schools, checks, monitoring, STANDARDS)
    recognition = county_social_recognition(survey_rows(), counties, STANDARDS)
    shortfalls = county_shortfalls(counties, gaps, indicators, verdicts, cvs, checks, guarantee, quality, recognition,
                                   vetoes, STANDARDS)
    readiness = county_readiness(shortfalls, counties, verdicts, guarantee, quality, recognition, vetoes, STANDARDS)
    return readiness.set_index("county_code"), shortfalls


FLAGS = ["resource_allocation_passed", "government_guarantee_passed", "education_quality_passed",
         "social_recognition_passed", "precondition_met"]


def flags(row):
    return [None if pd.isna(row[f]) else bool(row[f]) for f in FLAGS]


def test_all_good_and_complete_is_ready():
    readiness, shortfalls = evaluate(SCHOOL_ROWS, SCHOOL_ROWS)
    row = readiness.loc[PASSING]
    assert row["status"] == "ready" and row["ready"]
    assert row["verdict_en"] == "ready" and row["campuses_not_judged"] == ""
    assert row[["campuses_missing", "campuses_rejected", "items_not_computed"]].tolist() == [0, 0, 0]
    assert flags(row) == [True] * 5
    assert (shortfalls["county_code"] != PASSING).all()


def test_failing_on_complete_evidence_is_not_ready():
    readiness, shortfalls = evaluate(SCHOOL_ROWS, SCHOOL_ROWS)
    row = readiness.loc[FAILING]
    assert row["status"] == "not_ready" and not row["ready"]
    assert row["verdict_zh"] == "尚未达到优质均衡要求" and row["verdict_en"] == "not ready"
    assert flags(row) == [False] * 5 and row["vetoed"]
    blocking = shortfalls[(shortfalls["county_code"] == FAILING) & shortfalls["blocks_readiness"]]
    assert blocking["conclusive"].all() and (blocking["outcome"] == "failed").all()
    assert blocking["item_id"].tolist() == ["RA", "R5", "G5", "Q1", "S1", "P1", "V1"]


def test_a_missing_campus_makes_a_passing_county_incomplete():
    readiness, shortfalls = evaluate([*SCHOOL_ROWS, EXTRA], SCHOOL_ROWS)
    row = readiness.loc[PASSING]
    assert row["status"] == "incomplete" and not row["ready"]
    assert row["campuses_missing"] == 1 and row["campuses_rejected"] == 0
    assert row["verdict_zh"] == "数据不完整：1个校区未报送或被拦截——不能作出结论"
    assert row["verdict_en"] == "incomplete: 1 campus missing or rejected — not a verdict"
    assert row["campuses_not_judged"] == "1个校区未能评估：甲区第二小学（3404010003-01，未报送）"
    # The three dimensions read from school forms cannot be judged; the others still can.
    assert flags(row) == [None, None, None, True, True]
    gap = shortfalls[shortfalls["county_code"] == PASSING]
    assert gap[["dimension", "school_code", "outcome"]].values.tolist() == [
        ["resource_allocation", "3404010003", "campus_missing"],
        ["government_guarantee", "3404010003", "campus_missing"],
        ["education_quality", "3404010003", "campus_missing"]]
    assert gap["blocks_readiness"].all() and not gap["conclusive"].any()
    assert not gap["in_school_list"].any() and not gap["in_county_list"].any()
    assert row["reasons"] == "【数据完整性】1个校区未能评估：甲区第二小学（3404010003-01，未报送）。"


def test_a_rejected_campus_makes_a_passing_county_incomplete():
    readiness, shortfalls = evaluate([*SCHOOL_ROWS, EXTRA], [*SCHOOL_ROWS, EXTRA])
    row = readiness.loc[PASSING]
    assert row["status"] == "incomplete"
    assert row["campuses_missing"] == 0 and row["campuses_rejected"] == 1
    assert row["campuses_not_judged"] == "1个校区未能评估：甲区第二小学（3404010003-01，被拦截）"
    assert set(shortfalls.loc[shortfalls["county_code"] == PASSING, "outcome"]) == {"campus_rejected"}
    assert "form rejected for errors" in shortfalls.loc[shortfalls["county_code"] == PASSING, "reason_en"].iloc[0]


def test_a_conclusive_failure_with_a_campus_missing_is_not_ready_with_the_gap():
    """The veto, the precondition, 乙县实验小学's own failure and Q1 (from the county form's cohort
    figures) stand whatever the missing campus would send: not_ready, and the headline still names
    the gap. G5 (counted over the schools' classes) and the coefficient on part of the schools are
    no longer conclusive, so government guarantee cannot be judged."""
    missing = campus(FAILING, 3, "乙县第二小学", "primary", "rural")

    def coefficient_short(cvs):
        """The failing county's primary coefficients are computed without the missing campus."""
        short = cvs["county_code"].eq(FAILING) & cvs["stage"].eq("primary")
        return cvs.assign(evidence_complete=~short, parts_missing=short.astype(int))
    readiness, shortfalls = evaluate([*SCHOOL_ROWS, missing], SCHOOL_ROWS, coefficient_short)
    row = readiness.loc[FAILING]
    assert row["status"] == "not_ready" and not row["ready"]
    assert row["verdict_zh"] == "尚未达到优质均衡要求（另：数据不完整，1个校区未报送或被拦截）"
    assert row["verdict_en"] == "not ready (data also incomplete: 1 campus missing or rejected)"
    # Resource allocation still fails on the school's own verdict, quality on Q1; G5 could change with the missing campus.
    assert flags(row) == [False, None, False, False, False]
    rows = shortfalls[(shortfalls["county_code"] == FAILING) & shortfalls["blocks_readiness"]
                      & shortfalls["outcome"].eq("failed")].set_index("item_id")
    assert rows["conclusive"].to_dict() == {"RA": True, "R5": False, "G5": False, "Q1": True, "S1": True,
                                            "P1": True, "V1": True}
    assert row["reasons"].endswith("【数据完整性】1个校区未能评估：乙县第二小学（3404020003-01，未报送）。")


def test_a_coefficient_failing_only_on_part_of_the_schools_leaves_the_county_incomplete():
    """The passing county's primary R4 coefficient exceeds its maximum, but a campus is missing from
    it: the county cannot be called not ready on it, nor ready."""
    def unequal_without_a_campus(cvs):
        key = cvs["county_code"].eq(PASSING) & cvs["stage"].eq("primary") & cvs["indicator_id"].eq("R4")
        return cvs.assign(cv=cvs["cv"].mask(key, 0.55), passed=cvs["passed"].mask(key, False),
                          evidence_complete=cvs["evidence_complete"].mask(key, False))
    readiness, shortfalls = evaluate([*SCHOOL_ROWS, EXTRA], SCHOOL_ROWS, unequal_without_a_campus)
    row = readiness.loc[PASSING]
    assert row["status"] == "incomplete" and row["resource_allocation_passed"] is pd.NA
    r4 = shortfalls[(shortfalls["county_code"] == PASSING) & shortfalls["item_id"].eq("R4")].iloc[0]
    assert r4["outcome"] == "failed" and not r4["conclusive"] and r4["in_county_list"]
    assert r4["value"] == pytest.approx(0.55) and r4["gap"] == pytest.approx(0.05)


def test_a_coefficient_that_cannot_be_computed_is_not_computed_not_failed():
    def undefined(cvs):
        key = cvs["county_code"].eq(PASSING) & cvs["stage"].eq("junior") & cvs["indicator_id"].eq("R7")
        return cvs.assign(cv=cvs["cv"].mask(key, pd.NA), passed=cvs["passed"].mask(key, False),
                          note=cvs["note"].mask(key, "加权平均值为0，差异系数无法计算 / weighted mean is 0: CV undefined"))
    readiness, shortfalls = evaluate(SCHOOL_ROWS, SCHOOL_ROWS, undefined)
    row = readiness.loc[PASSING]
    assert row["status"] == "incomplete" and row["items_not_computed"] == 1
    assert row["verdict_en"] == "incomplete: 1 item not computed — not a verdict"
    r7 = shortfalls[shortfalls["county_code"] == PASSING].iloc[0]
    assert r7["outcome"] == "not_computed" and r7["reason_zh"].startswith("初中 R7（每百名学生拥有网络多媒体教室数）差异系数无法计算")


def test_rectification_lists_are_the_rows_of_the_shortfall_table():
    _, shortfalls = evaluate([*SCHOOL_ROWS, EXTRA], SCHOOL_ROWS)
    school_list = school_rectification_list(shortfalls, STANDARDS)
    county_list = county_rectification_list(shortfalls, STANDARDS)
    assert school_list["shortfall"].tolist() == shortfalls.loc[shortfalls["in_school_list"], "reason_zh"].tolist()
    assert county_list["shortfall"].tolist() == shortfalls.loc[shortfalls["in_county_list"], "reason_zh"].tolist()
    # A campus not judged is chased as data, not listed as a shortfall to rectify.
    assert "3404010003" not in set(school_list["school_code"])


def test_a_school_shortfall_is_a_row_with_value_standard_and_gap():
    """乙县实验小学's R5 is 6.1 m² against 7.5: gap 7.5 − 6.1 = 1.4, a line of the school list that
    its part's RA verdict carries to readiness."""
    _, shortfalls = evaluate(SCHOOL_ROWS, SCHOOL_ROWS)
    school = shortfalls[(shortfalls["school_code"] == "3404020001") & (shortfalls["dimension"] == "resource_allocation")]
    r5, ra = school.set_index("item_id").loc["R5"], school.set_index("item_id").loc["RA"]
    assert (r5["value"], r5["threshold"]) == (6.1, 7.5) and r5["gap"] == pytest.approx(1.4)
    assert r5["in_school_list"] and not r5["blocks_readiness"] and not r5["in_county_list"]
    assert r5["reason_en"] == "Sports ground and hall area per student 6.1 ㎡, standard 7.5 ㎡, short by 1.4"
    assert ra["blocks_readiness"] and ra["conclusive"] and not ra["in_school_list"] and not ra["in_county_list"]
    assert ra["stage"] == "primary" and ra["campus_code"] == "01"


def test_a_value_not_computed_is_a_not_judged_row_naming_the_field_to_fix():
    """A school part whose R5 input was quarantined: the R5 line names the field and the rule, and the
    part's RA line says it is not judged (never that it fails the rule)."""
    from balanced_pipeline.monitoring.shortfalls import school_indicator_rows, school_verdict_rows

    part = dict(year=2026, county_code=FAILING, school_code="3404020009", campus_code="01", school_name="乙县九小",
                stage="primary")
    reason_zh, reason_en = "运动场馆面积（sports_area_m2）有错误：不能为负数", "sports_area_m2 is in error: negative"
    indicators = pd.DataFrame([dict(part, school_type="primary", indicator_id="R5", value=None, threshold=7.5,
                                    comparison=">=", unit="㎡", indicator_name_zh="生均体育运动场馆面积",
                                    indicator_name_en="Sports ground and hall area per student", passed=None,
                                    not_computed_reason_zh=reason_zh, not_computed_reason_en=reason_en)])
    verdicts = pd.DataFrame([dict(part, passed=None, indicators_met=6, indicators_judged=6, weakest_indicator="R1",
                                  weakest_ratio=1.0, not_computed_reason_zh="R5：" + reason_zh,
                                  not_computed_reason_en="R5: " + reason_en)])
    r5 = school_indicator_rows(indicators, STANDARDS).iloc[0]
    assert r5["reason_zh"] == "生均体育运动场馆面积 未计算：" + reason_zh and r5["outcome"] == "not_computed"
    assert r5["reason_en"] == "Sports ground and hall area per student not computed: " + reason_en
    universe = pd.DataFrame({"year": [2026], "county_code": [FAILING]}).astype({"year": "Int64", "county_code": "string"})
    ra = school_verdict_rows(universe, verdicts, STANDARDS).iloc[0]
    assert ra["reason_zh"] == "乙县九小（小学）未判定校级资源配置要求，有指标未计算：R5：" + reason_zh
    assert "not judged on the school rule" in ra["reason_en"] and ra["outcome"] == "not_computed"
