"""Benchmark: the real job on generated data, against a bare-DuckDB floor measured in the same run.

    balanced-pipeline benchmark --schools 20000 [--counties 286]

Generates one year of national-shaped demo data (~70 campuses a county unless `--counties`) in a
temporary folder, then runs `balanced-pipeline run <year>` there as a child process — the same
Dagster job a user launches: every asset, every table, every county report — on its own DuckDB
warehouse and Dagster instance. While it runs, the resident memory of the whole process tree is
sampled from /proc. Afterwards it reads each step's time from the run's event log and measures the
floor (demo/floor.py): DuckDB loading the same bulk files and computing R1–R7 and the coefficients.
Absolute times depend on what else the machine is doing; the ratio to the floor less so.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from balanced_pipeline.demo.floor import agrees_with_floor, run_floor
from balanced_pipeline.demo.generate import generate_demo_submissions, national_counties
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.store import Warehouse

YEAR = 2026
SAMPLE_SECONDS = 0.1


@dataclass
class BenchmarkResult:
    schools: int
    counties: int
    rows: dict[str, int]
    job_seconds: float
    peak_tree_rss_mb: float
    floor_seconds: float
    steps: pd.DataFrame  # step, seconds, share of the job
    coefficients: int
    # the job's coefficients: county_code, stage, indicator_id, evidence_complete, agrees_with_floor
    agreement: pd.DataFrame = field(default_factory=pd.DataFrame)
    extra: dict = field(default_factory=dict)

    @property
    def ratio_to_floor(self) -> float:
        return self.job_seconds / self.floor_seconds


def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over `root` and all its descendants (one pass over /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="utf-8") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields["PPid"]), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def _run_job(workdir: Path) -> tuple[float, float]:
    """Runs the real job as a child process; returns (wall seconds, peak RSS of its tree in MB)."""
    env = {**os.environ, "BALANCED_DATA_DIR": str(workdir / "data"),
           "BALANCED_SUBMISSIONS_DIR": str(workdir / "submissions"), "DAGSTER_HOME": str(workdir / "dagster_home")}
    env.pop("BALANCED_WAREHOUSE_URL", None)
    (workdir / "dagster_home").mkdir(parents=True, exist_ok=True)
    (workdir / "dagster_home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    log = (workdir / "job.log").open("w", encoding="utf-8")
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "balanced_pipeline", "run", str(YEAR)], env=env,
                             stdout=log, stderr=subprocess.STDOUT)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss_kb(child.pid))
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = child.wait()
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    log.close()
    if code != 0:
        tail = (workdir / "job.log").read_text(encoding="utf-8")[-4000:]
        raise RuntimeError(f"the job failed (exit {code}):\n{tail}")
    return seconds, peak / 1024


def _step_times(workdir: Path) -> pd.DataFrame:
    """Each step's time, from the Dagster event log of the run the child wrote."""
    import dagster as dg

    with dg.DagsterInstance.from_config(str(workdir / "dagster_home")) as instance:
        run = instance.get_runs(limit=1)[0]
        stats = instance.get_run_step_stats(run.run_id)
    steps = pd.DataFrame([{"step": s.step_key, "seconds": (s.end_time or 0) - (s.start_time or 0)} for s in stats])
    return steps.sort_values("seconds", ascending=False, ignore_index=True)


def run_benchmark(schools: int, workdir: Path, counties: int | None = None) -> BenchmarkResult:
    counties = national_counties(schools) if counties is None else counties
    generate_demo_submissions(workdir / "submissions", years=(YEAR,), schools=schools, seed=1, counties=counties)
    job_seconds, peak_mb = _run_job(workdir)
    steps = _step_times(workdir)
    steps["share_of_job"] = steps["seconds"] / job_seconds

    started = time.perf_counter()
    rows, coefficients = run_floor(workdir / "submissions" / str(YEAR), load_standards("national"))
    floor_seconds = time.perf_counter() - started
    # the child's warehouse: the default one under its BALANCED_DATA_DIR
    job = Warehouse(f"duckdb:///{workdir / 'data' / 'warehouse.duckdb'}").read_partition(
        TABLES["county_difference_coefficients"], YEAR)
    agreement = job[["county_code", "stage", "indicator_id", "evidence_complete"]].assign(
        agrees_with_floor=agrees_with_floor(job, coefficients))
    return BenchmarkResult(schools, counties, rows, job_seconds, peak_mb, floor_seconds, steps, len(coefficients),
                           agreement)


def main(schools: int, counties: int | None = None) -> None:
    with tempfile.TemporaryDirectory(prefix="balanced-benchmark-") as folder:
        result = run_benchmark(schools, Path(folder), counties)
    print(f"Benchmark: {result.schools} campuses in {result.counties} counties, year {YEAR}; rows: {result.rows}")
    print(f"real job (balanced-pipeline run {YEAR}, child process): {result.job_seconds:,.1f} s wall, "
          f"peak RSS of the process tree {result.peak_tree_rss_mb:,.0f} MB")
    print(f"floor (DuckDB: load every bulk file, R1–R7, {result.coefficients} coefficients): "
          f"{result.floor_seconds:,.2f} s")
    print(f"ratio job / floor: {result.ratio_to_floor:,.0f}×")
    agreement, complete = result.agreement, result.agreement["evidence_complete"].astype(bool)
    print(f"coefficients equal to the floor's: {int(agreement['agrees_with_floor'].sum())} of {len(agreement)}; "
          f"with complete evidence {int(agreement.loc[complete, 'agrees_with_floor'].sum())} of {int(complete.sum())} "
          "(the others stand on broken rows: the job quarantines or rejects them, the floor reads them as they are)")
    print("per step (from the run's event log):")
    print(result.steps.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
