"""Stage 5, reports: each county's self-evaluation report (HTML page and workbook) and the year's
overview page, built under <data dir>/reports/.building/<year>/; then the year published whole:
every table and the reports, seen by readers under <data dir>/reports/<year>/."""

import shutil

import dagster as dg
import pandas as pd

from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.report import write_year_reports
from balanced_pipeline.report.build import COUNTY_TABLES
from balanced_pipeline.report.overview import OVERVIEW_NAME
from balanced_pipeline.report.publish import missing_report_files, stage_folder, switch_folder
from balanced_pipeline.validation.docs import SUMMARY_NAME
from balanced_pipeline.warehouse.catalogue import TABLES, run_tables
from balanced_pipeline.warehouse.publish import publish_year, unbuilt_tables
from balanced_pipeline.wiring.resources import ArtifactsFolder, StandardsResource, WarehouseResource, table_column_schema
from balanced_pipeline.wiring.storage import OWNERS, WAREHOUSE_KINDS, WAREHOUSE_POOL

REPORT_INPUTS = (*COUNTY_TABLES, "creation_timetable")


def _markdown(index: pd.DataFrame) -> str:
    if index.empty:
        return "_no county_"
    shown = index.assign(verdict=(index["verdict_zh"].fillna("无法判定") + " / " + index["verdict_en"].fillna("no verdict")))
    return shown[["city", "county_code", "county_name", "verdict", "failed_dimensions", "campuses_not_judged",
                  "html_path"]].to_markdown(index=False)


@dg.asset(
    partitions_def=yearly_partitions,
    group_name="reports",
    kinds={*WAREHOUSE_KINDS, "html", "excel"},
    owners=OWNERS,
    pool=WAREHOUSE_POOL,
    ins={name: dg.AssetIn(name) for name in REPORT_INPUTS},
    metadata={"dagster/column_schema": table_column_schema("county_reports")},
)
def county_reports(
    context: dg.AssetExecutionContext, standards: StandardsResource, artifacts: ArtifactsFolder, **tables: pd.DataFrame
) -> dg.Output[pd.DataFrame]:
    """Per county: the self-evaluation report (readiness first, every dimension, charts, the school ×
    indicator grid, rectification lists, data quality, timeliness per campus, the fields changed since the
    preliminary run, change since last year) as a self-contained
    HTML page and an .xlsx workbook; plus index.html listing every county by city."""
    year = int(context.partition_key)
    out_dir = artifacts.reports(year)
    shutil.rmtree(out_dir, ignore_errors=True)  # a county gone since the last run leaves no file behind
    published_dir = artifacts.published_reports(year)
    index = write_year_reports(tables, year, out_dir, standards.load(), published_dir=published_dir)
    return dg.Output(
        index,
        metadata={
            "overview": dg.MetadataValue.path(str(published_dir / OVERVIEW_NAME)),
            "counties": dg.MetadataValue.md(_markdown(index)),
            "counties_ready": int(index["status"].eq("ready").fillna(False).sum()),
            "counties_incomplete": int(index["status"].eq("incomplete").fillna(False).sum()),
            "files_written": 3 * len(index) + 1,
        },
    )


@dg.asset(
    partitions_def=yearly_partitions,
    group_name="reports",
    kinds={*WAREHOUSE_KINDS, "html"},
    owners=OWNERS,
    pool=WAREHOUSE_POOL,
    deps=list(run_tables()),
)
def published_year(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, artifacts: ArtifactsFolder
) -> dg.MaterializeResult:
    """Publishes the year whole, last: every table of the year's building copy into the warehouse BI tools
    read, the reports to reports/<year>/ and the validation results to data_docs/<year>/, once every table
    of the run and its checks have passed.
    A run that fails or is killed before this step leaves the published year exactly as it was."""
    year = int(context.partition_key)
    building, published = warehouse.building(year), warehouse.get()
    unbuilt = unbuilt_tables(building, run_tables().values())
    missing = [] if unbuilt else missing_report_files(artifacts.reports(year),
                                                      building.read_partition(TABLES["county_reports"], year))
    if not (artifacts.data_docs(year) / SUMMARY_NAME).is_file():
        missing.append(f"data_docs/{SUMMARY_NAME}")
    if unbuilt or missing:
        raise RuntimeError(
            f"{year} 年未发布：以下表或报告文件尚未生成 / {year} not published: never built: {', '.join(unbuilt + missing)}"
        )
    version = context.run.run_id[:8]
    staged = {root: stage_folder(root, year, version) for root in (artifacts.reports_root, artifacts.data_docs_root)}
    rows = publish_year(published, building, year, run_tables().values())
    for root, version_dir in staged.items():
        switch_folder(root, year, version_dir)
    return dg.MaterializeResult(
        metadata={
            "warehouse": repr(published),
            "reports": dg.MetadataValue.path(str(artifacts.published_reports(year) / OVERVIEW_NAME)),
            "data_docs": dg.MetadataValue.path(str(artifacts.published_data_docs(year) / SUMMARY_NAME)),
            "tables": len(rows),
            "rows": dg.MetadataValue.md(pd.Series(rows, name="rows").rename_axis("table").reset_index().to_markdown(index=False)),
        }
    )
