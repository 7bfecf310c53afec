"""Fix or explain on the real graph (Dagster `materialize` into DuckDB, published whole): a county
explains a required warning in explanations.csv, tries to explain an error, and drops an explanation
that named nothing; data_quality_issues shows each outcome and certification counts only what is open."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from balanced_pipeline.definitions import defs
from balanced_pipeline.demo.generate import generate_demo_submissions
from balanced_pipeline.monitoring.certification import open_required_warnings, warnings_to_explain
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.validation.fix_or_explain import EXPLAINS_AN_ERROR, EXPLAINS_NOTHING
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.store import Warehouse
from balanced_pipeline.wiring.resources import pipeline_resources

YEAR = 2026
KEY = ["county_code", "school_code", "campus_code", "rule", "field"]
COLUMNS = [*KEY, "explanation", "explained_by"]
REQUIRED = warnings_to_explain(load_standards("national"))


def run(root: Path, instance: dg.DagsterInstance) -> pd.DataFrame:
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    result = dg.materialize(list(defs.assets), selection=dg.AssetSelection.all(), partition_key=str(YEAR),
                            resources=pipeline_resources(root / "submissions", root / "data", url), instance=instance)
    assert result.success
    return Warehouse(url).read_partition(TABLES["data_quality_issues"], YEAR)


def test_explained_error_and_fixed_rows_in_data_quality_issues(tmp_path):
    generate_demo_submissions(tmp_path / "submissions", years=(YEAR,), schools=100)
    folder = tmp_path / "submissions" / str(YEAR)
    (tmp_path / "dagster_home").mkdir()
    instance = dg.DagsterInstance.local_temp(tempdir=str(tmp_path / "dagster_home"))
    nonsense = {"county_code": "340403", "school_code": "", "campus_code": "", "rule": "no_such_rule", "field": "",
                "explanation": "误填", "explained_by": "李四"}
    pd.DataFrame([nonsense], columns=COLUMNS).to_csv(folder / "explanations.csv", index=False)

    first = run(tmp_path, instance)
    unmatched = first[first["rule"] == EXPLAINS_NOTHING]
    assert unmatched[["source_file", "row_number", "severity", "status"]].values.tolist() == [
        ["explanations.csv", 2, "warning", "open"]]
    warning = first[(first["severity"] == "warning") & first["rule"].isin(REQUIRED)].iloc[0]
    county, rule = warning["county_code"], warning["rule"]
    group = first[(first["county_code"] == county) & (first["rule"] == rule)][KEY].drop_duplicates()
    error = first[(first["severity"] == "error") & first["school_code"].ne("")].iloc[0]
    assert county in {b.county_code for b in open_required_warnings(first, [rule])}

    # The county explains every warning of that rule, tries to explain the error, and drops the row that named nothing.
    rows = [{**key, "explanation": "新建操场 面积已实地核实", "explained_by": "县教育局 王五"}
            for key in group.to_dict("records")]
    pd.DataFrame([*rows, {**error[KEY].to_dict(), "explanation": "数据无误", "explained_by": "王五"}],
                 columns=COLUMNS).to_csv(folder / "explanations.csv", index=False)
    second = run(tmp_path, instance)

    same = lambda frame, row: frame.merge(pd.DataFrame([row[KEY].to_dict()]), on=KEY)  # noqa: E731
    explained = same(second, warning)
    assert set(explained["status"]) == {"explained"}
    assert set(explained["explanation"]) == {"新建操场 面积已实地核实"} and set(explained["explained_by"]) == {"县教育局 王五"}
    still = same(second, error)
    assert set(still.loc[still["severity"] == "error", "status"]) == {"open"}
    refused = second[second["rule"] == EXPLAINS_AN_ERROR]
    assert refused[["source_file", "row_number", "value", "status"]].values.tolist() == [
        ["explanations.csv", len(rows) + 2, error["rule"], "open"]]
    assert "cannot be explained, only fixed" in refused["message_en"].iloc[0]
    fixed = second[second["status"] == "fixed"]
    assert fixed[["rule", "source_file", "row_number"]].values.tolist() == [[EXPLAINS_NOTHING, "explanations.csv", 2]]
    # What certification counts: the explained warnings no longer block; the error is still there, open.
    assert county not in {b.county_code for b in open_required_warnings(second, [rule])}
    assert set(same(second, warning)["status"]) == {"explained"}
