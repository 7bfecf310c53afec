"""The county_reports asset: reads every input table, writes the year's files into the building
folder and returns the index with the overview path in its metadata."""

from pathlib import Path

import dagster as dg
import pandas as pd

from balanced_pipeline.defs.reports import REPORT_INPUTS, county_reports
from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.report import INDEX_COLUMNS
from balanced_pipeline.wiring.resources import ArtifactsFolder, StandardsResource
from tests.report.test_report import BING, JIA, YEAR, YI, hand_made_tables


def upstream_stubs(tables: dict[str, pd.DataFrame]) -> list[dg.AssetsDefinition]:
    def stub(name: str) -> dg.AssetsDefinition:
        @dg.asset(name=name, partitions_def=yearly_partitions, io_manager_key="stub_io_manager")
        def _stub() -> pd.DataFrame:
            return tables[name]

        return _stub

    return [stub(name) for name in REPORT_INPUTS]


def test_county_reports_writes_every_county_and_the_overview(tmp_path):
    tables = hand_made_tables()
    result = dg.materialize(
        [*upstream_stubs(tables), county_reports],
        partition_key=str(YEAR),
        resources={"standards": StandardsResource(name="national"), "artifacts": ArtifactsFolder(path=str(tmp_path)),
                   "stub_io_manager": dg.InMemoryIOManager(),
                   "io_manager": dg.InMemoryIOManager()},
    )
    assert result.success
    index = result.output_for_node("county_reports")
    assert list(index.columns) == list(INDEX_COLUMNS)
    assert index["county_code"].tolist() == [JIA, YI, BING]
    # Built aside; the index names the files where readers find them once published_year has run.
    built, published = tmp_path / "reports" / ".building" / str(YEAR), tmp_path / "reports" / str(YEAR)
    files = [*index["html_path"], *index["xlsx_path"], *index["rectification_path"]]
    assert all(Path(p).parent == published and (built / Path(p).name).is_file() for p in files)
    assert not published.exists()
    metadata = result.asset_materializations_for_node("county_reports")[0].metadata
    assert metadata["overview"].value == str(published / "index.html") and (built / "index.html").is_file()
    assert metadata["files_written"].value == 10
    assert metadata["counties_ready"].value == 1 and metadata["counties_incomplete"].value == 1
    assert "甲区" in metadata["counties"].value and "尚未达到优质均衡要求" in metadata["counties"].value
    assert "incomplete: 1 campus missing or rejected — not a verdict" in metadata["counties"].value
