"""The December schedules: cron, time zone, the partition they pick, and when they actually tick."""

from datetime import datetime, timedelta, timezone
from itertools import islice

import dagster as dg
import pytest

# Dagster's own tick iterator (what the daemon uses); croniter is not a dependency of dagster 1.13.
from dagster._utils.schedules import cron_string_iterator

from balanced_pipeline.monitoring.deadline import CALENDAR
from balanced_pipeline.settings import TIMEZONE
from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.wiring.schedules import RUN_KIND_TAG, build_december_schedules, scheduled_year

SHANGHAI = timezone(timedelta(hours=8))


@dg.asset(partitions_def=yearly_partitions)
def evaluated_year() -> int:
    return 1


annual_evaluation = dg.define_asset_job("annual_evaluation", selection=[evaluated_year])
PRELIMINARY, FINAL = build_december_schedules(annual_evaluation)
DEFS = dg.Definitions(assets=[evaluated_year], jobs=[annual_evaluation], schedules=[PRELIMINARY, FINAL])


def test_cron_and_time_zone():
    assert (PRELIMINARY.name, PRELIMINARY.cron_schedule) == ("preliminary_evaluation_schedule", "0 8 1 12 *")
    assert (FINAL.name, FINAL.cron_schedule) == ("final_evaluation_schedule", "0 0 15 12 *")
    assert PRELIMINARY.execution_timezone == FINAL.execution_timezone == "Asia/Shanghai"
    assert CALENDAR.timezone == TIMEZONE  # the calendar and the partitions agree on what "a year" is


def next_ticks(schedule: dg.ScheduleDefinition, after: datetime, count: int = 2) -> list[datetime]:
    ticks = cron_string_iterator(after.timestamp(), schedule.cron_schedule, schedule.execution_timezone)
    return list(islice(ticks, count))


def test_ticks_fall_on_1_and_15_december_shanghai_time_every_year():
    after = datetime(2026, 11, 23, 12, tzinfo=timezone.utc)
    assert next_ticks(PRELIMINARY, after) == [
        datetime(2026, 12, 1, 8, tzinfo=SHANGHAI),
        datetime(2027, 12, 1, 8, tzinfo=SHANGHAI),
    ]
    assert next_ticks(FINAL, after) == [
        datetime(2026, 12, 15, 0, tzinfo=SHANGHAI),
        datetime(2027, 12, 15, 0, tzinfo=SHANGHAI),
    ]


def test_the_final_tick_is_the_deadline_instant():
    after = datetime(2026, 12, 2, tzinfo=SHANGHAI)
    assert next_ticks(FINAL, after, 1) == [CALENDAR.deadline(2026)]


@pytest.mark.parametrize("schedule", [PRELIMINARY, FINAL], ids=["preliminary", "final"])
def test_each_tick_requests_the_partition_of_its_year_with_its_run_kind(schedule):
    tick = next_ticks(schedule, datetime(2026, 11, 23, tzinfo=SHANGHAI), 1)[0]
    context = dg.build_schedule_context(scheduled_execution_time=tick, repository_def=DEFS.get_repository_def())
    (request,) = schedule.evaluate_tick(context).run_requests
    assert request.partition_key == "2026"
    kind = "preliminary" if schedule is PRELIMINARY else "final"
    assert request.tags[RUN_KIND_TAG] == kind
    assert request.tags["dagster/partition"] == "2026"


def test_the_final_tick_given_in_utc_still_evaluates_the_shanghai_year():
    # 2026-12-14 16:00 UTC is the deadline; the partition is the year of the tick, not of a later day.
    context = dg.build_schedule_context(scheduled_execution_time=datetime(2026, 12, 14, 16, tzinfo=timezone.utc))
    assert FINAL(context).partition_key == "2026"


def test_the_year_is_taken_in_shanghai_time():
    assert scheduled_year(datetime(2026, 12, 31, 16, 30, tzinfo=timezone.utc)) == "2027"
    assert scheduled_year(datetime(2026, 12, 31, 15, 30, tzinfo=timezone.utc)) == "2026"


def test_the_schedules_load_with_a_partitioned_job():
    dg.Definitions.validate_loadable(DEFS)
