"""Running the yearly job in this process without keeping every step's output in memory.

`JobDefinition.execute_in_process` captures each output's value for `result.output_for_node`, so a
run held every table it had computed until its end: the whole year's frames at once (at national
size 6 GB of a 12.6 GB peak) although each is already in the warehouse, where its consumers read it
through the IO manager. `execute_year` is the same call without that capture, so a step's frames are
released once it ends. It uses the function `execute_in_process` is built on, which Dagster does not
export: the exact version pinned in pyproject.toml is what tests/wiring/test_execution.py checks.
"""

from __future__ import annotations

import dagster as dg
from dagster._core.definitions.job_base import InMemoryJob
from dagster._core.execution.execute_in_process import (
    core_execute_in_process,
    merge_run_tags,
    type_check_and_normalize_args,
)


def execute_year(job: dg.JobDefinition, partition_key: str, instance: dg.DagsterInstance, run_config: dict,
                 raise_on_error: bool = False) -> dg.ExecuteInProcessResult:
    """`job.execute_in_process(partition_key=..., instance=..., run_config=...)` for every asset of the
    job, keeping no output in memory (the result's `output_for_node` is then unavailable)."""
    run_config, _, _, resource_defs, partition_key, input_values = type_check_and_normalize_args(
        run_config=run_config, partition_key=partition_key)
    ephemeral_job = job.as_ephemeral_job(resource_defs=resource_defs, input_values=input_values)
    with dg.partition_loading_context(dynamic_partitions_store=instance) as context:
        ephemeral_job.validate_partition_key(partition_key=partition_key, selected_asset_keys=set(), context=context)
    return core_execute_in_process(
        job=InMemoryJob(job_def=ephemeral_job),
        run_config=run_config,
        instance=instance,
        output_capturing_enabled=False,
        raise_on_error=raise_on_error,
        run_tags=merge_run_tags(job_def=job, partition_key=partition_key, tags=None, asset_selection=[],
                                instance=instance, run_config=run_config),
        asset_selection=frozenset(),
    )
