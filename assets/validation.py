"""Stage 2, checks: run the Great Expectations suites, quarantine what errors corrupt, account for every row."""

import shutil

import dagster as dg
import pandas as pd

from balanced_pipeline.validation.completeness import file_accounting, submission_completeness
from balanced_pipeline.validation.timeliness import campus_timeliness
from balanced_pipeline.validation import year_over_year
from balanced_pipeline.intake import changes
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.monitoring.deadline import CALENDAR
from balanced_pipeline.indicators.social_recognition import superseded_group_issues
from balanced_pipeline.intake.ingest import STAGED_FORMS, without_superseded
from balanced_pipeline.contract.issues import conform_issues, split_accepted
from balanced_pipeline.wiring.partitions import this_and_previous_year, yearly_check
from balanced_pipeline.wiring.resources import (
    ArtifactsFolder,
    StandardsResource,
    WarehouseResource,
    markdown_preview,
)
from balanced_pipeline.wiring.storage import OWNERS, warehouse_asset, warehouse_out, yearly_step

GROUP = "validation"
STAGING = "staging_io_manager"
ACCEPTED_TABLES = {
    "registry": "school_registry",
    "schools": "school_submissions",
    "classes": "school_classes",
    "rooms": "school_rooms",
    "counties": "county_submissions",
    "quality_monitoring": "county_quality_monitoring",
    "veto_incidents": "county_veto_incidents",
}
# Survey inputs stay in staging: raw answers are the largest input, and they and the per-group totals
# some counties send instead only feed the recognition rates, which go to the warehouse.
ACCEPTED_STAGING = {"survey_responses": "survey_responses", "survey_groups": "survey_groups",
                    "explanations": "explanations"}
# Explanations too: data_quality_issues applies them to the year's warnings (fix or explain).


@dg.multi_asset(
    outs={
        "submission_issues": dg.AssetOut(
            io_manager_key=STAGING,
            kinds={"great_expectations", "pandas"},
            owners=OWNERS,
            description="Reading problems plus every failed expectation, one row per record and rule, at most "
                        "IntakeLimits.issue_rows_per_rule per file, sheet, field and rule, then one summary row.",
        ),
        "failed_records": dg.AssetOut(
            io_manager_key=STAGING,
            kinds={"pandas"},
            owners=OWNERS,
            description="Every issue uncapped, validation failures without messages: what rejects each record and "
                        "quarantines each value, so capping submission_issues loses no rejection.",
        ),
    },
    ins={
        **{f"staged_{form}": dg.AssetIn() for form in STAGED_FORMS},
        "ingest_issues": dg.AssetIn(),
        "ingest_failed_records": dg.AssetIn(),
    },
    check_specs=[
        yearly_check(f"{form}_suite", "submission_issues",
                     f"Great Expectations suite expectations/{form}.json on this year's `{form}` records.")
        for form in STAGED_FORMS
    ],
    **yearly_step(GROUP, warehouse=False),
)
def submission_issues(
    context: dg.AssetExecutionContext,
    standards: StandardsResource,
    artifacts: ArtifactsFolder,
    ingest_issues: pd.DataFrame,
    ingest_failed_records: pd.DataFrame,
    **staged,
):
    """Validate every staged form with its suite; errors will quarantine their value (campus fields) or record,
    warnings only report.
    A county's survey totals are rejected here too when the county also sent raw responses."""
    # Imported here, not at the top: Great Expectations costs seconds to import, and every process that
    # loads the code location (the webserver, each step of a multiprocess run) would pay it.
    from balanced_pipeline.validation.docs import build_data_docs, write_validation_summary
    from balanced_pipeline.validation.validate import validate_forms

    forms = without_superseded({form: staged[f"staged_{form}"] for form in STAGED_FORMS}, ingest_issues)
    report = validate_forms(forms, standards.load())
    survey_totals_replaced = superseded_group_issues(forms["survey_groups"], forms["survey_responses"])
    issues = conform_issues(pd.concat([ingest_issues, report.issues, survey_totals_replaced], ignore_index=True))
    failed = conform_issues(pd.concat([ingest_issues, ingest_failed_records, report.failed_records,
                                       survey_totals_replaced], ignore_index=True))
    year = int(context.partition_key)
    docs_folder = artifacts.data_docs(year)
    shutil.rmtree(docs_folder, ignore_errors=True)  # this run's results only, published by published_year
    build_data_docs(report, docs_folder)
    docs = artifacts.published_data_docs(year) / write_validation_summary(report, issues, docs_folder).name
    yield dg.Output(
        issues,
        output_name="submission_issues",
        metadata={
            "dagster/row_count": len(issues),
            "errors": int((issues["severity"] == "error").sum()),
            "warnings": int((issues["severity"] == "warning").sum()),
            "data_docs": dg.MetadataValue.path(str(docs)),
            "preview": dg.MetadataValue.md(markdown_preview(issues)),
        },
    )
    yield dg.Output(failed, output_name="failed_records", metadata={"dagster/row_count": len(failed)})
    for form in STAGED_FORMS:
        summary = report.summaries[form]
        yield dg.AssetCheckResult(
            check_name=f"{form}_suite",
            asset_key="submission_issues",
            passed=summary.passed,
            severity=dg.AssetCheckSeverity.ERROR if summary.errors else dg.AssetCheckSeverity.WARN,
            metadata={
                "records": summary.records,
                "expectations_run": summary.expectations_run,
                "error_issues": summary.errors,
                "warning_issues": summary.warnings,
                "failing_records_by_rule": summary.failing_records_by_rule,
                "failing_rows": dg.MetadataValue.md(summary.preview_markdown or "_none_"),
                "data_docs": dg.MetadataValue.path(str(docs)),
            },
        )


@dg.multi_asset(
    outs={
        **{
            table: warehouse_out(
                table,
                f"Accepted `{form}` records (no error rejects them; a quarantined value is NULL), normalised, "
                "with their source file and hash.",
            )
            for form, table in ACCEPTED_TABLES.items()
        },
        **{
            name: dg.AssetOut(
                io_manager_key=STAGING,
                kinds={"pandas"},
                owners=OWNERS,
                description=f"Accepted `{form}` records (no error issue), kept in staging for "
                + ("data_quality_issues (fix or explain)." if form == "explanations" else "the indicators."),
            )
            for form, name in ACCEPTED_STAGING.items()
        },
        "submission_files": warehouse_out(
            "submission_files",
            "One row per submitted file: rows read = rows accepted + rows rejected, each rejection explained.",
        ),
    },
    ins={f"staged_{form}": dg.AssetIn() for form in STAGED_FORMS},
    # Each accepted table reads only its own staged form and the issues, so the lineage shows that,
    # not every staged form feeding every table; the file accounting reads them all. The campus and
    # county forms are written after submission_changes has compared them with the rows they replace.
    internal_asset_deps={
        **{table: {dg.AssetKey(f"staged_{form}"), dg.AssetKey("failed_records")}
           for form, table in {**ACCEPTED_TABLES, **ACCEPTED_STAGING}.items()},
        "school_submissions": {dg.AssetKey("staged_schools"), dg.AssetKey("failed_records"),
                               dg.AssetKey("submission_changes")},
        "county_submissions": {dg.AssetKey("staged_counties"), dg.AssetKey("failed_records"),
                               dg.AssetKey("submission_changes")},
        "submission_files": {*(dg.AssetKey(f"staged_{form}") for form in [*STAGED_FORMS, "files"]),
                             dg.AssetKey("failed_records")},
    },
    deps=["submission_changes"],
    **yearly_step(GROUP),
)
def accepted_submissions(staged_files: pd.DataFrame, failed_records: pd.DataFrame, **staged_forms):
    """Keep the records no error rejects, each value an error quarantines set to NULL; the rest stay in
    data_quality_issues with their reason (or in its summary row past the cap)."""
    staged = {form: staged_forms[f"staged_{form}"] for form in STAGED_FORMS}
    accepted = {form: split_accepted(frame, failed_records, form)[0] for form, frame in staged.items()}
    files = file_accounting(staged_files, accepted, failed_records)
    for form, output in {**ACCEPTED_TABLES, **ACCEPTED_STAGING}.items():
        # Warehouse tables get their row count and preview from the IO manager; staging ones here.
        shown = {"dagster/row_count": len(accepted[form]), "preview": dg.MetadataValue.md(markdown_preview(accepted[form]))}
        yield dg.Output(
            accepted[form],
            output_name=output,
            metadata={
                "rows_read": len(staged[form]),
                "rows_rejected": len(staged[form]) - len(accepted[form]),
                **(shown if form in ACCEPTED_STAGING else {}),
            },
        )
    yield dg.Output(
        files,
        output_name="submission_files",
        metadata={
            "rows_read": int(files["rows_read"].sum()),
            "rows_accepted": int(files["rows_accepted"].sum()),
            "rows_rejected": int(files["rows_rejected"].sum()),
        },
    )


@dg.asset(name="submission_completeness", **warehouse_asset(GROUP, "submission_completeness"))
def submission_completeness_by_county(
    context: dg.AssetExecutionContext,
    school_registry: pd.DataFrame,
    staged_schools: pd.DataFrame,
    school_submissions: pd.DataFrame,
    staged_files: pd.DataFrame,
) -> pd.DataFrame:
    """Per county: expected, received (and on time), accepted, rejected, missing and unknown campuses, with names."""
    year = int(context.partition_key)
    return submission_completeness(
        school_registry, staged_schools, school_submissions, staged_files, year, CALENDAR.deadline(year)
    )


@dg.asset(**warehouse_asset(GROUP, "submission_timeliness"))
def submission_timeliness(
    context: dg.AssetExecutionContext,
    school_registry: pd.DataFrame,
    staged_schools: pd.DataFrame,
    staged_files: pd.DataFrame,
) -> dg.Output[pd.DataFrame]:
    """Per campus: on time, late or missing against the 15 December deadline, and when its school form last changed."""
    year = int(context.partition_key)
    table = campus_timeliness(school_registry, staged_schools, staged_files, year, CALENDAR.deadline(year))
    return dg.Output(table, metadata={"by_timeliness": table["timeliness"].value_counts().to_dict()})


@dg.asset(**warehouse_asset(GROUP, "submission_changes"))
def submission_changes(
    context: dg.AssetExecutionContext,
    staged_schools: pd.DataFrame,
    staged_counties: pd.DataFrame,
    staged_files: pd.DataFrame,
    failed_records: pd.DataFrame,
    warehouse: WarehouseResource,
) -> dg.Output[pd.DataFrame]:
    """Every field a resubmitted campus or county form changed, against the accepted rows of the year's previous run
    (read before this run replaces them) or the file the newest one superseded; the year's earlier changes are kept."""
    year = int(context.partition_key)
    store = warehouse.get()
    previous = {form: store.read_partition(TABLES[table], year)
                for form, table in (("schools", "school_submissions"), ("counties", "county_submissions"))}
    table = changes.submission_changes(
        {"schools": staged_schools, "counties": staged_counties}, failed_records, staged_files, previous,
        store.read_partition(TABLES["submission_changes"], year),
    )
    return dg.Output(table, metadata={"fields_changed": len(table),
                                      "by_field": table["field"].value_counts().head(20).to_dict()})


YEAR_OVER_YEAR_INPUTS = {form: ACCEPTED_TABLES[form] for form in ("schools", "classes", "rooms", "counties")}


@dg.asset(
    io_manager_key=STAGING,
    **yearly_step(GROUP),
    kinds={"pandas"},
    owners=OWNERS,
    # Last year's accepted forms come through the graph, as county_trends gets last year's values: the
    # dependency shows in the lineage and backfills run the years in order, and the IO manager reads
    # another year only as published (WarehouseResource is for the same year's earlier run). A year never
    # published reads as no rows: no previous value, no check.
    ins={table: dg.AssetIn(partition_mapping=this_and_previous_year) for table in YEAR_OVER_YEAR_INPUTS.values()},
)
def year_over_year_issues(
    context: dg.AssetExecutionContext, standards: StandardsResource, **accepted: pd.DataFrame
) -> dg.Output[pd.DataFrame]:
    """Warnings (yoy_<field>) for each campus or county value that changed from last year's accepted one by more
    than the standards file allows: both values and both years named; a query to fix or explain, never a rejection."""
    year = int(context.partition_key)
    of_year = {y: {form: accepted[table][accepted[table]["year"] == y].reset_index(drop=True)
                   for form, table in YEAR_OVER_YEAR_INPUTS.items()} for y in (year, year - 1)}
    issues = year_over_year.year_over_year_issues(of_year[year], of_year[year - 1], year, standards.load())
    return dg.Output(issues, metadata={
        "dagster/row_count": len(issues),
        "previous_year": year - 1,
        "previous_campuses": len(of_year[year - 1]["schools"]),
        "by_rule": issues["rule"].value_counts().to_dict(),
        "preview": dg.MetadataValue.md(markdown_preview(issues)),
    })
