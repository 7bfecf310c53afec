import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from balanced_pipeline.intake.ingest import read_year_folder
from balanced_pipeline.contract.issues import split_accepted
from balanced_pipeline.intake.template import write_template

SCHOOL_HEADER = "county_code,school_code,campus_code,school_name,school_type,location_type,ownership,land_area_m2\n"
CLASS_HEADER = "county_code,school_code,campus_code,stage,grade,class_name,students\n"
CAMPUS_B = {"county_code": "340403", "school_code": "3404030002", "campus_code": "01", "school_name": "乙小学",
            "school_type": "primary", "location_type": "rural", "ownership": "public", "land_area_m2": 5000}


def issue_rows(issues, rule):
    columns = ["source_file", "sheet", "row_number", "field", "rule", "severity", "school_code"]
    chosen = issues[issues["rule"] == rule][columns]
    return chosen.astype(object).where(chosen.notna(), None).to_dict("records")


def set_mtime(path, seconds):
    os.utime(path, (seconds, seconds))


def bulk_folder(tmp_path):
    year_dir = tmp_path / "2026"
    year_dir.mkdir()
    (year_dir / "schools.csv").write_text(
        SCHOOL_HEADER
        + "340403,3404030001,01,甲小学,小学,城区,公办,约100\n"
        + "340403,3404030002,01,乙小学,小学,乡村,公办,4000\n", encoding="utf-8")
    (year_dir / "classes.csv").write_text(
        CLASS_HEADER
        + "340403,3404030001,01,小学,1,1班,40\n"
        + "340403,3404030002,01,小学,1,1班,30\n"
        + "340403,3404030002,01,小学,2,1班,31\n", encoding="utf-8")
    set_mtime(year_dir / "schools.csv", 1_700_000_000)
    set_mtime(year_dir / "classes.csv", 1_700_000_000)
    return year_dir


def test_newest_submission_wins_and_older_records_are_reported(tmp_path):
    year_dir = bulk_folder(tmp_path)
    workbook = write_template(year_dir / "乡镇" / "乙小学.xlsx", 2026, CAMPUS_B,
                              [{"stage": "primary", "grade": 1, "class_name": "1班", "students": 32}])
    set_mtime(workbook, 1_800_000_000)

    staged = read_year_folder(year_dir)

    assert issue_rows(staged.issues, "superseded_submission") == [
        {"source_file": "schools.csv", "sheet": "", "row_number": 3, "field": "", "rule": "superseded_submission",
         "severity": "error", "school_code": "3404030002"},
        {"source_file": "classes.csv", "sheet": "", "row_number": 3, "field": "", "rule": "superseded_submission",
         "severity": "error", "school_code": "3404030002"},
        {"source_file": "classes.csv", "sheet": "", "row_number": 4, "field": "", "rule": "superseded_submission",
         "severity": "error", "school_code": "3404030002"},
    ]
    assert "乡镇/乙小学.xlsx" in staged.issues[staged.issues["rule"] == "superseded_submission"].iloc[0]["message_zh"]
    schools, _ = split_accepted(staged.forms["schools"], staged.issues, "schools")
    assert schools[["source_file", "school_code", "land_area_m2"]].astype(object).to_dict("records") == [
        {"source_file": "schools.csv", "school_code": "3404030001", "land_area_m2": None},
        {"source_file": "乡镇/乙小学.xlsx", "school_code": "3404030002", "land_area_m2": 5000.0}]
    # 甲's unparsable area quarantines that value only (not superseded, not rejected); its class survives
    assert issue_rows(staged.issues, "unparsable_number") == [
        {"source_file": "schools.csv", "sheet": "", "row_number": 2, "field": "land_area_m2",
         "rule": "unparsable_number", "severity": "error", "school_code": "3404030001"}]
    classes, rejected = split_accepted(staged.forms["classes"], staged.issues, "classes")
    assert classes[["source_file", "school_code", "students"]].astype(object).to_dict("records") == [
        {"source_file": "classes.csv", "school_code": "3404030001", "students": 40},
        {"source_file": "乡镇/乙小学.xlsx", "school_code": "3404030002", "students": 32}]
    assert len(rejected) == 2
    assert staged.forms["schools"]["year"].tolist() == [2026, 2026, 2026]
    assert staged.forms["classes"]["year"].dtype == "Int64"
    files = staged.files.set_index("source_file")
    assert files.loc["乡镇/乙小学.xlsx", ["kind", "status", "rows_read"]].tolist() == ["workbook", "read", 2]
    assert files.loc["classes.csv", ["kind", "status", "rows_read"]].tolist() == ["bulk", "read", 3]


def test_older_workbook_of_the_same_campus_loses_even_when_the_bulk_is_older(tmp_path):
    year_dir = bulk_folder(tmp_path)
    old = write_template(year_dir / "a_old.xlsx", 2026, CAMPUS_B, None)
    new = write_template(year_dir / "b_new.xlsx", 2026, {**CAMPUS_B, "land_area_m2": 6000})
    set_mtime(old, 1_750_000_000)
    set_mtime(new, 1_750_000_000)  # same time: the later path wins

    staged = read_year_folder(year_dir)

    superseded = staged.issues[staged.issues["rule"] == "superseded_submission"]
    assert sorted(zip(superseded["source_file"], superseded["row_number"])) == [
        ("a_old.xlsx", 3), ("classes.csv", 3), ("classes.csv", 4), ("schools.csv", 3)]
    assert set(superseded["message_en"].str.contains("b_new.xlsx")) == {True}
    assert staged.files.set_index("source_file").loc["a_old.xlsx", "status"] == "superseded"
    accepted, _ = split_accepted(staged.forms["schools"], staged.issues, "schools")
    assert accepted.loc[accepted["school_code"] == "3404030002", "land_area_m2"].tolist() == [6000.0]


def test_csv_and_parquet_of_one_form_read_the_newer(tmp_path):
    year_dir = bulk_folder(tmp_path)
    pq.write_table(pa.table({"county_code": ["340403"], "school_code": ["3404030003"], "campus_code": ["01"],
                             "room_type": ["music"], "area_m2": [100.0]}), year_dir / "rooms.parquet")
    (year_dir / "rooms.csv").write_text("county_code,school_code,campus_code,room_type,area_m2\n"
                                        "340403,3404030003,01,art,80\n", encoding="utf-8")
    set_mtime(year_dir / "rooms.csv", 1_600_000_000)

    staged = read_year_folder(year_dir)

    assert issue_rows(staged.issues, "superseded_file") == [
        {"source_file": "rooms.csv", "sheet": "", "row_number": None, "field": "", "rule": "superseded_file",
         "severity": "error", "school_code": ""}]
    assert staged.forms["rooms"][["source_file", "room_type"]].values.tolist() == [["rooms.parquet", "music"]]
    assert staged.files.set_index("source_file").loc["rooms.csv", "status"] == "superseded"


def test_broken_files_do_not_stop_the_others(tmp_path):
    year_dir = bulk_folder(tmp_path)
    (year_dir / "坏.xlsx").write_bytes(b"PK\x03\x04 broken")
    (year_dir / "~$乙小学.xlsx").write_bytes(b"lock file")
    (year_dir / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (year_dir / "notes.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    wrong_year = write_template(year_dir / "sub" / "去年.xlsx", 2025, {**CAMPUS_B, "school_code": "3404030009"})

    staged = read_year_folder(year_dir)

    located = staged.issues[staged.issues["rule"] != "form_not_submitted"]
    rules = located.set_index("source_file")["rule"].to_dict()
    assert rules == {"坏.xlsx": "unreadable_file", "old.xls": "unsupported_format", "notes.csv": "unknown_file",
                     "schools.csv": "unparsable_number", "sub/去年.xlsx": "year_mismatch",
                     "~$乙小学.xlsx": "excel_lock_file"}
    assert len(staged.forms["schools"]) == 3 and len(staged.forms["classes"]) == 3
    assert staged.files.set_index("source_file").loc["坏.xlsx", "status"] == "unreadable"
    assert wrong_year.exists()


def test_an_excel_lock_file_is_listed_as_refused_and_never_read(tmp_path):
    """Excel writes '~$name.xlsx' beside a workbook a clerk has open; it is no submission, but it is
    listed with the reason, so the clerk learns the workbook itself is what must be sent."""
    year_dir = bulk_folder(tmp_path)
    (year_dir / "淮南").mkdir()
    (year_dir / "淮南" / "~$乙小学.xlsx").write_bytes(b"\x0cclerk" + b"\x00" * 150)

    staged = read_year_folder(year_dir)

    row = staged.files.set_index("source_file").loc["淮南/~$乙小学.xlsx"]
    assert (row["status"], row["rows_read"], row["kind"]) == ("rejected", 0, "workbook")
    assert row["message"] == "Excel lock file of an open workbook"
    issue = staged.issues[staged.issues["source_file"] == "淮南/~$乙小学.xlsx"].iloc[0]
    assert (issue["rule"], issue["severity"]) == ("excel_lock_file", "warning")
    assert "锁定文件" in issue["message_zh"] and "请关闭 Excel 后提交工作簿本身" in issue["message_zh"]
    assert "an Excel lock file of an open workbook" in issue["message_en"]
    assert "close Excel and send the workbook itself" in issue["message_en"]
    assert len(staged.forms["schools"]) == 2 and len(staged.forms["classes"]) == 3  # the others are read


def test_survey_responses_keep_their_answers(tmp_path):
    year_dir = tmp_path / "2026"
    year_dir.mkdir()
    (year_dir / "survey_responses.csv").write_text(
        "county_code,respondent_id,respondent_group,q01,q02\n340403,R1,家长,满意,５\n", encoding="utf-8")
    staged = read_year_folder(year_dir)
    survey = staged.forms["survey_responses"]
    assert survey[["year", "county_code", "respondent_id", "q01", "q02"]].iloc[0].tolist() == [
        2026, "340403", "R1", "满意", "5"]
    assert set(staged.issues["rule"]) == {"form_not_submitted"}
    assert "survey_responses" not in set(staged.issues["form"])
    assert set(staged.forms) >= {"registry", "schools", "classes", "rooms", "counties", "quality_monitoring",
                                 "veto_incidents", "survey_responses"}
    assert pd.api.types.is_integer_dtype(staged.forms["counties"]["year"])


def test_survey_group_totals_read_with_chinese_headers_and_stand_in_for_responses(tmp_path):
    year_dir = tmp_path / "2026"
    year_dir.mkdir()
    (year_dir / "survey_groups.csv").write_text(
        "县（市、区）代码,调查对象类别,调查人数（人）,计入分母的作答数（个）,满意作答数,不了解作答数（个）\n"
        "340404,家长,40,380,340,20\n340404,教师,12,120,110,\n", encoding="utf-8")
    staged = read_year_folder(year_dir)
    groups = staged.forms["survey_groups"]
    assert groups[["county_code", "respondent_group", "respondents", "answers_counted", "satisfied"]].values.tolist() == [
        ["340404", "家长", 40, 380, 340], ["340404", "教师", 12, 120, 110]]
    assert groups["answers_excluded"].tolist()[0] == 20 and pd.isna(groups["answers_excluded"].iloc[1])
    assert staged.files.set_index("source_file").loc["survey_groups.csv", "rows_read"] == 2
    missing = set(staged.issues.loc[staged.issues["rule"] == "form_not_submitted", "form"])
    assert "survey_groups" not in missing and "survey_responses" not in missing
    assert "counties" in missing


def test_a_workbook_for_another_year_replaces_nothing(tmp_path):
    year_dir = bulk_folder(tmp_path)
    last_year = write_template(year_dir / "去年.xlsx", 2025, CAMPUS_B)
    set_mtime(last_year, 1_800_000_000)

    staged = read_year_folder(year_dir)

    assert issue_rows(staged.issues, "superseded_submission") == []
    assert issue_rows(staged.issues, "year_mismatch") == [
        {"source_file": "去年.xlsx", "sheet": "学校基本情况", "row_number": 3, "field": "year",
         "rule": "year_mismatch", "severity": "error", "school_code": "3404030002"}]
    accepted, _ = split_accepted(staged.forms["schools"], staged.issues, "schools")
    assert accepted[["source_file", "school_code"]].values.tolist() == [  # 甲 kept, its unparsable area unknown
        ["schools.csv", "3404030001"], ["schools.csv", "3404030002"]]


def test_an_empty_year_folder_says_what_is_missing(tmp_path):
    year_dir = tmp_path / "2026"
    year_dir.mkdir()
    staged = read_year_folder(year_dir)
    missing = staged.issues[staged.issues["rule"] == "form_not_submitted"]
    assert set(missing["form"]) == {"registry", "schools", "classes", "rooms", "counties", "quality_monitoring",
                                    "survey_responses"}
    assert (missing["severity"] == "warning").all()
    assert missing.set_index("form").loc["registry", "message_zh"].startswith("本年度没有收到任何「应报学校名录」记录")
    assert all(frame.empty for frame in staged.forms.values()) and staged.files.empty


def test_links_out_of_the_folder_are_refused_not_followed(tmp_path):
    year_dir = bulk_folder(tmp_path)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    write_template(outside / "外校.xlsx", 2026, {**CAMPUS_B, "school_code": "3404030009"})
    (outside / "passwd.csv").write_text("root:x:0:0\n", encoding="utf-8")
    (year_dir / "外校.xlsx").symlink_to(outside / "外校.xlsx")
    (year_dir / "classes_link.csv").symlink_to(outside / "passwd.csv")
    (year_dir / "不存在.xlsx").symlink_to(tmp_path / "missing.xlsx")
    (year_dir / "linked").symlink_to(outside, target_is_directory=True)
    (year_dir / "inside.xlsx").symlink_to(year_dir / "schools.csv")  # inside the folder: an ordinary file

    staged = read_year_folder(year_dir)

    refused = set(staged.issues.loc[staged.issues["rule"] == "link_outside_folder", "source_file"])
    assert refused == {"外校.xlsx", "classes_link.csv", "不存在.xlsx", "linked"}
    files = staged.files.set_index("source_file")
    assert all(files.loc[name, "status"] == "rejected" for name in refused)
    assert "3404030009" not in set(staged.forms["schools"]["school_code"].astype(str))
    assert not staged.issues["message_en"].astype(str).str.contains("root:x").any()
    assert "inside.xlsx" in files.index


def test_files_the_pipeline_does_not_read_are_refused_with_what_to_send(tmp_path):
    year_dir = bulk_folder(tmp_path)
    for name in ("宏.xlsm", "表.ods", "说明.txt", ".DS_Store", ".隐藏.xlsx", "sub/classes.csv"):
        (year_dir / name).parent.mkdir(exist_ok=True)
        (year_dir / name).write_bytes(b"x")

    staged = read_year_folder(year_dir)

    refused = staged.issues[staged.issues["rule"] == "unsupported_format"]
    assert set(refused["source_file"]) == {"宏.xlsm", "表.ods", "说明.txt", ".DS_Store", ".隐藏.xlsx", "sub/classes.csv"}
    assert refused["message_zh"].str.contains(".xlsx 模板").all()
    files = staged.files.set_index("source_file")
    assert (files.loc[list(refused["source_file"]), "status"] == "rejected").all()
    assert len(staged.forms["schools"]) == 2


def test_explanations_csv_and_a_workbooks_sheet_are_staged_and_an_older_workbooks_go_with_it(tmp_path):
    year_dir = bulk_folder(tmp_path)
    (year_dir / "explanations.csv").write_text(
        "县（市、区）代码,学校标识码,校区代码,规则编号,问题字段,情况说明,说明人\n"
        "340403,,,rotated_within_eligible,rotated_teachers,含跨县交流,李四\n"
        "340403,3404030002,01,sports_area_m2_per_student_plausible,sports_area_m2,,李四\n", encoding="utf-8")
    said = {"rule": "land_area_m2_per_student_plausible", "field": "land_area_m2", "explained_by": "王五"}
    old = write_template(year_dir / "a_old.xlsx", 2026, CAMPUS_B, explanations=[{**said, "explanation": "旧"}])
    new = write_template(year_dir / "b_new.xlsx", 2026, CAMPUS_B, explanations=[{**said, "explanation": "新"}])
    set_mtime(old, 1_750_000_000)
    set_mtime(new, 1_750_000_000)  # same time: the later path wins

    staged = read_year_folder(year_dir)

    explanations = staged.forms["explanations"]
    assert explanations[["source_file", "row_number", "school_code", "rule", "explanation"]].astype(object).where(
        explanations[["source_file", "row_number", "school_code", "rule", "explanation"]].notna(), None
    ).values.tolist() == [
        ["explanations.csv", 2, None, "rotated_within_eligible", "含跨县交流"],
        ["explanations.csv", 3, "3404030002", "sports_area_m2_per_student_plausible", None],
        ["a_old.xlsx", 3, "3404030002", "land_area_m2_per_student_plausible", "旧"],
        ["b_new.xlsx", 3, "3404030002", "land_area_m2_per_student_plausible", "新"],
    ]
    superseded = staged.issues[(staged.issues["rule"] == "superseded_submission") & (staged.issues["form"] == "explanations")]
    assert superseded[["source_file", "sheet", "row_number"]].values.tolist() == [["a_old.xlsx", "警告说明", 3]]
    accepted, _ = split_accepted(explanations, staged.issues, "explanations")
    assert accepted["source_file"].tolist() == ["explanations.csv", "explanations.csv", "b_new.xlsx"]
    assert "explanations" in staged.files.set_index("source_file").loc["b_new.xlsx", "forms"]
    assert staged.files.set_index("source_file").loc["a_old.xlsx", "status"] == "superseded"
