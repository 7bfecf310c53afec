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
from balanced_pipeline.contract.issues import STATUSES, conform_issues, current_issues
from balanced_pipeline.validation import fix_or_explain
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.wiring.partitions import this_and_previous_year, yearly_check
from balanced_pipeline.report import charts
from balanced_pipeline.indicators.resource_allocation import coefficient_issues
from balanced_pipeline.wiring.resources import StandardsResource, WarehouseResource, markdown_preview
from balanced_pipeline.wiring.storage import warehouse_asset
from balanced_pipeline.validation.completeness import campus_gaps

GROUP = "monitoring"


@dg.asset(**warehouse_asset(GROUP, "data_quality_issues"))
def data_quality_issues(
    context: dg.AssetExecutionContext,
    submission_issues: pd.DataFrame,
    county_difference_coefficients: pd.DataFrame,
    year_over_year_issues: pd.DataFrame,
    explanations: pd.DataFrame,
    warehouse: WarehouseResource,
) -> dg.Output[pd.DataFrame]:
    """Every problem of the year, one row each: where (file, sheet, row, field), which rule, how severe,
    and what to do, in Chinese and English; its status — open, explained (a warning the county explained
    in explanations.csv) or fixed (an issue of the year's previous published run that no longer occurs); the year-over-year
    warnings included."""
    found = conform_issues(
        pd.concat([submission_issues, coefficient_issues(county_difference_coefficients), year_over_year_issues],
                  ignore_index=True)
    )
    # The previous run's issues as published, read before this run's building copy replaces them.
    previous = warehouse.get().read_partition(TABLES["data_quality_issues"], int(context.partition_key))
    issues = fix_or_explain.issue_status(found, explanations, previous)
    current = current_issues(issues)
    by_rule = current.groupby(["severity", "rule", "status"]).size().rename("issues").reset_index()
    return dg.Output(
        issues,
        metadata={
            "errors": int((current["severity"] == "error").sum()),
            "warnings": int((current["severity"] == "warning").sum()),
            **{status: int((issues["status"] == status).sum()) for status in STATUSES},
            "by_rule": dg.MetadataValue.md(by_rule.to_markdown(index=False) if len(by_rule) else "_none_"),
        },
    )


@dg.asset(**warehouse_asset(GROUP, "county_shortfalls"))
def county_shortfalls(
    county_submissions: pd.DataFrame,
    school_registry: pd.DataFrame,
    staged_schools: pd.DataFrame,
    school_submissions: pd.DataFrame,
    school_indicators: pd.DataFrame,
    school_resource_verdict: pd.DataFrame,
    county_difference_coefficients: pd.DataFrame,
    school_guarantee_checks: pd.DataFrame,
    county_guarantee: pd.DataFrame,
    county_quality: pd.DataFrame,
    county_social_recognition: pd.DataFrame,
    county_veto_incidents: pd.DataFrame,
    standards: StandardsResource,
) -> dg.Output[pd.DataFrame]:
    """Every failed or not-judged item, one row each — registry campuses missing or rejected
    included: readiness, both rectification lists and the reports read these rows."""
    gaps = campus_gaps(school_registry, staged_schools, school_submissions)
    table = shortfalls.county_shortfalls(
        county_submissions, gaps, school_indicators, school_resource_verdict, county_difference_coefficients,
        school_guarantee_checks, county_guarantee, county_quality, county_social_recognition, county_veto_incidents,
        standards.load(),
    )
    return dg.Output(table, metadata={"by_outcome": table["outcome"].value_counts().to_dict(),
                                      "blocking": int(table["blocks_readiness"].sum())})


@dg.asset(**warehouse_asset(GROUP, "county_readiness"))
def county_readiness(
    county_shortfalls: pd.DataFrame,
    county_submissions: pd.DataFrame,
    school_resource_verdict: pd.DataFrame,
    county_guarantee: pd.DataFrame,
    county_quality: pd.DataFrame,
    county_social_recognition: pd.DataFrame,
    county_veto_incidents: pd.DataFrame,
    standards: StandardsResource,
) -> dg.Output[pd.DataFrame]:
    """The headline per county: ready, not ready, or incomplete (数据不完整，不能作出结论) with the
    campuses missing or rejected; each dimension, the precondition, vetoes and why."""
    verdicts = readiness.county_readiness(
        county_shortfalls, county_submissions, school_resource_verdict, county_guarantee, county_quality,
        county_social_recognition, county_veto_incidents, standards.load(),
    )
    incomplete = verdicts[verdicts["campuses_not_judged"].ne("") | verdicts["status"].eq(readiness.INCOMPLETE)]
    return dg.Output(
        verdicts,
        metadata={
            **{status: int(verdicts["status"].eq(status).sum())
               for status in (readiness.READY, readiness.NOT_READY, readiness.INCOMPLETE)},
            "preview": dg.MetadataValue.md(markdown_preview(
                verdicts[["county_code", "county_name", "status", "verdict_zh", "verdict_en"]], 50)),
            "not_judged": dg.MetadataValue.md(markdown_preview(
                incomplete[["county_code", "county_name", "verdict_zh", "verdict_en", "campuses_not_judged"]], 50)
                if len(incomplete) else "_every registry campus judged_"),
            **({"chart": dg.MetadataValue.md(charts.markdown_image(
                charts.readiness_grid(verdicts), "各维度达标情况 readiness by dimension"))}
               if len(verdicts) else {}),
        },
    )


@dg.asset(**warehouse_asset(GROUP, "county_rectification_list"))
def county_rectification_list(county_shortfalls: pd.DataFrame, standards: StandardsResource) -> pd.DataFrame:
    """县级政府整改清单 (Zhejiang attachment 2): every county-level shortfall, measure and deadline left for
    the county to fill."""
    return rectification.county_rectification_list(county_shortfalls, standards.load())


@dg.asset(**warehouse_asset(GROUP, "school_rectification_list"))
def school_rectification_list(county_shortfalls: pd.DataFrame, standards: StandardsResource) -> dg.Output[pd.DataFrame]:
    """学校整改清单 (Zhejiang attachment 1): each failed item of each campus stated with value, standard and gap."""
    table = rectification.school_rectification_list(county_shortfalls, standards.load())
    return dg.Output(table, metadata={"campuses_with_shortfalls": int(table[["school_code", "campus_code"]].drop_duplicates().shape[0])})


@dg.asset(**warehouse_asset(GROUP, "county_indicator_values"))
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
    **warehouse_asset(GROUP, "county_trends"),
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


@dg.asset(**warehouse_asset(GROUP, "recommendation_form_summary"))
def recommendation_form_summary(
    school_submissions: pd.DataFrame, county_submissions: pd.DataFrame, standards: StandardsResource
) -> pd.DataFrame:
    """The counts of the national recommendation form: schools, rural schools, students, teachers."""
    return national_forms.recommendation_form_summary(school_submissions, county_submissions, standards.load())


@dg.asset(**warehouse_asset(GROUP, "creation_timetable"))
def creation_timetable(county_submissions: pd.DataFrame, standards: StandardsResource) -> pd.DataFrame:
    """创建时间表: counties per city per target year (Zhejiang attachment 3)."""
    return national_forms.creation_timetable(county_submissions, standards.load())


@dg.asset(
    **warehouse_asset(GROUP, "deadline_status"),
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
