"""Stage 3, indicators: resource allocation per school part and per county (spec §2.1, §3, §4)."""

import dagster as dg
import pandas as pd

from balanced_pipeline.indicators import education_quality
from balanced_pipeline.indicators import government_guarantee
from balanced_pipeline.indicators import school_checks
from balanced_pipeline.indicators import social_recognition
from balanced_pipeline.indicators import resource_allocation as ra
from balanced_pipeline.indicators.social_recognition import ALL_GROUPS
from balanced_pipeline.validation.completeness import campus_gaps
from balanced_pipeline.report import charts
from balanced_pipeline.wiring.resources import StandardsResource
from balanced_pipeline.wiring.storage import warehouse_asset

GROUP = "indicators"


@dg.asset(**warehouse_asset(GROUP, "school_parts"))
def school_parts(school_submissions: pd.DataFrame, standards: StandardsResource) -> dg.Output[pd.DataFrame]:
    """Each campus split into its primary and junior parts (combined schools share areas and equipment by
    weighted students); every part left out of a computation says why."""
    parts = ra.school_parts(school_submissions, standards.load())
    return dg.Output(
        parts,
        metadata={
            "parts_in_resource_allocation": int(parts["in_resource_allocation"].sum()),
            "parts_in_difference_coefficients": int(parts["in_difference_coefficient"].sum()),
            "parts_left_out": int((~parts["in_difference_coefficient"]).sum()),
        },
    )


@dg.asset(**warehouse_asset(GROUP, "school_indicators"))
def school_indicators(
    school_submissions: pd.DataFrame, school_parts: pd.DataFrame, failed_records: pd.DataFrame,
    standards: StandardsResource,
) -> dg.Output[pd.DataFrame]:
    """R1–R7 (and any provincial extra) per school part: value, threshold, ratio to it, pass; NULL with the
    reason where an input the indicator reads was quarantined by an error or left blank."""
    table = ra.school_indicators(school_submissions, school_parts, standards.load(), failed_records)
    pass_rate = table.groupby("indicator_id")["passed"].mean().round(3).to_dict()
    not_computed = table[table["not_computed_reason_zh"].ne("")].groupby("indicator_id").size().to_dict()
    return dg.Output(table, metadata={"pass_rate_by_indicator": {k: float(v) for k, v in pass_rate.items()},
                                      "not_computed_by_indicator": {k: int(v) for k, v in not_computed.items()}})


@dg.asset(**warehouse_asset(GROUP, "school_resource_verdict"))
def school_resource_verdict(school_indicators: pd.DataFrame, standards: StandardsResource) -> dg.Output[pd.DataFrame]:
    """Per school part: at least 6 of the 7 indicators met and the remaining one at least 85 % of its standard."""
    table = ra.school_resource_verdicts(school_indicators, standards.load())
    return dg.Output(
        table,
        metadata={"parts_passing": int(table["passed"].sum()), "parts_failing": int((~table["passed"]).sum()),
                  "parts_not_judged": int(table["passed"].isna().sum())},
    )


@dg.asset(**warehouse_asset(GROUP, "county_difference_coefficients"))
def county_difference_coefficients(
    school_indicators: pd.DataFrame,
    school_parts: pd.DataFrame,
    school_registry: pd.DataFrame,
    staged_schools: pd.DataFrame,
    school_submissions: pd.DataFrame,
    standards: StandardsResource,
) -> dg.Output[pd.DataFrame]:
    """Student-weighted between-school difference coefficient per county, stage and indicator
    (≤ 0.50 primary, ≤ 0.45 junior, each indicator separately), with the school parts expected,
    used and left out (registry campuses missing or rejected, values not computable, out of scope)."""
    gaps = campus_gaps(school_registry, staged_schools, school_submissions)
    table = ra.county_difference_coefficients(school_indicators, school_parts, gaps, standards.load())
    failing = table[~table["passed"]]
    return dg.Output(
        table,
        metadata={
            "coefficients_failing": len(failing),
            "coefficients_on_incomplete_evidence": int((~table["evidence_complete"].astype(bool)).sum()),
            "failing": dg.MetadataValue.md(
                failing[["county_code", "stage", "indicator_id", "cv", "threshold", "note"]].head(20).to_markdown(index=False)
                if len(failing) else "_none_"
            ),
            **({"chart": dg.MetadataValue.md(charts.markdown_image(
                charts.coefficient_heat_strip(table), "差异系数 difference coefficients"))}
               if len(table) else {}),
        },
    )


@dg.asset(**warehouse_asset(GROUP, "school_guarantee_checks"))
def school_guarantee_checks(
    school_submissions: pd.DataFrame, school_classes: pd.DataFrame, school_rooms: pd.DataFrame,
    failed_records: pd.DataFrame, standards: StandardsResource,
) -> dg.Output[pd.DataFrame]:
    """The school-level items behind G3–G6, G9, G12, G13, Q3, Q4 and Q6, per campus: which schools make a
    county item fail, and why (oversize classes, missing music rooms, ...); not judged, with the reason,
    where an input the item reads was quarantined by an error."""
    table = school_checks.school_guarantee_checks(school_submissions, school_classes, school_rooms, standards.load(),
                                                  failed_records)
    return dg.Output(table, metadata=_failing_counts(table, "item_id"))


@dg.asset(**warehouse_asset(GROUP, "county_guarantee"))
def county_guarantee(
    county_submissions: pd.DataFrame,
    school_submissions: pd.DataFrame,
    school_guarantee_checks: pd.DataFrame,
    failed_records: pd.DataFrame,
    standards: StandardsResource,
) -> dg.Output[pd.DataFrame]:
    """Government guarantee (政府保障程度) G1–G15 per county; an item whose county-form inputs are missing or
    quarantined by an error (or whose campuses are not all judged) is not computed, with the reason."""
    table = government_guarantee.county_guarantee(county_submissions, school_submissions, school_guarantee_checks,
                                                  standards.load(), failed_records)
    return dg.Output(table, metadata=_failing_counts(table, "item_id"))


@dg.asset(**warehouse_asset(GROUP, "county_quality"))
def county_quality(
    county_submissions: pd.DataFrame,
    school_submissions: pd.DataFrame,
    school_guarantee_checks: pd.DataFrame,
    county_quality_monitoring: pd.DataFrame,
    failed_records: pd.DataFrame,
    standards: StandardsResource,
) -> dg.Output[pd.DataFrame]:
    """Education quality (教育质量) Q1–Q9 per county, with the consolidation rate and quality monitoring; not
    computed, with the reason, where the data an item reads is missing or quarantined."""
    table = education_quality.county_quality(
        county_submissions, school_submissions, school_guarantee_checks, county_quality_monitoring, standards.load(),
        failed_records,
    )
    return dg.Output(table, metadata=_failing_counts(table, "item_id"))


@dg.asset(**warehouse_asset(GROUP, "county_social_recognition"))
def county_social_recognition(
    survey_responses: pd.DataFrame, survey_groups: pd.DataFrame, county_submissions: pd.DataFrame,
    standards: StandardsResource,
) -> dg.Output[pd.DataFrame]:
    """Social recognition (社会认可度) per county and respondent group (≥ 85 %), from the raw survey answers
    or, for a county that sent none, from its per-group totals."""
    table = social_recognition.county_social_recognition(survey_responses, county_submissions, standards.load(),
                                                 survey_groups=survey_groups)
    overall = table[table["respondent_group"] == ALL_GROUPS]
    return dg.Output(
        table,
        metadata={
            "respondents": int(overall["respondents"].sum()),
            "counties_below_standard": int(overall["passed"].fillna(False).eq(False).sum()),
            "overall": dg.MetadataValue.md(overall[["county_code", "respondents", "rate", "passed"]].to_markdown(index=False)),
        },
    )


def _failing_counts(table: pd.DataFrame, by: str) -> dict:
    failing = table[table["passed"].fillna(False).eq(False)].groupby(by).size().rename("failing").reset_index()
    return {"failing_by_item": dg.MetadataValue.md(failing.to_markdown(index=False) if len(failing) else "_none_")}
