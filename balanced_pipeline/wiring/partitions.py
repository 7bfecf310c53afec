"""The unit of a run: a self-evaluation year (partition key "2026" = report due 2026-12-15)."""

import warnings
from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from balanced_pipeline import settings

yearly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *",
    fmt="%Y",
    start=str(settings.first_year(datetime.now(ZoneInfo(settings.TIMEZONE)).year)),
    timezone=settings.TIMEZONE,
    # The current, still-open year is a partition: its self-evaluation is due this December.
    end_offset=1,
)

# A year's input from itself and the year before (the trends). The first partition has no year before
# it: `allow_nonexistent_upstream_partitions` maps it to itself alone. That parameter is marked beta in
# Dagster 1.13; its warning would print on every load of the code location, so it is silenced here only.
with warnings.catch_warnings():
    warnings.simplefilter("ignore", dg.BetaWarning)
    this_and_previous_year = dg.TimeWindowPartitionMapping(
        start_offset=-1, end_offset=0, allow_nonexistent_upstream_partitions=True
    )


def yearly_check(name: str, asset: str, description: str) -> dg.AssetCheckSpec:
    """An asset check judged per year, so the UI shows each year's result on its own (without a
    partitions_def, every year's results of a check plot on one axis). Partitioned check specs are
    marked preview in Dagster 1.13: the warning is silenced here only."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dg.PreviewWarning)
        return dg.AssetCheckSpec(name, asset=asset, description=description, partitions_def=yearly_partitions)
