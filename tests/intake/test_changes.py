"""The change history of resubmitted campus and county forms, worked by hand."""

import pandas as pd

from balanced_pipeline.contract.forms import COUNTIES, SCHOOLS
from balanced_pipeline.contract.issues import issues_frame
from balanced_pipeline.intake.changes import CHANGE_COLUMNS, submission_changes

UTC = "UTC"
FILES = pd.DataFrame({
    "source_file": ["schools.csv", "b.xlsx", "c.xlsx", "counties.csv", "old.xlsx"],
    "modified_at": [pd.Timestamp(t, tz=UTC) for t in
                    ("2026-12-01 08:00", "2026-12-05 09:30", "2026-12-06 10:00", "2026-12-02 00:00", "2026-11-30 00:00")],
})


def records(form, *rows):
    """Typed records of `form`: every field (missing unless given) plus provenance."""
    columns = [*form.field_names, "source_file", "sheet", "row_number"]
    frame = pd.DataFrame([{**{f.name: None for f in form.fields}, "sheet": "", **row} for row in rows], columns=columns)
    types = {f.name: f.pandas_dtype for f in form.fields}
    return frame.astype({**types, "source_file": "string", "sheet": "string", "row_number": "Int64"})


def campus(school, source_file, row, **values):
    return {"county_code": "340403", "school_code": school, "campus_code": "01", "school_name": "学校",
            "source_file": source_file, "row_number": row, **values}


def error(school, source_file, row, rule):
    return {"county_code": "340403", "school_code": school, "campus_code": "01", "form": "schools",
            "source_file": source_file, "sheet": "", "row_number": row, "rule": rule, "severity": "error"}


def test_changed_fields_against_last_run_or_the_superseded_file_and_never_twice():
    previous_schools = records(SCHOOLS, campus("3404030001", "schools.csv", 2, students_primary=120, land_area_m2=5000.0))
    staged_schools = records(
        SCHOOLS,
        campus("3404030001", "schools.csv", 2, students_primary=120, land_area_m2=5000.0),  # superseded by b.xlsx
        campus("3404030001", "b.xlsx", 5, students_primary=121, land_area_m2=5000.0),
        campus("3404030002", "schools.csv", 3, land_area_m2=1000.0),  # first run: superseded by c.xlsx
        campus("3404030002", "c.xlsx", 5, land_area_m2=1200.0),
        campus("3404030003", "schools.csv", 4, students_primary=90),  # rejected: replaces nothing
    )
    issues = issues_frame([
        error("3404030001", "schools.csv", 2, "superseded_submission"),
        error("3404030002", "schools.csv", 3, "superseded_submission"),
        error("3404030003", "schools.csv", 4, "students_primary_required"),
    ])
    previous_schools = pd.concat([previous_schools, records(SCHOOLS, campus("3404030003", "schools.csv", 4, students_primary=80))])
    county = {"county_code": "340403", "county_name": "田家庵区", "source_file": "counties.csv", "row_number": 2}
    previous_counties = records(COUNTIES, {**county, "teacher_avg_pay": 8000.0})
    staged_counties = records(COUNTIES, {**county, "teacher_avg_pay": 8100.0})
    earlier = pd.DataFrame([
        # Recorded by an earlier run: kept, and the same change found again is not added twice.
        ["340403", "3404030009", "01", "schools", "ownership", "private", "public", "old.xlsx", "schools.csv",
         pd.Timestamp("2026-12-01 08:00")],
        ["340403", "3404030001", "01", "schools", "students_primary", "120", "121", "schools.csv", "b.xlsx",
         pd.Timestamp("2026-12-05 09:30")],
    ], columns=CHANGE_COLUMNS)

    history = submission_changes({"schools": staged_schools, "counties": staged_counties}, issues, FILES,
                                 {"schools": previous_schools, "counties": previous_counties}, earlier)

    found = {tuple(row) for row in history[["school_code", "form", "field", "old_value", "new_value", "old_file",
                                            "new_file"]].itertuples(index=False)}
    assert found == {
        ("3404030009", "schools", "ownership", "private", "public", "old.xlsx", "schools.csv"),
        ("3404030001", "schools", "students_primary", "120", "121", "schools.csv", "b.xlsx"),
        ("3404030002", "schools", "land_area_m2", "1000.0", "1200.0", "schools.csv", "c.xlsx"),
        ("", "counties", "teacher_avg_pay", "8000.0", "8100.0", "counties.csv", "counties.csv"),
    }
    assert len(history) == 4
    at = history.set_index("field")["changed_at"]
    assert at["land_area_m2"] == pd.Timestamp("2026-12-06 10:00", tz=UTC)
    assert at["teacher_avg_pay"] == pd.Timestamp("2026-12-02 00:00", tz=UTC)


def test_an_unchanged_resubmission_records_nothing():
    row = campus("3404030001", "schools.csv", 2, students_primary=120)
    history = submission_changes(
        {"schools": records(SCHOOLS, row), "counties": records(COUNTIES)}, issues_frame(), FILES,
        {"schools": records(SCHOOLS, row), "counties": records(COUNTIES)}, pd.DataFrame(columns=CHANGE_COLUMNS))
    assert history.empty and list(history.columns) == CHANGE_COLUMNS
