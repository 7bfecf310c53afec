"""The formulas of spec §2.1, §3 and §4, each in one pure, vectorised function.

Everything here takes and returns pandas objects and knows nothing of files, Dagster or the
warehouse; the standards file supplies every threshold and weight.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


def per_students(quantity: pd.Series, students: pd.Series, per: float) -> pd.Series:
    """Quantity per `per` students (per=100: "每百名学生"); missing where there are no students."""
    students = students.astype("Float64")
    value = quantity.astype("Float64") / students.where(students > 0) * per
    return value.astype("Float64")


def stage_split_shares(students: pd.DataFrame, weights: dict[str, float]) -> pd.DataFrame:
    """Share of a combined school's undivided quantities (areas, equipment, rooms) per stage.

    `students` has one column per stage of the school type (primary, junior, senior), one row per
    campus; each stage's share is its weighted students over all weighted students (spec §3: 166
    primary and 210 junior students at 1 : 1.1 give the primary part 166 / (166 + 1.1 × 210)).
    A campus without students gets missing shares, never a division error.
    """
    weighted = pd.DataFrame(
        {stage: students[stage].astype("Float64").fillna(0) * float(weight) for stage, weight in weights.items()},
        index=students.index,
    )
    total = weighted.sum(axis=1)
    return weighted.div(total.where(total > 0), axis=0).astype("Float64")


def ratio_to_standard(value: pd.Series, threshold: pd.Series, comparison: pd.Series) -> pd.Series:
    """How far a value is from its standard, 1.0 meaning exactly at it and above 1 better.

    For "at least" standards it is value / threshold; for "at most" standards threshold / value.
    """
    value = value.astype("Float64")
    threshold = threshold.astype("Float64")
    at_most = comparison.isin(["<=", "<"]).to_numpy()
    ratio = np.where(at_most, threshold / value.where(value != 0), value / threshold.where(threshold != 0))
    return pd.Series(ratio, index=value.index, dtype="Float64")


def meets(value: pd.Series, threshold: Any, comparison: str | pd.Series) -> pd.Series:
    """Whether each value meets its threshold under its comparison (">=", ">", "<=", "<", "==");
    missing where the value or threshold is. The threshold is one number or one per value, the
    comparison one symbol or one per value (a resource indicator's own, from its row)."""
    value = pd.Series(value).astype("Float64")
    threshold = pd.Series(threshold, index=value.index).astype("Float64")
    outcomes = {
        ">=": value >= threshold,
        ">": value > threshold,
        "<=": value <= threshold,
        "<": value < threshold,
        "==": value == threshold,
    }
    if isinstance(comparison, str):
        return outcomes[comparison].astype("boolean")
    # Each row takes its own comparison's outcome; a row whose symbol is none of these stays missing.
    met, unknown = np.zeros(len(value), dtype=bool), np.ones(len(value), dtype=bool)
    for symbol, outcome in outcomes.items():
        chosen = (comparison == symbol).to_numpy()
        met[chosen] = outcome.to_numpy(dtype=bool, na_value=False)[chosen]
        unknown[chosen] = outcome.isna().to_numpy()[chosen]
    return pd.Series(pd.arrays.BooleanArray(met, unknown), index=value.index)


def school_rule_verdict(
    frame: pd.DataFrame, *, by: list[str], min_indicators_met: int, floor_ratio: float
) -> pd.DataFrame:
    """The school resource rule (spec §2.1): at least `min_indicators_met` indicators met and
    every unmet one at least `floor_ratio` of its threshold.

    `frame` has one row per school part × indicator: the `by` columns naming the part, and
    indicator_id, passed, ratio. An indicator whose value is missing (not computed) makes the
    part's verdict unknown, passed NULL (未判定 not judged), even when the known ones would already
    fail it: a school is never passed on data it did not give, and the office is told to complete
    the data before the verdict rather than handed half of one (its failing indicators are still
    rows of their own). Returns one row per part: indicators_met, indicators_judged,
    unmet_below_floor, weakest_indicator (lowest ratio, a missing one first), weakest_ratio, passed.
    """
    met = frame["passed"].fillna(False).astype(bool)
    ratio = frame["ratio"].astype("float64")
    work = frame[by].assign(
        _met=met,
        _judged=frame["passed"].notna(),
        _below_floor=~met & ~(ratio >= floor_ratio),
        _rank=ratio.fillna(-np.inf),
        weakest_indicator=frame["indicator_id"],
        weakest_ratio=frame["ratio"].astype("Float64"),
    ).reset_index(drop=True)
    grouped = work.groupby(by, sort=True)
    verdict = pd.DataFrame(
        {
            "indicators_met": grouped["_met"].sum().astype("Int64"),
            "indicators_judged": grouped["_judged"].sum().astype("Int64"),
            "unmet_below_floor": grouped["_below_floor"].sum().astype("Int64"),
        }
    )
    # The part's first row of lowest rank (idxmin keeps the first of equals, as a stable sort would).
    weakest = work.loc[grouped["_rank"].idxmin().to_numpy(), [*by, "weakest_indicator", "weakest_ratio"]].set_index(by)
    verdict = verdict.join(weakest)
    verdict["passed"] = (
        (verdict["indicators_met"] >= min_indicators_met) & (verdict["unmet_below_floor"] == 0)
    ).astype("boolean").mask(verdict["indicators_judged"] < grouped.size())
    return verdict.reset_index()


def weighted_difference_coefficient(
    frame: pd.DataFrame, *, by: list[str], value: str, weight: str
) -> pd.DataFrame:
    """Student-weighted difference coefficient (校际差异系数, spec §4) per group:

        P = Σ P_i,  X̄ = Σ P_i X_i / P,  S = sqrt(Σ (P_i / P)(X_i − X̄)²),  CV = S / X̄

    Returns per group: weighted_mean, weighted_sd, cv, schools_in_scope, students_in_scope, note.
    Fewer than 2 school parts → cv 0 with a note; X̄ = 0 → cv missing with a note. Unrounded.
    """
    work = frame[[*by, value, weight]].copy()
    work["_x"] = work[value].astype("float64")
    work["_p"] = work[weight].astype("float64")
    work["_px"] = work["_x"] * work["_p"]
    grouped = work.groupby(by, sort=True, dropna=False)
    summary = grouped.agg(students_in_scope=("_p", "sum"), _sum_px=("_px", "sum"), schools_in_scope=("_x", "size"))
    summary["weighted_mean"] = summary["_sum_px"] / summary["students_in_scope"].where(summary["students_in_scope"] > 0)

    # The groups are found once: each row's group number indexes the per-group sums.
    group = grouped.ngroup().to_numpy()
    deviation2 = work["_p"] * (work["_x"] - summary["weighted_mean"].to_numpy()[group]) ** 2
    summary["weighted_sd"] = np.sqrt(
        pd.Series(deviation2.groupby(group).sum().to_numpy(), index=summary.index) / summary["students_in_scope"]
    )

    mean = summary["weighted_mean"]
    single = summary["schools_in_scope"] < 2
    zero_mean = ~single & ((mean == 0) | mean.isna())
    summary["cv"] = (summary["weighted_sd"] / mean.where(mean != 0)).where(~single, 0.0)
    summary["note"] = np.select(
        [single, zero_mean],
        [
            "范围内学校少于2所，差异系数记为0 / fewer than 2 school parts in scope: CV set to 0",
            "加权平均值为0，差异系数无法计算 / weighted mean is 0: CV undefined",
        ],
        default="",
    )
    summary = summary.drop(columns="_sum_px").reset_index()
    summary["students_in_scope"] = summary["students_in_scope"].round().astype("Int64")
    summary["schools_in_scope"] = summary["schools_in_scope"].astype("Int64")
    for column in ("weighted_mean", "weighted_sd", "cv"):
        summary[column] = summary[column].astype("Float64")
    return summary
