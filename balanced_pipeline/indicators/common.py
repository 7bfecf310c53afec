"""Helpers shared by the county evaluation modules: Chinese number text, the
county universe and the output column lists."""

from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import STAGES, YEAR_COUNTY_KEY
from balanced_pipeline.warehouse.catalogue import pandas_dtypes

COMPARISON_ZH = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "="}

SCHOOL_CHECK_COLUMNS = pandas_dtypes("school_guarantee_checks")
"""school_guarantee_checks: one campus × school-level item (× stage for G13, else stage '')."""

COUNTY_ITEM_COLUMNS = pandas_dtypes("county_guarantee")
"""county_guarantee and county_quality: one county × item (× stage for G13, else stage '')."""


def items_by_id(section: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["id"]: item for item in section["items"]}


def item_order(standards) -> dict[str, int]:
    """Sort position of every item id and stage: resource indicators, G, Q, then stages."""
    ids = [i.id for i in standards.resource_indicators]
    for name in ("government_guarantee", "education_quality"):
        ids += [item["id"] for item in standards.section(name)["items"]]
    order = {item_id: position for position, item_id in enumerate(ids)}
    order.update({stage: position for position, stage in enumerate(["", *STAGES])})
    return order


def failed(passed: pd.Series) -> pd.Series:
    """True where a check was judged and failed (a missing verdict is not a failure here)."""
    return pd.Series(passed).astype("boolean").eq(False).fillna(False).astype(bool)


def safe_ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, missing where the denominator is missing or zero."""
    denominator = pd.Series(denominator).astype("Float64")
    return (pd.Series(numerator).astype("Float64") / denominator.where(denominator > 0)).astype("Float64")


def scalar_text(value: Any, decimals: int = 2) -> str:
    """A number as a clerk writes it: rounded, without trailing zeros; '—' when missing."""
    if pd.isna(value):
        return "—"
    text = f"{float(value):.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def number_text(values: pd.Series, decimals: int = 2) -> pd.Series:
    """scalar_text of each value; each distinct value is written once (counts repeat a lot)."""
    values = pd.Series(values).astype("Float64").round(decimals)
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    texts = np.array([*(scalar_text(v, decimals) for v in distinct.astype(object)), scalar_text(None, decimals)],
                     dtype=object)
    return pd.Series(texts[codes], index=values.index, dtype="string")


def percent_text(values: pd.Series, decimals: int = 1) -> pd.Series:
    text = number_text(pd.Series(values).astype("Float64") * 100, decimals)
    return text.where(text == "—", text + "%")


def yes_no_text(flags: pd.Series) -> pd.Series:
    flags = pd.Series(flags).astype("boolean")
    return pd.Series(np.where(flags.isna(), "未填报", np.where(flags.fillna(False), "是", "否")),
                     index=flags.index, dtype="string")


def has_text(values: pd.Series) -> pd.Series:
    return pd.Series(values).astype("string").str.strip().fillna("").ne("")


def join_nonblank(parts: Iterable[pd.Series], sep: str = "；") -> pd.Series:
    """Row-wise join of string Series, skipping blank or missing parts (vectorised per part)."""
    result = None
    for part in parts:
        part = pd.Series(part).astype("string").fillna("")
        if result is None:
            result = part
            continue
        both = result.ne("") & part.ne("")
        result = (result + pd.Series(np.where(both, sep, ""), index=part.index, dtype="string") + part)
    return result if result is not None else pd.Series(dtype="string")


def aggregate_join(frame: pd.DataFrame, by: list[str], column: str, sep: str) -> pd.DataFrame:
    """One row per group with `column` joined by `sep` (rows keep their order)."""
    return frame.groupby(by, sort=False, dropna=False)[column].agg(sep.join).reset_index()


def county_universe(*frames: pd.DataFrame) -> pd.DataFrame:
    """Every (year, county_code) that any of the frames mentions: a county that submitted
    anything is evaluated, so a missing form makes items fail instead of vanishing."""
    keys = [f[YEAR_COUNTY_KEY] for f in frames if f is not None and not f.empty]
    if not keys:
        return pd.DataFrame({"year": pd.Series(dtype="Int64"), "county_code": pd.Series(dtype="string")})
    universe = pd.concat(keys, ignore_index=True).drop_duplicates()
    return universe.sort_values(YEAR_COUNTY_KEY).reset_index(drop=True)
