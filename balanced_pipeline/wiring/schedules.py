"""The two December runs of a self-evaluation year.

A preliminary run on 1 December shows every county what is missing or rejected while two weeks
remain to correct it; the final run at the deadline (00:00 on 15 December, Shanghai time) evaluates
exactly what was submitted before 15 December. Both evaluate the partition of the year they fall in.
The dates come from `deadline.CALENDAR`.

`build_schedule_from_partitioned_job` would tick on the partitions' own cadence (1 January), so
these are plain cron schedules that pick their partition from the scheduled time.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dagster as dg

from balanced_pipeline.monitoring.deadline import CALENDAR, ProcedureCalendar

RUN_KIND_TAG = "balanced/run_kind"
PRELIMINARY = "preliminary"
FINAL = "final"


def preliminary_cron(calendar: ProcedureCalendar = CALENDAR) -> str:
    return f"0 {calendar.preliminary_hour} {calendar.preliminary_day} {calendar.preliminary_month} *"


def final_cron(calendar: ProcedureCalendar = CALENDAR) -> str:
    # At the deadline instant itself: the first moment of the deadline day.
    return f"0 0 {calendar.deadline_day} {calendar.deadline_month} *"


def scheduled_year(scheduled_time: datetime, calendar: ProcedureCalendar = CALENDAR) -> str:
    """The partition key a December run evaluates: the calendar year of its tick in local time."""
    return str(scheduled_time.astimezone(ZoneInfo(calendar.timezone)).year)


def build_december_schedules(
    job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition,
) -> list[dg.ScheduleDefinition]:
    """The preliminary (1 December) and final (15 December, 00:00) schedules of the yearly `job`."""
    return [
        _december_schedule(
            job,
            PRELIMINARY,
            preliminary_cron(),
            "预评估：12月1日运行，留两周时间补报和更正 / preliminary run on 1 December, two weeks before the deadline",
        ),
        _december_schedule(
            job,
            FINAL,
            final_cron(),
            "正式评估：12月15日0时冻结当年报送数据 / final run at the deadline: everything submitted before 15 December",
        ),
    ]


def _december_schedule(
    job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition, run_kind: str, cron: str, description: str
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=f"{run_kind}_evaluation_schedule",
        cron_schedule=cron,
        execution_timezone=CALENDAR.timezone,
        job=job,
        description=description,
        # They tick once a year and the final one freezes the year: off by default would be easy to forget.
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )
    def december_run(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
        return dg.RunRequest(
            partition_key=scheduled_year(context.scheduled_execution_time),
            tags={RUN_KIND_TAG: run_kind},
        )

    return december_run
