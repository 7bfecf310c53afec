import re
import zipfile

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from balanced_pipeline.contract.issues import split_accepted
from balanced_pipeline.intake.parsing import normalise_form
from balanced_pipeline.contract.forms import CLASSES, EXPLANATIONS, ROOMS, SCHOOLS
from balanced_pipeline.intake.template import write_template
from balanced_pipeline.intake.workbook_reader import read_workbook

CAMPUS = {
    "county_code": "340403", "school_code": "0340403001", "campus_code": "01", "school_name": "田家庵区第一小学",
    "school_type": "nine_year", "location_type": "urban", "ownership": "public", "boarding": False,
    "students_primary": 1200, "students_junior": 600, "land_area_m2": 23456.5, "equipment_value_yuan": 3000000.0,
    "multimedia_classrooms": 40, "has_charter": True, "evidence_ref": "E-01",
}
CLASS_ROWS = [{"stage": "primary", "grade": g, "class_name": f"{g}年级1班", "students": 40 + g} for g in range(1, 7)]
ROOM_ROWS = [{"room_type": "music", "area_m2": 96.0}, {"room_type": "art", "area_m2": 90.5}]


def issue_rows(issues):
    columns = ["source_file", "sheet", "row_number", "field", "rule", "severity"]
    return issues[columns].astype(object).where(issues[columns].notna(), None).to_dict("records")


def typed_workbook(path, name="校/a.xlsx", year=2026):
    frames, issues = read_workbook(path, name, expected_year=year)
    typed = {}
    for form in (SCHOOLS, CLASSES, ROOMS):
        typed[form.name], parse_issues = normalise_form(form, frames[form.name])
        issues = pd.concat([issues, parse_issues], ignore_index=True)
    return typed, issues


def test_filled_template_round_trip(tmp_path):
    path = write_template(tmp_path / "a.xlsx", 2026, CAMPUS, CLASS_ROWS, ROOM_ROWS)
    typed, issues = typed_workbook(path)

    assert issues.empty
    school = typed["schools"].iloc[0]
    for name, value in CAMPUS.items():
        assert school[name] == value, name
    assert pd.isna(school["teachers_primary"])
    assert school[["source_file", "sheet", "row_number"]].tolist() == ["校/a.xlsx", "学校基本情况", 3]
    classes = typed["classes"]
    assert classes[["stage", "grade", "class_name", "students"]].to_dict("records") == CLASS_ROWS
    assert classes["row_number"].tolist() == [3, 4, 5, 6, 7, 8]
    # identity left blank on the class sheet is copied from the school sheet
    assert set(classes["school_code"]) == {"0340403001"} and set(classes["campus_code"]) == {"01"}
    assert typed["rooms"][["room_type", "area_m2"]].to_dict("records") == ROOM_ROWS


def test_blank_template_has_drop_downs_and_the_year_cell(tmp_path):
    path = write_template(tmp_path / "t.xlsx", 2026)
    book = load_workbook(path)
    assert book.sheetnames == ["填表说明", "学校基本情况", "班级情况", "音乐美术专用教室", "警告说明"]
    school_sheet = book["学校基本情况"]
    assert [school_sheet["A3"].value, school_sheet["B3"].value, school_sheet["E3"].value] == ["填报年度", 2026, "year"]
    lists = {v.formula1 for v in school_sheet.data_validations.dataValidation}
    assert '"是,否"' in lists and '"城区,镇区,乡村"' in lists
    class_lists = {v.formula1 for v in book["班级情况"].data_validations.dataValidation}
    assert '"小学,初中,高中"' in class_lists
    frames, issues = read_workbook(path, "t.xlsx", expected_year=2026)
    assert issues.empty and all(frame.empty for frame in frames.values())


def class_sheet_workbook(path, rows, *, header_rows):
    """A school's own class sheet (not the template): a title, a two-level merged header."""
    write_template(path, 2026, CAMPUS, None, ROOM_ROWS)
    book = load_workbook(path)
    del book["班级情况"]
    sheet = book.create_sheet(" 班级情况 ")
    for row in header_rows:
        sheet.append(row)
    for row in rows:
        sheet.append(row)
    return book, sheet


def test_merged_headers_blank_rows_labels_and_spacing(tmp_path):
    path = tmp_path / "m.xlsx"
    rows = [
        [None, None, None, "小学", " 1 ", "一（1）班", "45人"],
        [None, None, None, None, "1", "一（2）班", "４４"],  # 学段 merged down from the row above
        [None] * 7,
        [None, None, None, "初中", "初一", "初一（1）班", "约50"],
    ]
    book, sheet = class_sheet_workbook(path, rows, header_rows=[
        ["2026年班级情况统计表"],
        ["学校", None, None, "学段", "班级", None, "班级学生数（人）"],
        ["县（市、区）代码", "学校标识码", "校区代码", None, "年级", "班级名称", None],
    ])
    sheet.merge_cells("A1:G1")
    sheet.merge_cells("A2:C2")
    sheet.merge_cells("D2:D3")
    sheet.merge_cells("E2:F2")
    sheet.merge_cells("G2:G3")
    sheet.merge_cells("D4:D5")
    book.save(path)

    typed, issues = typed_workbook(path, "m.xlsx")

    classes = typed["classes"]
    shown = classes[["row_number", "stage", "grade", "class_name", "students"]].astype(object)
    assert shown.where(shown.notna(), None).to_dict("records") == [
        {"row_number": 4, "stage": "primary", "grade": 1, "class_name": "一(1)班", "students": 45},
        {"row_number": 5, "stage": "primary", "grade": 1, "class_name": "一(2)班", "students": 44},
        {"row_number": 7, "stage": "junior", "grade": 7, "class_name": "初一(1)班", "students": None},
    ]
    assert issue_rows(issues) == [{"source_file": "m.xlsx", "sheet": " 班级情况 ", "row_number": 7,
                                   "field": "students", "rule": "unparsable_number", "severity": "error"}]
    accepted, rejected = split_accepted(classes, issues, "classes")
    assert accepted["row_number"].tolist() == [4, 5] and rejected["row_number"].tolist() == [7]


def set_cached_value(path, sheet_file, cell, value):
    """Give a formula cell the cached value Excel would have saved (openpyxl writes none)."""
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts[sheet_file].decode()
    xml, count = re.subn(rf'(<c r="{cell}"[^>]*>\s*<f>[^<]*</f>)\s*(<v\s*/>|<v></v>)?', rf"\1<v>{value}</v>", xml)
    assert count == 1
    parts[sheet_file] = xml.encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def test_formula_cells_use_cached_values_and_uncalculated_ones_are_issues(tmp_path):
    path = write_template(tmp_path / "f.xlsx", 2026, CAMPUS, CLASS_ROWS, ROOM_ROWS)
    book = load_workbook(path)
    book["班级情况"]["G3"] = "=40+1"  # class row 3 (grade 1)
    book["班级情况"]["G4"] = "=40+2"  # class row 4, never calculated
    book.save(path)
    sheet_files = {name: f"xl/worksheets/sheet{i}.xml" for i, name in enumerate(book.sheetnames, start=1)}
    set_cached_value(path, sheet_files["班级情况"], "G3", 41)

    typed, issues = typed_workbook(path, "f.xlsx")

    assert issue_rows(issues) == [{"source_file": "f.xlsx", "sheet": "班级情况", "row_number": 4,
                                   "field": "students", "rule": "formula_not_calculated", "severity": "error"}]
    assert "G4" in issues.at[0, "message_zh"] and "G4" in issues.at[0, "message_en"]
    classes = typed["classes"].set_index("row_number")
    assert classes.at[3, "students"] == 41
    assert pd.isna(classes.at[4, "students"])  # not a zero
    accepted, _ = split_accepted(typed["classes"], issues, "classes")
    assert accepted["row_number"].tolist() == [3, 5, 6, 7, 8]


def test_uncalculated_formula_on_the_school_sheet_names_its_cell(tmp_path):
    path = write_template(tmp_path / "s.xlsx", 2026, CAMPUS, CLASS_ROWS, ROOM_ROWS)
    book = load_workbook(path)
    sheet = book["学校基本情况"]
    row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 5).value == "students_junior")
    sheet.cell(row, 2).value = "=300*2"
    book.save(path)
    _, issues = typed_workbook(path, "s.xlsx")
    assert issue_rows(issues) == [{"source_file": "s.xlsx", "sheet": "学校基本情况", "row_number": 3,
                                   "field": "students_junior", "rule": "formula_not_calculated",
                                   "severity": "error"}]
    assert f"B{row}" in issues.at[0, "message_zh"]
    assert issues.at[0, "school_code"] == "0340403001"


def test_unparsable_value_on_the_school_sheet_names_its_cell(tmp_path):
    path = write_template(tmp_path / "u.xlsx", 2026, {**CAMPUS, "land_area_m2": "约100"}, CLASS_ROWS)
    typed, issues = typed_workbook(path, "u.xlsx")
    assert issue_rows(issues) == [{"source_file": "u.xlsx", "sheet": "学校基本情况", "row_number": 3,
                                   "field": "land_area_m2", "rule": "unparsable_number", "severity": "error"}]
    land_row = 4 + SCHOOLS.field_names.index("land_area_m2")  # year on row 3, then one row per field
    assert issues.at[0, "message_zh"].startswith(
        f"文件 u.xlsx 工作表 学校基本情况 单元格B{land_row} 字段「占地面积」的值「约100」")
    assert typed["schools"].iloc[0]["students_primary"] == 1200
    assert len(typed["classes"]) == 6


def test_year_mismatch_rejects_every_record_of_the_workbook(tmp_path):
    path = write_template(tmp_path / "y.xlsx", 2025, CAMPUS, CLASS_ROWS[:2], ROOM_ROWS[:1])
    _, issues = read_workbook(path, "y.xlsx", expected_year=2026)
    assert issue_rows(issues) == [
        {"source_file": "y.xlsx", "sheet": "学校基本情况", "row_number": 3, "field": "year",
         "rule": "year_mismatch", "severity": "error"},
        {"source_file": "y.xlsx", "sheet": "班级情况", "row_number": 3, "field": "year",
         "rule": "year_mismatch", "severity": "error"},
        {"source_file": "y.xlsx", "sheet": "班级情况", "row_number": 4, "field": "year",
         "rule": "year_mismatch", "severity": "error"},
        {"source_file": "y.xlsx", "sheet": "音乐美术专用教室", "row_number": 3, "field": "year",
         "rule": "year_mismatch", "severity": "error"},
    ]
    assert "2025" in issues.at[0, "message_zh"] and "2026" in issues.at[0, "message_zh"]


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated zip", b"not an excel file at all"])
def test_corrupt_workbook_is_an_issue(tmp_path, content):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(content)
    frames, issues = read_workbook(path, "bad.xlsx", expected_year=2026)
    assert all(frame.empty for frame in frames.values())
    assert issue_rows(issues) == [{"source_file": "bad.xlsx", "sheet": "", "row_number": None, "field": "",
                                   "rule": "unreadable_file", "severity": "error"}]


def test_workbook_without_the_school_sheet(tmp_path):
    path = tmp_path / "other.xlsx"
    book = Workbook()
    book.active.append(["随便什么"])
    book.save(path)
    _, issues = read_workbook(path, "other.xlsx", expected_year=2026)
    assert issue_rows(issues) == [{"source_file": "other.xlsx", "sheet": "学校基本情况", "row_number": None,
                                   "field": "", "rule": "missing_sheet", "severity": "error"}]


def test_template_guards_itself(tmp_path):
    """Validations refuse a wrong entry with a bilingual message and show their hint; the field codes,
    the year and the labels are locked, the clerk's cells unlocked and the required ones coloured."""
    book = load_workbook(write_template(tmp_path / "t.xlsx", 2026))
    school_sheet = book["学校基本情况"]
    for sheet in (school_sheet, book["班级情况"], book["音乐美术专用教室"]):
        assert sheet.protection.sheet and not sheet.protection.insertRows
        for validation in sheet.data_validations.dataValidation:
            assert validation.showErrorMessage and validation.errorStyle == "stop"
            assert validation.showInputMessage and validation.prompt
            assert re.search(r"[\u4e00-\u9fff]", validation.error) and re.search(r"[A-Za-z]{4}", validation.error)
    whole = next(v for v in school_sheet.data_validations.dataValidation if v.type == "whole")
    assert "120人" in whole.error

    rows = {school_sheet.cell(row=r, column=5).value: r for r in range(3, school_sheet.max_row + 1)}
    year, required, optional = rows["year"], rows["school_name"], rows["teachers_primary"]
    assert school_sheet.cell(row=year, column=2).protection.locked  # the year cell
    assert all(school_sheet.cell(row=r, column=5).protection.locked for r in rows.values())  # field codes
    assert not school_sheet.cell(row=required, column=2).protection.locked
    assert not school_sheet.cell(row=optional, column=2).protection.locked
    assert school_sheet.cell(row=required, column=2).fill.fgColor.rgb.endswith("FFF2CC")
    assert school_sheet.cell(row=required, column=1).fill.fill_type is None  # not the label
    assert school_sheet.cell(row=optional, column=2).fill.fill_type is None

    classes = book["班级情况"]
    assert classes["A2"].protection.locked and not classes["A3"].protection.locked
    students = next(c for c in range(1, classes.max_column + 1) if "学生数" in str(classes.cell(row=2, column=c).value))
    assert classes.cell(row=3, column=students).fill.fgColor.rgb.endswith("FFF2CC")


def test_a_filled_protected_template_round_trips_unchanged(tmp_path):
    first = write_template(tmp_path / "a.xlsx", 2026, CAMPUS, CLASS_ROWS, ROOM_ROWS)
    typed, issues = typed_workbook(first)
    assert issues.empty
    school = typed["schools"].iloc[0]
    again = write_template(tmp_path / "b.xlsx", 2026, {name: school[name] for name in CAMPUS},
                           typed["classes"][["stage", "grade", "class_name", "students"]], typed["rooms"][["room_type", "area_m2"]])
    retyped, issues = typed_workbook(again)
    assert issues.empty
    for form in ("schools", "classes", "rooms"):
        volatile = [c for c in ("source_file", "source_sha256") if c in typed[form]]
        pd.testing.assert_frame_equal(typed[form].drop(columns=volatile), retyped[form].drop(columns=volatile))


def test_the_explanation_sheet_round_trips_with_the_campus_filled_from_the_school_sheet(tmp_path):
    rows = [{"rule": "sports_area_m2_per_student_plausible", "field": "sports_area_m2",
             "explanation": "新建操场，已实地核实", "explained_by": "王五"}]
    path = write_template(tmp_path / "a.xlsx", 2026, CAMPUS, CLASS_ROWS, ROOM_ROWS, explanations=rows)
    header = load_workbook(path)["警告说明"]["D2"]
    assert header.value == "*规则编号" and "rule" in header.comment.text  # Chinese header, English field code
    frames, issues = read_workbook(path, "校/a.xlsx", expected_year=2026)
    assert issues.empty
    typed, parse_issues = normalise_form(EXPLANATIONS, frames["explanations"])
    assert parse_issues.empty
    assert typed[["county_code", "school_code", "campus_code", "rule", "field", "explanation", "explained_by",
                  "sheet", "row_number"]].astype(object).values.tolist() == [
        [CAMPUS["county_code"], CAMPUS["school_code"], CAMPUS["campus_code"], "sports_area_m2_per_student_plausible",
         "sports_area_m2", "新建操场,已实地核实", "王五", "警告说明", 3]]  # text is half-width normalised


def test_a_workbook_without_an_explanation_sheet_explains_nothing_and_is_not_faulted(tmp_path):
    path = write_template(tmp_path / "a.xlsx", 2026, CAMPUS, CLASS_ROWS, ROOM_ROWS)
    book = load_workbook(path)
    del book["警告说明"]
    book.save(path)
    frames, issues = read_workbook(path, "a.xlsx", expected_year=2026)
    assert "explanations" not in frames and issues.empty
