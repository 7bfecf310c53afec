"""Page set-up shared by every workbook a person prints: landscape A4 fitted to the page width (as
long as it needs), the header rows repeated on each page and frozen on screen."""

from __future__ import annotations

from balanced_pipeline.report.xlsx_writer import PageSetup, Sheet

A4 = 9
PRINTED = PageSetup(landscape=True, paper_size=A4, fit_to_width=1, fit_to_height=0, centred=True,
                    margins=(0.4, 0.4, 1.0, 1.0, 0.5, 0.5))
"""One page wide, as many pages down as the rows need (fit_to_height 0); narrow side margins, Excel's
default top, bottom, header and footer margins."""


def set_up_for_print(sheet: Sheet, header_rows: int) -> None:
    """`header_rows`: the rows from the top repeated on every printed page and frozen on screen."""
    sheet.page_setup = PRINTED
    sheet.header_rows = header_rows
