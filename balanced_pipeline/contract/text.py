"""Text a school typed, written into a spreadsheet as text and nothing else.

openpyxl turns any string that starts with "=" into a live formula, so a school named
`=HYPERLINK("http://…","点击")` or `=cmd|' /C calc'!A0` would run in the office's Excel when the
county report is opened (CSV/formula injection). Every cell the project writes goes through
`put`, which keeps the value exactly as typed but stores a string as a string.
"""

from __future__ import annotations


def put(sheet, row: int, column: int, value):
    """Write `value` at (row, column) of an openpyxl sheet; a string is never a formula. Returns the cell."""
    cell = sheet.cell(row=row, column=column, value=value)
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def set_value(cell, value) -> None:
    """The same for a cell already in hand (the template writer formats the cell before filling it)."""
    cell.value = value
    if cell.data_type == "f":
        cell.data_type = "s"
