"""The column-wise and whole-part fast paths read exactly what the per-value parser and the
streaming sheet walk read (they only skip work), and are taken where they should be."""

import io
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook

from balanced_pipeline.intake import parsing, workbook_reader
from balanced_pipeline.intake.landing import BULK_FORMS
from balanced_pipeline.intake.template import write_template

TRICKY = ["007", "12", "+4", "-0.0", "12.5", "1e5", "inf", "nan", "NULL", "n/a", "-", "", " 12", "12 ", "1  2",
          "1,000", "１２", "12人", "\x00 1", "a\x1fb", "是", "yes", "Y", "primary", "小学", "2026-03-05", "'0123",
          "9007199254740993", "3.0", "0x10", "12\u00a0", "\t5"]


def per_value(field, uniques):
    """The reference: every distinct value through clean_text_value and its kind's parser."""
    cleaned = [parsing.clean_text_value(v) for v in uniques]
    quick = pd.to_numeric(pd.Series(cleaned, dtype="object"), errors="coerce").to_numpy(dtype=float)
    if field.kind not in (parsing.Kind.INTEGER, parsing.Kind.NUMBER):
        quick = np.full(len(cleaned), np.nan)
    parse_one = parsing._PARSE_ONE[field.kind]
    return [(None, "control_character") if parsing.CONTROL_CHARACTERS.search(raw)
            else (None, "") if text is None else parse_one(field, text, number)
            for raw, text, number in zip(uniques, cleaned, quick)]


@pytest.mark.parametrize("form", list(BULK_FORMS.values()), ids=list(BULK_FORMS))
def test_every_field_parses_distinct_values_as_the_per_value_parser(form):
    for field in form.fields:
        values, problems = parsing._parse_uniques(field, TRICKY)
        got = [(v, p) for v, p in zip(values, problems)]
        expected = per_value(field, TRICKY)
        assert [(type(v), v, p) for v, p in got] == [(type(v), v, p) for v, p in expected], field.name


def test_plain_values_are_read_column_wise_by_hand():
    schools = BULK_FORMS["schools"]
    plain, _ = parsing._plain(["007", " 7", "NULL", "１", "a b", "a  b", "\x007"])
    assert plain.tolist() == [True, False, False, False, True, False, False]
    values, problems = parsing._parse_uniques(schools.field("students_primary"), ["120", "12.5", "9007199254740993"])
    assert values.tolist() == [120.0, None, None] and problems.tolist() == ["", "fractional_count", "fractional_count"]
    values, problems = parsing._parse_uniques(schools.field("school_code"), ["0012", "12.0", "1.2e+11"])
    assert values.tolist() == ["0012", "12", None] and problems.tolist() == ["", "", "code_in_scientific_notation"]


def sheet_parts(path):
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("xl/worksheets/sheet")}


def scans(parts):
    """(whole-part scan or None, streaming walk) of each part."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    with zipfile.ZipFile(buffer) as archive:
        return {name: (workbook_reader._scan_sheet_at_once(archive, name),
                       workbook_reader._scan_sheet(io.BytesIO(data))) for name, data in parts.items()}


def test_a_filled_template_is_scanned_at_once_as_the_walk_scans_it(tmp_path):
    campus = {"county_code": "340403", "school_code": "2034000001", "campus_code": "01", "school_name": "甲小学"}
    classes = [{"stage": "小学", "grade": 1, "class_name": "一年级（1）班", "students": 30}]
    found = scans(sheet_parts(write_template(tmp_path / "a.xlsx", 2026, campus, classes)))
    assert all(fast is not None for fast, _ in found.values())
    assert [(f.cells, f.uncalculated) for f, _ in found.values()] == [(w.cells, w.uncalculated) for _, w in found.values()]
    assert found["xl/worksheets/sheet3.xml"][0].cells == 7 * 3  # the class sheet: title, header, one class in A1:G3


def test_unusual_sheet_xml_is_left_to_the_walk(tmp_path):
    book = Workbook()
    book.active["B3"] = "=1+1"
    book.active["D9"] = 5
    book.save(tmp_path / "b.xlsx")
    xml = next(iter(sheet_parts(tmp_path / "b.xlsx").values()))
    cached = xml.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>").replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")
    unusual = {
        "comment": xml.replace(b"<sheetData>", b"<sheetData><!-- <c r=\"Z99\"><v>1</v></c> -->"),
        "no_reference": xml.replace(b'<c r="D9"', b"<c"),
        "entity_value": cached.replace(b"<v>2</v>", b"<v>&#32;</v>"),
        "prefixed": xml.replace(b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/'
                                             b'spreadsheetml/2006/main" '),
    }
    found = scans({"xl/worksheets/sheet1.xml": xml, "xl/worksheets/sheet2.xml": cached,
                   **{f"xl/worksheets/{name}.xml": data for name, data in unusual.items()}})
    plain, walked = found["xl/worksheets/sheet1.xml"]
    assert (plain.cells, plain.uncalculated) == (walked.cells, walked.uncalculated) == (4 * 9, {"B3"})
    calculated, walked = found["xl/worksheets/sheet2.xml"]
    assert (calculated.cells, calculated.uncalculated) == (walked.cells, walked.uncalculated) == (36, set())
    assert all(found[f"xl/worksheets/{name}.xml"][0] is None for name in unusual)
