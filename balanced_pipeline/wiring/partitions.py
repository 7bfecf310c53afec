"""The unit of a run: a self-evaluation year (partition key "2026" = report due 2026-12-15)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from balanced_pipeline import settings

TIMEZONE = "Asia/Shanghai"

yearly_partitions = dg.TimeWindowPartitionsDefinition(
    cron_schedule="0 0 1 1 *",
    fmt="%Y",
    start=str(settings.first_year(datetime.now(ZoneInfo(TIMEZONE)).year)),
    timezone=TIMEZONE,
    # The current, still-open year is a partition: its self-evaluation is due this December.
    end_offset=1,
)
