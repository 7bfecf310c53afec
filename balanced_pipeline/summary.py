"""The short text summary printed after a run: where the tables are and how each county stands."""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.tables import TABLES
from balanced_pipeline.warehouse import Warehouse


def year_summary(warehouse: Warehouse, year: int) -> str:
    verdicts = warehouse.read_partition(TABLES["school_resource_verdict"], year)
    coefficients = warehouse.read_partition(TABLES["county_difference_coefficients"], year)
    completeness = warehouse.read_partition(TABLES["submission_completeness"], year)
    issues = warehouse.read_partition(TABLES["data_quality_issues"], year)

    by_county = pd.DataFrame(
        {
            "parts_passing": verdicts.groupby("county_code")["passed"].sum(),
            "parts": verdicts.groupby("county_code").size(),
            "coefficients_failing": (~coefficients["passed"]).groupby(coefficients["county_code"]).sum(),
        }
    ).join(completeness.set_index("county_code")[["expected", "accepted", "missing"]], how="outer")
    by_county["resource_allocation"] = (by_county["parts_passing"] == by_county["parts"]) & (
        by_county["coefficients_failing"] == 0
    )
    by_county["resource_allocation"] = by_county["resource_allocation"].map({True: "达标 pass", False: "未达标 fail"})

    lines = [
        f"Warehouse: {warehouse!r}",
        f"Tables (year = {year}): {', '.join(sorted(TABLES))}",
        f"Data-quality issues: {int((issues['severity'] == 'error').sum())} errors, "
        f"{int((issues['severity'] == 'warning').sum())} warnings (table data_quality_issues)",
        "",
        f"Resource allocation by county, {year}:",
        by_county.reset_index().to_string(index=False),
    ]
    return "\n".join(lines)
