"""One county's rectification lists as the .xlsx of Zhejiang's attachments 1 and 2 (浙政教督办〔2019〕5号):
title, the 县（市、区）名称 / 填报日期 line, the attachment's columns, numbered schools with their
numbered shortfalls, blank measure and deadline cells, and the attachment's notes — set up to print.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from balanced_pipeline.report.print_layout import set_up_for_print
from balanced_pipeline.report.xlsx_writer import CellStyle, Sheet, XlsxBook

LIST_ITEMS_PER_ROW = 10
"""A shortfall listing more items than this (G5's oversized classes) continues on further rows, so
no printed cell grows past a page."""
HEADER_ROWS = 3

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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    book = XlsxBook()
    styles = Styles(book)
    school_sheet = book.add_sheet("附件1 学校整改清单")
    _write_school_sheet(school_sheet, styles, schools, county_name or str(county_code), filled_on)
    county_sheet = book.add_sheet("附件2 县级政府整改清单")
    _write_county_sheet(county_sheet, styles, county, county_name or str(county_code), filled_on)
    for sheet in book.sheets:
        set_up_for_print(sheet, HEADER_ROWS)
    return book.save(path)


class Styles:
    """The attachment's style numbers, each looked up once."""

    def __init__(self, book: XlsxBook):
        self.title = book.style_id(CellStyle(bold=True, size=16, horizontal="center"))
        self.header = book.style_id(CellStyle(bold=True, horizontal="center", vertical="center", boxed=True))
        self.boxed = book.style_id(CellStyle(boxed=True, wrap=True, vertical="center"))


def _heading(sheet: Sheet, styles: Styles, title: str, columns: list[str], widths: list[int], county_name: str,
             filled_on: str) -> int:
    last = len(columns)
    sheet.merge(1, 1, 1, last, title, styles.title)
    sheet.merge(2, 1, 2, last, f"县（市、区）名称：{county_name}        填报日期：{filled_on}")
    for position, (name, width) in enumerate(zip(columns, widths), start=1):
        sheet.write(3, position, name, styles.header)
        sheet.widths[position] = width
    return 4


def _notes(sheet: Sheet, row: int, notes: tuple[str, ...], columns: int) -> None:
    sheet.write(row + 1, 1, "注：")
    for offset, note in enumerate(notes, start=2):
        sheet.merge(row + offset, 1, row + offset, columns, note)


def _boxed(sheet: Sheet, styles: Styles, row: int, values: list, first_column: int = 1) -> None:
    for position, value in enumerate(values, start=first_column):
        sheet.write(row, position, value, styles.boxed)


def split_long_list(text: str, per_row: int = LIST_ITEMS_PER_ROW) -> list[str]:
    """「班额：超标班级38个：一年级1班（56人）、…」 → the head with the first `per_row` items, then
    「（续）」 rows of `per_row` items each; a text without such a list stays one row."""
    head, colon, listed = text.rpartition("：")
    items = listed.split("、")
    if not colon or len(items) <= per_row:
        return [text]
    chunks = ["、".join(items[start:start + per_row]) for start in range(0, len(items), per_row)]
    return [f"{head}：{chunks[0]}", *(f"（续）{chunk}" for chunk in chunks[1:])]


def _write_school_sheet(sheet: Sheet, styles: Styles, schools: pd.DataFrame, county_name: str, filled_on: str) -> None:
    columns = ["学校名称", "存在不足情况", "整改提升措施", "完成时限"]
    row = _heading(sheet, styles, SCHOOL_SHEET_TITLE, columns, [30, 70, 40, 14], county_name, filled_on)
    # one pass over plain lists, the campus's shortfalls in order (pandas' groupby and row access
    # cost more than writing the cells)
    campuses: dict[tuple, list[tuple]] = {}
    for school, campus, *shortfall in zip(*(schools[c].tolist() for c in (
            "school_code", "campus_code", "school_name", "shortfall", "measure", "deadline_month"))):
        campuses.setdefault((school, campus), []).append(tuple(shortfall))
    for school_number, shortfalls in enumerate(campuses.values(), start=1):
        first = row
        for number, (_, shortfall, measure, deadline) in enumerate(shortfalls, start=1):
            for part, line in enumerate(split_long_list(f"{number}.{shortfall}")):
                _boxed(sheet, styles, row, [line, (measure or None) if part == 0 else None,
                                             (deadline or None) if part == 0 else None], first_column=2)
                row += 1
        name = f"{school_number}.{shortfalls[0][0]}"
        if row - 1 > first:  # the school's name spans its shortfalls' rows
            sheet.merge(first, 1, row - 1, 1, name, styles.boxed)
        else:
            sheet.write(first, 1, name, styles.boxed)
    _notes(sheet, row, SCHOOL_SHEET_NOTES, len(columns))


def _write_county_sheet(sheet: Sheet, styles: Styles, county: pd.DataFrame, county_name: str, filled_on: str) -> None:
    columns = ["存在不足情况", "整改提升措施", "完成时限"]
    row = _heading(sheet, styles, COUNTY_SHEET_TITLE, columns, [90, 40, 14], county_name, filled_on)
    for number, (shortfall, measure, deadline) in enumerate(zip(*(county[c].tolist() for c in (
            "shortfall", "measure", "deadline_month"))), start=1):
        _boxed(sheet, styles, row, [f"{number}.{shortfall}", measure or None, deadline or None])
        row += 1
    _notes(sheet, row, COUNTY_SHEET_NOTES, len(columns))
