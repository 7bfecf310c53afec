"""Storage kinds, owners and the warehouse concurrency pool, read from the loaded code location."""

from pathlib import Path

import dagster as dg
import pytest
import yaml

from balanced_pipeline.definitions import defs
from balanced_pipeline.wiring.storage import OWNERS, WAREHOUSE_POOL, warehouse_kind

CHECKOUT = Path(__file__).resolve().parents[2]
WAREHOUSE_IO = "io_manager"


def _graph():
    return defs.get_repository_def().asset_graph


def _io_manager_key(key: dg.AssetKey) -> str:
    return _graph().get(key).io_manager_key


def test_every_asset_has_an_owner_and_warehouse_tables_show_their_store():
    graph = _graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        assert list(node.owners) == OWNERS, key
        if node.io_manager_key == WAREHOUSE_IO:
            assert {"pandas", warehouse_kind()} <= set(node.kinds), key
        else:
            assert "duckdb" not in node.kinds and "postgres" not in node.kinds, key


def test_a_step_claims_the_warehouse_pool_exactly_when_it_reads_or_writes_the_warehouse():
    graph = _graph()
    steps = {id(graph.get(key).assets_def): graph.get(key).assets_def for key in graph.get_all_asset_keys()}
    pooled, free = set(), set()
    for assets_def in steps.values():
        touched = {_io_manager_key(key) for key in assets_def.keys} | {
            _io_manager_key(key) for key in assets_def.keys_by_input_name.values()
        }
        (pooled if WAREHOUSE_IO in touched else free).add(assets_def.op.name)
        assert assets_def.op.pool == (WAREHOUSE_POOL if WAREHOUSE_IO in touched else None), assets_def.op.name
    # Reading the year folder and running the suites never open the warehouse: they may run beside a writer.
    assert free == {"staged_submissions", "submission_issues"}
    assert "county_trends" in pooled


def test_no_executor_is_chosen_at_import_time():
    job = defs.resolve_job_def("annual_evaluation")
    assert job.executor_def is dg.multi_or_in_process_executor


@pytest.mark.checkout
@pytest.mark.parametrize("instance_file", [".dagster_home/dagster.yaml", "deploy/dagster.yaml"])
def test_both_instances_give_the_pool_one_slot_per_step(instance_file, tmp_path):
    config = yaml.safe_load((CHECKOUT / instance_file).read_text())
    config.pop("storage", None)  # the production PostgreSQL storage is tested in test_production_instance.py
    with dg.instance_for_test(overrides=config, temp_dir=str(tmp_path)) as instance:
        pools = instance.get_concurrency_config().pool_config
        assert pools.default_pool_limit == 1
        assert pools.pool_granularity.value == "op"


def test_postgres_url_shows_the_postgres_kind(monkeypatch):
    monkeypatch.setenv("BALANCED_WAREHOUSE_URL", "postgresql://etl:secret@db.example/balanced")
    assert warehouse_kind() == "postgres"
    monkeypatch.delenv("BALANCED_WAREHOUSE_URL")
    assert warehouse_kind() == "duckdb"
