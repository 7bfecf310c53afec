"""The warehouse writer on the embedded DuckDB and on a real PostgreSQL server."""

import subprocess
import sys
import time

import pandas as pd
import pytest

from balanced_pipeline.warehouse.catalogue import TABLES, TableMismatch
from balanced_pipeline.warehouse.publish import building_warehouse, publish_year
from balanced_pipeline.warehouse.store import Warehouse, WarehouseError

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


def _cv_comment(warehouse: Warehouse) -> str:
    if warehouse.backend == "duckdb":
        sql = f"SELECT comment FROM duckdb_columns() WHERE table_name = '{TABLE.name}' AND column_name = 'cv'"
    else:
        sql = f"SELECT col_description('\"{TABLE.name}\"'::regclass, attnum) AS comment FROM pg_attribute WHERE attrelid = '\"{TABLE.name}\"'::regclass AND attname = 'cv'"
    return warehouse.query(sql).iloc[0, 0]


def test_columns_carry_comments_for_bi_tools(warehouse):
    warehouse.replace_partition(TABLE, 2026, rows("340401", 0.4))
    assert "差异系数" in _cv_comment(warehouse)


def test_table_has_its_primary_key(warehouse):
    warehouse.replace_partition(TABLE, 2026, rows("340401", 0.4))
    keys = warehouse.query(
        "SELECT kcu.column_name FROM information_schema.table_constraints tc "
        "JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name "
        f"AND kcu.table_name = tc.table_name WHERE tc.table_name = '{TABLE.name}' AND tc.constraint_type = 'PRIMARY KEY'"
    )
    assert set(keys["column_name"]) == set(TABLE.key)


# Years of their own: the PostgreSQL server is shared by the whole session.
OLD, NEW = 2031, 2032


def test_publishing_a_year_copies_it_from_the_building_copy_and_keeps_other_years(warehouse):
    building = building_warehouse(warehouse, NEW)
    warehouse.replace_partition(TABLE, OLD, rows("340401", 0.3, n=2))
    warehouse.replace_partition(TABLE, NEW, rows("340401", 0.4, n=3))
    building.replace_partition(TABLE, NEW, rows("340402", 0.6, n=1))
    assert warehouse.read_partition(TABLE, NEW)["county_code"].tolist() == ["340401"] * 3  # not yet published
    assert publish_year(warehouse, building, NEW, [TABLE]) == {TABLE.name: 1}
    assert warehouse.read_partition(TABLE, NEW)["county_code"].tolist() == ["340402"]
    assert len(warehouse.read_partition(TABLE, OLD)) == 2
    assert "差异系数" in _cv_comment(warehouse)


def test_a_year_with_a_table_never_built_is_not_published(warehouse):
    building = building_warehouse(warehouse, NEW)
    warehouse.replace_partition(TABLE, NEW, rows("340401", 0.4, n=3))
    building.replace_partition(TABLE, NEW, rows("340402", 0.6, n=1))
    never_built = TABLES["creation_timetable"]
    with pytest.raises(WarehouseError, match="creation_timetable"):
        publish_year(warehouse, building, NEW, [TABLE, never_built])
    assert len(warehouse.read_partition(TABLE, NEW)) == 3


def test_the_building_copy_is_apart_from_the_published_warehouse(warehouse):
    building = building_warehouse(warehouse, NEW)
    if warehouse.backend == "duckdb":
        assert building.duckdb_path == warehouse.duckdb_path.with_name(f"w.building.{NEW}.duckdb")
    else:
        assert building.schema == f"building_{NEW}" and warehouse.schema is None
    building.replace_partition(TABLE, NEW, rows("340402", 0.6, n=1))
    assert not building_warehouse(warehouse, OLD).has_table(TABLE.name)


HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
print("held", flush=True)
time.sleep(float(sys.argv[2]))
con.close()
"""


def _hold_write_lock(path, seconds: float):
    """Another process (a parallel step, or a BI tool writing) that holds the DuckDB file's lock."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_write_waits_for_the_duckdb_lock_another_process_holds(tmp_path):
    """What keeps parallel steps correct on an instance without the one-slot `warehouse` pool."""
    path = tmp_path / "w.duckdb"
    warehouse = Warehouse(f"duckdb:///{path}")
    warehouse.replace_partition(TABLE, 2026, rows("340401", 0.3))
    holder = _hold_write_lock(path, 2.0)
    started = time.monotonic()
    warehouse.replace_partition(TABLE, 2026, rows("340402", 0.4))
    assert time.monotonic() - started > 1.0 and holder.wait() == 0
    assert warehouse.read_partition(TABLE, 2026)["county_code"].tolist() == ["340402"]


def test_a_lock_held_past_the_wait_is_a_clear_error(tmp_path, monkeypatch):
    path = tmp_path / "w.duckdb"
    monkeypatch.setenv("BALANCED_WAREHOUSE_LOCK_WAIT_S", "0.3")
    holder = _hold_write_lock(path, 5.0)
    try:
        with pytest.raises(WarehouseError, match="cannot open DuckDB warehouse .*w.duckdb") as error:
            Warehouse(f"duckdb:///{path}").replace_partition(TABLE, 2026, rows("340402", 0.4))
        assert "被其他进程占用" in str(error.value)
    finally:
        holder.kill()
        holder.wait()


def test_a_held_building_copy_is_opened_once_and_published_whole(tmp_path):
    from balanced_pipeline.warehouse import store

    published = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    building = building_warehouse(published, 2026)
    with store.reusing_connections():
        building.replace_partition(TABLE, 2026, rows("340401", 0.4, n=2))
        held = store._HELD[-1][building.duckdb_path.resolve()]
        building.replace_partition(TABLE, 2026, rows("340402", 0.6, n=3))  # the same connection again
        assert store._HELD[-1] == {building.duckdb_path.resolve(): held}
        assert building.read_partition(TABLE, 2026)["county_code"].tolist() == ["340402"] * 3
        with pytest.raises(Exception, match="(?i)duplicate key"):  # its transactions still all or nothing
            building.replace_partition(TABLE, 2026, rows("340403", 0.4, n=2).assign(indicator_id="R1"))
        # Publishing closes the held copy first: the attached file has every row written through it.
        assert publish_year(published, building, 2026, [TABLE]) == {TABLE.name: 3}
        assert store._HELD[-1] == {}
    assert published.read_partition(TABLE, 2026)["county_code"].tolist() == ["340402"] * 3
    assert store._HELD == []
