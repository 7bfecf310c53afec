"""What a person sees when the command line runs the yearly job: one line per stage of the flow with a
progress bar and the time it took, Dagster's event log in a file (streamed too with `--verbose`), and a
failed step explained in Chinese and English with what to do.

Dagster's default console logger prints every DEBUG event (about 850 lines for the demo); a run of
the job here gets, instead of it, one logger of our own that writes each record to the log file and
moves the progress bars on the step events.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

_LOGGER = "progress_file"
_STEP_DONE = {"STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"}
_FORMAT = logging.Formatter("%(asctime)s %(levelname)-7s %(message)s")


def step_stages(job: dg.JobDefinition) -> dict[str, str]:
    """Each step (op) of the job → the asset group it materialises, in the order the flow runs."""
    graph = job.asset_layer.asset_graph
    position = {key: n for n, key in enumerate(graph.toposorted_asset_keys)}
    steps = []
    for assets_def in graph.assets_defs:
        keys = [key for key in assets_def.keys if key in position]
        if keys:
            first = min(position[key] for key in keys)
            steps.append((first, assets_def.node_def.name, assets_def.group_names_by_key[keys[0]]))
    return {name: group for _, name, group in sorted(steps)}


@dataclass
class RunConsole:
    """The progress of one run, fed by the log records of its steps."""

    log_file: Path
    verbose: bool = False
    out: Console = field(default_factory=Console)
    _stream: object = None
    _progress: Progress | None = None
    _tasks: dict[str, TaskID] = field(default_factory=dict)
    _stage_of: dict[str, str] = field(default_factory=dict)

    def __enter__(self) -> "RunConsole":
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self._stream = self.log_file.open("a", encoding="utf-8")
        return self

    def __exit__(self, *_exc) -> None:
        self._stream.close()

    def logger_defs(self) -> dict[str, dg.LoggerDefinition]:
        handler = _RecordHandler(self)

        @dg.logger(description="Writes the event log to the run's log file and moves the console progress bars.")
        def progress_file_logger(_init_context) -> logging.Logger:
            log = logging.Logger("balanced_pipeline.run", level=logging.DEBUG)
            log.addHandler(handler)
            return log

        return {_LOGGER: progress_file_logger}

    @staticmethod
    def run_config() -> dict:
        """A job's loggers run only when the run config names them (otherwise Dagster's console logger)."""
        return {"loggers": {_LOGGER: {}}}

    def start_run(self, title: str, stages_by_step: dict[str, str]) -> None:
        self.out.print(title)
        self._stage_of = stages_by_step
        self._progress = Progress(
            TextColumn("  {task.description:<12}"), BarColumn(bar_width=30), MofNCompleteColumn(),
            TextColumn("steps"), TimeElapsedColumn(), console=self.out, transient=False,
        )
        totals: dict[str, int] = {}
        for stage in stages_by_step.values():
            totals[stage] = totals.get(stage, 0) + 1
        self._tasks = {stage: self._progress.add_task(stage, total=n, start=False) for stage, n in totals.items()}
        self._progress.start()

    def end_run(self) -> None:
        self._progress.stop()

    def record(self, record: logging.LogRecord) -> None:
        line = _FORMAT.format(record)
        self._stream.write(line + "\n")
        if self.verbose:
            print(line, file=sys.stderr, flush=True)
        event = getattr(record, "dagster_meta", {}).get("dagster_event")
        if event is None or self._progress is None or event.step_key not in self._stage_of:
            return
        task = self._tasks[self._stage_of[event.step_key]]
        if event.event_type_value == "STEP_START":
            self._progress.start_task(task)
        elif event.event_type_value in _STEP_DONE:
            self._progress.advance(task)
            if self._progress.tasks[task].finished:
                self._progress.stop_task(task)


class _RecordHandler(logging.Handler):
    def __init__(self, console: RunConsole):
        super().__init__(level=logging.DEBUG)
        self.console = console

    def emit(self, record: logging.LogRecord) -> None:
        self.console.record(record)


def failure_text(result: dg.ExecuteInProcessResult, year: int, log_file: Path) -> str:
    """What failed, why, and what to do — in Chinese and English."""
    lines = [f"✗ {year}: 运行失败 the run failed ({result.run_id})"]
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None and error.cause is not None:  # Dagster wraps the error our code raised
            error = error.cause
        why = _without_module(error.cls_name, error.message.strip()) if error else "unknown error"
        lines += [f"  步骤 step: {event.step_key}", f"  原因 why: {why}"]
    lines += [
        f"  怎么办 what to do: 完整日志见 the full log is in {log_file}",
        "    输入数据有误时，文件、工作表、行和字段已写入 data_quality_issues；修正后重新运行。",
        f"    When an input is at fault, data_quality_issues names its file, sheet, row and field; fix it and run "
        f"`balanced-pipeline run {year}` again.",
    ]
    return "\n".join(lines)


def _without_module(cls_name: str, message: str) -> str:
    """'balanced_pipeline.standards.loader.StandardsError: …' → 'StandardsError: …'."""
    head, _, rest = message.partition(": ")
    return f"{cls_name}: {rest}" if head.endswith(cls_name) else message


def unexpected_error_text(command: str, error: BaseException) -> str:
    """A command that failed outside a run (a setting, a folder, a file): what, why and what to do."""
    return "\n".join([
        f"✗ balanced-pipeline {command}: 失败 failed",
        f"  原因 why: {type(error).__name__}: {error}",
        "  怎么办 what to do: 检查上面提到的设置、文件夹或文件后重试；加 --verbose 可看到完整的错误位置。",
        "    Check the setting, folder or file named above and try again; add --verbose for the full traceback.",
    ])


def elapsed_text(started: float) -> str:
    return f"{time.perf_counter() - started:.1f} s"
