"""The unit of a run: a self-evaluation year (partition key "2026" = report due 2026-12-15)."""

import dagster as dg

TIMEZONE = "Asia/Shanghai"
FIRST_YEAR = "2020"

yearly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *",
    fmt="%Y",
    start=FIRST_YEAR,
    timezone=TIMEZONE,
    # The current, still-open year is a partition: its self-evaluation is due this December.
    end_offset=1,
)
