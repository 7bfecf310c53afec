"""Page set-up shared by every workbook a person prints: landscape A4 fitted to the page width (as
long as it needs), the header rows repeated on each page and frozen on screen."""

from __future__ import annotations

from openpyxl.worksheet.worksheet import Worksheet


def set_up_for_print(sheet: Worksheet, header_rows: int) -> None:
    """`header_rows`: the rows from the top repeated on every printed page and frozen on screen."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0  # 0: as many pages down as the rows need
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    if header_rows:
        sheet.print_title_rows = f"1:{header_rows}"
        sheet.freeze_panes = sheet.cell(row=header_rows + 1, column=1).coordinate
