"""The code location: every asset under `assets/`, the resources named by the settings, the yearly job."""

import dagster as dg

from balanced_pipeline import settings
from balanced_pipeline.wiring.resources import (
    ArtifactsFolder,
    StandardsResource,
    SubmissionsFolder,
    WarehouseIOManager,
    WarehouseResource,
)
from balanced_pipeline.wiring.certify import certify_year_job
from balanced_pipeline.wiring.schedules import build_december_schedules
from balanced_pipeline.wiring.sensors import build_submissions_sensor

ANNUAL_JOB = "annual_evaluation"


def _executor() -> dg.ExecutorDefinition:
    # An embedded DuckDB file has a single writer: run the steps of a run one after another.
    if settings.warehouse_url().startswith("duckdb"):
        return dg.in_process_executor
    return dg.multiprocess_executor


annual_evaluation = dg.define_asset_job(
    ANNUAL_JOB,
    selection=dg.AssetSelection.all(),
    description="Everything for one self-evaluation year: ingest, quality checks, indicators, monitoring tables.",
)

defs = dg.Definitions.merge(
    dg.load_from_defs_folder(path_within_project=settings.PROJECT_ROOT),
    dg.Definitions(
        jobs=[annual_evaluation, certify_year_job],
        # Every job, including the UI's "Materialize all", so a DuckDB warehouse never sees two writers.
        executor=_executor(),
        schedules=build_december_schedules(annual_evaluation),
        sensors=[build_submissions_sensor(annual_evaluation)],
        resources={
            "submissions": SubmissionsFolder(
                path=str(settings.submissions_dir()),
                generate_demo_if_missing=settings.uses_demo_submissions(),
            ),
            "standards": StandardsResource(name=settings.standards_name()),
            "artifacts": ArtifactsFolder(path=str(settings.data_dir())),
            "io_manager": WarehouseIOManager(url=settings.warehouse_url()),
            "warehouse": WarehouseResource(url=settings.warehouse_url()),
            "staging_io_manager": dg.FilesystemIOManager(base_dir=str(settings.data_dir() / "staging")),
        },
    ),
)
