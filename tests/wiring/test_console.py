"""The command line is quiet: a line per stage with its progress and time, the event log in a file, and
a failure that says what failed, why and what to do — in Chinese and English — with a non-zero exit."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from balanced_pipeline import cli
from balanced_pipeline.definitions import ANNUAL_JOB, defs
from balanced_pipeline.demo.generate import generate_demo_submissions
from balanced_pipeline.wiring.console import step_stages

YEAR = 2026
STAGES = ["intake", "validation", "indicators", "monitoring", "reports"]
PROJECT = Path(__file__).resolve().parents[2]


def test_every_step_belongs_to_a_stage_in_the_order_of_the_flow():
    stages = step_stages(defs.resolve_job_def(ANNUAL_JOB))
    assert list(dict.fromkeys(stages.values())) == STAGES
    assert stages["staged_submissions"] == "intake"
    assert stages["county_reports"] == "reports"


@pytest.fixture(scope="module")
def year_folder(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("submissions")
    generate_demo_submissions(root, years=[YEAR], schools=100, seed=11)
    return root


def _run(year_folder: Path, work: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        **os.environ, "BALANCED_SUBMISSIONS_DIR": str(year_folder), "BALANCED_DATA_DIR": str(work / "data"),
        "DAGSTER_HOME": str(work / "dagster_home"), **env,
    }
    (work / "dagster_home").mkdir(parents=True, exist_ok=True)
    (work / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    return subprocess.run([sys.executable, "-m", "balanced_pipeline", *args], env=environment, cwd=work,
                          capture_output=True, text=True, timeout=900)


def _log_file(output: str) -> Path:
    return Path(re.search(r"运行日志: (\S+)", output).group(1))


def test_a_run_prints_one_line_per_stage_and_logs_the_events_to_a_file(year_folder, tmp_path):
    done = _run(year_folder, tmp_path, "run", str(YEAR))
    assert done.returncode == 0, done.stderr
    console = done.stdout + done.stderr
    assert "DEBUG" not in console and "STEP_START" not in console
    for stage in STAGES:
        assert re.search(rf"^\s+{stage}\s.*\b(\d+)/\1\s+steps \d+:\d\d:\d\d$", done.stdout, re.M), (stage, done.stdout)
    assert re.search(rf"✓ {YEAR}: run \S+ succeeded in [\d.]+ s", done.stdout)
    assert "Readiness" in done.stdout  # the summary follows the progress
    log = _log_file(done.stdout).read_text(encoding="utf-8")
    assert log.count("STEP_SUCCESS") == len(step_stages(defs.resolve_job_def(ANNUAL_JOB)))
    progress = done.stdout.split("Warehouse:")[0].splitlines()  # before the summary
    assert len(progress) == 2 + len(STAGES) + 1 and len(log.splitlines()) > 40


def test_a_failed_run_says_what_why_and_what_to_do_and_exits_non_zero(year_folder, tmp_path):
    done = _run(year_folder, tmp_path, "run", str(YEAR), BALANCED_STANDARDS="no-such-standards")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "运行失败 the run failed" in done.stderr
    assert re.search(r"步骤 step: \w+", done.stderr)
    assert "原因 why: StandardsError: standards 'no-such-standards' not found" in done.stderr
    assert "怎么办 what to do" in done.stderr and f"balanced-pipeline run {YEAR}" in done.stderr
    assert _log_file(done.stdout).exists()


def test_verbose_streams_the_event_log(year_folder, tmp_path):
    done = _run(year_folder, tmp_path, "run", str(YEAR), "--verbose", BALANCED_STANDARDS="no-such-standards")
    assert done.returncode == 1
    assert "STEP_START" in done.stderr and "STEP_FAILURE" in done.stderr


def test_an_error_outside_a_run_is_explained_without_a_traceback(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["template", "--out", str(tmp_path)])  # a folder, not a file
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "balanced-pipeline template: 失败 failed" in err and "IsADirectoryError" in err
    assert "--verbose" in err and "Traceback" not in err
