"""Text a school typed, written into a spreadsheet as text and nothing else.

openpyxl turns any string that starts with "=" into a live formula, so a school named
`=HYPERLINK("http://…","点击")` or `=cmd|' /C calc'!A0` would run in the office's Excel when the
county report is opened (CSV/formula injection). Every cell the project writes goes through
`put`, which keeps the value exactly as typed but stores a string as a string. A value shown in
an issue goes through `visible`, which spells out the control characters no output can hold.
"""

from __future__ import annotations

import re


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


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""C0 controls other than tab/newline/CR, and DEL: never typed on purpose; they cut a value short in
some readers (`3124\\x008800` read as 3124), PostgreSQL text cannot hold a NUL, and openpyxl refuses
to write any of them."""


def visible(text: str) -> str:
    """`text` with each control character spelled out (`\\x00`), so an issue can show the clerk what
    was typed, and the issue itself can be stored and written anywhere."""
    return CONTROL_CHARACTERS.sub(lambda found: f"\\x{ord(found[0]):02x}", text)
