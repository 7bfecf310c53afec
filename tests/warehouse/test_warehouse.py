"""The warehouse writer on the embedded DuckDB and on a real PostgreSQL server."""

import pandas as pd
import pytest

from balanced_pipeline.warehouse.catalogue import TABLES, TableMismatch
from balanced_pipeline.warehouse.store import Warehouse

TABLE = TABLES["county_difference_coefficients"]


def rows(county: str, cv: float, n: int = 1) -> pd.DataFrame:
    frame = pd.DataFrame({c: [None] * n for c in TABLE.column_names})
    return frame.assign(
        county_code=county, stage="primary", indicator_id=[f"R{i + 1}" for i in range(n)], cv=cv, passed=cv <= 0.5,
        note="说明 'quoted'", standards_version="national-2017",
    )


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse(request, tmp_path):
    if request.param == "duckdb":
        return Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    return Warehouse(request.getfixturevalue("postgres_warehouse_url"))


def test_a_year_is_replaced_and_other_years_are_kept(warehouse):
    TABLE_NAME = TABLE.name
    warehouse.replace_partition(TABLE, 2025, rows("340401", 0.3, n=2))
    warehouse.replace_partition(TABLE, 2026, rows("340401", 0.4, n=3))
    warehouse.replace_partition(TABLE, 2026, rows("340402", 0.6, n=1))
    counts = warehouse.query(f'SELECT year, count(*) AS n FROM "{TABLE_NAME}" GROUP BY year ORDER BY year')
    assert counts.to_dict("list") == {"year": [2025, 2026], "n": [2, 1]}
    back = warehouse.read_partition(TABLE, 2026)
    assert back.loc[0, "county_code"] == "340402" and back.loc[0, "cv"] == 0.6 and not back.loc[0, "passed"]
    assert back.loc[0, "note"] == "说明 'quoted'"
    assert str(back["cv"].dtype) == "Float64" and str(back["passed"].dtype) == "boolean"


def test_a_failed_write_leaves_the_year_intact(warehouse):
    warehouse.replace_partition(TABLE, 2026, rows("340401", 0.4, n=2))
    broken = rows("340401", 0.4, n=2).assign(indicator_id="R1")  # duplicate key
    with pytest.raises(Exception, match="(?i)duplicate key"):
        warehouse.replace_partition(TABLE, 2026, broken)
    with pytest.raises(TableMismatch):
        warehouse.replace_partition(TABLE, 2026, broken.drop(columns="cv"))
    assert len(warehouse.read_partition(TABLE, 2026)) == 2


def test_unknown_year_reads_empty_with_the_catalogue_columns(warehouse):
    empty = warehouse.read_partition(TABLE, 1999)
    assert empty.empty and list(empty.columns) == TABLE.column_names


def test_columns_carry_comments_for_bi_tools(warehouse):
    warehouse.replace_partition(TABLE, 2026, rows("340401", 0.4))
    if warehouse.backend == "duckdb":
        sql = f"SELECT comment FROM duckdb_columns() WHERE table_name = '{TABLE.name}' AND column_name = 'cv'"
    else:
        sql = f"SELECT col_description('\"{TABLE.name}\"'::regclass, attnum) AS comment FROM pg_attribute WHERE attrelid = '\"{TABLE.name}\"'::regclass AND attname = 'cv'"
    assert "差异系数" in warehouse.query(sql).iloc[0, 0]


def test_table_has_its_primary_key(warehouse):
    warehouse.replace_partition(TABLE, 2026, rows("340401", 0.4))
    keys = warehouse.query(
        "SELECT kcu.column_name FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
        f"AND kcu.table_name = tc.table_name WHERE tc.table_name = '{TABLE.name}' AND tc.constraint_type = 'PRIMARY KEY'"
    )
    assert set(keys["column_name"]) == set(TABLE.key)
