"""Benchmark: time and memory of each stage on generated data of a given size.

`balanced-pipeline benchmark --schools 20000` prints, per stage, seconds, the ratio to a baseline
measured in the same run (plain `pandas.read_csv` of the same files: the cost of merely reading
them), and the process's peak resident memory so far.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path
from typing import Callable

import pandas as pd

from balanced_pipeline.indicators.education_quality import county_quality
from balanced_pipeline.indicators.government_guarantee import county_guarantee
from balanced_pipeline.indicators.school_checks import school_guarantee_checks
from balanced_pipeline.indicators.social_recognition import county_social_recognition
from balanced_pipeline.monitoring.readiness import county_readiness
from balanced_pipeline.monitoring.shortfalls import county_shortfalls
from balanced_pipeline.indicators import resource_allocation as ra
from balanced_pipeline.demo.generate import generate_demo_submissions
from balanced_pipeline.intake.ingest import read_year_folder
from balanced_pipeline.contract.issues import split_accepted
from balanced_pipeline.validation import validate_forms
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.store import Warehouse

YEAR = 2026


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_benchmark(schools: int, workdir: Path) -> pd.DataFrame:
    generate_demo_submissions(workdir / "submissions", years=(YEAR,), schools=schools, seed=1)
    year_dir = workdir / "submissions" / str(YEAR)
    standards = load_standards("national")
    timings: list[dict] = []
    state: dict = {}

    def stage(name: str, work: Callable[[], object]) -> None:
        started = time.perf_counter()
        state[name] = work()
        timings.append({"stage": name, "seconds": time.perf_counter() - started, "peak_rss_mb": _peak_rss_mb()})

    stage("baseline: pandas.read_csv of the bulk files", lambda: [pd.read_csv(f, dtype=str) for f in year_dir.glob("*.csv")])
    stage("ingest: read, normalise, newest wins", lambda: read_year_folder(year_dir))
    staged = state["ingest: read, normalise, newest wins"]
    stage("quality: GX suites on every form", lambda: validate_forms(staged.forms, standards))
    issues = state["quality: GX suites on every form"].issues
    accepted = {form: split_accepted(frame, issues, form)[0] for form, frame in staged.forms.items()}
    schools_frame = accepted["schools"]

    def resource_allocation():
        parts = ra.school_parts(schools_frame, standards)
        indicators = ra.school_indicators(schools_frame, parts, standards)
        return parts, indicators, ra.school_resource_verdicts(indicators, standards), ra.county_difference_coefficients(indicators, parts, standards)

    stage("indicators: R1–R7, verdicts, coefficients", resource_allocation)
    parts, indicators, verdicts, coefficients = state["indicators: R1–R7, verdicts, coefficients"]

    def county_evaluation():
        checks = school_guarantee_checks(schools_frame, accepted["classes"], accepted["rooms"], standards)
        guarantee = county_guarantee(accepted["counties"], schools_frame, checks, standards)
        quality = county_quality(accepted["counties"], schools_frame, checks, accepted["quality_monitoring"], standards)
        recognition = county_social_recognition(
            accepted["survey_responses"], accepted["counties"], standards, survey_groups=accepted["survey_groups"]
        )
        shortfalls = county_shortfalls(accepted["counties"], verdicts, coefficients, guarantee, quality,
                                                  recognition, accepted["veto_incidents"], standards)
        return county_readiness(shortfalls, accepted["counties"], verdicts, guarantee, quality, recognition,
                                           accepted["veto_incidents"], standards)

    stage("evaluation: G, Q, survey, readiness", county_evaluation)
    warehouse = Warehouse(f"duckdb:///{workdir / 'benchmark.duckdb'}")
    stage("warehouse: write school_indicators to DuckDB", lambda: warehouse.replace_partition(TABLES["school_indicators"], YEAR, indicators))

    table = pd.DataFrame(timings)
    baseline = table.loc[0, "seconds"]
    table["ratio_to_baseline"] = table["seconds"] / baseline
    table.attrs["rows"] = {"campuses": len(staged.forms["schools"]), "classes": len(staged.forms["classes"]),
                           "school_indicator_rows": len(indicators)}
    return table


def main(schools: int) -> None:
    with tempfile.TemporaryDirectory(prefix="balanced-benchmark-") as folder:
        table = run_benchmark(schools, Path(folder))
    print(f"Benchmark on {schools} generated campuses: {table.attrs['rows']}")
    print(table.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
