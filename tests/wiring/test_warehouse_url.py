"""The warehouse URL (it may hold a password) reaches the IO manager as an `EnvVar`, resolved when a run
starts; unset, the embedded DuckDB file of the data folder."""

import dagster as dg
import pandas as pd

from balanced_pipeline import settings
from balanced_pipeline.definitions import defs, warehouse_url
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.publish import building_warehouse
from balanced_pipeline.warehouse.store import Warehouse
from balanced_pipeline.wiring.resources import WarehouseIOManager, pipeline_resources

VAR = settings.WAREHOUSE_URL_VAR


def test_a_set_url_is_passed_by_name(monkeypatch):
    monkeypatch.setenv(VAR, "postgresql+psycopg://etl:s3cret@db.example/balanced")
    url = warehouse_url()
    assert isinstance(url, dg.EnvVar) and url.env_var_name == VAR
    # What Dagster stores and shows as the resource's configuration is the variable's name, not the password.
    config = WarehouseIOManager(url=url).get_resource_definition().config_schema.as_field().default_value
    assert config == {"url": {"env": VAR}}


def test_unset_it_is_the_duckdb_file_of_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(VAR, raising=False)
    monkeypatch.setenv("BALANCED_DATA_DIR", str(tmp_path))
    assert warehouse_url() == f"duckdb:///{tmp_path / 'warehouse.duckdb'}"


def test_a_run_writes_to_the_warehouse_the_variable_names(monkeypatch, tmp_path):
    target = tmp_path / "from_env.duckdb"
    monkeypatch.setenv(VAR, f"duckdb:///{target}")
    resources = pipeline_resources(tmp_path, tmp_path, warehouse_url())
    values = pd.DataFrame({"year": [2025], "county_code": ["340403"], "indicator_id": ["Q1"], "stage": [""],
                           "indicator_name_zh": ["质量监测达标率"], "value": [0.9], "higher_is_better": [True]})
    Warehouse(f"duckdb:///{target}").replace_partition(TABLES["county_indicator_values"], 2025, values)
    result = dg.materialize(list(defs.assets), selection=["county_trends"], partition_key="2025", resources=resources)
    assert result.success
    # Written into the year's building copy beside the named file (published_year publishes it).
    built = building_warehouse(Warehouse(f"duckdb:///{target}"), 2025)
    assert built.duckdb_path.parent == tmp_path and built.duckdb_path.name.startswith("from_env.building.")
    assert len(built.read_partition(TABLES["county_trends"], 2025)) == 1
