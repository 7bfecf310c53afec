"""The new-submission sensor: a run of the year whose folder received new content (see `watch.py`)."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import dagster as dg

from balanced_pipeline.monitoring.deadline import submissions_closed
from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.wiring.resources import SubmissionsFolder
from balanced_pipeline.wiring.schedules import RUN_KIND_TAG
from balanced_pipeline.intake.watch import WatchCursor, WatchTick, YearRun, watch_submissions

NEW_SUBMISSIONS = "new_submissions"
DEFAULT_QUIET_SECONDS = 60.0
"""Long enough for a clerk's copy of a folder of workbooks to finish; shorter than anyone waits."""
CHANGED_FILES_TAG = "balanced/changed_files"
FILES_NAMED_IN_LOG = 20


def _closed_at_deadline(year: str, now: float) -> bool:
    return submissions_closed(int(year), datetime.fromtimestamp(now, timezone.utc))


def build_submissions_sensor(
    job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition,
    quiet_seconds: float = DEFAULT_QUIET_SECONDS,
    minimum_interval_seconds: int = 30,
    clock: Callable[[], float] = time.time,
    is_closed: Callable[[str, float], bool] = _closed_at_deadline,
) -> dg.SensorDefinition:
    """Watches the `submissions` resource's folder and requests one run of `job` per changed year
    that is still open (a year past its 15 December deadline is frozen)."""

    @dg.sensor(
        name="new_submissions_sensor",
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        description=(
            "有新的或更正的填报文件时，评估该年度 / evaluates a year when its folder receives new or corrected files "
            f"(after {quiet_seconds:g} s without further changes)"
        ),
    )
    def new_submissions_sensor(context: dg.SensorEvaluationContext, submissions: SubmissionsFolder) -> dg.SensorResult:
        now = clock()
        partition_keys = yearly_partitions.get_partition_keys(current_time=datetime.fromtimestamp(now, timezone.utc))
        closed = {year for year in partition_keys if is_closed(year, now)}
        tick = watch_submissions(
            Path(submissions.path), WatchCursor.from_json(context.cursor), partition_keys, now, quiet_seconds, closed
        )
        _log_tick(context, tick)
        requests = [
            dg.RunRequest(run_key=run.run_key, partition_key=run.year, tags=submission_run_tags(run))
            for run in tick.runs
        ]
        return dg.SensorResult(
            run_requests=requests,
            cursor=tick.cursor.to_json(),
            skip_reason=None if requests else _skip_message(tick),
        )

    return new_submissions_sensor


def submission_run_tags(run: YearRun) -> dict[str, str]:
    change = run.change
    return {
        RUN_KIND_TAG: NEW_SUBMISSIONS,
        CHANGED_FILES_TAG: str(change.changed_files),
        "balanced/added_files": str(len(change.added)),
        "balanced/modified_files": str(len(change.modified)),
        "balanced/deleted_files": str(len(change.deleted)),
    }


def _log_tick(context: dg.SensorEvaluationContext, tick: WatchTick) -> None:
    for reason in tick.skipped.values():
        context.log.info(reason)
    for year, reason in tick.waiting.items():
        context.log.info(f"{year}: {reason}")
    for path, reason in tick.unreadable.items():
        context.log.warning(f"无法读取 / cannot read {path}: {reason}")
    for run in tick.runs:
        change = run.change
        paths = [*change.added, *change.modified, *change.deleted]
        named = ", ".join(paths[:FILES_NAMED_IN_LOG]) + (" …" if len(paths) > FILES_NAMED_IN_LOG else "")
        context.log.info(
            f"{run.year}: {len(change.added)} added, {len(change.modified)} modified, "
            f"{len(change.deleted)} deleted → run {run.run_key}: {named}"
        )


def _skip_message(tick: WatchTick) -> str:
    reasons = [f"{year}: {reason}" for year, reason in tick.waiting.items()] + list(tick.skipped.values())
    return "; ".join(reasons) or "没有新的填报内容 / no new submission content"
