"""The whole graph through Dagster's own `materialize`, on generated demo data, into real warehouses.

Two years go into DuckDB (the second needs the first for its trends); the last year is run
again to prove a re-run replaces its rows and nothing else; the same year goes into a real
PostgreSQL server and must give the same tables.
"""

from __future__ import annotations

import json
import math
import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from openpyxl import load_workbook
import pandas as pd
import pytest

from balanced_pipeline.contract.issues import rejected_records
from balanced_pipeline.demo.generate import generate_demo_submissions
from balanced_pipeline.demo.profiles import standard_item
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.definitions import defs
from balanced_pipeline.wiring.resources import pipeline_resources
from balanced_pipeline.warehouse.catalogue import NOT_CERTIFIED, TABLES
from balanced_pipeline.warehouse.store import Warehouse
from balanced_pipeline.intake.template import write_template

STANDARDS = load_standards("national")
YEARS = (2025, 2026)
YEAR = YEARS[-1]
SCHOOLS = 120
ASSETS = list(defs.assets)
# Columns that depend on when or where the run happened, not on the data.
NOT_COMPARED = {
    "deadline_status": ["as_of", "days_left", "status", "message_zh", "message_en"],
    "county_reports": ["html_path", "xlsx_path", "rectification_path"],
}


def materialize_year(year: int, submissions: Path, data_dir: Path, warehouse_url: str) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        ASSETS,
        partition_key=str(year),
        resources=pipeline_resources(submissions, data_dir, warehouse_url),
    )


WORKBOOK = "学校填报/resubmitted.xlsx"
READY_COUNTY = "340403"


def resubmit_one_campus_as_a_workbook(year_dir: Path) -> dict:
    """A campus of the bulk export sends its own workbook later, typed as a clerk would type it."""
    schools = pd.read_csv(year_dir / "schools.csv", dtype=str, keep_default_na=False)
    campus = schools[(schools["county_code"] == READY_COUNTY) & (schools["school_type"] == "primary")].iloc[0].to_dict()
    key = {k: campus[k] for k in ("county_code", "school_code", "campus_code")}
    classes, rooms = (
        pd.read_csv(year_dir / name, dtype=str, keep_default_na=False).merge(pd.DataFrame([key]))
        for name in ("classes.csv", "rooms.csv")
    )
    typed = {**campus, "teaching_aux_area_m2": f"{float(campus['teaching_aux_area_m2']):,.1f}㎡",
             "students_primary": f"{campus['students_primary']}人"}
    path = write_template(year_dir / WORKBOOK, year=int(year_dir.name), campus=typed, classes=classes, rooms=rooms)
    newer = (year_dir / "schools.csv").stat().st_mtime + 60
    os.utime(path, (newer, newer))
    return campus


@dataclass
class Demo:
    root: Path
    manifest: dict
    resubmitted: dict


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Demo:
    root = tmp_path_factory.mktemp("demo")
    manifest = generate_demo_submissions(root / "submissions", years=YEARS, schools=SCHOOLS, seed=7)
    return Demo(root, manifest, resubmit_one_campus_as_a_workbook(root / "submissions" / str(YEAR)))


@pytest.fixture(scope="module")
def duckdb_run(demo):
    url = f"duckdb:///{demo.root / 'warehouse.duckdb'}"
    results = [materialize_year(year, demo.root / "submissions", demo.root, url) for year in YEARS]
    return Warehouse(url), results, demo.manifest


def table(warehouse: Warehouse, name: str, year: int = YEAR) -> pd.DataFrame:
    return warehouse.read_partition(TABLES[name], year)


def test_every_asset_and_check_succeeds_for_both_years(duckdb_run):
    warehouse, results, _ = duckdb_run
    for result in results:
        assert result.success
        checks = result.get_asset_check_evaluations()
        assert {c.check_name for c in checks} >= {"schools_suite", "classes_suite", "submissions_complete_before_deadline"}
        schools_check = next(c for c in checks if c.check_name == "schools_suite")
        docs = Path(schools_check.metadata["data_docs"].value)
        assert docs.name == "summary.html" and docs.is_file() and (docs.parent / "index.html").is_file()
    # `certifications` is written by `balanced-pipeline certify`, not by a run.
    for name in set(TABLES) - NOT_CERTIFIED:
        assert warehouse.has_table(name), name
    assert len(table(warehouse, "school_submissions")) > 0.9 * SCHOOLS


def test_nothing_submitted_is_lost(duckdb_run):
    warehouse, _, manifest = duckdb_run
    files = table(warehouse, "submission_files").set_index("source_file")
    issues = table(warehouse, "data_quality_issues")
    assert WORKBOOK in files.index
    for name, expected in manifest["years"][str(YEAR)]["files"].items():
        assert files.loc[name, "rows_read"] == expected["rows"], name
        assert files.loc[name, "rows_accepted"] + files.loc[name, "rows_rejected"] == files.loc[name, "rows_read"]
        assert files.loc[name, "source_sha256"] == expected["sha256"]
        errors = issues[(issues["source_file"] == name)]
        # an error on a campus field quarantines that value only; the rest reject their record
        rejected = pd.concat([rejected_records(errors, form) for form in errors["form"].unique()] or [errors[[]]])
        assert rejected.drop_duplicates().shape[0] == files.loc[name, "rows_rejected"]
    accepted_by_file = table(warehouse, "school_submissions")["source_file"].value_counts()
    assert accepted_by_file["schools.csv"] == files.loc["schools.csv", "rows_accepted"]
    assert set(accepted_by_file.index) == {"schools.csv", WORKBOOK}


def test_newest_workbook_wins_and_the_superseded_bulk_rows_are_recorded(duckdb_run, demo):
    warehouse, _, _ = duckdb_run
    campus = demo.resubmitted
    accepted = table(warehouse, "school_submissions").set_index(["school_code", "campus_code"])
    row = accepted.loc[(campus["school_code"], campus["campus_code"])]
    assert row["source_file"] == WORKBOOK and row["sheet"] == "学校基本情况"
    assert row["teaching_aux_area_m2"] == pytest.approx(float(campus["teaching_aux_area_m2"]))
    assert row["students_primary"] == int(campus["students_primary"])
    superseded = table(warehouse, "data_quality_issues").query("rule == 'superseded_submission'")
    assert set(superseded["source_file"]) == {"schools.csv", "classes.csv", "rooms.csv"}
    assert (superseded["school_code"] == campus["school_code"]).all()
    assert superseded["message_zh"].str.contains("resubmitted.xlsx").all()
    files = table(warehouse, "submission_files").set_index("source_file")
    assert files.loc[WORKBOOK, "kind"] == "workbook" and files.loc[WORKBOOK, "rows_rejected"] == 0


def test_every_broken_row_is_reported_where_it_is(duckdb_run):
    warehouse, _, manifest = duckdb_run
    issues = table(warehouse, "data_quality_issues")
    broken = [row for row in manifest["broken_rows"] if row["year"] == YEAR]
    assert broken
    for row in broken:
        found = issues[(issues["source_file"] == row["file"]) & (issues["row_number"] == row["row_number"])]
        assert len(found), f"no issue for {row}"
        assert (found["message_zh"].str.len() > 0).all() and (found["message_en"].str.len() > 0).all()


def test_a_broken_value_quarantines_only_what_reads_it(duckdb_run):
    """The demo's negative sports area keeps its campus, with only R5 not computed; its nine-year
    school without junior students keeps R1–R3 of its primary part (the split of R4–R7 reads the
    junior count); a wrong school type still rejects the campus."""
    warehouse, _, manifest = duckdb_run
    schools = table(warehouse, "school_submissions")
    indicators = table(warehouse, "school_indicators")
    verdicts = table(warehouse, "school_resource_verdict")
    broken = {row["kind"]: row for row in manifest["broken_rows"] if row["year"] == YEAR and row["file"] == "schools.csv"}

    def campus(kind):
        found = schools[(schools["source_file"] == "schools.csv") & (schools["row_number"] == broken[kind]["row_number"])]
        return found.iloc[0] if len(found) else None

    sports = campus("negative_area")
    assert pd.isna(sports["sports_area_m2"])
    rows = indicators[indicators["school_code"] == sports["school_code"]].set_index(["stage", "indicator_id"])
    unknown = rows[rows["not_computed_reason_zh"] != ""]
    assert set(unknown.index.get_level_values("indicator_id")) == {"R5"} and unknown["value"].isna().all()
    assert unknown["not_computed_reason_en"].str.contains("sports_area_m2_non_negative").all()
    assert rows.drop(index="R5", level="indicator_id")["value"].notna().all()
    assert verdicts[verdicts["school_code"] == sports["school_code"]]["passed"].isna().all()

    nine_year = campus("nine_year_without_junior")
    primary = indicators[(indicators["school_code"] == nine_year["school_code"])
                         & (indicators["stage"] == "primary")].set_index("indicator_id")
    assert primary.loc[["R1", "R2", "R3"], "value"].notna().all()
    assert primary.loc[["R4", "R5", "R6", "R7"], "value"].isna().all()
    assert primary.loc[["R4", "R5", "R6", "R7"], "not_computed_reason_en"].str.contains("students_junior").all()
    assert campus("unknown_school_type") is None


def test_completeness_names_the_missing_and_unknown_campuses(duckdb_run):
    warehouse, _, manifest = duckdb_run
    completeness = table(warehouse, "submission_completeness").set_index("county_code")
    for campus in (c for c in manifest["missing_campuses"] if c["year"] == YEAR):
        assert campus["school_name"] in completeness.loc[campus["county_code"], "missing_campuses"]
    for campus in (c for c in manifest["unknown_campuses"] if c["year"] == YEAR):
        assert campus["school_name"] in completeness.loc[campus["county_code"], "unknown_campuses"]


def test_stored_coefficients_match_an_independent_recomputation(duckdb_run):
    warehouse, _, _ = duckdb_run
    parts = table(warehouse, "school_parts")
    indicators = table(warehouse, "school_indicators")
    coefficients = table(warehouse, "county_difference_coefficients")
    in_scope = parts[parts["in_difference_coefficient"]][["county_code", "school_code", "campus_code", "stage"]]
    rows = indicators.merge(in_scope).dropna(subset=["value"])
    checked = 0
    for (county, stage, indicator), group in rows.groupby(["county_code", "stage", "indicator_id"]):
        if len(group) < 2:
            continue
        x = group["value"].astype(float).to_numpy()
        p = group["students"].astype(float).to_numpy()
        mean = (p * x).sum() / p.sum()
        cv = math.sqrt((p / p.sum() * (x - mean) ** 2).sum()) / mean
        stored = coefficients.set_index(["county_code", "stage", "indicator_id"]).loc[(county, stage, indicator)]
        assert stored["cv"] == pytest.approx(cv, rel=1e-9)
        checked += 1
    assert checked >= 7 * 2 * 5


SCHOOL_FORM_FLAGS = {"resource_allocation_passed": "resource_allocation", "government_guarantee_passed": "government_guarantee",
                     "education_quality_passed": "education_quality"}
COUNTY_FORM_FLAGS = {"social_recognition_passed": "social_recognition", "precondition_met": "precondition_met"}


def _flag(value):
    return None if pd.isna(value) else bool(value)


def test_readiness_matches_each_county_profile(duckdb_run):
    """Issue 10 changed what this pins: a county that lost a registry campus (the demo's broken rows
    and missing campus fall outside the passing county) is no longer judged on the rest. Its
    dimensions read from school forms are NULL unless a failure that stands decides them (a
    school's own resource failure, a coefficient over its whole evidence, a G/Q item computed from
    the county form); it is not_ready when a failure stands whatever the missing campuses would send
    (veto, precondition, recognition, those failures), otherwise incomplete."""
    warehouse, _, manifest = duckdb_run
    readiness = table(warehouse, "county_readiness").set_index("county_code")
    coefficients = table(warehouse, "county_difference_coefficients")
    verdicts = table(warehouse, "school_resource_verdict")
    gapped = 0
    for county, profile in manifest["county_profiles"].items():
        expected, row = profile["expected"], readiness.loc[county]
        gap = row["campuses_missing"] + row["campuses_rejected"] > 0
        gapped += gap
        of_county = coefficients[coefficients["county_code"] == county]
        # Failing schools stand, and so does a failing coefficient of a stage no campus is missing from.
        resource_failure_stands = (not expected["resource_allocation_schools"]
                                   or bool((~of_county["passed"] & of_county["evidence_complete"]).any()))
        expected_flags = {"resource_allocation_passed": expected["resource_allocation_schools"]
                          and expected["difference_coefficients"],
                          "government_guarantee_passed": expected["government_guarantee"],
                          "education_quality_passed": expected["education_quality"]}
        # A failing G/Q item computed from the county form (not from the schools) stands too.
        county_form_failure = {
            "government_guarantee_passed": any(standard_item(STANDARDS, i)["basis"] != "schools"
                                               for i in profile["guarantee_failures"]),
            "education_quality_passed": any(standard_item(STANDARDS, i)["basis"] != "schools"
                                            for i in profile["quality_failures"]),
            "resource_allocation_passed": resource_failure_stands}
        # A school part with a quarantined value is not judged (issue 10 item 2): resources never pass then.
        unjudged_part = bool(verdicts.loc[verdicts["county_code"] == county, "passed"].isna().any())
        if unjudged_part and expected_flags["resource_allocation_passed"]:
            expected_flags["resource_allocation_passed"] = None
        for flag in SCHOOL_FORM_FLAGS:
            if not gap:
                assert _flag(row[flag]) is expected_flags[flag], (county, flag, row["reasons"])
            elif county_form_failure[flag]:
                assert _flag(row[flag]) is False, (county, flag, row["reasons"])
            else:
                assert _flag(row[flag]) is None, (county, flag, row["reasons"])
        assert bool(row["social_recognition_passed"]) is expected["social_recognition"], (county, row["reasons"])
        assert bool(row["precondition_met"]) is expected["precondition_met"], (county, row["reasons"])
        assert bool(row["vetoed"]) is expected["vetoed"], (county, row["reasons"])
        stands = (not expected["social_recognition"] or not expected["precondition_met"] or expected["vetoed"]
                  or any(county_form_failure.values()))
        if not gap:
            judged = "incomplete" if unjudged_part else "ready"
            assert row["status"] == (judged if expected["ready"] else "not_ready"), (county, row["reasons"])
        else:
            assert row["status"] == ("not_ready" if stands else "incomplete"), (county, row["reasons"])
            assert row["campuses_not_judged"] and "【数据完整性】" in row["reasons"]
        assert bool(row["ready"]) is (row["status"] == "ready")
        assert bool(row["ready"]) is (expected["ready"] and not gap and not unjudged_part)
        assert bool(coefficients[coefficients["county_code"] == county]["passed"].all()) is expected["difference_coefficients"]
        assert bool(verdicts[verdicts["county_code"] == county]["passed"].all()) is expected["resource_allocation_schools"]
        if not expected["ready"]:
            assert row["reasons"] and "【" in row["reasons"]
    assert gapped, "the demo's broken rows should cost some county a campus"


def test_a_county_missing_campuses_is_never_ready_and_says_which(duckdb_run):
    warehouse, _, _ = duckdb_run
    readiness = table(warehouse, "county_readiness").set_index("county_code")
    completeness = table(warehouse, "submission_completeness").set_index("county_code")
    shortfalls = table(warehouse, "county_shortfalls")
    registry = table(warehouse, "school_registry")
    accepted = table(warehouse, "school_submissions")
    key = ["county_code", "school_code", "campus_code"]
    not_accepted = registry[key].merge(accepted[key].assign(_in=True), on=key, how="left")
    not_accepted = not_accepted[not_accepted["_in"].isna()][key]
    gaps = shortfalls[shortfalls["outcome"].isin(["campus_missing", "campus_rejected"])]
    assert set(map(tuple, gaps[key].values)) == set(map(tuple, not_accepted.values))
    for county, row in readiness.iterrows():
        assert row["campuses_missing"] == completeness.loc[county, "missing"]
        assert row["campuses_rejected"] <= completeness.loc[county, "rejected"]  # those also count unknown campuses
        of_county = gaps[gaps["county_code"] == county].drop_duplicates(key)
        assert len(of_county) == row["campuses_missing"] + row["campuses_rejected"]
        if len(of_county):
            assert row["status"] != "ready" and not row["ready"]
            assert all(name in row["campuses_not_judged"] for name in of_county["school_name"])
            words = f"{len(of_county)} campus{'es' if len(of_county) > 1 else ''} missing or rejected"
            assert words in row["verdict_en"]
            if row["status"] == "incomplete":
                assert row["verdict_en"].endswith("— not a verdict") and "不能作出结论" in row["verdict_zh"]
        # Each dimension read from school forms names the campuses it could not judge.
        for dimension in SCHOOL_FORM_FLAGS.values():
            assert len(of_county) == (gaps[(gaps["county_code"] == county) & (gaps["dimension"] == dimension)]).shape[0]


def test_coefficients_say_what_they_stand_on(duckdb_run):
    warehouse, _, _ = duckdb_run
    coefficients = table(warehouse, "county_difference_coefficients")
    counts = ["parts_missing", "parts_rejected", "parts_without_value", "parts_out_of_scope"]
    assert (coefficients["parts_expected"] == coefficients["schools_in_scope"] + coefficients[counts].sum(axis=1)).all()
    for row in coefficients.itertuples():
        left_out = json.loads(row.parts_left_out)
        assert len(left_out) == row.parts_expected - row.schools_in_scope
        assert {p["reason"] for p in left_out} <= {"campus_missing", "campus_rejected", "not_computable", "out_of_scope"}
        assert row.evidence_complete == (row.parts_missing + row.parts_rejected + row.parts_without_value == 0)
    readiness = table(warehouse, "county_readiness").set_index("county_code")
    gapped = readiness.index[readiness["campuses_missing"] + readiness["campuses_rejected"] > 0]
    assert (~coefficients[coefficients["county_code"].isin(gapped)]["evidence_complete"]).any()


def test_rectification_lists_and_readiness_are_the_shortfall_rows(duckdb_run):
    warehouse, _, _ = duckdb_run
    shortfalls = table(warehouse, "county_shortfalls")
    schools = table(warehouse, "school_rectification_list")
    county = table(warehouse, "county_rectification_list")
    assert sorted(schools["shortfall"]) == sorted(shortfalls.loc[shortfalls["in_school_list"], "reason_zh"])
    assert sorted(county["shortfall"]) == sorted(shortfalls.loc[shortfalls["in_county_list"], "reason_zh"])
    readiness = table(warehouse, "county_readiness").set_index("county_code")
    blocking = shortfalls[shortfalls["blocks_readiness"]]
    assert set(readiness.index[readiness["status"] != "ready"]) == set(blocking["county_code"])
    assert set(readiness.index[readiness["status"] == "not_ready"]) == set(blocking.loc[blocking["conclusive"], "county_code"])
    assert (shortfalls["reason_zh"].str.len() > 0).all() and (shortfalls["reason_en"].str.len() > 0).all()


def test_cli_summary_reads_status_and_shortfall_rows(duckdb_run):
    from balanced_pipeline.report.summary import year_summary

    warehouse, _, _ = duckdb_run
    text = year_summary(warehouse, YEAR)
    readiness = table(warehouse, "county_readiness")
    for row in readiness.itertuples():
        assert f"{row.county_code} {row.county_name}: " in text
        if row.status != "ready":
            assert f"{row.verdict_zh} / {row.verdict_en}" in text
    incomplete = int((readiness["status"] == "incomplete").sum())
    assert f"{incomplete} incomplete — not a verdict" in text


def test_rectification_lists_state_value_standard_and_gap(duckdb_run):
    warehouse, _, _ = duckdb_run
    schools = table(warehouse, "school_rectification_list")
    county = table(warehouse, "county_rectification_list")
    assert len(schools) and len(county)
    resource_rows = schools[schools["item_id"].str.match(r"R\d")]
    # a value not computed (its input quarantined by an error) names the field to fix instead of a gap
    computed = resource_rows[~resource_rows["shortfall"].str.contains("未计算")]
    assert computed["shortfall"].str.contains("标准").all() and computed["shortfall"].str.contains("差").all()
    assert resource_rows.loc[resource_rows["shortfall"].str.contains("未计算"), "shortfall"].str.contains("字段「").all()
    assert (schools["measure"] == "").all() and (schools["deadline_month"] == "").all()


def test_trends_compare_with_the_previous_year(duckdb_run):
    warehouse, _, _ = duckdb_run
    trends = table(warehouse, "county_trends")
    assert trends["previous_value"].notna().mean() > 0.9
    first_year = table(warehouse, "county_trends", YEARS[0])
    assert set(first_year["direction"]) <= {"new", "unknown"}


def test_every_county_gets_its_report_files(duckdb_run, demo):
    warehouse, _, manifest = duckdb_run
    root = demo.root
    reports = table(warehouse, "county_reports")
    assert set(reports["county_code"]) == set(manifest["county_profiles"])
    for row in reports.itertuples():
        assert Path(row.html_path).is_file() and Path(row.xlsx_path).is_file()
        assert load_workbook(row.rectification_path, read_only=True).sheetnames == ["附件1 学校整改清单", "附件2 县级政府整改清单"]
        html = Path(row.html_path).read_text(encoding="utf-8")
        assert row.county_name in html and row.verdict_zh in html and row.verdict_en in html
        assert {"ready": "headline ready", "not_ready": "headline not-ready", "incomplete": "headline incomplete"}[
            row.status] in html
    overview = (root / "reports" / str(YEAR) / "index.html").read_text(encoding="utf-8")
    assert all(Path(path).name in overview for path in reports["html_path"])


def test_rerunning_a_year_replaces_only_that_year(duckdb_run, demo):
    warehouse, _, _ = duckdb_run
    root = demo.root
    before = {name: (len(table(warehouse, name, YEARS[0])), len(table(warehouse, name))) for name in TABLES}
    assert materialize_year(YEAR, root / "submissions", root, str(warehouse.url)).success
    after = {name: (len(table(warehouse, name, YEARS[0])), len(table(warehouse, name))) for name in TABLES}
    assert after == before


def _comparable(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = frame.drop(columns=NOT_COMPARED.get(name, []))
    frame = frame.astype(object).where(frame.notna(), None)
    for column in frame.columns:
        if frame[column].map(lambda v: isinstance(v, float)).any():
            frame[column] = frame[column].map(lambda v: None if v is None else round(float(v), 9))
    return frame.sort_values(list(frame.columns), key=lambda s: s.astype(str)).reset_index(drop=True)


def test_postgresql_warehouse_gives_the_same_tables(duckdb_run, demo, postgres_warehouse_url):
    duck, _, _ = duckdb_run
    root = demo.root
    assert materialize_year(YEARS[0], root / "submissions", root / "pg", postgres_warehouse_url).success
    assert materialize_year(YEAR, root / "submissions", root / "pg", postgres_warehouse_url).success
    postgres = Warehouse(postgres_warehouse_url)
    for name in TABLES:
        left, right = _comparable(table(duck, name), name), _comparable(table(postgres, name), name)
        pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=name)


def test_demo_manifest_is_json(demo):
    assert json.loads((demo.root / "submissions" / "demo_manifest.json").read_text(encoding="utf-8")) == demo.manifest


def test_an_empty_year_runs_and_says_what_is_missing(tmp_path):
    (tmp_path / "submissions" / "2024").mkdir(parents=True)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert materialize_year(2024, tmp_path / "submissions", tmp_path, url).success
    warehouse = Warehouse(url)
    issues = table(warehouse, "data_quality_issues", 2024)
    assert "registry" in set(issues.loc[issues["rule"] == "form_not_submitted", "form"])
    assert table(warehouse, "county_readiness", 2024).empty and table(warehouse, "county_reports", 2024).empty


def test_survey_totals_count_for_their_county(duckdb_run, demo):
    warehouse, _, manifest = duckdb_run
    [county] = manifest["counties_sending_survey_totals"]
    totals = pd.read_csv(demo.root / "submissions" / str(YEAR) / "survey_groups.csv", dtype={"county_code": str})
    recognition = table(warehouse, "county_social_recognition").query("county_code == @county")
    overall = recognition.set_index("respondent_group").loc["all"]
    assert overall["respondents"] == totals["respondents"].sum()
    assert overall["rate"] == pytest.approx(totals["satisfied"].sum() / totals["answers_counted"].sum())
    assert set(recognition["respondent_group"]) == {*totals["respondent_group"], "all"}


def test_survey_totals_beside_raw_answers_are_rejected_and_accounted(tmp_path):
    year_dir = tmp_path / "submissions" / "2024"
    year_dir.mkdir(parents=True)
    (year_dir / "survey_responses.csv").write_text(
        "county_code,respondent_id,respondent_group,q01,q02\n340403,R1,家长,满意,不满意\n", encoding="utf-8")
    (year_dir / "survey_groups.csv").write_text(
        "县（市、区）代码,调查对象类别,调查人数,计入分母的作答数,满意作答数\n"
        "340403,家长,40,380,380\n"  # the county also sent raw answers: rejected
        "340404,教师,12,120,110\n", encoding="utf-8")
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert materialize_year(2024, tmp_path / "submissions", tmp_path, url).success
    warehouse = Warehouse(url)
    issues = table(warehouse, "data_quality_issues", 2024)
    replaced = issues[issues["rule"] == "survey_groups_superseded_by_responses"]
    assert replaced[["source_file", "row_number", "county_code", "severity"]].values.tolist() == [
        ["survey_groups.csv", 2, "340403", "error"]]
    files = table(warehouse, "submission_files", 2024).set_index("source_file")
    assert files.loc["survey_groups.csv", ["rows_read", "rows_accepted", "rows_rejected"]].tolist() == [2, 1, 1]
    overall = table(warehouse, "county_social_recognition", 2024).query("respondent_group == 'all'").set_index("county_code")
    assert overall.loc["340403", "rate"] == pytest.approx(0.5)  # its raw answers: 1 of 2
    assert overall.loc["340404", "rate"] == pytest.approx(110 / 120)  # its totals


def test_a_county_form_field_error_leaves_the_county_incomplete_with_its_other_items_judged(tmp_path):
    """issue 10 item 2 through the whole graph on DuckDB: the passing county types a negative teacher
    pay on its county form. The form is kept; G8 alone is not computed (NULL, with the field and the
    rule); every other county item is still judged and passes; the county is incomplete, not
    not_ready, and its shortfall row says G8 was not judged."""
    generate_demo_submissions(tmp_path / "submissions", years=(YEAR,), schools=SCHOOLS, seed=7)
    path = tmp_path / "submissions" / str(YEAR) / "counties.csv"
    counties = pd.read_csv(path, dtype=str, keep_default_na=False)
    counties.loc[counties["county_code"] == READY_COUNTY, "teacher_avg_pay"] = "-98000"
    counties.to_csv(path, index=False)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert materialize_year(YEAR, tmp_path / "submissions", tmp_path, url).success
    warehouse = Warehouse(url)

    issues = table(warehouse, "data_quality_issues")
    error = issues[(issues["form"] == "counties") & (issues["severity"] == "error")]
    assert error[["county_code", "field", "rule"]].values.tolist() == [
        [READY_COUNTY, "teacher_avg_pay", "teacher_avg_pay_non_negative"]]
    assert READY_COUNTY in set(table(warehouse, "county_submissions")["county_code"])
    items = pd.concat([table(warehouse, "county_guarantee"), table(warehouse, "county_quality")])
    items = items[items["county_code"] == READY_COUNTY].set_index(["item_id", "stage"])
    g8 = items.loc[("G8", "")]
    assert pd.isna(g8["value"]) and pd.isna(g8["passed"])
    assert "teacher_avg_pay_non_negative" in g8["not_computed_reason_en"]
    others = items.drop(index="G8", level="item_id")
    assert others["passed"].astype(bool).all() and (others["not_computed_reason_zh"] == "").all()

    readiness = table(warehouse, "county_readiness").set_index("county_code").loc[READY_COUNTY]
    assert readiness["status"] == "incomplete" and not readiness["ready"]
    assert pd.isna(readiness["government_guarantee_passed"]) and readiness["education_quality_passed"]
    assert readiness["items_not_computed"] == 1
    shortfalls = table(warehouse, "county_shortfalls")
    rows = shortfalls[(shortfalls["county_code"] == READY_COUNTY) & shortfalls["blocks_readiness"].astype(bool)]
    assert rows[["item_id", "outcome"]].values.tolist() == [["G8", "not_computed"]]
    assert not rows["conclusive"].astype(bool).any()
    assert "teacher_avg_pay" in rows["reason_en"].iloc[0]
