"""Hand-built years where a quarantined class, room or county-form value decides a county (issue 10,
item 2): the value's error makes unknown only the items that declare it as an input, the county is
incomplete (not not_ready, not ready), and the other items of the same form are still judged. The
frames are those of test_evaluation (340401 passes everything, 340402 fails every dimension); here
they go through the real suites and quarantine (validate_forms, split_accepted), as in a run."""

import pandas as pd
import pytest

from balanced_pipeline.contract.issues import split_accepted
from balanced_pipeline.indicators.education_quality import county_quality
from balanced_pipeline.indicators.government_guarantee import county_guarantee
from balanced_pipeline.indicators.school_checks import school_guarantee_checks
from balanced_pipeline.indicators.social_recognition import county_social_recognition
from balanced_pipeline.monitoring.readiness import county_readiness
from balanced_pipeline.monitoring.shortfalls import county_shortfalls
from balanced_pipeline.validation.validate import validate_forms
from balanced_pipeline.validation.completeness import campus_gaps
from tests.forms import typed
from tests.monitoring.test_evaluation import (
    COUNTY_ROWS, FAILING, PASSING, SCHOOL_ROWS, STANDARDS, class_rows, resource_outputs, room_rows, survey_rows,
)
from tests.monitoring.test_verdicts import flags

FORMS_USED = ("schools", "classes", "rooms", "counties")


def with_provenance(name: str, rows) -> pd.DataFrame:
    frame = typed(name, rows)
    return frame.assign(source_file=f"{name}.csv", sheet="", row_number=pd.array(range(2, len(frame) + 2), dtype="Int64"))


def evaluate(change=lambda forms: forms, county_rows=COUNTY_ROWS):
    """Readiness, shortfalls, checks and county items when `change` edits the submitted forms."""
    forms = {"schools": with_provenance("schools", SCHOOL_ROWS), "classes": with_provenance("classes", class_rows()),
             "rooms": with_provenance("rooms", room_rows()), "counties": with_provenance("counties", county_rows)}
    forms = change(forms)
    issues = validate_forms(forms, STANDARDS).failed_records
    accepted = {name: split_accepted(frame, issues, name)[0] for name, frame in forms.items()}
    schools, counties = accepted["schools"], accepted["counties"]
    registry = typed("registry", [{k: r[k] for k in ("county_code", "school_code", "campus_code", "school_name",
                                                     "school_type")} for r in SCHOOL_ROWS])
    gaps = campus_gaps(registry, forms["schools"], schools)
    monitoring = typed("quality_monitoring", [
        dict(county_code=code, subject=subject, level=level, between_school_diff_rate=0.1)
        for code in (PASSING, FAILING) for subject, level in (("数学", "Ⅲ"), ("语文", "4"))])
    vetoes = typed("veto_incidents", [dict(county_code=FAILING, kind="重点班", description="乙县第一中学设重点班。")])
    indicators, verdicts, cvs = resource_outputs()
    checks = school_guarantee_checks(schools, accepted["classes"], accepted["rooms"], STANDARDS, issues)
    guarantee = county_guarantee(counties, schools, checks, STANDARDS, issues)
    quality = county_quality(counties, schools, checks, monitoring, STANDARDS, issues)
    recognition = county_social_recognition(survey_rows(), counties, STANDARDS)
    shortfalls = county_shortfalls(counties, gaps, indicators, verdicts, cvs, checks, guarantee, quality, recognition,
                                   vetoes, STANDARDS)
    readiness = county_readiness(shortfalls, counties, verdicts, guarantee, quality, recognition, vetoes, STANDARDS)
    return {"readiness": readiness.set_index("county_code"), "shortfalls": shortfalls, "checks": checks,
            "guarantee": guarantee, "quality": quality, "issues": issues, "accepted": accepted}


def item(table, item_id, county_code=PASSING, stage=""):
    found = table[(table["item_id"] == item_id) & (table["county_code"] == county_code) & (table["stage"] == stage)]
    assert len(found) == 1
    return found.iloc[0]


def edit(name, where, **values):
    def change(forms):
        frame = forms[name].copy()
        rows = where(frame)
        for field, value in values.items():
            frame.loc[rows, field] = value
        return {**forms, name: frame}
    return change


def test_the_clean_year_is_ready_through_the_suites():
    year = evaluate()
    assert year["readiness"].loc[PASSING, "status"] == "ready"
    assert year["readiness"].loc[FAILING, "status"] == "not_ready"


def test_a_county_form_field_error_quarantines_only_the_items_reading_it():
    """甲区 types a negative teacher pay: the county form is kept, G8 alone is not computed (naming the
    field and the rule), every other county-form item is judged and passes; the county is incomplete."""
    year = evaluate(edit("counties", lambda f: f["county_code"] == PASSING, teacher_avg_pay=-98000.0))
    error = year["issues"][(year["issues"]["form"] == "counties") & (year["issues"]["severity"] == "error")]
    assert error[["county_code", "field", "rule"]].values.tolist() == [[PASSING, "teacher_avg_pay", "teacher_avg_pay_non_negative"]]
    assert PASSING in set(year["accepted"]["counties"]["county_code"])  # the form is kept
    g8 = item(year["guarantee"], "G8")
    assert pd.isna(g8["passed"]) and pd.isna(g8["value"])
    assert g8["not_computed_reason_en"] == ("not computed: counties form field teacher_avg_pay (Teachers' average pay) "
                                           "has an error (rule teacher_avg_pay_non_negative)")
    assert "县级基本情况表字段「教师平均工资收入」" in g8["not_computed_reason_zh"]
    others = pd.concat([year["guarantee"], year["quality"]])
    others = others[(others["county_code"] == PASSING) & others["item_id"].ne("G8")]
    assert others["passed"].astype(bool).all() and others["not_computed_reason_zh"].eq("").all()
    row = year["readiness"].loc[PASSING]
    assert row["status"] == "incomplete" and not row["ready"] and row["items_not_computed"] == 1
    assert row["verdict_en"] == "incomplete: 1 item not computed — not a verdict"
    assert flags(row) == [True, None, True, True, True]
    shortfall = year["shortfalls"][year["shortfalls"]["county_code"] == PASSING].iloc[0]
    assert (shortfall["item_id"], shortfall["outcome"], bool(shortfall["conclusive"])) == ("G8", "not_computed", False)
    assert "teacher_avg_pay_non_negative" in shortfall["reason_en"] and shortfall["in_county_list"]


def test_a_county_form_error_does_not_hide_a_conclusive_failure():
    """乙县 fails on complete evidence (veto, precondition, Q1 ...): a quarantined figure adds a
    not-computed row but the county stays not_ready."""
    year = evaluate(edit("counties", lambda f: f["county_code"] == FAILING, rotated_backbone=50))
    assert pd.isna(item(year["guarantee"], "G11", FAILING)["passed"])
    assert "rotated_backbone_within_rotated" in item(year["guarantee"], "G11", FAILING)["not_computed_reason_en"]
    row = year["readiness"].loc[FAILING]
    assert row["status"] == "not_ready" and row["items_not_computed"] == 1


def test_a_county_without_an_accepted_county_form_is_incomplete_not_failing():
    """甲区 sends no county form: every county-form item (and P1) is not computed, never failed; the
    school-based items are still judged."""
    year = evaluate(county_rows=[COUNTY_ROWS[1]])
    guarantee = year["guarantee"][year["guarantee"]["county_code"] == PASSING].set_index(["item_id", "stage"])
    from_form = ["G1", "G2", "G7", "G8", "G10", "G11", "G14", "G15"]
    assert guarantee.loc[from_form, "passed"].isna().all()
    assert set(guarantee.loc[from_form, "not_computed_reason_en"]) == {
        "not computed: no accepted county form (not sent or rejected)"}
    assert guarantee.loc[["G3", "G4", "G5", "G6", "G9", "G12"], "passed"].astype(bool).all()
    row = year["readiness"].loc[PASSING]
    assert row["status"] == "incomplete"
    assert flags(row) == [True, None, None, True, None]
    county_rows = year["shortfalls"][year["shortfalls"]["county_code"] == PASSING]
    assert set(county_rows["outcome"]) == {"not_computed"} and not county_rows["conclusive"].any()


def test_a_class_with_an_invalid_student_count_makes_only_its_campus_class_size_unknown():
    """One class of 甲区第一小学 types -40 students: the class stays (its campus still needs the same
    music and art rooms, G3 judged), G5 of that campus and of the county is not computed."""
    school = SCHOOL_ROWS[0]
    assert school["county_code"] == PASSING
    year = evaluate(edit("classes", lambda f: (f["school_code"] == school["school_code"]) & (f["row_number"] == 3),
                         students=-40))
    errors = year["issues"][year["issues"]["severity"] == "error"]
    # the class's own error only: its campus's student count is not compared with an unusable class list
    assert errors[["form", "field", "rule"]].values.tolist() == [["classes", "students", "students_non_negative"]]
    campus = year["checks"][year["checks"]["school_code"] == school["school_code"]].set_index("item_id")
    assert pd.isna(campus.loc["G5", "passed"]) and pd.isna(campus.loc["G5", "value"])
    assert "students_non_negative" in campus.loc["G5", "not_computed_reason_en"]
    assert "班级情况表字段「班级学生数」" in campus.loc["G5", "not_computed_reason_zh"]
    assert campus.drop(index="G5")["passed"].astype(bool).all()
    assert campus.loc["G3", "threshold"] == 1  # 12 classes still counted: one room of each kind
    assert len(year["accepted"]["classes"]) == len(class_rows())  # nothing rejected
    g5 = item(year["guarantee"], "G5")
    assert pd.isna(g5["passed"]) and school["school_name"] in g5["not_computed_reason_zh"]
    row = year["readiness"].loc[PASSING]
    assert row["status"] == "incomplete" and flags(row) == [True, None, True, True, True]


def test_a_room_with_an_invalid_area_makes_only_its_campus_room_check_unknown():
    school = SCHOOL_ROWS[0]
    year = evaluate(edit("rooms", lambda f: (f["school_code"] == school["school_code"]) & (f["room_type"] == "music"),
                         area_m2=-100.0))
    campus = year["checks"][year["checks"]["school_code"] == school["school_code"]].set_index("item_id")
    assert pd.isna(campus.loc["G3", "passed"]) and "area_m2_non_negative" in campus.loc["G3", "not_computed_reason_en"]
    assert campus.drop(index="G3")["passed"].astype(bool).all()
    assert pd.isna(item(year["guarantee"], "G3")["passed"])
    assert year["readiness"].loc[PASSING, "status"] == "incomplete"


def test_an_identity_error_on_a_class_still_rejects_the_class():
    year = evaluate(edit("classes", lambda f: f["row_number"] == 2, school_code="99"))
    assert len(year["accepted"]["classes"]) == len(class_rows()) - 1


def test_a_class_of_no_known_stage_makes_its_campus_class_items_unknown_not_its_student_count():
    """A class typed with stage 'kindergarten': the class stays, its stage unknown, so G3 (rooms per
    12 compulsory classes) and G5 of the campus are not computed; G4 and the campus's student
    counts are untouched (no class_students_match error)."""
    school = SCHOOL_ROWS[0]
    year = evaluate(edit("classes", lambda f: (f["school_code"] == school["school_code"]) & (f["row_number"] == 2),
                         stage="kindergarten"))
    errors = year["issues"][year["issues"]["severity"] == "error"]
    assert errors[["form", "field", "rule"]].values.tolist() == [["classes", "stage", "stage_allowed_value"]]
    campus = year["checks"][year["checks"]["school_code"] == school["school_code"]].set_index("item_id")
    assert campus.loc[["G3", "G5"], "passed"].isna().all()
    assert campus.loc[["G3", "G5"], "not_computed_reason_en"].str.contains("stage_allowed_value").all()
    assert campus.drop(index=["G3", "G5"])["passed"].astype(bool).all()
    assert year["readiness"].loc[PASSING, "status"] == "incomplete"
