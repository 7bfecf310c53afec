"""Rectification lists in the Zhejiang format (浙政教督办〔2019〕5号, attachments 1 and 2):
per school campus and per county government, one row per shortfall, with the measure and the
deadline month left blank for the county to fill; and the .xlsx laid out like the attachments.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from balanced_pipeline.contract.text import put
from balanced_pipeline.indicators.common import CAMPUS, STAGE_ZH, item_order, number_text
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import pandas_dtypes

SCHOOL_LIST_COLUMNS = pandas_dtypes("school_rectification_list")
COUNTY_LIST_COLUMNS = pandas_dtypes("county_rectification_list")
SCHOOL_SHEET_TITLE = "义务教育学校达到优质均衡目标整改清单"
COUNTY_SHEET_TITLE = "县级政府达到优质均衡目标整改清单"
SCHOOL_SHEET_NOTES = (
    "1.学校必须按照物理独立校区填报，如一校多区必须分开自查后分开填报。",
    "2.存在不足情况按照《办法》31项指标中要求学校达标的每一项指标要求逐项填报；达标项目不用填报。",
    "3.完成时限精确到月份。",
)
COUNTY_SHEET_NOTES = (
    "1.存在不足情况按照《办法》31项指标中要求县级政府达标的每一项指标要求逐项填报；达标项目不用填报。",
    "2.完成时限精确到月份。",
)


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
    # A value not computed names the field to fix (its input was in error or blank).
    reason = indicators["not_computed_reason_zh"].astype("string").fillna("")
    missing = (name + " 未计算：" + reason).where(reason.ne(""), name + " 数据缺失，无法判定")
    return text.where(value.notna(), missing)


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


def export_rectification_workbook(
    county_code: str,
    school_list: pd.DataFrame,
    county_list: pd.DataFrame,
    path: str | Path,
    *,
    county_name: str = "",
    filled_on: str = "",
) -> Path:
    """Write one county's attachments 1 and 2 to `path` (.xlsx): title, the 县（市、区）名称 /
    填报日期 line, the columns of the attachment, numbered schools with their numbered
    shortfalls, blank measure and deadline cells, and the attachment's notes."""
    schools = school_list[school_list["county_code"].astype("string") == str(county_code)]
    county = county_list[county_list["county_code"].astype("string") == str(county_code)]
    workbook = Workbook()
    school_sheet = workbook.active
    school_sheet.title = "附件1 学校整改清单"
    _write_school_sheet(school_sheet, schools, county_name or str(county_code), filled_on)
    _write_county_sheet(workbook.create_sheet("附件2 县级政府整改清单"), county, county_name or str(county_code), filled_on)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)
    return path


_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="center")


def _heading(sheet, title: str, columns: list[str], widths: list[int], county_name: str, filled_on: str) -> int:
    last = get_column_letter(len(columns))
    sheet.merge_cells(f"A1:{last}1")
    sheet["A1"] = title
    sheet["A1"].font = Font(bold=True, size=16)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet.merge_cells(f"A2:{last}2")
    sheet["A2"] = f"县（市、区）名称：{county_name}        填报日期：{filled_on}"
    for position, (name, width) in enumerate(zip(columns, widths), start=1):
        cell = put(sheet, 3, position, name)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
        cell.border = _BOX
        sheet.column_dimensions[get_column_letter(position)].width = width
    return 4


def _notes(sheet, row: int, notes: tuple[str, ...], columns: int) -> None:
    put(sheet, row + 1, 1, "注：")
    for offset, note in enumerate(notes, start=2):
        sheet.merge_cells(start_row=row + offset, start_column=1, end_row=row + offset, end_column=columns)
        put(sheet, row + offset, 1, note)


def _boxed(sheet, row: int, values: list) -> None:
    for position, value in enumerate(values, start=1):
        cell = put(sheet, row, position, value)
        cell.border = _BOX
        cell.alignment = _WRAP


def _write_school_sheet(sheet, schools: pd.DataFrame, county_name: str, filled_on: str) -> None:
    columns = ["学校名称", "存在不足情况", "整改提升措施", "完成时限"]
    row = _heading(sheet, SCHOOL_SHEET_TITLE, columns, [30, 70, 40, 14], county_name, filled_on)
    campuses = schools.groupby(["school_code", "campus_code"], sort=False)
    for school_number, (_, shortfalls) in enumerate(campuses, start=1):
        first = row
        for number, shortfall in enumerate(shortfalls.itertuples(index=False), start=1):
            _boxed(sheet, row, [f"{school_number}.{shortfall.school_name}" if row == first else None,
                                f"{number}.{shortfall.shortfall}", shortfall.measure or None,
                                shortfall.deadline_month or None])
            row += 1
        if row - 1 > first:
            sheet.merge_cells(start_row=first, start_column=1, end_row=row - 1, end_column=1)
    _notes(sheet, row, SCHOOL_SHEET_NOTES, len(columns))


def _write_county_sheet(sheet, county: pd.DataFrame, county_name: str, filled_on: str) -> None:
    columns = ["存在不足情况", "整改提升措施", "完成时限"]
    row = _heading(sheet, COUNTY_SHEET_TITLE, columns, [90, 40, 14], county_name, filled_on)
    for number, shortfall in enumerate(county.itertuples(index=False), start=1):
        _boxed(sheet, row, [f"{number}.{shortfall.shortfall}", shortfall.measure or None, shortfall.deadline_month or None])
        row += 1
    _notes(sheet, row, COUNTY_SHEET_NOTES, len(columns))
