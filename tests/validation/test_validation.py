"""The quality runner: clean forms pass, thresholds come from the standards file, reports are usable."""

from __future__ import annotations

import json
import logging

import pandas as pd
import pytest

from balanced_pipeline.contract.issues import ISSUE_COLUMNS
from balanced_pipeline.validation.derive import derive_validation_columns
from balanced_pipeline.validation.docs import build_data_docs, write_validation_summary
from balanced_pipeline.validation.suites import SuiteError, load_suite, suite_path
from balanced_pipeline.validation.validate import validate_forms
from balanced_pipeline.contract.forms import EXPLANATIONS, FORMS, SURVEY_IDENTITY, Kind
from balanced_pipeline.standards.loader import load_standards, merge_overlay, Standards

YEAR = 2026
DTYPES = {Kind.INTEGER: "Int64", Kind.NUMBER: "Float64", Kind.BOOLEAN: "boolean"}
SCHOOL_DEFAULTS = dict(
    location_type="rural", ownership="public", boarding=False, students_senior=0,
    certified_teachers=0, trained_360h_teachers=0, has_charter=True, is_ict_managed=True,
    moral_education_good=True, evidence_ref="E-1", public_funds_yuan=400000.0, training_funds_yuan=25000.0,
    migrant_children=5,
)
SCHOOLS = [
    # nine-year: 300 primary + 200 junior students
    dict(county_code="340403", school_code="3404030001", campus_code="01", school_name="一中", school_type="nine_year",
         students_primary=300, students_junior=200, teachers_primary=20, teachers_junior=18,
         above_required_degree_primary=18, above_required_degree_junior=16, backbone_primary=4, backbone_junior=3,
         pe_arts_teachers_primary=3, pe_arts_teachers_junior=3, certified_teachers=36, trained_360h_teachers=30,
         land_area_m2=15000.0, teaching_aux_area_m2=3000.0, sports_area_m2=5000.0, equipment_value_yuan=1500000.0,
         multimedia_classrooms=12, catchment_students_primary=280, catchment_students_junior=190),
    dict(county_code="340403", school_code="3404030002", campus_code="01", school_name="二小", school_type="primary",
         students_primary=200, students_junior=0, teachers_primary=12, teachers_junior=0,
         above_required_degree_primary=10, above_required_degree_junior=0, backbone_primary=2, backbone_junior=0,
         pe_arts_teachers_primary=2, pe_arts_teachers_junior=0, certified_teachers=12, trained_360h_teachers=12,
         land_area_m2=6000.0, teaching_aux_area_m2=1000.0, sports_area_m2=1600.0, equipment_value_yuan=420000.0,
         multimedia_classrooms=5, catchment_students_primary=200, catchment_students_junior=0),
    dict(county_code="340403", school_code="3404030003", campus_code="02", school_name="三中东校区",
         school_type="complete_secondary", students_primary=0, students_junior=300, students_senior=200,
         teachers_primary=0, teachers_junior=25, above_required_degree_primary=0, above_required_degree_junior=24,
         backbone_primary=0, backbone_junior=4, pe_arts_teachers_primary=0, pe_arts_teachers_junior=3,
         certified_teachers=25, trained_360h_teachers=20, land_area_m2=20000.0, teaching_aux_area_m2=4000.0,
         sports_area_m2=6000.0, equipment_value_yuan=1600000.0, multimedia_classrooms=14,
         catchment_students_primary=0, catchment_students_junior=280),
]
CLASS_SIZES = {  # campus index → (stage, first grade, students per class, classes)
    0: [("primary", 1, 50, 6), ("junior", 7, 50, 4)],
    1: [("primary", 1, 40, 5)],
    2: [("junior", 7, 50, 6), ("senior", 10, 50, 4)],
}
COUNTY = dict(
    county_name="田家庵区", city="淮南市", province="安徽省", basic_balance_year=2015, target_year=2027,
    teacher_avg_pay=98000.0, civil_servant_avg_pay=95000.0, performance_pay_approved=True, rotation_eligible=200,
    rotated=30, rotated_backbone=8, hs_quota_total=2000, hs_quota_allocated=1100, hs_quota_rural_tilt=True,
    migrant_eligible=3000, migrant_in_public=2500, migrant_in_purchased=200, disabled_school_age=120,
    disabled_enrolled=118, cohort_grade7=5000, cohort_graduates=4900, cohort_transfers_in=50,
    cohort_transfers_out=60, cohort_deaths=1, special_ed_funds_per_student=6500.0, layout_planned=True,
    unified_standards=True, staffing_coordinated=True, ict_teaching=True, curriculum_complete=True,
    no_excess_homework=True, evidence_ref="C-1",
)


def typed(fields, records: list[dict], source_file: str, sheet: str = "") -> pd.DataFrame:
    """A form frame as the reader hands it over: typed columns, year and provenance."""
    frame = pd.DataFrame(records)
    for field in fields:
        frame[field.name] = frame[field.name].astype(DTYPES.get(field.kind, "string"))
    frame["year"] = YEAR
    frame["source_file"] = pd.array([source_file] * len(frame), dtype="string")
    frame["sheet"] = pd.array([sheet] * len(frame), dtype="string")
    frame["row_number"] = pd.array(range(2, len(frame) + 2), dtype="Int64")
    return frame


def school_records() -> list[dict]:
    return [{**SCHOOL_DEFAULTS, **school} for school in SCHOOLS]


def class_records() -> list[dict]:
    records = []
    for index, stages in CLASS_SIZES.items():
        identity = {key: SCHOOLS[index][key] for key in ("county_code", "school_code", "campus_code")}
        for stage, grade, size, count in stages:
            records += [{**identity, "stage": stage, "grade": grade + n % 3, "class_name": f"{n + 1}班", "students": size}
                        for n in range(count)]
    return records


def valid_forms() -> dict[str, pd.DataFrame]:
    """One consistent county: three campuses, their classes and rooms, county forms, a survey."""
    identities = [{k: s[k] for k in ("county_code", "school_code", "campus_code", "school_name", "school_type")}
                  for s in SCHOOLS]
    room = lambda i, room_type, area: {**{k: SCHOOLS[i][k] for k in ("county_code", "school_code", "campus_code")},
                                       "room_type": room_type, "area_m2": area}
    survey_fields = [*SURVEY_IDENTITY]
    survey = typed(survey_fields, [
        {"county_code": "340403", "respondent_id": f"R{n}", "respondent_group": group, "q01": q01, "q02": q02}
        for n, (group, q01, q02) in enumerate([("学生", "满意", "5"), ("家长", "比较满意", "不了解"),
                                                ("教师", "不满意", "3")])], "survey_responses.csv")
    survey[["q01", "q02"]] = survey[["q01", "q02"]].astype("string")
    return {
        "registry": typed(FORMS["registry"].fields, identities, "registry.csv"),
        "schools": typed(FORMS["schools"].fields, school_records(), "schools.csv"),
        "classes": typed(FORMS["classes"].fields, class_records(), "classes.csv"),
        "rooms": typed(FORMS["rooms"].fields, [room(0, "music", 100.0), room(0, "art", 95.0), room(1, "music", 96.0),
                                               room(2, "art", 90.0)], "rooms.csv"),
        "counties": typed(FORMS["counties"].fields, [{"county_code": "340403", **COUNTY},
                                                     {"county_code": "340404", **COUNTY, "county_name": "大通区"}],
                          "counties.csv"),
        "quality_monitoring": typed(FORMS["quality_monitoring"].fields, [
            {"county_code": "340403", "subject": "数学", "level": "Ⅲ", "between_school_diff_rate": 0.1},
            {"county_code": "340403", "subject": "语文", "level": "4", "between_school_diff_rate": 0.12}],
            "quality_monitoring.csv"),
        "veto_incidents": typed(FORMS["veto_incidents"].fields, [
            {"county_code": "340404", "kind": "重点班", "description": "设重点班", "reported_on": "2026-05-01"},
            {"county_code": "340404", "kind": "安全事故", "description": "", "reported_on": "2026-06-01"}],
            "veto_incidents.csv"),
        "survey_responses": survey,
        # A second county sends per-group totals instead of answers.
        "survey_groups": typed(FORMS["survey_groups"].fields, [
            {"county_code": "340404", "respondent_group": "家长", "respondents": 40, "answers_counted": 380,
             "satisfied": 340, "answers_excluded": 20},
            {"county_code": "340404", "respondent_group": "教师", "respondents": 12, "answers_counted": 120,
             "satisfied": 110, "answers_excluded": 0}], "survey_groups.csv"),
        # The county explains a warning of a campus and one of its own form.
        "explanations": typed(EXPLANATIONS.fields, [
            {"county_code": "340403", "school_code": "3404030001", "campus_code": "01",
             "rule": "sports_area_m2_per_student_plausible", "field": "sports_area_m2", "explanation": "新建操场",
             "explained_by": "王五"},
            {"county_code": "340403", "rule": "rotated_within_eligible", "field": "rotated_teachers",
             "explanation": "含跨县交流", "explained_by": "李四"}], "explanations.csv"),
    }


@pytest.fixture(scope="module")
def national() -> Standards:
    return load_standards("national")


def test_clean_forms_yield_no_issue_at_all(national):
    report = validate_forms(valid_forms(), national)
    assert report.issues.empty, report.issues[["form", "rule", "row_number", "value"]].to_string()
    assert report.passed
    assert set(report.summaries) == set(valid_forms())
    schools = report.summaries["schools"]
    assert schools.passed and schools.records == 3 and schools.failing_records_by_rule == {}
    assert schools.expectations_run == len(json.loads(suite_path("schools").read_text("utf-8"))["expectations"])


def test_issues_carry_the_issue_columns_and_the_summary_counts_and_previews(national):
    forms = valid_forms()
    forms["schools"].loc[1, "ownership"] = "state"
    forms["schools"].loc[2, "teaching_aux_area_m2"] = 500000.0  # 1000 m² per student: a unit slip
    report = validate_forms(forms, national)
    assert list(report.issues.columns) == ISSUE_COLUMNS
    summary = report.summaries["schools"]
    assert (summary.passed, summary.errors, summary.warnings) == (False, 1, 1)
    assert summary.failing_records_by_rule == {"ownership_allowed_value": 1,
                                               "teaching_aux_area_m2_per_student_plausible": 1}
    assert summary.failing_records_by_rule["teaching_aux_area_m2_per_student_plausible"] == 1
    preview = summary.preview_markdown.splitlines()
    assert preview[0].startswith("| row_number") and "ownership_allowed_value" in preview[2] and len(preview) == 4
    error = report.issues[report.issues["rule"] == "ownership_allowed_value"].iloc[0]
    assert (error["severity"], error["row_number"], error["value"]) == ("error", 3, "state")
    assert "state" in error["message_zh"] and "state" in error["message_en"]
    warning = report.issues[report.issues["rule"] == "teaching_aux_area_m2_per_student_plausible"].iloc[0]
    assert (warning["severity"], warning["row_number"], warning["school_code"]) == ("warning", 4, "3404030003")
    assert report.summaries["classes"].passed  # a warning elsewhere does not fail another form


def test_class_sum_tolerance_comes_from_the_standards_file(national):
    forms = valid_forms()
    # nine-year campus: 300 primary students reported, classes now sum to 305 → gap 5/300 = 1.67 %
    first_primary_class = forms["classes"].index[(forms["classes"]["school_code"] == "3404030001")
                                                 & (forms["classes"]["stage"] == "primary")][0]
    forms["classes"].loc[first_primary_class, "students"] = 55
    assert national.section("data_quality")["class_students_tolerance"] == 0.02
    within = validate_forms(forms, national).issues
    assert "class_students_match_primary" not in set(within["rule"])
    strict = Standards(merge_overlay(national.raw, {"data_quality": {"class_students_tolerance": 0.01}}), "test")
    beyond = validate_forms(forms, strict).issues
    flagged = beyond[beyond["rule"] == "class_students_match_primary"]
    assert flagged[["school_code", "row_number", "field", "severity"]].values.tolist() == [
        ["3404030001", 2, "students_primary", "error"]]


def test_plausibility_range_comes_from_the_standards_file(national):
    forms = valid_forms()  # the primary school has 8 m² sports area per student
    assert validate_forms(forms, national).issues.empty
    raised = Standards(merge_overlay(national.raw, {"data_quality": {"plausibility": {"sports_area_m2": {"min": 9}}}}),
                       "test")
    issues = validate_forms(forms, raised).issues
    assert issues[["rule", "school_code"]].values.tolist() == [["sports_area_m2_per_student_plausible", "3404030002"]]


def test_missing_column_is_one_table_level_issue_with_empty_row_number(national):
    forms = valid_forms()
    forms["rooms"] = forms["rooms"].drop(columns=["room_type"])
    issues = validate_forms(forms, national).issues
    rooms = issues[issues["form"] == "rooms"]
    assert rooms[["rule", "severity", "source_file"]].values.tolist() == [["room_type_column_present", "error", "rooms.csv"]]
    assert rooms["row_number"].isna().all()


def test_loading_guard_catches_an_expectation_type_gx_does_not_know(tmp_path, caplog):
    document = json.loads(suite_path("rooms").read_text("utf-8"))
    document["expectations"].append({**document["expectations"][0], "type": "expect_column_values_to_be_tidy"})
    path = tmp_path / "rooms.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with caplog.at_level(logging.CRITICAL), pytest.raises(SuiteError, match="dropped"):
        load_suite("rooms", path)
    assert len(load_suite("rooms").expectations) == len(json.loads(suite_path("rooms").read_text("utf-8"))["expectations"])


def test_unknown_campus_is_a_warning_and_unjudged_without_a_registry(national):
    forms = valid_forms()
    forms["registry"] = forms["registry"].iloc[[0, 2]]
    issues = validate_forms(forms, national).issues
    assert issues[["rule", "severity", "school_code", "row_number"]].values.tolist() == [
        ["campus_in_registry", "warning", "3404030002", 3]]
    del forms["registry"]
    assert validate_forms(forms, national).issues.empty


def test_derived_columns_by_hand(national):
    forms = valid_forms()
    forms["schools"].loc[0, "students_junior"] = 0  # nine-year school without junior students
    forms["schools"].loc[1, "school_type"] = pd.NA
    forms["survey_responses"].loc[2, ["q01", "q02"]] = ["很好", "7"]
    derived = derive_validation_columns(forms, national)
    schools = derived["schools"]
    assert schools["students_reported_junior"].tolist() == [False, pd.NA, True]
    assert schools["students_reported_senior"].tolist() == [True, pd.NA, True]
    # classes: 200 junior students against 0 reported → infinite gap; primary 300 = 300
    assert schools["class_students_gap_junior"].tolist()[0] == float("inf")
    assert schools["class_students_gap_primary"].tolist() == [0.0, 0.0, 0.0]
    assert schools["full_time_teachers"].tolist() == [38, 12, 25]
    assert schools["students_total"].tolist() == [300, 200, 500]
    assert schools["sports_area_m2_per_student"].tolist() == [5000 / 300, 8.0, 12.0]
    assert derived["survey_responses"]["unrecognised_answers"].tolist() == [pd.NA, pd.NA, "q01=很好; q02=7"]
    assert derived["classes"]["campus_submitted"].all()


def test_data_docs_site_lists_every_validated_form(national, tmp_path):
    forms = valid_forms()
    forms["classes"].loc[0, "stage"] = "kindergarten"
    report = validate_forms(forms, national)
    index = build_data_docs(report, tmp_path / "docs")
    assert index == (tmp_path / "docs" / "index.html").resolve() and index.is_file()
    pages = {p.parent.parent.parent.name for p in (tmp_path / "docs" / "validations").rglob("*.html")}
    assert pages == set(forms)
    html = index.read_text("utf-8")
    assert "classes" in html and "schools" in html


def test_offline_summary_page_shows_each_problem_without_scripts(national, tmp_path):
    forms = valid_forms()
    forms["classes"].loc[0, "stage"] = "kindergarten"
    report = validate_forms(forms, national)
    build_data_docs(report, tmp_path / "docs")
    page = write_validation_summary(report, report.issues, tmp_path / "docs")
    html = page.read_text("utf-8")
    assert page.name == "summary.html" and "<script" not in html and "http" not in html.replace("http-equiv", "")
    problem = report.issues[report.issues["form"] == "classes"].iloc[0]
    assert "班级情况" in html and problem["rule"] in html
    assert problem["message_zh"] in html and problem["message_en"].replace("'", "&#x27;") in html
    assert "validations/classes/" in html  # each form links its GX validation page


def many_campuses(count: int, county: str = "340403") -> list[dict]:
    """`count` copies of the primary school of SCHOOLS, each its own campus of `county`."""
    return [{**SCHOOL_DEFAULTS, **SCHOOLS[1], "county_code": county, "school_code": f"{county}{n:04d}",
             "campus_code": "01", "school_name": f"学校{n}"} for n in range(count)]


def test_validation_issues_are_capped_per_file_and_rule_without_losing_a_rejection(national):
    """A bulk school file with 30 negative pupil counts (a quarantined value) and 12 campuses of an unknown
    type (a rejected record), capped at 5 rows per rule: 5 rows and one summary row with the exact rest each,
    while which campuses are rejected, which values are quarantined and the completeness table are
    exactly those of the uncapped run."""
    from balanced_pipeline.contract.issues import quarantined_values, split_accepted
    from balanced_pipeline.validation.completeness import submission_completeness
    from datetime import datetime
    from zoneinfo import ZoneInfo

    records = many_campuses(60)
    for record in records[:30]:
        record["students_primary"] = -1
    for record in records[40:52]:
        record["school_type"] = "castle"
    forms = valid_forms()
    forms["schools"] = typed(FORMS["schools"].fields, records, "all_schools.csv")
    forms["registry"] = typed(FORMS["registry"].fields, [
        {k: r[k] for k in ("county_code", "school_code", "campus_code", "school_name", "school_type")}
        for r in many_campuses(60)], "registry.csv")

    truth = validate_forms(forms, national, issue_rows_per_rule=10**9)
    capped = validate_forms(forms, national, issue_rows_per_rule=5)

    negative = capped.issues[capped.issues["rule"] == "students_primary_non_negative"]
    assert len(negative) == 6 and negative["row_number"].notna().sum() == 5
    summary = negative[negative["row_number"].isna()].iloc[0]
    assert "还有 25 行存在同样问题" in summary["message_zh"] and "all_schools.csv" in summary["message_zh"]
    assert "and 25 more rows with the same problem" in summary["message_en"]
    assert summary["county_code"] == "340403"  # all summarised rows are one county's
    castle = capped.issues[capped.issues["rule"] == "school_type_allowed_value"]
    assert len(castle) == 6 and "and 7 more rows" in castle[castle["row_number"].isna()].iloc[0]["message_en"]
    assert len(capped.issues) < len(truth.issues)

    # The verdicts come from every failure, identical with and without the cap.
    columns = ["form", "source_file", "sheet", "row_number", "field", "rule", "severity"]
    pd.testing.assert_frame_equal(capped.failed_records[columns].reset_index(drop=True),
                                  truth.issues[columns].reset_index(drop=True))
    accepted, rejected = split_accepted(forms["schools"], capped.failed_records, "schools")
    true_accepted, true_rejected = split_accepted(forms["schools"], truth.issues, "schools")
    assert len(rejected) == len(true_rejected) == 12
    pd.testing.assert_frame_equal(accepted.reset_index(drop=True), true_accepted.reset_index(drop=True))
    quarantined = quarantined_values(accepted, capped.failed_records, "schools")
    assert (quarantined["rule"] == "students_primary_non_negative").sum() == 30  # past the cap too
    files = pd.DataFrame({"source_file": ["all_schools.csv"], "modified_at": [pd.Timestamp("2026-12-01", tz="UTC")]})
    deadline = datetime(2026, 12, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
    completeness = submission_completeness(forms["registry"], forms["schools"], accepted, files, YEAR, deadline)
    expected = submission_completeness(forms["registry"], forms["schools"], true_accepted, files, YEAR, deadline)
    pd.testing.assert_frame_equal(completeness, expected)
    assert completeness.iloc[0]["rejected"] == 12 and completeness.iloc[0]["accepted"] == 48
    assert capped.summaries["schools"].errors == truth.summaries["schools"].errors
    assert capped.summaries["schools"].failing_records_by_rule == truth.summaries["schools"].failing_records_by_rule
