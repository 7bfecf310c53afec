"""Year-over-year warnings through the real graph: year 1 is run and published, year 2 (one campus's
sports area halved) is run; last year's accepted campus comes through the declared partition mapping
from the published warehouse, and the warning lands in year 2's data_quality_issues."""

from pathlib import Path

import dagster as dg
import pandas as pd

from balanced_pipeline.definitions import defs
from balanced_pipeline.defs.validation import year_over_year_issues
from balanced_pipeline.demo.generate import generate_demo_submissions
from balanced_pipeline.indicators.common import scalar_text
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.store import Warehouse
from balanced_pipeline.wiring.partitions import this_and_previous_year
from balanced_pipeline.wiring.resources import pipeline_resources

YEARS = (2025, 2026)
CAMPUS = ["county_code", "school_code", "campus_code"]


def run(year: int, root: Path, url: str) -> dg.ExecuteInProcessResult:
    result = dg.materialize(list(defs.assets), partition_key=str(year),
                            resources=pipeline_resources(root / "submissions", root / "data", url))
    assert result.success
    return result


def test_last_year_is_a_declared_dependency():
    for table in ("school_submissions", "school_classes", "school_rooms", "county_submissions"):
        assert year_over_year_issues.get_partition_mapping(dg.AssetKey(table)) == this_and_previous_year


def test_a_shrunken_sports_area_is_a_warning_in_year_two(tmp_path):
    generate_demo_submissions(tmp_path / "submissions", years=YEARS, schools=100, seed=5)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    warehouse = Warehouse(url)
    first = run(YEARS[0], tmp_path, url)
    assert first.output_for_node("year_over_year_issues").empty  # 2024 was never published: no check
    accepted_first = warehouse.read_partition(TABLES["school_submissions"], YEARS[0])

    # Year 2: a campus accepted both years reports half last year's sports area (−50 %, beyond the 20 %).
    path = tmp_path / "submissions" / str(YEARS[1]) / "schools.csv"
    schools = pd.read_csv(path, dtype=str, keep_default_na=False)
    accepted_both = accepted_first[accepted_first["sports_area_m2"] > 0][[*CAMPUS, "sports_area_m2"]].merge(
        schools[CAMPUS], on=CAMPUS)
    target = accepted_both.iloc[0]
    before = float(target["sports_area_m2"])
    after = round(before / 2, 1)
    row = (schools[CAMPUS] == target[CAMPUS].to_numpy()).all(axis=1)
    schools.loc[row, "sports_area_m2"] = str(after)
    schools.to_csv(path, index=False)

    run(YEARS[1], tmp_path, url)
    issues = warehouse.read_partition(TABLES["data_quality_issues"], YEARS[1])
    found = issues[(issues["rule"] == "yoy_sports_area_m2") & (issues["school_code"] == target["school_code"])
                   & (issues["campus_code"] == target["campus_code"])]
    assert len(found) == 1
    warning = found.iloc[0]
    assert (warning["severity"], warning["field"], warning["county_code"]) == ("warning", "sports_area_m2",
                                                                              target["county_code"])
    old, new = scalar_text(before), scalar_text(after)
    assert f"由2025年的{old}变为2026年的{new}（减少" in warning["message_zh"]
    assert f"from {old} in 2025 to {new} in 2026 (−" in warning["message_en"]
    # A warning never rejects: the campus is accepted with the value it sent.
    accepted = warehouse.read_partition(TABLES["school_submissions"], YEARS[1]).merge(target[CAMPUS].to_frame().T,
                                                                                     on=CAMPUS)
    assert accepted["sports_area_m2"].tolist() == [after]
