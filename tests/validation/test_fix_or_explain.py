"""Fix or explain, worked by hand on small frames: which issue an explanation explains, which it cannot,
and which issues of the previous run count as fixed."""

import pandas as pd
import pytest

from balanced_pipeline.contract.issues import current_issues, issues_frame, split_accepted
from balanced_pipeline.monitoring.certification import open_required_warnings
from balanced_pipeline.validation.fix_or_explain import (
    EXPLAINS_AN_ERROR,
    EXPLAINS_NOTHING,
    carry_fixed,
    explain_warnings,
    issue_status,
)

SPORTS = "sports_area_m2_per_student_plausible"
ROTATED = "rotated_within_eligible"


def issue(school, campus, rule, severity, field="sports_area_m2", form="schools", row=2, county="340401",
          source_file="schools.csv"):
    return {"county_code": county, "school_code": school, "campus_code": campus, "form": form,
            "source_file": source_file, "sheet": "", "row_number": row, "field": field, "value": "1", "rule": rule,
            "severity": severity, "message_zh": "z", "message_en": "e"}


def explanation(school, campus, rule, field="sports_area_m2", row=2, text="新建操场，已核实", by="王五", county="340401"):
    return {"county_code": county, "school_code": school, "campus_code": campus, "rule": rule, "field": field,
            "explanation": text, "explained_by": by, "source_file": "explanations.csv", "sheet": "", "row_number": row}


def frame(*rows):
    return pd.DataFrame(list(rows)).astype({"row_number": "Int64"})


@pytest.fixture
def issues():
    return issues_frame([
        issue("3404010001", "01", SPORTS, "warning", row=2),                 # explained below
        issue("3404010002", "01", SPORTS, "warning", row=3),                 # stays open
        issue("3404010003", "01", "students_primary_required", "error", field="students_primary", row=4),
        issue("", "", ROTATED, "warning", field="rotated_teachers", form="counties", source_file="counties.csv"),
    ])


def test_an_explanation_explains_its_warning_and_a_county_form_warning_has_no_school(issues):
    result = explain_warnings(issues, frame(
        explanation("3404010001", "01", SPORTS, row=2, text="旧说明"),
        explanation("3404010001", "01", SPORTS, row=3, text="新建操场，已核实"),  # the later row counts
        explanation(None, None, ROTATED, field="rotated_teachers", row=4, text="含跨县交流", by="县教育局 李四"),
    ))
    assert len(result) == 4  # nothing of its own: every explanation named a warning
    assert result[["school_code", "rule", "status", "explanation", "explained_by"]].values.tolist() == [
        ["3404010001", SPORTS, "explained", "新建操场，已核实", "王五"],
        ["3404010002", SPORTS, "open", "", ""],
        ["3404010003", "students_primary_required", "open", "", ""],
        ["", ROTATED, "explained", "含跨县交流", "县教育局 李四"],
    ]


def test_an_error_is_never_explained_and_an_explanation_of_nothing_is_a_warning(issues):
    result = explain_warnings(issues, frame(
        explanation("3404010003", "01", "students_primary_required", field="students_primary", row=2),
        explanation("3404010001", "02", SPORTS, row=3),  # no such campus warning
        explanation("3404010002", "01", SPORTS, field="land_area_m2", row=4),  # wrong field
    ))
    assert result.loc[2, ["rule", "severity", "status", "explanation"]].tolist() == [
        "students_primary_required", "error", "open", ""]
    own = result.iloc[4:]
    assert own[["form", "source_file", "row_number", "field", "value", "rule", "severity", "status"]].values.tolist() == [
        ["explanations", "explanations.csv", 2, "rule", "students_primary_required", EXPLAINS_AN_ERROR, "warning", "open"],
        ["explanations", "explanations.csv", 3, "rule", SPORTS, EXPLAINS_NOTHING, "warning", "open"],
        ["explanations", "explanations.csv", 4, "rule", SPORTS, EXPLAINS_NOTHING, "warning", "open"],
    ]
    assert own.iloc[0]["message_zh"].startswith("文件 explanations.csv 第2行 本条说明针对的是错误")
    assert "cannot be explained, only fixed" in own.iloc[0]["message_en"]
    assert own.iloc[1]["message_en"].startswith("File explanations.csv, row 3: this explanation matches no warning")
    assert (result.iloc[:4]["status"] == "open").all()


def test_a_required_warning_blocks_until_explained_and_an_explained_error_still_rejects(issues):
    required = [SPORTS, "students_primary_required"]  # even a listed rule's error is never cleared
    error_as_warning = issues_frame([issue("3404010004", "01", SPORTS, "error", row=5)])
    assert [b.county_code for b in open_required_warnings(issues, required)] == ["340401"]
    both = explain_warnings(issues, frame(explanation("3404010001", "01", SPORTS), explanation("3404010002", "01", SPORTS)))
    assert open_required_warnings(both, required) == []
    with_error = explain_warnings(error_as_warning, frame(explanation("3404010004", "01", SPORTS)))
    assert with_error.loc[0, "status"] == "open" and with_error.loc[1, "rule"] == EXPLAINS_AN_ERROR
    # The error still rejects what it points at: its campus's record stays out of the accepted rows.
    staged = pd.DataFrame({"county_code": ["340401"], "school_code": ["3404010004"], "campus_code": ["01"],
                           "source_file": ["schools.csv"], "sheet": [""], "row_number": pd.array([5], dtype="Int64")})
    accepted, rejected = split_accepted(staged, with_error.assign(field="school_code"), "schools")
    assert accepted.empty and len(rejected) == 1


def test_an_issue_of_the_previous_run_that_no_longer_occurs_is_carried_as_fixed(issues):
    previous = issues_frame([
        issue("3404010002", "01", SPORTS, "warning", row=9, source_file="old.xlsx"),  # still occurs (other file)
        issue("3404010005", "01", SPORTS, "warning", row=6),                          # corrected since
        issue("", "", "unreadable_file", "error", field="", form="schools", county="", source_file="a.xlsx"),
        issue("", "", "unreadable_file", "error", field="", form="schools", county="", source_file="b.xlsx"),
    ])
    now = pd.concat([issues, issues_frame([
        issue("", "", "unreadable_file", "error", field="", form="schools", county="", source_file="a.xlsx")])],
        ignore_index=True)
    result = carry_fixed(now, previous)
    fixed = result[result["status"] == "fixed"]
    assert fixed[["school_code", "rule", "source_file"]].values.tolist() == [
        ["3404010005", SPORTS, "schools.csv"], ["", "unreadable_file", "b.xlsx"]]
    pd.testing.assert_frame_equal(current_issues(result), result.iloc[: len(now)])
    # A later run: the fixed rows stay fixed while their problem stays away; one that recurs is open again.
    again = carry_fixed(issues_frame([issue("3404010005", "01", SPORTS, "warning", row=6)]), result)
    assert again.loc[0, "status"] == "open"
    assert again.loc[again["school_code"] == "3404010005", "status"].tolist() == ["open"]
    assert ["", "unreadable_file", "b.xlsx"] in again.loc[again["status"] == "fixed", ["school_code", "rule", "source_file"]].values.tolist()


def test_issue_status_explains_then_carries(issues):
    previous = issues_frame([issue("3404010009", "01", SPORTS, "warning")])
    result = issue_status(issues, frame(explanation("3404010001", "01", SPORTS)), previous)
    assert result["status"].tolist() == ["explained", "open", "open", "open", "fixed"]
