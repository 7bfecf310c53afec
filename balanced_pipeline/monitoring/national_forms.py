"""The summary figures of the national recommendation form (教育部办公厅 2021, 推荐表) and the
city-level creation timetable (浙政教督办〔2019〕5号 attachment 3)."""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.contract.forms import YEAR_COUNTY_KEY
from balanced_pipeline.indicators.common import county_universe
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import conform, pandas_dtypes

SUMMARY_COLUMNS = pandas_dtypes("recommendation_form_summary")
TIMETABLE_COLUMNS = pandas_dtypes("creation_timetable")
TOTAL = "合计"
TEACHING_POINT = "teaching_point"
COMPULSORY_STAGES = ["primary", "junior"]


def recommendation_form_summary(schools: pd.DataFrame, counties: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """学校数, 乡村学校数, 学生数, 乡村学生数, 专任教师数, 乡村专任教师数 per county.

    Schools are counted per physically independent campus, as submitted. Teaching points (教学点)
    are not schools in the education statistics: they are left out of 学校数 and 乡村学校数 and
    counted in their own columns (teaching_points, rural_teaching_points), while their students
    and teachers are included in the student and teacher figures. Special-education schools
    teach no stage of the resource standards, so they are not counted as schools either; their
    compulsory-stage students and teachers are. Students and teachers are those of the primary
    and junior stages; rural means location_type rural.
    """
    compulsory_types = [t for t, stages in standards.school_type_stages.items()
                        if set(stages) & set(COMPULSORY_STAGES) and t != TEACHING_POINT]
    rural = (schools["location_type"] == "rural").fillna(False).astype(bool)
    is_school = schools["school_type"].isin(compulsory_types).fillna(False).astype(bool)
    is_point = (schools["school_type"] == TEACHING_POINT).fillna(False).astype(bool)
    students = schools[[f"students_{s}" for s in COMPULSORY_STAGES]].astype("Float64").fillna(0).sum(axis=1)
    teachers = schools[[f"teachers_{s}" for s in COMPULSORY_STAGES]].astype("Float64").fillna(0).sum(axis=1)
    tallies = pd.DataFrame({
        "year": schools["year"], "county_code": schools["county_code"],
        "schools": is_school, "rural_schools": is_school & rural, "teaching_points": is_point,
        "rural_teaching_points": is_point & rural, "students": students, "rural_students": students.where(rural, 0),
        "teachers": teachers, "rural_teachers": teachers.where(rural, 0),
    }).groupby(YEAR_COUNTY_KEY).sum()
    frame = county_universe(counties, schools)
    frame = frame.merge(counties[[*YEAR_COUNTY_KEY, "county_name", "city", "province", "basic_balance_year"]], on=YEAR_COUNTY_KEY, how="left")
    frame = frame.join(tallies, on=YEAR_COUNTY_KEY)
    counts = [c for c in SUMMARY_COLUMNS if c not in frame.columns or c in tallies.columns]
    frame[counts] = frame[counts].fillna(0).round()
    return conform(frame, SUMMARY_COLUMNS)


def target_year_bucket(target_year: pd.Series, first_year: int, open_ended_from: int) -> pd.DataFrame:
    """Attachment 3's column of each target year: first_year年 … , open_ended_from年及以后; earlier
    years under 「first_year年以前」 and a blank year under 「未定」, so no county drops out. Returns
    the label and its column position."""
    year = pd.Series(target_year).astype("Int64")
    clipped = year.clip(lower=first_year - 1, upper=open_ended_from)
    label = clipped.astype("string") + "年"
    label = label.mask((clipped == open_ended_from).fillna(False), f"{open_ended_from}年及以后")
    label = label.mask((clipped == first_year - 1).fillna(False), f"{first_year}年以前").fillna("未定")
    order = (clipped - first_year + 1).fillna(open_ended_from - first_year + 2)
    return pd.DataFrame({"target_year_bucket": label, "bucket_order": order.astype("Int64")}, index=year.index)


def creation_timetable(counties: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Counties per city and target-year column, every column of the attachment present (0 when
    empty), a 合计 column per city and a 合计 city row per province (the attachment's 合计（个） row).
    The columns start at the evaluated year (a plan looks forward from the year it is made in):
    `year_columns` years, the last open-ended, and 「…年以前」 for targets already past."""
    columns = int(standards.section("readiness")["creation_timetable"]["year_columns"])
    tables = [_timetable(of_year, int(year), int(year) + columns - 1)
              for year, of_year in counties.groupby("year", sort=True)]
    table = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=list(TIMETABLE_COLUMNS))
    return conform(table, TIMETABLE_COLUMNS)


def _timetable(counties: pd.DataFrame, first: int, open_from: int) -> pd.DataFrame:
    buckets = target_year_bucket(counties["target_year"], first, open_from)
    frame = counties[["year", "province", "city"]].astype({"province": "string", "city": "string"})
    frame = pd.concat([frame, buckets], axis=1)
    standard_columns = target_year_bucket(pd.Series(range(first, open_from + 1)), first, open_from)
    cities = frame[["year", "province", "city"]].drop_duplicates()
    grid = pd.concat([cities.merge(standard_columns, how="cross"),
                      frame[["year", "province", "city", "target_year_bucket", "bucket_order"]].drop_duplicates()])
    grid = grid.drop_duplicates()
    counts = frame.groupby(["year", "province", "city", "target_year_bucket"]).size().rename("counties")
    table = grid.join(counts, on=["year", "province", "city", "target_year_bucket"]).fillna({"counties": 0})
    per_city = table.groupby(["year", "province", "city"], as_index=False)["counties"].sum().assign(
        target_year_bucket=TOTAL, bucket_order=open_from - first + 3)
    table = pd.concat([table, per_city], ignore_index=True)
    per_province = table.groupby(["year", "province", "target_year_bucket", "bucket_order"], as_index=False)["counties"].sum()
    table = pd.concat([table, per_province.assign(city=TOTAL)], ignore_index=True)
    table["city_order"] = (table["city"] == TOTAL).astype(int)
    return table.sort_values(["year", "province", "city_order", "city", "bucket_order"], kind="stable")
