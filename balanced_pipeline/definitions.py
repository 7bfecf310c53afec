"""The code location: every asset under `assets/` (installed as `balanced_pipeline.defs`), the resources
named by the settings, the yearly job."""

import os
import warnings
from pathlib import Path

import dagster as dg

import balanced_pipeline.defs
from balanced_pipeline import settings
from balanced_pipeline.wiring.certify import certify_year_job
from balanced_pipeline.wiring.resources import pipeline_resources
from balanced_pipeline.wiring.schedules import build_december_schedules
from balanced_pipeline.wiring.sensors import build_submissions_sensor

ANNUAL_JOB = "annual_evaluation"


def warehouse_url() -> str:
    """BALANCED_WAREHOUSE_URL as an `EnvVar` when set: Dagster reads it when a run starts and shows only
    the variable's name, never the password in it. Unset, the embedded DuckDB file of the data folder."""
    if settings.WAREHOUSE_URL_VAR in os.environ:
        return dg.EnvVar(settings.WAREHOUSE_URL_VAR)
    return settings.default_warehouse_url()


annual_evaluation = dg.define_asset_job(
    ANNUAL_JOB,
    selection=dg.AssetSelection.all(),
    description="Everything for one self-evaluation year: ingest, quality checks, indicators, monitoring tables.",
)


def _asset_definitions() -> dg.Definitions:
    """Every asset under `assets/`. Loaded from the module rather than from the pyproject.toml's
    [tool.dg] section, which an installed wheel does not have; `dg` reads the same module from that
    section in a checkout. (A function, not a module-level object: a code location may hold only one
    Definitions at module scope.)"""
    # The loader calls functions Dagster 1.13 marks preview: their warning would open every command's
    # output (the demo, `dagster dev`) with nothing for a user to do, so it is silenced here only.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.ComponentTree.from_module(
            balanced_pipeline.defs, project_root=Path(balanced_pipeline.__file__).parent
        ).build_defs()


defs = dg.Definitions.merge(
    _asset_definitions(),
    dg.Definitions(
        jobs=[annual_evaluation, certify_year_job],
        # No executor is chosen here: steps that open the warehouse share the `warehouse` pool
        # (wiring/storage.py), which the instance limits to one slot for a DuckDB file.
        schedules=build_december_schedules(annual_evaluation),
        sensors=[build_submissions_sensor(annual_evaluation)],
        resources=pipeline_resources(
            settings.submissions_dir(),
            settings.data_dir(),
            warehouse_url(),
            standards=settings.standards_name(),
            generate_demo=settings.uses_demo_submissions(),
        ),
    ),
)
