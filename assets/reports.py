"""Stage 5, reports: each county's self-evaluation report (HTML page and workbook) and the year's
overview page, written under <data dir>/reports/<year>/."""

import dagster as dg
import pandas as pd

from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.report import write_year_reports
from balanced_pipeline.report.build import COUNTY_TABLES
from balanced_pipeline.report.overview import OVERVIEW_NAME
from balanced_pipeline.wiring.resources import ArtifactsFolder, StandardsResource, table_column_schema
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
    indicator grid, rectification lists, data quality, change since last year) as a self-contained
    HTML page and an .xlsx workbook; plus index.html listing every county by city."""
    year = int(context.partition_key)
    out_dir = artifacts.reports(year)
    index = write_year_reports(tables, year, out_dir, standards.load())
    return dg.Output(
        index,
        metadata={
            "overview": dg.MetadataValue.path(str(out_dir / OVERVIEW_NAME)),
            "counties": dg.MetadataValue.md(_markdown(index)),
            "counties_ready": int(index["status"].eq("ready").fillna(False).sum()),
            "counties_incomplete": int(index["status"].eq("incomplete").fillna(False).sum()),
            "files_written": 3 * len(index) + 1,
        },
    )
