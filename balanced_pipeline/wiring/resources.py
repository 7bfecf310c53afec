"""Dagster resources: the submissions folder, the standards version and the warehouse IO manager."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import dagster as dg
import pandas as pd

from balanced_pipeline.report.publish import building_folder, published_folder
from balanced_pipeline.standards.loader import Standards, load_standards
from balanced_pipeline.warehouse.catalogue import TABLES, Table, conform_to_table
from balanced_pipeline.warehouse.publish import building_warehouse
from balanced_pipeline.warehouse.store import Warehouse, reusing_connections

PREVIEW_ROWS = 10


class SubmissionsFolder(dg.ConfigurableResource):
    """The landing folder: one sub-folder per year holding bulk files and per-campus workbooks."""

    path: str
    generate_demo_if_missing: bool = False

    def year_dir(self, year: int) -> Path:
        folder = Path(self.path) / str(year)
        if not folder.is_dir() and self.generate_demo_if_missing:
            from balanced_pipeline.demo.generate import generate_demo_submissions

            generate_demo_submissions(Path(self.path), years=(year - 1, year))
        if not folder.is_dir():
            raise FileNotFoundError(
                f"没有 {year} 年的填报目录：{folder}（请在 BALANCED_SUBMISSIONS_DIR 下建立 {year}/ 子目录）/ "
                f"no submissions folder for {year}: {folder} (create {year}/ under BALANCED_SUBMISSIONS_DIR)"
            )
        return folder


class ArtifactsFolder(dg.ConfigurableResource):
    """Where a run writes files for people: county reports and the validation results (data docs)."""

    path: str

    @property
    def reports_root(self) -> Path:
        return Path(self.path) / "reports"

    @property
    def data_docs_root(self) -> Path:
        return Path(self.path) / "data_docs"

    def reports(self, year: int) -> Path:
        """Where a run writes the year's reports; readers see them once published (published_reports)."""
        return building_folder(self.reports_root, year)

    def published_reports(self, year: int) -> Path:
        return published_folder(self.reports_root, year)

    def data_docs(self, year: int) -> Path:
        """Where a run writes the year's validation results; readers see them once published, with the
        reports and tables (published_data_docs), so a failed run leaves the last published ones."""
        return building_folder(self.data_docs_root, year)

    def published_data_docs(self, year: int) -> Path:
        return published_folder(self.data_docs_root, year)


class StandardsResource(dg.ConfigurableResource):
    """The standards version that judges the run (national default or a provincial overlay)."""

    name: str = "national"

    def load(self) -> Standards:
        return load_standards(self.name)


class WarehouseResource(dg.ConfigurableResource):
    """The published warehouse, for the steps that read what an earlier run published for the same
    year (the change history: the accepted rows a resubmission replaces) and for certification.
    Another year's values come through the graph (a partition mapping), never through this."""

    url: str

    def get(self) -> Warehouse:
        return Warehouse(self.url)

    def building(self, year: int) -> Warehouse:
        return building_warehouse(Warehouse(self.url), year)


class WarehouseIOManager(dg.ConfigurableIOManager):
    """Writes each asset to the table of the same name in the year's building copy of the warehouse
    (published_year publishes it); reads a table from there, or from the published warehouse while
    the year's building copy has not received it."""

    url: str

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["WarehouseIOManager"]:
        """For the run (or the step, with a process per step) the building copy stays open once written."""
        with reusing_connections():
            yield self

    def handle_output(self, context: dg.OutputContext, obj: pd.DataFrame) -> None:
        table = _table_for(context.asset_key)
        year = int(context.asset_partition_key)
        warehouse = building_warehouse(Warehouse(self.url), year)
        written = warehouse.replace_partition(table, year, obj)
        context.add_output_metadata(
            {
                "dagster/row_count": written,
                "dagster/table_name": table.name,
                "warehouse": repr(warehouse),
                "preview": dg.MetadataValue.md(markdown_preview(obj)),
            }
        )

    def load_input(self, context: dg.InputContext) -> pd.DataFrame:
        """The years the input's partition mapping asks for, in one frame (its `year` column tells them
        apart); a year never written reads as no rows, so a first year's trends are all 'new'."""
        table = _table_for(context.asset_key)
        published = Warehouse(self.url)
        own_year = int(context.partition_key) if context.has_partition_key else None
        frames = []
        for key in context.asset_partition_keys:
            year = int(key)
            # This run's own year from its building copy once built there; any other year (last year,
            # for the trends) only as published, never another run's unpublished building copy.
            built = building_warehouse(published, year).read_built_partition(table, year) if year == own_year else None
            frames.append(published.read_partition(table, year) if built is None else built)
        if len(frames) == 1:
            return frames[0]
        # An empty year stays out of the concat: pandas would drop the catalogue types of its all-NA columns.
        return conform_to_table(pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True), table)


def _table_for(asset_key: dg.AssetKey) -> Table:
    name = asset_key.path[-1]
    if name not in TABLES:
        raise KeyError(f"asset {name} has no table in balanced_pipeline.warehouse.catalogue")
    return TABLES[name]


def markdown_preview(frame: pd.DataFrame, rows: int = PREVIEW_ROWS) -> str:
    if frame.empty:
        return "_no rows_"
    return frame.head(rows).to_markdown(index=False)


def table_column_schema(name: str) -> dg.TableSchema:
    """The catalogue's columns as Dagster column metadata, so the UI documents every table."""
    return dg.TableSchema(
        columns=[
            dg.TableColumn(c.name, c.dtype, description=f"{c.en} / {c.zh}" + (f" ({c.unit})" if c.unit else ""))
            for c in TABLES[name].columns
        ]
    )


def pipeline_resources(
    submissions: Path, data: Path, warehouse_url: str, standards: str = "national", generate_demo: bool = False
) -> dict[str, object]:
    """Every resource the assets name, for the code location and for tests that run the real graph."""
    return {
        "submissions": SubmissionsFolder(path=str(submissions), generate_demo_if_missing=generate_demo),
        "standards": StandardsResource(name=standards),
        "artifacts": ArtifactsFolder(path=str(data)),
        "io_manager": WarehouseIOManager(url=warehouse_url),
        "warehouse": WarehouseResource(url=warehouse_url),
        "staging_io_manager": dg.FilesystemIOManager(base_dir=str(data / "staging")),
    }
