"""The report's own .xlsx writer, read back by openpyxl (as the tests and offices do) and calamine (as intake does)."""

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from balanced_pipeline.report.print_layout import set_up_for_print
from balanced_pipeline.report.xlsx_writer import CellStyle, XlsxBook, sheet_reference


@pytest.fixture
def book_path(tmp_path):
    book = XlsxBook()
    sheet = book.add_sheet("甲县's 表")
    boxed = book.style_id(CellStyle(boxed=True, wrap=True, vertical="center"))
    sheet.merge(1, 1, 1, 3, "标题 & <题>", book.style_id(CellStyle(bold=True, size=16, horizontal="center")))
    sheet.write(2, 1, '=HYPERLINK("http://x","点击")', boxed)
    sheet.write(2, 2, 70.0, book.style_id(CellStyle(number_format="#,##0")))
    sheet.write(2, 3, 0.62, book.style_id(CellStyle(number_format="0.000", fill="F8CFCF")))
    sheet.write(3, 1, None, boxed)  # a blank cell that keeps its box
    sheet.write(3, 2, "")  # no cell at all, as openpyxl
    sheet.write(3, 3, "", boxed)  # a blank boxed cell
    sheet.write(4, 2, "  说明  ", book.style_id(CellStyle(italic=True, colour="555555")))
    sheet.merge(5, 1, 6, 1, "2.乙校", boxed)
    sheet.widths = {1: 12.8, 3: 30}
    set_up_for_print(sheet, 2)
    book.add_sheet("空表")
    return book.save(tmp_path / "a.xlsx")


def test_cells_read_back_with_their_types_formats_and_styles(book_path):
    sheet = openpyxl.load_workbook(book_path)["甲县's 表"]
    assert sheet["A1"].value == "标题 & <题>" and sheet["A1"].font.b and sheet["A1"].font.sz == 16
    assert sheet["A1"].alignment.horizontal == "center"
    assert sheet["A2"].value == '=HYPERLINK("http://x","点击")' and sheet["A2"].data_type == "s"  # text, no formula
    assert sheet["B2"].value == 70 and isinstance(sheet["B2"].value, int) and sheet["B2"].number_format == "#,##0"
    assert sheet["C2"].value == 0.62 and sheet["C2"].number_format == "0.000"
    assert sheet["C2"].fill.fill_type == "solid" and sheet["C2"].fill.start_color.rgb.endswith("F8CFCF")
    assert sheet["A3"].value is None and sheet["A3"].border.left.style == "thin" and sheet["A3"].alignment.wrap_text
    assert sheet["B3"].value is None and sheet["B3"].has_style is False
    assert sheet["C3"].value is None and sheet["C3"].border.bottom.style == "thin"
    assert sheet["B4"].value == "  说明  " and sheet["B4"].font.i and sheet["B4"].font.color.rgb.endswith("555555")
    assert {str(r) for r in sheet.merged_cells.ranges} == {"A1:C1", "A5:A6"} and sheet["A5"].value == "2.乙校"


def test_layout_widths_and_print_set_up(book_path):
    book = openpyxl.load_workbook(book_path)
    sheet = book["甲县's 表"]
    assert (sheet.column_dimensions["A"].width, sheet.column_dimensions["C"].width) == (12.8, 30)
    assert sheet.print_title_rows == "$1:$2" and sheet.freeze_panes == "A3"
    setup, margins = sheet.page_setup, sheet.page_margins
    assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_options.horizontalCentered
    assert (margins.left, margins.right, margins.top, margins.bottom) == (0.4, 0.4, 1, 1)
    empty = book["空表"]
    assert empty.max_row == 1 and empty["A1"].value is None and empty.freeze_panes is None and not empty.print_title_rows


def test_calamine_reads_the_same_values(book_path):
    rows = CalamineWorkbook.from_path(str(book_path)).get_sheet_by_name("甲县's 表").to_python()
    assert rows[0][0] == "标题 & <题>" and rows[1][:3] == ['=HYPERLINK("http://x","点击")', 70, 0.62]


def test_a_control_character_is_refused_not_written(tmp_path):
    sheet = XlsxBook().add_sheet("表")
    with pytest.raises(ValueError, match="control characters"):
        sheet.write(1, 1, "3124\x008800")
    sheet.write(1, 1, "换行\n制表\t")  # newline and tab are text


def test_a_sheet_name_in_a_formula_is_quoted():
    assert sheet_reference("甲县's 表") == "'甲县''s 表'"
