"""The yearly job run in process without capturing outputs (wiring/execution.py)."""

import gc
import weakref

import dagster as dg
import pandas as pd
import pytest

from balanced_pipeline.wiring.execution import execute_year

YEARS = dg.StaticPartitionsDefinition(["2025", "2026"])
PRODUCED: list[weakref.ref] = []


@dg.asset(partitions_def=YEARS)
def numbers(context: dg.AssetExecutionContext) -> pd.DataFrame:
    frame = pd.DataFrame({"year": [int(context.partition_key)] * 3, "n": [1, 2, 3]})
    PRODUCED.append(weakref.ref(frame))
    return frame


@dg.asset(partitions_def=YEARS)
def doubled(context: dg.AssetExecutionContext, numbers: pd.DataFrame) -> pd.DataFrame:
    gc.collect()
    context.add_output_metadata({"upstream_alive": PRODUCED[-1]() is not None})
    return numbers.assign(n=numbers["n"] * 2)


def test_execute_year_runs_the_partition_and_keeps_no_output(tmp_path):
    job = dg.Definitions(
        assets=[numbers, doubled],
        jobs=[dg.define_asset_job("yearly")],
        resources={"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path / "io"))},
    ).resolve_job_def("yearly")
    with dg.instance_for_test() as instance:
        result = execute_year(job, "2026", instance, {})
        assert result.success
        assert result.dagster_run.tags["dagster/partition"] == "2026"
        materialised = instance.get_latest_materialization_event(dg.AssetKey("doubled")).asset_materialization
        assert materialised.partition == "2026"
        # The upstream frame was released once its step ended (execute_in_process would hold it).
        assert materialised.metadata["upstream_alive"].value is False
        with pytest.raises(Exception):
            result.output_for_node("doubled")
    loaded = pd.read_pickle(tmp_path / "io" / "doubled" / "2026")
    assert loaded["n"].tolist() == [2, 4, 6]


def test_execute_year_refuses_an_unknown_partition(tmp_path):
    job = dg.Definitions(assets=[numbers], jobs=[dg.define_asset_job("yearly")],
                         resources={"io_manager": dg.FilesystemIOManager(base_dir=str(tmp_path))}
                         ).resolve_job_def("yearly")
    with dg.instance_for_test() as instance, pytest.raises(dg.DagsterUnknownPartitionError):
        execute_year(job, "1999", instance, {})
