"""A county report as an .xlsx workbook: one sheet per section, the same tables as the page, with
numbers stored as numbers in their display format, long text wrapped in bounded columns, and each
sheet set up to print."""

from __future__ import annotations

from pathlib import Path

from balanced_pipeline.report.model import CountyReport, Number, ReportTable
from balanced_pipeline.report.print_layout import set_up_for_print
from balanced_pipeline.report.xlsx_writer import CellStyle, Sheet, XlsxBook

TONE_COLOUR = {"pass": "D7EFD8", "fail": "F8CFCF", "warn": "FCE6B2", "missing": "E3E3E3"}
VERDICT_COLOUR = {"ready": "2E7D32", "not_ready": "C62828", "incomplete": "757575"}
HEADER_COLOUR = "F0F3F7"
MAX_COLUMN_WIDTH = 60
WRAPPED_LENGTH = 20
"""Text longer than this wraps in its (bounded) column."""
SHEET_NAME_LENGTH = 31
SHEET_TITLE = CellStyle(bold=True, size=14)
TABLE_TITLE = CellStyle(bold=True, size=12)
HEADER = CellStyle(bold=True, fill=HEADER_COLOUR, wrap=True, vertical="top")
NOTE = CellStyle(italic=True, colour="555555")


def sheet_name(title_zh: str, taken: set[str]) -> str:
    name = "".join(c for c in title_zh if c not in "[]:*?/\\")[:SHEET_NAME_LENGTH]
    candidate, number = name, 2
    while candidate in taken:
        candidate = f"{name[:SHEET_NAME_LENGTH - 3]}_{number}"
        number += 1
    return candidate


class Styles:
    """The workbook's style numbers, each looked up once, not per cell."""

    def __init__(self, book: XlsxBook):
        self.book = book
        self.sheet_title, self.table_title = book.style_id(SHEET_TITLE), book.style_id(TABLE_TITLE)
        self.header, self.note = book.style_id(HEADER), book.style_id(NOTE)
        self._cells: dict[tuple[str, str, bool], int] = {}

    def cell(self, tone: str, number_format: str, wrapped: bool) -> int:
        """A table cell: its tone's fill, its number format, wrapped at the top when long."""
        key = (tone, number_format, wrapped)
        if key not in self._cells:
            self._cells[key] = self.book.style_id(CellStyle(
                fill=TONE_COLOUR.get(tone), number_format=number_format or None,
                wrap=wrapped, vertical="top" if wrapped else None))
        return self._cells[key]


def write_table(sheet: Sheet, styles: Styles, table: ReportTable, row: int, widths: dict[int, float]) -> int:
    """Write title, header, rows and note from `row`; return the next free row (one blank after).
    A formatted number is stored as the number with its format; text as text, wrapped when long."""
    sheet.write(row, 1, table.title, styles.table_title)
    row += 1
    for column, label in enumerate(table.frame.columns, start=1):
        sheet.write(row, column, str(label), styles.header)
        widths[column] = max(widths.get(column, 8), min(len(str(label)) * 1.2, 24))
    # plain lists: pandas' own row iteration costs more than writing the cells
    tones = table.tones.to_numpy(dtype=object).tolist() if table.tones is not None else None
    for r, values in enumerate(table.frame.to_numpy(dtype=object).tolist()):
        row += 1
        for column, value in enumerate(values, start=1):
            tone = tones[r][column - 1] if tones is not None else ""
            tone = tone if tone in TONE_COLOUR else ""
            if isinstance(value, Number):
                sheet.write(row, column, value.value, styles.cell(tone, value.excel_format, False))
            else:
                wrapped = isinstance(value, str) and len(value) > WRAPPED_LENGTH
                sheet.write(row, column, value, styles.cell(tone, "", wrapped))
            shown = len(value) if isinstance(value, str) else len(str(value))  # a Number: its text
            widths[column] = max(widths.get(column, 8), min(shown * 1.6, MAX_COLUMN_WIDTH))
    if table.note:
        row += 1
        sheet.write(row, 1, table.note, styles.note)
    return row + 2


def write_workbook(report: CountyReport, path: Path) -> Path:
    book = XlsxBook()
    styles = Styles(book)
    taken: set[str] = set()
    for section in report.sections:
        sheet = book.add_sheet(sheet_name(section.title_zh, taken))
        taken.add(sheet.title)
        row, widths = 1, {}
        if section.key == "conclusion":
            verdict = f"{report.verdict_zh} {report.verdict_en}" if report.status else "无法判定 No verdict"
            sheet.write(1, 1, report.title_zh, styles.sheet_title)
            sheet.write(2, 1, f"结论 Verdict：{verdict}", book.style_id(CellStyle(
                bold=True, size=14, colour=VERDICT_COLOUR.get(report.status, VERDICT_COLOUR["incomplete"]))))
            row, header_rows = 4, 2
        else:
            sheet.write(1, 1, section.title, styles.sheet_title)
            row, header_rows = 3, 1
        tables = [item for item in section.items if isinstance(item, ReportTable)]
        if len(section.items) == 1 and len(tables) == 1:
            header_rows = row + 1  # one table: its title and column headers stay on every page
        for item in section.items:
            if isinstance(item, ReportTable):
                row = write_table(sheet, styles, item, row, widths)
            elif isinstance(item, str):
                sheet.write(row, 1, item)
                row += 2
        sheet.widths = widths
        set_up_for_print(sheet, header_rows)
    return book.save(path)
