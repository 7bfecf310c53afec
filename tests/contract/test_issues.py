"""Issue rows say where the record is, and quarantine exactly the record they point at."""

import pandas as pd

from balanced_pipeline.contract.issues import issues_for_rows, split_accepted

STAGED = pd.DataFrame(
    {
        "source_file": ["schools.csv", "schools.csv", "学校/甲.xlsx"],
        "sheet": ["", "", "学校基本情况"],
        "row_number": [2, 3, 3],
        "county_code": "340403",
        "school_code": ["3404030001", "3404030002", "3404030003"],
        "campus_code": "01",
        "land_area_m2": [1200.0, -5.0, None],
    }
)


def test_row_issue_messages_start_with_file_sheet_and_row():
    issues = issues_for_rows(
        STAGED.iloc[1:], form="schools", field="land_area_m2", rule="land_area_m2_non_negative", severity="error",
        message_zh="“占地面积”不能为负数，填报值为 {value}。", message_en="'land_area_m2' cannot be negative; the row has {value}.",
    )
    assert issues["message_zh"].tolist() == [
        "文件 schools.csv 第3行 “占地面积”不能为负数，填报值为 -5.0。",
        "文件 学校/甲.xlsx 工作表 学校基本情况 第3行 “占地面积”不能为负数，填报值为 （空）。",
    ]
    assert issues.loc[0, "message_en"] == "File schools.csv, row 3: 'land_area_m2' cannot be negative; the row has -5.0."
    assert issues["school_code"].tolist() == ["3404030002", "3404030003"]


def test_an_error_quarantines_only_its_own_record():
    issues = issues_for_rows(
        STAGED.iloc[[1]], form="schools", field="land_area_m2", rule="r", severity="error", message_zh="x", message_en="x"
    )
    accepted, rejected = split_accepted(STAGED, issues, "schools")
    assert accepted["school_code"].tolist() == ["3404030001", "3404030003"]
    assert rejected["school_code"].tolist() == ["3404030002"]
    warning = issues.assign(severity="warning")
    assert len(split_accepted(STAGED, warning, "schools")[0]) == 3
