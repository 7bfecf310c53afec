"""Rectification lists in the Zhejiang format (浙政教督办〔2019〕5号, attachments 1 and 2):
per school campus and per county government, one row per shortfall, with the measure and the
deadline month left blank for the county to fill. `report.rectification_workbook` lays them out
like the attachments.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.indicators.common import CAMPUS, STAGE_ZH, item_order, number_text
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import pandas_dtypes

SCHOOL_LIST_COLUMNS = pandas_dtypes("school_rectification_list")
COUNTY_LIST_COLUMNS = pandas_dtypes("county_rectification_list")


def indicator_shortfall_text(indicators: pd.DataFrame) -> pd.Series:
    """「生均体育运动场馆面积 6.1㎡，标准 7.5㎡，差 1.4㎡」 for a failed resource indicator
    (「超」 for an at-most standard); a missing value says so."""
    unit = indicators["unit"].astype("string").fillna("")
    value = indicators["value"].astype("Float64")
    threshold = indicators["threshold"].astype("Float64")
    at_most = indicators["comparison"].astype("string").isin(["<=", "<"]).fillna(False).to_numpy()
    gap_word = pd.Series(np.where(at_most, "超", "差"), index=indicators.index, dtype="string")
    name = indicators["indicator_name_zh"].astype("string")
    text = (name + " " + number_text(value) + unit + "，标准 " + number_text(threshold) + unit + "，" + gap_word + " "
            + number_text((value - threshold).abs()) + unit)
    return text.where(value.notna(), name + " 数据缺失，无法判定")


def school_rectification_list(
    school_indicators: pd.DataFrame, school_guarantee_checks: pd.DataFrame, standards: Standards
) -> pd.DataFrame:
    """Attachment 1: every failed (or undecidable) resource indicator and school-level
    guarantee/quality check of every campus, under the campus's own name. A combined school's
    indicator names its stage, since its primary and junior parts are judged separately."""
    indicators = school_indicators[school_indicators["passed"].astype("boolean").ne(True).fillna(True)]
    combined = indicators["school_type"].map(
        {t: len([s for s in stages if s in standards.evaluated_stages]) > 1 for t, stages in standards.school_type_stages.items()}
    ).fillna(False).astype(bool)
    stage_prefix = ("（" + indicators["stage"].map(STAGE_ZH).astype("string") + "）").where(combined, "")
    from_indicators = indicators[[*CAMPUS, "school_name", "indicator_id", "stage"]].rename(
        columns={"indicator_id": "item_id"}
    ).assign(shortfall=stage_prefix + indicator_shortfall_text(indicators))

    names = {item["id"]: item["name_zh"] for section in ("government_guarantee", "education_quality")
             for item in standards.section(section)["items"]}
    checks = school_guarantee_checks[school_guarantee_checks["passed"].astype("boolean").ne(True).fillna(True)]
    from_checks = checks[[*CAMPUS, "school_name", "item_id", "stage"]].assign(
        shortfall=checks["item_id"].map(names).astype("string") + "：" + checks["detail"].astype("string")
    )
    rows = pd.concat([from_indicators, from_checks], ignore_index=True).astype(
        {"year": "Int64", "county_code": "string", "school_code": "string", "campus_code": "string"}
    )
    order = item_order(standards)
    rows = rows.sort_values([*CAMPUS, "item_id", "stage"],
                            key=lambda c: c.map(order).fillna(len(order)) if c.name in ("item_id", "stage") else c,
                            kind="stable")
    rows = rows.assign(measure="", deadline_month="", standards_version=standards.version)
    return rows.reindex(columns=list(SCHOOL_LIST_COLUMNS)).astype(SCHOOL_LIST_COLUMNS).reset_index(drop=True)


def county_rectification_list(county_shortfalls: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Attachment 2: the county-government shortfalls (failed G and Q items, difference
    coefficients, social recognition, precondition, vetoes) from `county_shortfalls`."""
    rows = county_shortfalls[county_shortfalls["in_county_list"].astype(bool)]
    rows = rows.assign(measure="", deadline_month="", standards_version=standards.version)
    return rows.reindex(columns=list(COUNTY_LIST_COLUMNS)).astype(COUNTY_LIST_COLUMNS).reset_index(drop=True)
