"""A real spreadsheet program opens the county report workbook and the rectification workbook that
our own SpreadsheetML writer (report/xlsx_writer.py) emits, without repair, and reads the same values.

LibreOffice converts each workbook to a fresh xlsx of its own; openpyxl then reads both and they must
agree: sheet names, every cell value and its type (numbers stay numbers, text a school typed such as
'=HYPERLINK(...)' stays text), merged ranges and landscape print setup. A file LibreOffice cannot
parse fails the conversion or loses content, which this comparison catches.

On a laptop without LibreOffice the test skips; with CI=true it fails, because .ci/run installs
libreoffice-calc-nogui and a skipped test would hide a broken writer."""

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from balanced_pipeline.report import write_year_reports
from tests.report.test_report import JIA, STANDARDS, YEAR, hand_made_tables

HYPERLINK = '=HYPERLINK("http://example.invalid","点击")'
SCRIPT = "<script>alert(1)</script>"
# Words LibreOffice prints when it has to repair or cannot read a file.
TROUBLE = ("error", "corrupt", "repair", "general input/output")


@pytest.fixture(scope="module")
def soffice() -> str:
    found = shutil.which("soffice")
    if found is None:
        message = "soffice not found (apt-get install libreoffice-calc-nogui)"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " — CI must install it in .ci/run", pytrace=False)
        pytest.skip(message)
    return found


@pytest.fixture(scope="module")
def county_workbooks(tmp_path_factory) -> dict[str, Path]:
    """County 甲's two workbooks, with markup and a formula typed as school names in every table, a
    formula typed as a county's measure and a long G5 list of oversized classes."""
    tables = hand_made_tables()
    for frame in tables.values():
        if "school_name" in frame.columns:
            frame["school_name"] = frame["school_name"].replace({"甲二小": HYPERLINK, "甲五小": SCRIPT})
    changes = tables["submission_changes"]
    changes.loc[0, ["field", "old_value", "new_value"]] = ["school_name", SCRIPT, HYPERLINK]
    tables["county_rectification_list"]["measure"] = HYPERLINK
    schools = tables["school_rectification_list"]
    classes = "；".join(f"{grade}年级{n}班{46 + n}人" for grade in range(1, 7) for n in range(1, 9))
    schools.loc[schools["item_id"] == "G5", "shortfall"] = f"班额：超标班级48个：{classes}，限45人"
    out_dir = tmp_path_factory.mktemp("reports")
    county = write_year_reports(tables, YEAR, out_dir, STANDARDS).set_index("county_code").loc[JIA]
    return {"report": Path(county["xlsx_path"]), "rectification": Path(county["rectification_path"])}


def convert(soffice: str, workbook: Path, work: Path) -> tuple[Path, str]:
    """LibreOffice's own xlsx of `workbook`, in a private profile so parallel runs do not clash."""
    out_dir = work / "converted"
    result = subprocess.run(
        [soffice, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
         "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out_dir), str(workbook)],
        capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    converted = out_dir / workbook.name  # soffice exits 0 even when it cannot load a file: this is the proof
    assert converted.is_file(), f"LibreOffice wrote no file: {result.stdout} {result.stderr}"
    return converted, result.stderr


def cells(sheet) -> dict[str, tuple[str, object]]:
    """Non-empty cells by coordinate, as (data type, value); numbers compared as floats."""
    found = {}
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value is None or cell.value == "":
                continue
            value = float(cell.value) if cell.data_type == "n" else cell.value
            found[cell.coordinate] = (cell.data_type, value)
    return found


@pytest.mark.parametrize("kind", ["report", "rectification"])
def test_libreoffice_opens_the_workbook_and_reads_the_same_cells(soffice, county_workbooks, kind, tmp_path):
    ours = county_workbooks[kind]
    converted, stderr = convert(soffice, ours, tmp_path)
    assert not any(word in stderr.lower() for word in TROUBLE), stderr

    written, read = openpyxl.load_workbook(ours), openpyxl.load_workbook(converted)
    assert read.sheetnames == written.sheetnames
    for name in written.sheetnames:
        mine, theirs = written[name], read[name]
        assert cells(theirs) == cells(mine), name
        assert sorted(map(str, theirs.merged_cells.ranges)) == sorted(map(str, mine.merged_cells.ranges)), name
        assert theirs.page_setup.orientation == mine.page_setup.orientation, name
        assert theirs.print_title_rows == mine.print_title_rows, name

    typed = [cell for sheet in read for row in sheet.iter_rows() for cell in row if cell.value in (HYPERLINK, SCRIPT)]
    assert typed and {cell.data_type for cell in typed} == {"s"}  # still text, never a formula
    assert all(sheet.page_setup.orientation == "landscape" for sheet in read)
    if kind == "report":
        assert any(cell.data_type == "n" for sheet in read for row in sheet.iter_rows() for cell in row)
    else:  # the rectification forms merge their title rows and each school's block of rows
        assert all(sheet.merged_cells.ranges for sheet in read)
