"""Columns the suites need that no single record holds: cross-table and cross-field facts.

Pure pandas, vectorised over whole forms. A derived value is NA when it cannot be judged
(for example, the registry was not submitted), and GX skips NA values, so only real
violations fail.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import FORMS, STAGES, YEAR_CAMPUS_KEY, Form
from balanced_pipeline.standards.loader import Standards


def derive_validation_columns(forms: dict[str, pd.DataFrame], standards: Standards) -> dict[str, pd.DataFrame]:
    """Each form with a positional index and the derived columns its suite checks."""
    frames = {name: positional(frame) for name, frame in forms.items()}
    if "schools" in frames:
        classes = judgeable(frames.get("classes"), [*YEAR_CAMPUS_KEY, "stage", "students"])
        registry = judgeable(frames.get("registry"), YEAR_CAMPUS_KEY)
        frames["schools"] = with_school_columns(frames["schools"], classes, registry, standards)
    listed_campuses = judgeable(frames.get("schools"), YEAR_CAMPUS_KEY)
    for name in ("classes", "rooms"):
        if name in frames:
            frames[name] = with_columns(frames[name], campus_submitted=campus_listed(frames[name], listed_campuses))
    if "survey_responses" in frames:
        survey = frames["survey_responses"]
        frames["survey_responses"] = with_columns(survey, unrecognised_answers=unrecognised_answers(survey, standards))
    return frames


def positional(frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the index 0..n-1 (GX's failing row positions), copied only if it has another."""
    index = frame.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return frame
    return frame.reset_index(drop=True)


def with_columns(frame: pd.DataFrame, **columns: pd.Series) -> pd.DataFrame:
    """`frame` plus `columns`, sharing its other columns' data (`assign` copies them all: hundreds of
    megabytes for a national year's survey answers); `frame` itself is unchanged."""
    extended = frame.copy(deep=False)
    for name, values in columns.items():
        extended[name] = values
    return extended


def judgeable(frame: pd.DataFrame | None, columns: list[str]) -> pd.DataFrame | None:
    """`frame` if it can serve as a reference (all `columns` present), else None: nothing is judged against it."""
    return frame if frame is not None and set(columns) <= set(frame.columns) else None


def with_missing_fields(frame: pd.DataFrame, form: Form) -> pd.DataFrame:
    """`frame` plus an all-NA column for each absent field, so derivations run; the absence is the suite's to report."""
    absent = [f for f in form.fields if f.name not in frame.columns]
    return frame.assign(**{f.name: pd.Series(pd.NA, index=frame.index, dtype=f.pandas_dtype)
                           for f in absent})


def with_school_columns(submitted: pd.DataFrame, classes: pd.DataFrame | None, registry: pd.DataFrame | None,
                        standards: Standards) -> pd.DataFrame:
    schools = with_missing_fields(submitted, FORMS["schools"])
    students_total = total_students(schools)
    derived = {
        "full_time_teachers": schools["teachers_primary"].add(schools["teachers_junior"], fill_value=0),
        "students_total": students_total,
        "campus_in_registry": campus_listed(schools, registry),
    }
    for stage in STAGES:
        derived[f"students_reported_{stage}"] = stage_students_reported(schools, stage, standards.school_type_stages)
    derived.update(class_students_gaps(schools, classes, standards.evaluated_stages))
    for quantity in standards.section("data_quality")["plausibility"]:
        derived[f"{quantity}_per_student"] = per_student(schools[quantity], students_total)
    return with_columns(submitted, **derived)


def total_students(schools: pd.DataFrame) -> pd.Series:
    return schools[[f"students_{stage}" for stage in STAGES]].sum(axis=1, min_count=1).astype("Int64")


def stage_students_reported(schools: pd.DataFrame, stage: str, school_type_stages: dict[str, list[str]]) -> pd.Series:
    """False when the school type teaches `stage` but reports no students in it; NA for an unknown type."""
    teaching_types = [school_type for school_type, stages in school_type_stages.items() if stage in stages]
    teaches_stage = schools["school_type"].isin(teaching_types)
    has_students = schools[f"students_{stage}"].fillna(0) > 0
    reported = pd.Series(~teaches_stage | has_students, dtype="boolean")
    known_type = schools["school_type"].isin(list(school_type_stages)).fillna(False).astype(bool)
    return reported.where(known_type, pd.NA)


def class_students_gaps(schools: pd.DataFrame, classes: pd.DataFrame | None,
                        evaluated_stages: list[str]) -> dict[str, pd.Series]:
    """Per stage: |sum of class sizes − reported students| / reported students, and for each stage
    outside `evaluated_stages` whether its classes are listed at all.

    An evaluated stage without classes sums to 0. A stage that is only there to split shared
    quantities (senior) is checked against its classes only when it lists some: a missing senior
    class list is its own warning (`classes_listed_<stage>` False), a listed one that contradicts
    the count is an error on the split. Without a class form nothing is judged. Zero reported
    students with classes gives an infinite gap. A stage with a class whose size is itself unusable
    (blank or negative: that class row's own error) is not compared, nor is any stage of a campus
    with a class of no known stage: the class error makes its campus's class items unknown
    (issue 10 item 2), it does not make the campus's student count wrong.
    """
    split_only = [stage for stage in STAGES if stage not in evaluated_stages]
    if classes is None or "year" not in schools.columns:
        unjudged = {f"class_students_gap_{stage}": pd.Series(pd.NA, index=schools.index, dtype="Float64")
                    for stage in STAGES}
        return unjudged | {f"classes_listed_{stage}": pd.Series(pd.NA, index=schools.index, dtype="boolean")
                           for stage in split_only}
    unusable = with_columns(classes, _bad=~(pd.to_numeric(classes["students"], errors="coerce") >= 0).fillna(False))
    by_stage = unusable.groupby([*YEAR_CAMPUS_KEY, "stage"], observed=True)  # one grouping of the keys, two sums
    sums = by_stage["students"].sum().unstack("stage").reindex(columns=list(STAGES))
    bad_size = by_stage["_bad"].any().unstack("stage", fill_value=False)
    bad_size = bad_size.reindex(columns=list(STAGES), fill_value=False).astype(bool)
    no_stage = with_columns(classes, _bad=~classes["stage"].isin(list(STAGES))).groupby(YEAR_CAMPUS_KEY, observed=True)["_bad"].any()
    campus = pd.MultiIndex.from_frame(schools[YEAR_CAMPUS_KEY])
    stage_unknown = no_stage.reindex(campus, fill_value=False).to_numpy(dtype=bool)
    derived = {}
    for stage in STAGES:
        listed_sum = sums[stage].reindex(campus).to_numpy(dtype=float, na_value=np.nan)
        not_compared = bad_size[stage].reindex(campus, fill_value=False).to_numpy(dtype=bool) | stage_unknown
        class_sum = listed_sum if stage in split_only else np.nan_to_num(listed_sum)
        reported = schools[f"students_{stage}"].to_numpy(dtype=float, na_value=np.nan)
        difference = np.abs(class_sum - reported)
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = difference / reported
        gap[(reported == 0) & (difference == 0)] = 0.0
        gap[not_compared] = np.nan
        derived[f"class_students_gap_{stage}"] = pd.Series(gap, index=schools.index, dtype="Float64")
        if stage in split_only:
            listed = pd.Series(~np.isnan(listed_sum) | ~(reported > 0), index=schools.index, dtype="boolean")
            derived[f"classes_listed_{stage}"] = listed.where(~np.isnan(reported), pd.NA)
    return derived


def per_student(quantity: pd.Series, students: pd.Series) -> pd.Series:
    students = students.astype("Float64")
    return quantity.astype("Float64") / students.where((students > 0).fillna(False))


def campus_listed(rows: pd.DataFrame, listing: pd.DataFrame | None) -> pd.Series:
    """Whether each row's (year, county, school, campus) appears in `listing`; NA when unjudgeable."""
    if listing is None or not set(YEAR_CAMPUS_KEY) <= set(rows.columns):
        return pd.Series(pd.NA, index=rows.index, dtype="boolean")
    listed = pd.MultiIndex.from_frame(rows[YEAR_CAMPUS_KEY]).isin(pd.MultiIndex.from_frame(listing[YEAR_CAMPUS_KEY]))
    complete_key = rows[YEAR_CAMPUS_KEY].notna().all(axis=1)
    return pd.Series(listed, index=rows.index, dtype="boolean").where(complete_key, pd.NA)


def answer_columns(survey: pd.DataFrame, prefix: str) -> list[str]:
    return [c for c in survey.columns if c.startswith(prefix) and c[len(prefix):].isdigit()]


def unrecognised_answers(survey: pd.DataFrame, standards: Standards) -> pd.Series:
    """'q03=很好; q07=9' for a respondent with answers outside the questionnaire's options, else NA.

    An answer that is exactly an option needs no stripping: only the others (few, against millions
    of answers in a national year) are stripped and judged, which gives the same labels."""
    recognition = standards.section("social_recognition")
    allowed = {str(answer) for answers in recognition["answers"].values() for answer in answers}
    exact = {answer for answer in allowed if answer == answer.strip()}
    labels = pd.Series(pd.NA, index=survey.index, dtype="string")
    for column in answer_columns(survey, recognition["question_prefix"]):
        raw = survey[column]
        others = survey.index[~(raw.isin(exact) | raw.isna()).to_numpy(dtype=bool)]
        answers = raw[others].astype("string").str.strip()
        rows = answers.index[(answers.notna() & ~answers.isin(allowed)).to_numpy(dtype=bool)]
        if len(rows):
            piece = f"{column}=" + answers[rows]
            labels[rows] = (labels[rows] + "; " + piece).fillna(piece)
    return labels
