import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from balanced_pipeline.contract.issues import issues_frame
from balanced_pipeline.intake.parsing import normalise_form
from balanced_pipeline.intake.readers import read_bulk_file
from balanced_pipeline.contract.forms import CLASSES, ROOMS, SURVEY_RESPONSES

CHINESE_CLASS_CSV = (
    "县（市、区）代码,学校标识码, 校区代码 ,学段,年级,班级名称,班级学生数（人）\n"
    "３４０４０３,0340403001,01,小学,1,一(1)班,45人\n"
    "340403,0340403001,01,初中,初一,初一(1)班,50\n"
)


def issue_rows(issues, columns=("source_file", "sheet", "row_number", "field", "rule", "severity")):
    issues = issues_frame(issues) if isinstance(issues, list) else issues
    return issues[list(columns)].astype(object).where(issues[list(columns)].notna(), None).to_dict("records")


def test_gbk_csv_with_chinese_headers(tmp_path):
    path = tmp_path / "classes.csv"
    path.write_bytes(CHINESE_CLASS_CSV.encode("gbk"))

    table = read_bulk_file(path, "classes.csv", CLASSES)
    typed, issues, _ = normalise_form(CLASSES, table.frame)

    assert table.status == "read" and table.issues == [] and issues.empty
    assert typed[["county_code", "school_code", "stage", "grade", "class_name", "students", "row_number"]].to_dict(
        "records") == [
        {"county_code": "340403", "school_code": "0340403001", "stage": "primary", "grade": 1,
         "class_name": "一(1)班", "students": 45, "row_number": 2},
        {"county_code": "340403", "school_code": "0340403001", "stage": "junior", "grade": 7,
         "class_name": "初一(1)班", "students": 50, "row_number": 3},
    ]
    assert len(typed["source_sha256"].iloc[0]) == 64


def test_utf8_bom_csv_with_english_headers_and_unit_headers(tmp_path):
    path = tmp_path / "rooms.csv"
    path.write_bytes(
        "\ufeffcounty_code,school_code,campus_code,教室类型,使用面积(㎡)\n"
        "340403,3404030001,01,music,\"1,096\"\n".encode("utf-8"))
    table = read_bulk_file(path, "rooms.csv", ROOMS)
    typed, issues, _ = normalise_form(ROOMS, table.frame)
    assert issues.empty and table.issues == []
    assert typed[["county_code", "room_type", "area_m2"]].iloc[0].tolist() == ["340403", "music", 1096.0]


def test_blank_rows_skipped_row_numbers_as_the_clerk_sees_them(tmp_path):
    path = tmp_path / "classes.csv"
    path.write_text(
        "county_code,school_code,campus_code,stage,grade,class_name,students\n"
        "340403,3404030001,01,primary,1,1班,40\n"
        "\n"
        ",,,,,,\n"
        "340403,3404030001,01,primary,1,2班,约40\n", encoding="utf-8")
    table = read_bulk_file(path, "classes.csv", CLASSES)
    typed, issues, _ = normalise_form(CLASSES, table.frame)
    assert table.rows_read == 2
    assert typed["row_number"].tolist() == [2, 5]
    assert issue_rows(issues) == [{"source_file": "classes.csv", "sheet": "", "row_number": 5,
                                   "field": "students", "rule": "unparsable_number", "severity": "error"}]
    assert typed["class_name"].tolist() == ["1班", "2班"]
    assert typed["students"].iloc[0] == 40


def test_missing_required_column_rejects_the_file_with_a_reason(tmp_path):
    path = tmp_path / "classes.csv"
    path.write_text(
        "county_code,school_code,campus_code,stage,grade,class_name\n"
        "340403,3404030001,01,primary,1,1班\n"
        "340403,3404030001,01,primary,1,2班\n", encoding="utf-8")
    table = read_bulk_file(path, "classes.csv", CLASSES)
    assert table.frame.empty and table.status == "rejected" and table.rows_read == 2
    assert issue_rows(table.issues) == [{"source_file": "classes.csv", "sheet": "", "row_number": None,
                                         "field": "students", "rule": "missing_required_column",
                                         "severity": "error"}]
    assert "2 行" in table.issues[0]["message_zh"] and "2 data rows" in table.issues[0]["message_en"]


def test_unknown_columns_are_one_warning_and_rows_survive(tmp_path):
    path = tmp_path / "rooms.csv"
    path.write_text("county_code,school_code,campus_code,room_type,area_m2,备注,color\n"
                    "340403,3404030001,01,美术,90,新建,red\n", encoding="utf-8")
    table = read_bulk_file(path, "rooms.csv", ROOMS)
    assert issue_rows(table.issues, ("row_number", "field", "value", "rule", "severity")) == [
        {"row_number": None, "field": "", "value": "备注、color", "rule": "unknown_columns", "severity": "warning"}]
    assert len(table.frame) == 1


def test_unreadable_and_empty_files_are_issues_not_exceptions(tmp_path):
    empty = tmp_path / "rooms.csv"
    empty.write_bytes(b"")
    excel_as_csv = tmp_path / "classes.csv"
    excel_as_csv.write_bytes(b"PK\x03\x04 not really a csv")
    broken_parquet = tmp_path / "classes.parquet"
    broken_parquet.write_bytes(b"PAR1 garbage")
    for path, form in ((empty, ROOMS), (excel_as_csv, CLASSES), (broken_parquet, CLASSES)):
        table = read_bulk_file(path, path.name, form)
        assert table.status == "unreadable" and table.frame.empty
        assert issue_rows(table.issues) == [{"source_file": path.name, "sheet": "", "row_number": None,
                                             "field": "", "rule": "unreadable_file", "severity": "error"}]


def test_parquet_values_become_strings_then_types(tmp_path):
    path = tmp_path / "rooms.parquet"
    pq.write_table(pa.table({"county_code": ["340403", "340403"], "school_code": ["3404030001", "3404030001"],
                             "campus_code": ["01", "01"], "room_type": ["music", "art"],
                             "area_m2": [96.0, None]}), path)
    typed, issues, _ = normalise_form(ROOMS, read_bulk_file(path, "rooms.parquet", ROOMS).frame)
    assert issues.empty
    assert typed["area_m2"].tolist() == [96.0, pd.NA]
    assert typed["row_number"].tolist() == [2, 3]


def test_survey_keeps_question_columns(tmp_path):
    path = tmp_path / "survey_responses.csv"
    path.write_text("县（市、区）代码,问卷编号,调查对象类别,Q1,ｑ０２\n340403,R1,家长,满意,5\n", encoding="utf-8")
    table = read_bulk_file(path, "survey_responses.csv", SURVEY_RESPONSES)
    assert table.issues == []
    assert table.frame[["respondent_id", "q01", "q02"]].iloc[0].tolist() == ["R1", "满意", "5"]
