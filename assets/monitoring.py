"""Stage 4, monitoring tables: what the office and BI tools read for the year."""

from datetime import datetime, timezone

import dagster as dg
import pandas as pd

from balanced_pipeline.monitoring import deadline
from balanced_pipeline.monitoring import national_forms
from balanced_pipeline.monitoring import readiness
from balanced_pipeline.monitoring import rectification
from balanced_pipeline.monitoring import shortfalls
from balanced_pipeline.monitoring import trends
from balanced_pipeline.contract.issues import conform_issues
from balanced_pipeline.wiring.partitions import this_and_previous_year, yearly_check, yearly_partitions
from balanced_pipeline.report import charts
from balanced_pipeline.indicators.resource_allocation import coefficient_issues
from balanced_pipeline.wiring.resources import StandardsResource, markdown_preview, table_column_schema
from balanced_pipeline.wiring.storage import OWNERS, WAREHOUSE_KINDS, WAREHOUSE_POOL

COMMON = {"partitions_def": yearly_partitions, "group_name": "monitoring", "kinds": WAREHOUSE_KINDS, "owners": OWNERS,
          "pool": WAREHOUSE_POOL}


def _schema(name: str) -> dict:
    return {"dagster/column_schema": table_column_schema(name)}


@dg.asset(**COMMON, metadata=_schema("data_quality_issues"))
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


@dg.multi_asset(
    outs={
        "county_readiness": dg.AssetOut(
            kinds=WAREHOUSE_KINDS,
            owners=OWNERS,
            description="The headline per county: each dimension, the precondition, vetoes, ready or not, and why.",
            metadata=_schema("county_readiness"),
        ),
        "county_rectification_list": dg.AssetOut(
            kinds=WAREHOUSE_KINDS,
            owners=OWNERS,
            description="县级政府整改清单 (Zhejiang attachment 2): every county-level shortfall, measure and deadline "
            "left for the county to fill.",
            metadata=_schema("county_rectification_list"),
        ),
    },
    partitions_def=yearly_partitions,
    group_name="monitoring",
    pool=WAREHOUSE_POOL,
)
def county_verdicts(
    county_submissions: pd.DataFrame,
    school_resource_verdict: pd.DataFrame,
    county_difference_coefficients: pd.DataFrame,
    county_guarantee: pd.DataFrame,
    county_quality: pd.DataFrame,
    county_social_recognition: pd.DataFrame,
    county_veto_incidents: pd.DataFrame,
    standards: StandardsResource,
):
    """Every county shortfall once; readiness and the county rectification list both come from it."""
    rules = standards.load()
    judged = (school_resource_verdict, county_difference_coefficients, county_guarantee, county_quality,
              county_social_recognition, county_veto_incidents)
    found = shortfalls.county_shortfalls(county_submissions, *judged, rules)
    verdicts = readiness.county_readiness(
        found, county_submissions, school_resource_verdict, county_guarantee, county_quality,
        county_social_recognition, county_veto_incidents, rules,
    )
    yield dg.Output(
        verdicts,
        output_name="county_readiness",
        metadata={
            "ready": int(verdicts["ready"].sum()),
            "not_ready": int((~verdicts["ready"]).sum()),
            "preview": dg.MetadataValue.md(markdown_preview(verdicts[["county_code", "county_name", "ready", "reasons"]], 50)),
            **({"chart": dg.MetadataValue.md(charts.markdown_image(
                charts.readiness_grid(verdicts), "各维度达标情况 readiness by dimension"))}
               if len(verdicts) else {}),
        },
    )
    yield dg.Output(rectification.county_rectification_list(found, rules), output_name="county_rectification_list")


@dg.asset(**COMMON, metadata=_schema("school_rectification_list"))
def school_rectification_list(
    school_indicators: pd.DataFrame, school_guarantee_checks: pd.DataFrame, standards: StandardsResource
) -> dg.Output[pd.DataFrame]:
    """学校整改清单 (Zhejiang attachment 1): each failed item of each campus stated with value, standard and gap."""
    table = rectification.school_rectification_list(school_indicators, school_guarantee_checks, standards.load())
    return dg.Output(table, metadata={"campuses_with_shortfalls": int(table[["school_code", "campus_code"]].drop_duplicates().shape[0])})


@dg.asset(**COMMON, metadata=_schema("county_indicator_values"))
def county_indicator_values(
    county_difference_coefficients: pd.DataFrame,
    county_guarantee: pd.DataFrame,
    county_quality: pd.DataFrame,
    county_social_recognition: pd.DataFrame,
    school_resource_verdict: pd.DataFrame,
    standards: StandardsResource,
) -> pd.DataFrame:
    """This year's county-level value of every indicator in one long table: the base of the trends."""
    return trends.county_indicator_values(
        county_difference_coefficients, county_guarantee, county_quality, county_social_recognition,
        school_resource_verdict, standards.load(),
    )


@dg.asset(
    **COMMON,
    metadata=_schema("county_trends"),
    ins={
        # This year and the one before, declared in the graph rather than read behind its back; a year
        # that was never materialised reads as no rows (direction 'new').
        "county_indicator_values": dg.AssetIn(partition_mapping=this_and_previous_year),
    },
)
def county_trends(
    context: dg.AssetExecutionContext, county_indicator_values: pd.DataFrame, standards: StandardsResource
) -> dg.Output[pd.DataFrame]:
    """动态监测: each county indicator against the previous year's values (direction 'new' when that year
    was never materialised)."""
    year = int(context.partition_key)
    current, previous = (
        county_indicator_values[county_indicator_values["year"] == y].reset_index(drop=True) for y in (year, year - 1)
    )
    table = trends.county_trends(current, previous, standards.load())
    return dg.Output(
        table,
        metadata={"previous_year": year - 1, "previous_rows": len(previous),
                  "by_direction": table["direction"].value_counts().to_dict()},
    )


@dg.asset(**COMMON, metadata=_schema("recommendation_form_summary"))
def recommendation_form_summary(
    school_submissions: pd.DataFrame, county_submissions: pd.DataFrame, standards: StandardsResource
) -> pd.DataFrame:
    """The counts of the national recommendation form: schools, rural schools, students, teachers."""
    return national_forms.recommendation_form_summary(school_submissions, county_submissions, standards.load())


@dg.asset(**COMMON, metadata=_schema("creation_timetable"))
def creation_timetable(county_submissions: pd.DataFrame, standards: StandardsResource) -> pd.DataFrame:
    """创建时间表: counties per city per target year (Zhejiang attachment 3)."""
    return national_forms.creation_timetable(county_submissions, standards.load())


@dg.asset(
    **COMMON,
    metadata=_schema("deadline_status"),
    check_specs=[
        yearly_check("submissions_complete_before_deadline", "deadline_status",
                     "Before 15 December: every registry campus has submitted and none is blocked by errors.")
    ],
)
def deadline_status(
    context: dg.AssetExecutionContext, submission_completeness: pd.DataFrame, data_quality_issues: pd.DataFrame
):
    """Per county: days left until 15 December, campuses still missing or blocked by errors, what to do."""
    status = deadline.deadline_status(
        submission_completeness, data_quality_issues, int(context.partition_key), as_of=datetime.now(timezone.utc)
    )
    yield dg.Output(status, metadata={"by_status": status["status"].value_counts().to_dict()})
    not_ok = status[status["status"] != "ok"]
    yield dg.AssetCheckResult(
        check_name="submissions_complete_before_deadline",
        passed=not_ok.empty,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={
            "counties_needing_action": len(not_ok),
            "days_left": int(status["days_left"].iloc[0]) if len(status) else None,
            "summary": dg.MetadataValue.md(deadline.deadline_summary_markdown(status)),
        },
    )
