"""County self-evaluation reports (HTML page and .xlsx workbook per county and year) and the
year's overview page, from the warehouse tables."""

from balanced_pipeline.report.build import (
    INDEX_COLUMNS,
    county_report,
    county_slices,
    render_county_report,
    write_year_reports,
)
from balanced_pipeline.report.overview import render_overview

__all__ = [
    "INDEX_COLUMNS",
    "county_report",
    "county_slices",
    "render_county_report",
    "render_overview",
    "write_year_reports",
]
