"""A county report as an .xlsx workbook: one sheet per section, the same tables as the page, with
numbers stored as numbers in their display format, long text wrapped in bounded columns, and each
sheet set up to print."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from balanced_pipeline.contract.text import put
from balanced_pipeline.report.model import CountyReport, Number, ReportTable
from balanced_pipeline.report.print_layout import set_up_for_print

TONE_FILL = {tone: PatternFill("solid", start_color=colour, end_color=colour) for tone, colour in
             {"pass": "D7EFD8", "fail": "F8CFCF", "warn": "FCE6B2", "missing": "E3E3E3"}.items()}
VERDICT_COLOUR = {"ready": "2E7D32", "not_ready": "C62828", "incomplete": "757575"}
HEADER_FILL = PatternFill("solid", start_color="F0F3F7", end_color="F0F3F7")
MAX_COLUMN_WIDTH = 60
WRAPPED = Alignment(wrap_text=True, vertical="top")
SHEET_NAME_LENGTH = 31


def sheet_name(title_zh: str, taken: set[str]) -> str:
    name = "".join(c for c in title_zh if c not in "[]:*?/\\")[:SHEET_NAME_LENGTH]
    candidate, number = name, 2
    while candidate in taken:
        candidate = f"{name[:SHEET_NAME_LENGTH - 3]}_{number}"
        number += 1
    return candidate


def write_table(sheet, table: ReportTable, row: int, widths: dict[int, float]) -> int:
    """Write title, header, rows and note from `row`; return the next free row (one blank after)."""
    put(sheet, row, 1, table.title).font = Font(bold=True, size=12)
    row += 1
    for column, label in enumerate(table.frame.columns, start=1):
        cell = put(sheet, row, column, str(label))
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        widths[column] = max(widths.get(column, 8), min(len(str(label)) * 1.2, 24))
    tones = table.tones.to_numpy() if table.tones is not None else None
    for r, values in enumerate(table.frame.itertuples(index=False)):
        row += 1
        for column, value in enumerate(values, start=1):
            cell = _put_display(sheet, row, column, value)
            if tones is not None and tones[r][column - 1] in TONE_FILL:
                cell.fill = TONE_FILL[tones[r][column - 1]]
            widths[column] = max(widths.get(column, 8), min(len(str(value)) * 1.6, MAX_COLUMN_WIDTH))
    if table.note:
        row += 1
        put(sheet, row, 1, table.note).font = Font(italic=True, color="555555")
    return row + 2


def _put_display(sheet, row: int, column: int, value):
    """A formatted number as the number with its format; text as text, wrapped when long."""
    if isinstance(value, Number):
        cell = put(sheet, row, column, value.value)
        cell.number_format = value.excel_format
        return cell
    cell = put(sheet, row, column, value)
    if isinstance(value, str) and len(value) > 20:
        cell.alignment = WRAPPED
    return cell


def write_workbook(report: CountyReport, path: Path) -> Path:
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    for section in report.sections:
        sheet = workbook.create_sheet(sheet_name(section.title_zh, taken))
        taken.add(sheet.title)
        row, widths = 1, {}
        if section.key == "conclusion":
            verdict = f"{report.verdict_zh} {report.verdict_en}" if report.status else "无法判定 No verdict"
            put(sheet, 1, 1, report.title_zh).font = Font(bold=True, size=14)
            put(sheet, 2, 1, f"结论 Verdict：{verdict}").font = Font(bold=True, size=14,
                                                                  color=VERDICT_COLOUR.get(report.status, "757575"))
            row, header_rows = 4, 2
        else:
            put(sheet, 1, 1, section.title).font = Font(bold=True, size=14)
            row, header_rows = 3, 1
        tables = [item for item in section.items if isinstance(item, ReportTable)]
        if len(section.items) == 1 and len(tables) == 1:
            header_rows = row + 1  # one table: its title and column headers stay on every page
        for item in section.items:
            if isinstance(item, ReportTable):
                row = write_table(sheet, item, row, widths)
            elif isinstance(item, str):
                put(sheet, row, 1, item)
                row += 2
        for column, width in widths.items():
            sheet.column_dimensions[get_column_letter(column)].width = width
        set_up_for_print(sheet, header_rows)
    workbook.save(path)
    return Path(path)
