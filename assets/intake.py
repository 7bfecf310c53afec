"""Stage 1, ingest: read every file of the year folder (bulk CSV/Parquet and per-campus workbooks)."""

import dagster as dg

from balanced_pipeline.intake.ingest import STAGED_FORMS, read_year_folder
from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.wiring.resources import SubmissionsFolder, markdown_preview
from balanced_pipeline.wiring.storage import OWNERS

STAGING = "staging_io_manager"
KINDS = {"pandas", "csv", "excel"}


@dg.multi_asset(
    outs={
        **{
            f"staged_{form}": dg.AssetOut(
                io_manager_key=STAGING,
                kinds=KINDS,
                owners=OWNERS,
                description=f"Every `{form}` record read this year, normalised, with its file, sheet and row; "
                "nothing validated yet.",
            )
            for form in STAGED_FORMS
        },
        "staged_files": dg.AssetOut(
            io_manager_key=STAGING,
            kinds=KINDS,
            owners=OWNERS, description="One row per submitted file: hash, time, kind, rows read."
        ),
        "ingest_issues": dg.AssetOut(
            io_manager_key=STAGING,
            kinds=KINDS,
            owners=OWNERS,
            description="Problems met while reading: unreadable files and cells, missing columns, superseded "
            "submissions.",
        ),
        "ingest_failed_records": dg.AssetOut(
            io_manager_key=STAGING,
            kinds=KINDS,
            owners=OWNERS,
            description="The unreadable cells ingest_issues only summarises past its cap, one row each without a "
            "message: with ingest_issues, what rejects or quarantines each record.",
        ),
    },
    partitions_def=yearly_partitions,
    group_name="intake",
)
def staged_submissions(context: dg.AssetExecutionContext, submissions: SubmissionsFolder):
    """Read the year folder once: each file's records become staged rows; a bad file or cell becomes
    an issue and never stops the other files."""
    year = int(context.partition_key)
    staged = read_year_folder(submissions.year_dir(year))
    for form, frame in staged.forms.items():
        yield dg.Output(
            frame,
            output_name=f"staged_{form}",
            metadata={"dagster/row_count": len(frame), "preview": dg.MetadataValue.md(markdown_preview(frame))},
        )
    yield dg.Output(
        staged.files,
        output_name="staged_files",
        metadata={"dagster/row_count": len(staged.files), "files": dg.MetadataValue.md(markdown_preview(staged.files, 50))},
    )
    yield dg.Output(
        staged.issues,
        output_name="ingest_issues",
        metadata={"dagster/row_count": len(staged.issues), "preview": dg.MetadataValue.md(markdown_preview(staged.issues))},
    )
    yield dg.Output(staged.failed, output_name="ingest_failed_records", metadata={"dagster/row_count": len(staged.failed)})
