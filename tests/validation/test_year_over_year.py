"""Year-over-year reasonability, worked by hand: at the tolerance is accepted, just beyond it is a
warning naming both values and both years; no previous value, no check."""

import pandas as pd
import pytest

from balanced_pipeline.contract.forms import CLASSES, COUNTIES, ROOMS, SCHOOLS
from balanced_pipeline.contract.issues import ISSUE_COLUMNS, split_accepted
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.validation.year_over_year import Tolerance, beyond, relative_change, tolerances, \
    year_over_year_issues

STANDARDS = load_standards("national")
COUNTY = "340403"


def records(form, *rows):
    columns = [*form.field_names, "source_file", "sheet", "row_number"]
    frame = pd.DataFrame([{**{f.name: None for f in form.fields}, "sheet": "", **row} for row in rows], columns=columns)
    types = {f.name: f.pandas_dtype for f in form.fields}
    return frame.astype({**types, "source_file": "string", "sheet": "string", "row_number": "Int64"})


def campus(school, row, **values):
    return {"county_code": COUNTY, "school_code": school, "campus_code": "01", "school_name": "学校",
            "school_type": "primary", "source_file": "schools.csv", "row_number": row, **values}


def classes(school, count):
    return [{"county_code": COUNTY, "school_code": school, "campus_code": "01", "stage": "primary", "grade": 1,
             "class_name": f"{n}班", "students": 40, "source_file": "classes.csv", "row_number": n + 2}
            for n in range(count)]


def rooms(school, count):
    return [{"county_code": COUNTY, "school_code": school, "campus_code": "01", "room_type": "music",
             "area_m2": 90.0, "source_file": "rooms.csv", "row_number": n + 2} for n in range(count)]


def year(schools, class_rows=(), room_rows=(), counties=()):
    return {"schools": records(SCHOOLS, *schools), "classes": records(CLASSES, *class_rows),
            "rooms": records(ROOMS, *room_rows), "counties": records(COUNTIES, *counties)}


def county(**values):
    return {"county_code": COUNTY, "county_name": "田家庵区", "source_file": "counties.csv", "row_number": 2, **values}


def test_the_tolerances_come_from_the_standards_file():
    limits = tolerances(STANDARDS, "campus")
    assert limits["sports_area_m2"] == Tolerance(max_decrease=0.20, max_increase=0.50)
    assert limits["students_primary"].max_increase == 0.50
    assert tolerances(STANDARDS, "county")["teacher_avg_pay"] == Tolerance(0.10, 0.30)


def test_relative_change_and_the_tolerance_both_ways():
    # 10000 → 8000 = −20 % exactly; → 7999 = −20.01 %; 100 → 150 = +50 %; → 151 = +51 %; 80/100 − 1 in
    # floats is −0.19999999999999996, rounded away so the tolerance, not float noise, decides.
    change = relative_change(pd.Series([10000, 10000, 100, 100, 100, 0, None, 50]),
                             pd.Series([8000, 7999, 150, 151, 80, 10, 20, None]))
    assert change.iloc[:5].tolist() == pytest.approx([-0.20, -0.2001, 0.50, 0.51, -0.20])
    assert change.iloc[5:].isna().all()  # previous 0 or missing, current missing: no measure
    flags = beyond(change, Tolerance(max_decrease=0.20, max_increase=0.50))
    assert flags.tolist() == [False, True, False, True, False, False, False, False]


def test_campus_warnings_name_both_values_and_both_years():
    last = year(
        [campus("3404030001", 2, sports_area_m2=10000.0, students_primary=100),
         campus("3404030002", 3, sports_area_m2=10000.0, students_primary=100),
         campus("3404030003", 4, sports_area_m2=0.0, students_primary=None)],
        classes("3404030001", 10) + classes("3404030002", 10), rooms("3404030001", 2) + rooms("3404030002", 2),
    )
    this = year(
        [campus("3404030001", 2, sports_area_m2=8000.0, students_primary=150),  # both at the tolerance
         campus("3404030002", 5, sports_area_m2=7999.0, students_primary=151),  # both just beyond
         campus("3404030003", 4, sports_area_m2=5000.0, students_primary=300),  # nothing last year
         campus("3404030004", 6, sports_area_m2=1.0, students_primary=1)],  # new campus
        classes("3404030001", 7) + classes("3404030002", 6), rooms("3404030001", 1) + rooms("3404030002", 4),
    )
    issues = year_over_year_issues(this, last, 2026, STANDARDS)
    assert list(issues.columns) == ISSUE_COLUMNS
    assert set(issues["severity"]) == {"warning"}
    found = {(row.school_code, row.rule, row.value) for row in issues.itertuples()}
    # 3404030001: classes 10 → 7 is −30 % (at), rooms 2 → 1 is −50 % (at): nothing.
    # 3404030002: classes 10 → 6 is −40 % (> 30 %); rooms 2 → 4 is +100 % (at the allowed 100 %).
    assert found == {("3404030002", "yoy_sports_area_m2", "7999"), ("3404030002", "yoy_students_primary", "151"),
                     ("3404030002", "yoy_classes", "6")}
    sports = issues[issues["rule"] == "yoy_sports_area_m2"].iloc[0]
    assert (sports["county_code"], sports["campus_code"], sports["field"], sports["form"]) == \
        (COUNTY, "01", "sports_area_m2", "schools")
    assert (sports["source_file"], sports["row_number"]) == ("schools.csv", 5)
    assert sports["message_zh"] == ("文件 schools.csv 第5行 体育运动场馆面积由2025年的10000变为2026年的7999"
                                    "（减少20.01%，超过允许的20%），请核实；如数据属实，请说明原因。")
    assert sports["message_en"] == ("File schools.csv, row 5: Sports ground and hall area changed from 10000 in 2025 "
                                    "to 7999 in 2026 (−20.01 %, beyond the 20 % allowed): check it, and if it is "
                                    "right, explain why.")
    counted = issues[issues["rule"] == "yoy_classes"].iloc[0]
    assert (counted["form"], counted["source_file"], counted["row_number"] is pd.NA) == ("classes", "classes.csv", True)
    assert "由2025年的10变为2026年的6（减少40%" in counted["message_zh"]


def test_county_form_figures_are_compared_too():
    last = year([], counties=[county(teacher_avg_pay=8000.0, cohort_grade7=1000, cohort_deaths=1)])
    this = year([], counties=[county(teacher_avg_pay=7100.0, cohort_grade7=1500, cohort_deaths=3)])
    issues = year_over_year_issues(this, last, 2026, STANDARDS)
    # Pay 8000 → 7100 is −11.25 % (> 10 %); grade 7 1000 → 1500 is +50 % (at); deaths are not compared.
    assert issues[["county_code", "school_code", "form", "field", "rule"]].values.tolist() == [
        [COUNTY, "", "counties", "teacher_avg_pay", "yoy_teacher_avg_pay"]]
    assert "教师平均工资收入由2025年的8000变为2026年的7100（减少11.25%，超过允许的10%）" in issues["message_zh"].iloc[0]


def test_no_previous_year_means_no_check():
    this = year([campus("3404030001", 2, sports_area_m2=1.0)], classes("3404030001", 1),
                counties=[county(teacher_avg_pay=1.0)])
    assert year_over_year_issues(this, year([]), 2026, STANDARDS).empty


def test_a_warning_never_rejects_its_record():
    last = year([campus("3404030001", 2, sports_area_m2=10000.0)])
    this = year([campus("3404030001", 2, sports_area_m2=100.0)])
    issues = year_over_year_issues(this, last, 2026, STANDARDS)
    accepted, rejected = split_accepted(this["schools"], issues, "schools")
    assert len(issues) == 1 and rejected.empty
    assert accepted["sports_area_m2"].tolist() == [100.0]


def test_a_misspelt_field_in_the_standards_file_is_refused():
    standards = load_standards("national")
    standards.section("year_over_year")["campus"]["sport_area_m2"] = {"max_decrease": 0.2, "max_increase": 0.5}
    with pytest.raises(ValueError, match=r"year_over_year.campus names no such field: \['sport_area_m2'\]"):
        year_over_year_issues(year([]), year([]), 2026, standards)
