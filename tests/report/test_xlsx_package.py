"""The package rules Excel enforces and LibreOffice forgives, checked on every part our writer emits
(report/xlsx_writer.py): each part has its content type and every relationship its target; a
worksheet's elements come in the schema's order (ECMA-376 CT_Worksheet); rows and the cells of a row
ascend, no cell is written twice, merged ranges do not overlap; every style a cell names exists.
Excel opens a file that breaks any of these only after "repairing" it, which a clerk must not see."""

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl.utils import column_index_from_string, range_boundaries

from balanced_pipeline.report import write_year_reports
from balanced_pipeline.report.xlsx_writer import XlsxBook
from tests.report.test_report import STANDARDS, YEAR, hand_made_tables

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CONTENT_TYPES = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
WORKSHEET_ORDER = (
    "sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "sheetCalcPr", "sheetProtection",
    "protectedRanges", "scenarios", "autoFilter", "sortState", "dataConsolidate", "customSheetViews", "mergeCells",
    "phoneticPr", "conditionalFormatting", "dataValidations", "hyperlinks", "printOptions", "pageMargins",
    "pageSetup", "headerFooter", "rowBreaks", "colBreaks", "customProperties", "cellWatches", "ignoredErrors",
    "smartTags", "drawing", "legacyDrawing", "legacyDrawingHF", "picture", "oleObjects", "controls",
    "webPublishItems", "tableParts", "extLst")
CELL = re.compile(r"([A-Z]+)(\d+)$")


def package_problems(path: Path) -> list[str]:
    problems = []
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        types = ElementTree.fromstring(archive.read("[Content_Types].xml"))
        defaults = {d.get("Extension") for d in types.iter(f"{CONTENT_TYPES}Default")}
        overrides = {o.get("PartName").lstrip("/") for o in types.iter(f"{CONTENT_TYPES}Override")}
        problems += [f"{name}: no content type" for name in names
                     if name not in overrides and name.rsplit(".", 1)[-1] not in defaults]
        problems += [f"{name}: content type of a missing part" for name in overrides - names]
        for rels in (n for n in names if n.endswith(".rels")):
            folder = rels.replace("_rels/", "").removesuffix(".rels").rpartition("/")[0]
            for relationship in ElementTree.fromstring(archive.read(rels)).iter(f"{RELATIONSHIPS}Relationship"):
                target = relationship.get("Target")
                part = target.lstrip("/") if target.startswith("/") else "/".join(p for p in (folder, target) if p)
                if part not in names:
                    problems.append(f"{rels}: target {target} missing")
        styles = ElementTree.fromstring(archive.read("xl/styles.xml"))
        cell_styles = len(styles.find(f"{MAIN}cellXfs"))
        for sheet in sorted(n for n in names if n.startswith("xl/worksheets/")):
            problems += [f"{sheet}: {p}" for p in sheet_problems(ElementTree.fromstring(archive.read(sheet)), cell_styles)]
    return problems


def sheet_problems(root: ElementTree.Element, cell_styles: int) -> list[str]:
    problems = []
    order = [child.tag.removeprefix(MAIN) for child in root]
    positions = [WORKSHEET_ORDER.index(tag) if tag in WORKSHEET_ORDER else -1 for tag in order]
    if -1 in positions or positions != sorted(set(positions)) or len(positions) != len(set(positions)):
        problems.append(f"elements out of the schema's order: {order}")
    last_row = 0
    for row in root.iter(f"{MAIN}row"):
        number = int(row.get("r"))
        if number <= last_row:
            problems.append(f"row {number} after row {last_row}")
        last_row, last_column = number, 0
        for cell in row:
            column, cell_row = CELL.match(cell.get("r")).groups()
            column = column_index_from_string(column)
            if int(cell_row) != number:
                problems.append(f"cell {cell.get('r')} in row {number}")
            if column <= last_column:
                problems.append(f"cell {cell.get('r')} repeated or out of order")
            last_column = column
            if int(cell.get("s", 0)) >= cell_styles:
                problems.append(f"cell {cell.get('r')}: style {cell.get('s')} of {cell_styles}")
    ranges = [range_boundaries(m.get("ref")) for m in root.iter(f"{MAIN}mergeCell")]
    for n, (a_left, a_top, a_right, a_bottom) in enumerate(ranges):
        for b_left, b_top, b_right, b_bottom in ranges[n + 1:]:
            if a_left <= b_right and b_left <= a_right and a_top <= b_bottom and b_top <= a_bottom:
                problems.append(f"merged ranges overlap: {ranges[n]} and {(b_left, b_top, b_right, b_bottom)}")
    return problems


@pytest.fixture(scope="module")
def report_workbooks(tmp_path_factory) -> list[Path]:
    index = write_year_reports(hand_made_tables(), YEAR, tmp_path_factory.mktemp("reports"), STANDARDS)
    return [Path(p) for column in ("xlsx_path", "rectification_path") for p in index[column]]


def test_every_report_workbook_keeps_the_package_rules(report_workbooks):
    assert len(report_workbooks) >= 4
    assert {str(path.name): package_problems(path) for path in report_workbooks} == {
        str(path.name): [] for path in report_workbooks}


def test_the_checks_catch_what_excel_would_repair(tmp_path):
    book = XlsxBook()
    sheet = book.add_sheet("表")
    sheet.write(1, 1, "a")
    sheet.merge(2, 1, 3, 2, "b")
    book.save(tmp_path / "good.xlsx")
    assert package_problems(tmp_path / "good.xlsx") == []
    sheet.merged.append("B3:C4")  # overlaps A2:B3
    xml = sheet.xml().replace("<sheetData>", "<sheetData><row r=\"9\"/>", 1).replace(
        '<c r="A1" t="inlineStr">', '<c r="A1" s="99" t="inlineStr">')
    with zipfile.ZipFile(tmp_path / "bad.xlsx", "w") as bad, zipfile.ZipFile(tmp_path / "good.xlsx") as good:
        for name in good.namelist():
            data = xml.replace("<mergeCells", "<pageMargins/><mergeCells") if name.endswith("sheet1.xml") else good.read(name)
            bad.writestr(name, data)
        bad.writestr("xl/extra.bin", b"")
    problems = " | ".join(package_problems(tmp_path / "bad.xlsx"))
    for expected in ("no content type", "out of the schema's order", "row 1 after row 9", "style 99",
                     "merged ranges overlap"):
        assert expected in problems


def test_a_cell_written_twice_is_written_once_with_its_last_value():
    book = XlsxBook()
    sheet = book.add_sheet("表")
    sheet.write(1, 1, "first")
    sheet.write(1, 1, 2.5)
    sheet.write(1, 2, "gone")
    sheet.write(1, 2, None)
    assert sheet.xml().count('r="A1"') == 1 and "2.5" in sheet.xml() and "gone" not in sheet.xml()
