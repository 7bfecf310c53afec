"""`county_trends` reads last year's `county_indicator_values` through a declared partition mapping:
the real asset, the real warehouse IO manager, a DuckDB file, Dagster's own `materialize`."""

import dagster as dg
import pandas as pd
import pytest

from balanced_pipeline.definitions import defs
from balanced_pipeline.defs.monitoring import county_trends
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.publish import building_warehouse
from balanced_pipeline.warehouse.store import Warehouse
from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.wiring.resources import pipeline_resources

VALUES = TABLES["county_indicator_values"]
COUNTY = "340403"


def values(year: int, r5_cv: float, q1: float) -> pd.DataFrame:
    """Two indicators of one county: a coefficient (lower is better) and a share (higher is better)."""
    return pd.DataFrame({
        "year": [year, year],
        "county_code": [COUNTY, COUNTY],
        "indicator_id": ["R5_CV", "Q1"],
        "stage": ["primary", ""],
        "indicator_name_zh": ["生均教学仪器设备值差异系数", "国家义务教育质量监测达标率"],
        "value": [r5_cv, q1],
        "higher_is_better": [False, True],
    })


@pytest.fixture
def warehouse(tmp_path) -> Warehouse:
    return Warehouse(f"duckdb:///{tmp_path / 'warehouse.duckdb'}")


def trends_of(year: int, warehouse: Warehouse) -> tuple[pd.DataFrame, dg.ExecuteInProcessResult]:
    """Materialise only `county_trends` for `year`: its input comes from the warehouse, as in a run of that year."""
    data = warehouse.duckdb_path.parent
    result = dg.materialize(
        list(defs.assets),
        selection=[county_trends],
        partition_key=str(year),
        resources=pipeline_resources(data, data, f"duckdb:///{warehouse.duckdb_path}"),
    )
    assert result.success
    # The run writes its year aside; last year's values were read from the published warehouse.
    table = building_warehouse(warehouse, year).read_partition(TABLES["county_trends"], year).set_index("indicator_id")
    return table, result


def test_the_dependency_on_last_year_is_in_the_graph():
    mapping = county_trends.get_partition_mapping(dg.AssetKey("county_indicator_values"))
    assert isinstance(mapping, dg.TimeWindowPartitionMapping)
    assert (mapping.start_offset, mapping.end_offset) == (-1, 0)


def test_year_n_reads_year_n_minus_1_through_the_graph(warehouse):
    warehouse.replace_partition(VALUES, 2024, values(2024, r5_cv=0.70, q1=0.95))
    warehouse.replace_partition(VALUES, 2025, values(2025, r5_cv=0.62, q1=0.90))
    table, result = trends_of(2025, warehouse)
    # Hand-worked: the coefficient fell 0.70 → 0.62 (lower is better: improved), the share 0.95 → 0.90 (worsened).
    assert table.loc["R5_CV", "previous_value"] == pytest.approx(0.70)
    assert table.loc["R5_CV", "change"] == pytest.approx(-0.08)
    assert table.loc["R5_CV", "direction"] == "improved"
    assert table.loc["Q1", "previous_value"] == pytest.approx(0.95)
    assert table.loc["Q1", "direction"] == "worsened"
    metadata = result.asset_materializations_for_node("county_trends")[0].metadata
    assert metadata["previous_year"].value == 2024 and metadata["previous_rows"].value == 2


def test_a_year_before_that_was_never_materialised_makes_every_trend_new(warehouse):
    warehouse.replace_partition(VALUES, 2023, values(2023, r5_cv=0.50, q1=0.99))
    warehouse.replace_partition(VALUES, 2025, values(2025, r5_cv=0.62, q1=0.90))
    table, _ = trends_of(2025, warehouse)  # 2024 is missing: 2023 must not stand in for it
    assert set(table["direction"]) == {"new"}
    assert table["previous_value"].isna().all()


def test_the_first_partition_has_no_year_before_it(warehouse):
    first = int(yearly_partitions.get_first_partition_key())
    warehouse.replace_partition(VALUES, first, values(first, r5_cv=0.62, q1=0.90))
    table, result = trends_of(first, warehouse)
    assert set(table["direction"]) == {"new"}
    assert len(table) == 2
    assert result.asset_materializations_for_node("county_trends")[0].metadata["previous_rows"].value == 0
