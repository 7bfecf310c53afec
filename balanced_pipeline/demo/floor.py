"""The benchmark's floor: bare DuckDB loading a year's bulk files and computing R1–R7 and the
student-weighted difference coefficients, with no checks, no quarantine and no reports.

It is what the arithmetic alone costs on this machine, so the real job's time can be read as a
multiple of it. It follows the standards (indicators, split weights, scope) but casts with
TRY_CAST instead of judging bad cells, so a broken row's value simply goes missing.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pandas as pd

from balanced_pipeline.standards.loader import Standards


def _share_sql(standards: Standards, stage: str) -> str:
    """The share of a campus's undivided quantities that its `stage` part gets."""
    cases = []
    for school_type, weights in standards.stage_split_weights.items():
        if stage not in weights:
            continue
        total = " + ".join(f"coalesce(TRY_CAST(students_{s} AS DOUBLE), 0) * {float(w)}" for s, w in weights.items())
        cases.append(f"WHEN school_type = '{school_type}' THEN "
                     f"coalesce(TRY_CAST(students_{stage} AS DOUBLE), 0) * {float(weights[stage])} / nullif({total}, 0)")
    return f"CASE {' '.join(cases)} ELSE 1.0 END" if cases else "1.0"


def floor_sql(standards: Standards) -> str:
    """One statement: every school part's R1–R7 values, then the coefficients per county × stage × indicator."""
    min_point = standards.scope["teaching_point_min_students_for_difference_coefficient"]
    parts = []
    for stage in standards.evaluated_stages:
        types = [t for t, stages in standards.school_type_stages.items() if stage in stages]
        columns = []
        for indicator in standards.resource_indicators:
            quantity = (f"TRY_CAST({indicator.quantity}_{stage} AS DOUBLE)" if indicator.per_stage
                        else f"TRY_CAST({indicator.quantity} AS DOUBLE) * ({_share_sql(standards, stage)})")
            columns.append(f"{quantity} / nullif(TRY_CAST(students_{stage} AS DOUBLE), 0) * {float(indicator.per)} "
                           f"AS {indicator.id}")
        type_list = ", ".join(f"'{t}'" for t in types)
        parts.append(
            f"SELECT county_code, '{stage}' AS stage, TRY_CAST(students_{stage} AS DOUBLE) AS students, "
            f"school_type = 'teaching_point' AND TRY_CAST(students_{stage} AS DOUBLE) < {min_point} AS small_point, "
            + ", ".join(columns) + f" FROM schools WHERE school_type IN ({type_list})")
    ids = [i.id for i in standards.resource_indicators if i.difference_coefficient]
    unpivot = " UNION ALL ".join(
        f"SELECT county_code, stage, students, '{i}' AS indicator_id, {i} AS x FROM parts "
        f"WHERE students > 0 AND NOT coalesce(small_point, false) AND {i} IS NOT NULL" for i in ids)
    return f"""
        WITH parts AS ({' UNION ALL '.join(parts)}),
        values_ AS ({unpivot}),
        means AS (SELECT county_code, stage, indicator_id, sum(students * x) / sum(students) AS mean,
                         sum(students) AS p, count(*) AS n
                  FROM values_ GROUP BY ALL)
        SELECT v.county_code, v.stage, v.indicator_id, any_value(m.n) AS schools_in_scope,
               CASE WHEN any_value(m.n) < 2 THEN 0.0
                    ELSE sqrt(sum(v.students * (v.x - m.mean) ^ 2) / any_value(m.p)) / nullif(any_value(m.mean), 0)
               END AS cv
        FROM values_ v JOIN means m USING (county_code, stage, indicator_id)
        GROUP BY ALL ORDER BY ALL"""


def run_floor(year_dir: Path, standards: Standards) -> tuple[dict[str, int], "duckdb.DuckDBPyRelation"]:
    """Loads every bulk file of `year_dir` into an in-memory DuckDB (all of classes and survey
    answers too) and computes the coefficients; returns the rows loaded per file and the coefficients."""
    connection = duckdb.connect()
    rows = {}
    for path in sorted(Path(year_dir).iterdir()):
        table = path.name.split(".")[0]
        if path.suffix == ".csv":
            source = f"read_csv('{path}', all_varchar = true, header = true)"
        elif path.suffix == ".parquet":
            source = f"read_parquet('{path}')"
        else:
            continue
        connection.execute(f"CREATE TABLE {table} AS SELECT * FROM {source}")
        rows[path.name] = connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    coefficients = connection.execute(floor_sql(standards)).df()
    connection.close()
    return rows, coefficients


COEFFICIENT_KEY = ["county_code", "stage", "indicator_id"]


def agrees_with_floor(job: pd.DataFrame, floor: pd.DataFrame) -> pd.Series:
    """For each of the job's coefficients (rows of `county_difference_coefficients`): whether the
    floor computed it over as many school parts and to the same value (`math.isclose`: equal but
    for floating-point rounding; both NULL agree).

    They part by design where a broken row reaches the coefficient: the job quarantines the value
    or rejects the campus, the floor reads whatever TRY_CAST makes of the cell. Where the job's
    evidence is complete they must agree, or the floor is not the same arithmetic."""
    both = job[COEFFICIENT_KEY + ["cv", "schools_in_scope"]].merge(
        floor[COEFFICIENT_KEY + ["cv", "schools_in_scope"]], on=COEFFICIENT_KEY, how="left", suffixes=("", "_floor"))

    def same(cv, cv_floor, schools, schools_floor) -> bool:
        if pd.isna(schools_floor) or int(schools) != int(schools_floor):
            return False
        return (pd.isna(cv) and pd.isna(cv_floor)) or (
            not pd.isna(cv) and not pd.isna(cv_floor) and math.isclose(float(cv), float(cv_floor)))

    agrees = [same(*row) for row in both[["cv", "cv_floor", "schools_in_scope", "schools_in_scope_floor"]].itertuples(index=False)]
    return pd.Series(agrees, index=job.index, dtype=bool, name="agrees_with_floor")
