"""Every expectation of every suite, read from the JSON files: a valid county plus one violating
row must report exactly that expectation's rule, for exactly that row, with its severity, field
and provenance. A new expectation whose violation cannot be built here fails."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from balanced_pipeline.validation.derive import derive_validation_columns
from balanced_pipeline.validation.suites import load_suite, suite_names, suite_parameters
from balanced_pipeline.validation._gx import gx, new_context
from balanced_pipeline.validation.suites import SEVERITY_TO_ISSUE, suite_path
from balanced_pipeline.validation.validate import issues_from_result, run_suite
from balanced_pipeline.contract.forms import EXPLANATIONS, FORMS, STAGES, SURVEY_IDENTITY
from balanced_pipeline.standards.loader import load_standards
from tests.validation.test_validation import valid_forms

STANDARDS = load_standards("national")
TYPE_BREAKERS = {"StringDtype": "category", "BooleanDtype": "category", "Int64Dtype": "float64", "Float64Dtype": "float64"}


def suite_expectations():
    for form_name in suite_names():
        for expectation in json.loads(suite_path(form_name).read_text("utf-8"))["expectations"]:
            yield pytest.param(form_name, expectation, id=f"{form_name}:{expectation['meta']['rule']}")


def target_row(frame: pd.DataFrame) -> int:
    return 1 if len(frame) > 1 else 0


def school_index(forms, school_code: str) -> int:
    return int(forms["schools"].index[forms["schools"]["school_code"] == school_code][0])


def break_generic(forms, form_name: str, expectation: dict) -> list[int] | None:
    """Violate an expectation on a submitted column; returns the violating row positions (None: table-level)."""
    kwargs, kind = expectation["kwargs"], expectation["type"]
    frame = forms[form_name]
    row = target_row(frame)
    column = kwargs.get("column")
    if kind == "expect_column_to_exist":
        forms[form_name] = frame.drop(columns=[column])
        return None
    if kind == "expect_column_values_to_be_in_type_list":
        forms[form_name] = frame.astype({column: TYPE_BREAKERS[kwargs["type_list"][0]]})
        return None
    if kind == "expect_column_values_to_not_be_null":
        frame.loc[row, column] = pd.NA
    elif kind == "expect_column_values_to_match_regex":
        frame.loc[row, column] = "12345"
    elif kind == "expect_column_values_to_be_in_set":
        frame.loc[row, column] = "not-a-choice"
    elif kind == "expect_column_values_to_be_between":
        frame.loc[row, column] = (kwargs["max_value"] + 1) if "max_value" in kwargs else (kwargs["min_value"] - 1)
    elif kind == "expect_compound_columns_to_be_unique":
        duplicate = frame.iloc[[0]].assign(row_number=frame["row_number"].max() + 1)
        forms[form_name] = pd.concat([frame, duplicate], ignore_index=True)
        return [0, len(frame)]
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        frame.loc[row, kwargs["column_B"]] = frame.loc[row, kwargs["column_A"]] + 1
    else:
        pytest.fail(f"no violating example for expectation type {kind}")
    return [row]


def break_school_quantity(quantity: str):
    def breaker(forms):
        row = school_index(forms, "3404030002")
        bounds = STANDARDS.section("data_quality")["plausibility"][quantity]
        forms["schools"].loc[row, quantity] = 200 * bounds["max"] * 10  # the school has 200 students
        return [row]
    return breaker


def break_school_count(column: str, school_code: str, value):
    def breaker(forms):
        row = school_index(forms, school_code)
        frame = forms["schools"]
        frame.loc[row, column] = value(frame.loc[row]) if callable(value) else value
        return [row]
    return breaker


def break_class_sum(school_code: str, stage: str):
    def breaker(forms):
        classes = forms["classes"]
        first = classes.index[(classes["school_code"] == school_code) & (classes["stage"] == stage)][0]
        classes.loc[first, "students"] += 20
        return [school_index(forms, school_code)]
    return breaker


def drop_stage_classes(school_code: str, stage: str):
    def breaker(forms):
        classes = forms["classes"]
        forms["classes"] = classes[~((classes["school_code"] == school_code) & (classes["stage"] == stage))]
        return [school_index(forms, school_code)]
    return breaker


def break_unknown_campus(form_name: str):
    def breaker(forms):
        row = target_row(forms[form_name])
        forms[form_name].loc[row, "campus_code"] = "99"
        return [row]
    return breaker


def drop_from_registry(forms):
    forms["registry"] = forms["registry"][forms["registry"]["school_code"] != "3404030002"]
    return [school_index(forms, "3404030002")]


def unrecognised_answer(forms):
    forms["survey_responses"].loc[1, "q02"] = "很好"
    return [1]


teachers = lambda r: r["teachers_primary"] + r["teachers_junior"] + 1  # noqa: E731
DERIVED_VIOLATIONS = {
    ("schools", "campus_in_registry"): drop_from_registry,
    ("schools", "certified_teachers_within_teachers"): break_school_count("certified_teachers", "3404030001", teachers),
    ("schools", "trained_360h_teachers_within_teachers"): break_school_count("trained_360h_teachers", "3404030001", teachers),
    ("schools", "migrant_children_within_students"): break_school_count(
        "migrant_children", "3404030003", lambda r: r["students_primary"] + r["students_junior"] + r["students_senior"] + 1),
    ("schools", "students_primary_reported_for_school_type"): break_school_count("students_primary", "3404030001", 0),
    ("schools", "students_junior_reported_for_school_type"): break_school_count("students_junior", "3404030003", 0),
    ("schools", "students_senior_reported_for_school_type"): break_school_count("students_senior", "3404030003", 0),
    ("schools", "class_students_match_primary"): break_class_sum("3404030002", "primary"),
    ("schools", "class_students_match_junior"): break_class_sum("3404030001", "junior"),
    ("schools", "class_students_match_senior"): break_class_sum("3404030003", "senior"),
    ("schools", "senior_classes_listed"): drop_stage_classes("3404030003", "senior"),
    **{("schools", f"{q}_per_student_plausible"): break_school_quantity(q)
       for q in STANDARDS.section("data_quality")["plausibility"]},
    ("classes", "campus_submitted"): break_unknown_campus("classes"),
    ("rooms", "campus_submitted"): break_unknown_campus("rooms"),
    ("survey_responses", "survey_answers_allowed"): unrecognised_answer,
}


def referenced_columns(kwargs: dict) -> set[str]:
    return {kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs} | set(kwargs.get("column_list", []))


@pytest.mark.parametrize(("form_name", "expectation"), list(suite_expectations()))
def test_expectation_reports_exactly_the_violating_row(form_name, expectation):
    forms = valid_forms()
    meta = expectation["meta"]
    if referenced_columns(expectation["kwargs"]) <= set(forms[form_name].columns):
        rows = break_generic(forms, form_name, expectation)
    elif (form_name, meta["rule"]) in DERIVED_VIOLATIONS:
        rows = DERIVED_VIOLATIONS[(form_name, meta["rule"])](forms)
    else:
        pytest.fail(f"{form_name}: no violating example for rule {meta['rule']} on a derived column")
    frame = derive_validation_columns(forms, STANDARDS)[form_name]
    single = gx.ExpectationSuite(name=form_name, expectations=[expectation])
    result = run_suite(new_context(), single, frame, suite_parameters(STANDARDS))
    issues, _ = issues_from_result(result, frame, form_name)

    assert set(issues["rule"]) == {meta["rule"]}
    assert set(issues["severity"]) == {SEVERITY_TO_ISSUE[expectation["severity"]]}
    assert set(issues["field"]) == {meta["field"]} and set(issues["form"]) == {form_name}
    if rows is None:
        assert len(issues) == 1 and issues["row_number"].isna().all()
        assert issues["source_file"].tolist() == [frame["source_file"].iloc[0]]
        return
    violating = frame.iloc[rows]
    assert issues["row_number"].tolist() == violating["row_number"].tolist()
    assert issues["source_file"].tolist() == violating["source_file"].tolist()
    assert issues["sheet"].tolist() == violating["sheet"].tolist()
    for key in ("county_code", "school_code", "campus_code"):
        expected = violating[key].fillna("").tolist() if key in violating else [""] * len(rows)
        assert issues[key].tolist() == expected
    assert not issues["message_zh"].str.contains("{value}", regex=False).any()


@pytest.mark.parametrize("form_name", suite_names())
def test_the_whole_suite_loads_and_its_rules_are_unique(form_name):
    document = json.loads(suite_path(form_name).read_text("utf-8"))
    assert len(load_suite(form_name).expectations) == len(document["expectations"])
    rules = [e["meta"]["rule"] for e in document["expectations"]]
    assert len(rules) == len(set(rules))
    for expectation in document["expectations"]:
        assert expectation["severity"] in SEVERITY_TO_ISSUE
        assert all(expectation["meta"].get(k) for k in ("rule", "field", "message_zh", "message_en"))


def test_every_form_has_a_suite_covering_its_required_fields_and_choices():
    fields_of = {**{name: form.fields for name, form in FORMS.items()}, "survey_responses": SURVEY_IDENTITY,
                 "explanations": EXPLANATIONS.fields}
    assert set(suite_names()) == set(fields_of)
    for form_name, fields in fields_of.items():
        expectations = json.loads(suite_path(form_name).read_text("utf-8"))["expectations"]
        by_type = {}
        for e in expectations:
            by_type.setdefault(e["type"], []).append(e["kwargs"])
        required = {f.name for f in fields if f.required}
        assert {k["column"] for k in by_type["expect_column_to_exist"]} == required
        assert {k["column"] for k in by_type["expect_column_values_to_not_be_null"]} == required
        for field in fields:
            if field.choices:
                sets = [k["value_set"] for k in by_type["expect_column_values_to_be_in_set"] if k["column"] == field.name]
                assert sets == [list(field.choices)], (form_name, field.name)


def test_no_standards_owned_value_is_hard_coded_in_a_suite():
    owned = {"plausible": ("min_value", "max_value"), "class_students_match": ("max_value",),
             "respondent_group_allowed_value": ("value_set",)}
    checked = 0
    for name in suite_names():
        for e in json.loads(suite_path(name).read_text("utf-8"))["expectations"]:
            for marker, keys in owned.items():
                if marker in e["meta"]["rule"]:
                    checked += 1
                    assert all("$PARAMETER" in e["kwargs"][key] for key in keys), e["meta"]["rule"]
    survey_forms = ("survey_responses", "survey_groups")  # both check respondent_group against the standards
    assert checked == len(survey_forms) + len(STAGES) + len(STANDARDS.section("data_quality")["plausibility"])
    answers = {str(a) for group in STANDARDS.section("social_recognition")["answers"].values() for a in group}
    text = "".join(suite_path(name).read_text("utf-8") for name in suite_names())
    assert not any(f'"{answer}"' in text for answer in answers - {"1", "2", "3", "4"})
