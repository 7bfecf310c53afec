"""Issue rows say where the record is, and quarantine exactly what they point at: one value of a
campus form, a campus record when the value says who it is, any other form's record whole."""

import pandas as pd

from balanced_pipeline.contract.issues import issues_for_rows, quarantined_values, split_accepted

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


def test_an_error_on_a_campus_field_quarantines_only_that_value():
    issues = issues_for_rows(
        STAGED.iloc[[1]], form="schools", field="land_area_m2", rule="r", severity="error", message_zh="x", message_en="x"
    )
    accepted, rejected = split_accepted(STAGED, issues, "schools")
    assert accepted["school_code"].tolist() == ["3404030001", "3404030002", "3404030003"] and rejected.empty
    assert accepted["land_area_m2"].isna().tolist() == [False, True, True]  # -5.0 never reaches a computation
    assert STAGED.loc[1, "land_area_m2"] == -5.0  # the staged record keeps what was typed
    found = quarantined_values(STAGED, issues, "schools", keep=("school_code",))
    assert found[["school_code", "field", "rule"]].values.tolist() == [["3404030002", "land_area_m2", "r"]]
    warning = issues.assign(severity="warning")
    assert split_accepted(STAGED, warning, "schools")[0]["land_area_m2"].notna().sum() == 2


def test_an_error_on_identity_or_on_the_whole_record_rejects_the_campus():
    identity = issues_for_rows(STAGED.iloc[[1]], form="schools", field="school_code", rule="r", severity="error",
                               message_zh="x", message_en="x")
    whole = issues_for_rows(STAGED.iloc[[2]], form="schools", field="", rule="superseded", severity="error",
                            message_zh="x", message_en="x")
    accepted, rejected = split_accepted(STAGED, pd.concat([identity, whole], ignore_index=True), "schools")
    assert accepted["school_code"].tolist() == ["3404030001"]
    assert rejected["school_code"].tolist() == ["3404030002", "3404030003"]


def test_an_error_on_a_class_value_quarantines_it_and_one_on_another_form_rejects_its_record():
    # issue 10 item 2: a class, room or county-form value is quarantined like a campus value (the
    # class stays, its students unknown); a record of a form without value fields (here quality
    # monitoring, one subject per row) is still rejected whole.
    classes = STAGED.rename(columns={"land_area_m2": "students"})
    issues = issues_for_rows(classes.iloc[[1]], form="classes", field="students", rule="r", severity="error",
                             message_zh="x", message_en="x")
    accepted, rejected = split_accepted(classes, issues, "classes")
    assert accepted["school_code"].tolist() == ["3404030001", "3404030002", "3404030003"] and rejected.empty
    assert accepted["students"].isna().tolist() == [False, True, True]
    named = issues_for_rows(classes.iloc[[1]], form="classes", field="class_name", rule="class_unique", severity="error",
                            message_zh="x", message_en="x")
    assert split_accepted(classes, named, "classes")[1]["school_code"].tolist() == ["3404030002"]
    monitoring = issues.assign(form="quality_monitoring")
    accepted, rejected = split_accepted(classes, monitoring, "quality_monitoring")
    assert accepted["school_code"].tolist() == ["3404030001", "3404030003"]
    assert rejected["school_code"].tolist() == ["3404030002"]
