"""Rectification lists in the Zhejiang format (浙政教督办〔2019〕5号, attachments 1 and 2):
per school campus and per county government, one row per shortfall, with the measure and the
deadline month left blank for the county to fill. `report.rectification_workbook` lays them out
like the attachments.
"""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.contract.forms import YEAR_CAMPUS_KEY
from balanced_pipeline.indicators.common import item_order
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import conform, pandas_dtypes

SCHOOL_LIST_COLUMNS = pandas_dtypes("school_rectification_list")
COUNTY_LIST_COLUMNS = pandas_dtypes("county_rectification_list")


def school_rectification_list(county_shortfalls: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Attachment 1: every school-level row of `county_shortfalls` (a resource indicator a school
    part misses or has no value for, a school-level G/Q check), under the campus's own name, in
    the order of the standards."""
    rows = county_shortfalls[county_shortfalls["in_school_list"].astype(bool)]
    order = item_order(standards)
    rows = rows.sort_values([*YEAR_CAMPUS_KEY, "item_id", "stage"],
                            key=lambda c: c.map(order).fillna(len(order)) if c.name in ("item_id", "stage") else c,
                            kind="stable")
    rows = rows.assign(shortfall=rows["reason_zh"], measure="", deadline_month="", standards_version=standards.version)
    return conform(rows, SCHOOL_LIST_COLUMNS)


def county_rectification_list(county_shortfalls: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Attachment 2: the county-government rows of `county_shortfalls` (failed or undecided G and
    Q items, difference coefficients, social recognition, precondition, vetoes)."""
    rows = county_shortfalls[county_shortfalls["in_county_list"].astype(bool)]
    rows = rows.assign(shortfall=rows["reason_zh"], measure="", deadline_month="", standards_version=standards.version)
    return conform(rows, COUNTY_LIST_COLUMNS)
