"""The certification loop on a real run: Dagster's `materialize` into DuckDB, then the real
`balanced-pipeline certify` command in a child process and the `certify_year` job.

One story, in order: the demo year as generated is refused (incomplete counties, an open required
warning); the schools that were missing or rejected leave the registry and the year is run again and
certified; certifying again without a reason is refused; a correction and a later run change only
the live tables; re-certifying with a reason (from the Dagster job) records the reason and
refreezes.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from balanced_pipeline.definitions import defs
from balanced_pipeline.monitoring.certification import warnings_to_explain
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.demo.generate import generate_demo_submissions
from balanced_pipeline.warehouse.catalogue import TABLES, certified_tables
from balanced_pipeline.warehouse.store import Warehouse
from balanced_pipeline.wiring.certify import certify_year_job
from balanced_pipeline.wiring.resources import StandardsResource, WarehouseResource, pipeline_resources

YEAR = 2026
CAMPUS = ["county_code", "school_code", "campus_code"]
STANDARDS = load_standards("national")
# Every asset: a year is certified as published, and published_year publishes only a whole year.
SELECTION = dg.AssetSelection.all()
CAMPUS_FILES = ("registry.csv", "schools.csv", "classes.csv", "rooms.csv")


class Year:
    def __init__(self, root: Path):
        self.root = root
        self.submissions = root / "submissions"
        self.folder = self.submissions / str(YEAR)
        self.url = f"duckdb:///{root / 'warehouse.duckdb'}"
        self.warehouse = Warehouse(self.url)
        self.home = root / "dagster_home"
        self.home.mkdir()
        self.instance = dg.DagsterInstance.local_temp(tempdir=str(self.home))

    def resources(self) -> dict:
        return pipeline_resources(self.submissions, self.root / "data", self.url)

    def run(self) -> str:
        result = dg.materialize(list(defs.assets), selection=SELECTION, partition_key=str(YEAR),
                                resources=self.resources(), instance=self.instance)
        assert result.success
        return result.run_id

    def certify(self, *args: str) -> subprocess.CompletedProcess:
        env = {**os.environ, "BALANCED_WAREHOUSE_URL": self.url, "DAGSTER_HOME": str(self.home),
               "BALANCED_SUBMISSIONS_DIR": str(self.submissions), "BALANCED_DATA_DIR": str(self.root / "data"),
               "BALANCED_STANDARDS": "national"}
        return subprocess.run([sys.executable, "-m", "balanced_pipeline", "certify", str(YEAR), *args],
                              env=env, capture_output=True, text=True, timeout=300)

    def table(self, name: str) -> pd.DataFrame:
        table = TABLES[name] if name in TABLES else {c.name: c for c in certified_tables().values()}[name]
        return self.warehouse.read_partition(table, YEAR)


def keep_only_campuses(folder: Path, keep: pd.DataFrame) -> None:
    """The office drops from the registry (and from every campus file) the campuses it could not get right."""
    for name in CAMPUS_FILES:
        frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        frame.merge(keep, on=CAMPUS).to_csv(folder / name, index=False)


def by_campus(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(CAMPUS).reset_index(drop=True)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def year(tmp_path_factory) -> Year:
    root = tmp_path_factory.mktemp("certification")
    generate_demo_submissions(root / "submissions", years=(YEAR,), schools=100)
    return Year(root)


def test_the_certification_loop(year: Year):
    # 1. The demo year as generated: counties with missing and rejected campuses, an implausible area.
    year.run()
    refused = year.certify("--by", "张三")
    assert refused.returncode == 1
    assert "2026 cannot be certified" in refused.stderr
    incomplete = {line.split("]")[0][3:] for line in refused.stderr.splitlines() if "incomplete" in line}
    completeness = year.table("submission_completeness")
    assert incomplete == set(completeness.loc[(completeness["missing"] > 0) | (completeness["rejected"] > 0), "county_code"])
    assert "warning sports_area_m2_per_student_plausible neither fixed nor explained (schools.csv row" in refused.stderr
    assert year.table("certifications").empty

    # 2. Only the campuses accepted whole stay expected (no error, so no value quarantined, and no
    #    warning that must be explained); the year is run again and is complete.
    issues = year.table("data_quality_issues")
    blocking = issues[(issues["severity"] == "error") | issues["rule"].isin(warnings_to_explain(STANDARDS))]
    accepted = year.table("school_submissions")[CAMPUS].drop_duplicates()
    whole = accepted.merge(blocking[CAMPUS].dropna().drop_duplicates(), on=CAMPUS, how="left", indicator=True)
    keep_only_campuses(year.folder, whole.loc[whole["_merge"] == "left_only", CAMPUS])
    second_run = year.run()
    certified = year.certify("--by", "张三")
    assert certified.returncode == 0, certified.stderr
    assert "certified by 张三" in certified.stdout
    record = year.table("certifications")
    assert len(record) == 1
    row = record.iloc[0]
    assert (row["sequence"], row["certified_by"], row["run_id"], row["reason"]) == (1, "张三", second_run, "")
    assert row["standards_version"] == "national-2017"
    files = sorted(p for p in year.folder.rglob("*") if p.is_file())
    assert json.loads(row["inputs_sha256"]) == {str(p.relative_to(year.folder)): sha256(p) for p in files}
    readiness = year.table("county_readiness")
    assert (row["counties"], row["ready_counties"]) == (len(readiness), int(readiness["ready"].sum()))
    frozen = year.table("certified_school_submissions")
    live = year.table("school_submissions")
    assert (frozen["certified_at"] == row["certified_at"]).all()
    pd.testing.assert_frame_equal(by_campus(frozen.drop(columns="certified_at")), by_campus(live))
    assert len(year.table("certified_county_readiness")) == len(readiness)

    # 3. Certifying again needs a reason; nothing is recorded without one.
    again = year.certify("--by", "李四")
    assert again.returncode == 1
    assert "certifying it again needs a reason (--reason)" in again.stderr
    assert len(year.table("certifications")) == 1

    # 4. A school corrects its students after certification; the later run changes only live data.
    schools = pd.read_csv(year.folder / "schools.csv", dtype=str, keep_default_na=False)
    # A large campus, so one more student stays within the class-size tolerance.
    corrected = schools.index[schools["students_primary"].astype(int) > 200][0]
    old_students = int(schools.at[corrected, "students_primary"])
    schools.at[corrected, "students_primary"] = str(old_students + 1)
    schools.to_csv(year.folder / "schools.csv", index=False)
    third_run = year.run()
    key = schools.loc[corrected, CAMPUS].to_dict()

    def students(frame: pd.DataFrame) -> int:
        return int(frame.merge(pd.DataFrame([key]), on=CAMPUS)["students_primary"].iloc[0])

    assert students(year.table("school_submissions")) == old_students + 1
    # The correction is in the change history, against the row the certified run had accepted.
    changes = year.table("submission_changes").merge(pd.DataFrame([key]), on=CAMPUS)
    assert changes[["form", "field", "old_value", "new_value", "old_file", "new_file"]].values.tolist() == [
        ["schools", "students_primary", str(old_students), str(old_students + 1), "schools.csv", "schools.csv"]]
    assert students(year.table("certified_school_submissions")) == old_students
    pd.testing.assert_frame_equal(by_campus(year.table("certified_school_submissions")), by_campus(frozen))

    # 5. Re-certified from the Dagster job, with the reason recorded.
    result = certify_year_job.execute_in_process(
        partition_key=str(YEAR), instance=year.instance,
        run_config={"ops": {"certify_year_op": {"config": {"by": "李四", "reason": "学校更正了在校生数"}}}},
        resources={"warehouse": WarehouseResource(url=year.url), "standards": StandardsResource(name="national")},
    )
    assert result.success
    records = year.table("certifications").sort_values("sequence")
    assert list(records["sequence"]) == [1, 2]
    assert list(records["reason"]) == ["", "学校更正了在校生数"]
    assert records.iloc[1]["run_id"] == third_run and records.iloc[1]["certified_by"] == "李四"
    assert students(year.table("certified_school_submissions")) == old_students + 1
    assert (year.table("certified_school_submissions")["certified_at"] == records.iloc[1]["certified_at"]).all()


def test_the_job_refuses_with_the_blockers_in_its_failure(tmp_path):
    # A warehouse and an instance where the year never ran: refused, not certified.
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with dg.instance_for_test(temp_dir=str(tmp_path)) as instance:
        result = certify_year_job.execute_in_process(
            partition_key=str(YEAR), instance=instance, raise_on_error=False,
            run_config={"ops": {"certify_year_op": {"config": {"by": "张三"}}}},
            resources={"warehouse": WarehouseResource(url=url), "standards": StandardsResource(name="national")},
        )
    assert not result.success
    failure = result.failure_data_for_node("certify_year_op")
    assert "no run of the year is recorded" in failure.user_failure_data.description
    assert Warehouse(url).read_partition(TABLES["certifications"], YEAR).empty
