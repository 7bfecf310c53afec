"""Stage 4, monitoring tables: what the office and BI tools read for the year."""

import dagster as dg
import pandas as pd

from balanced_pipeline.issues import conform_issues
from balanced_pipeline.partitions import yearly_partitions
from balanced_pipeline.resource_allocation import coefficient_issues
from balanced_pipeline.resources import table_column_schema

COMMON = {"partitions_def": yearly_partitions, "group_name": "monitoring", "kinds": {"pandas"}}


@dg.asset(**COMMON, metadata={"dagster/column_schema": table_column_schema("data_quality_issues")})
def data_quality_issues(
    submission_issues: pd.DataFrame, county_difference_coefficients: pd.DataFrame
) -> dg.Output[pd.DataFrame]:
    """Every problem of the year, one row each: where (file, sheet, row, field), which rule, how severe,
    and what to do, in Chinese and English."""
    issues = conform_issues(
        pd.concat([submission_issues, coefficient_issues(county_difference_coefficients)], ignore_index=True)
    )
    by_rule = issues.groupby(["severity", "rule"]).size().rename("issues").reset_index()
    return dg.Output(
        issues,
        metadata={
            "errors": int((issues["severity"] == "error").sum()),
            "warnings": int((issues["severity"] == "warning").sum()),
            "by_rule": dg.MetadataValue.md(by_rule.to_markdown(index=False) if len(by_rule) else "_none_"),
        },
    )
