"""Social recognition: 不了解 / 1 leave the denominator, digits map onto the labels, groups and
the pooled `all` row."""

import pandas as pd
import pytest

from balanced_pipeline.indicators.social_recognition import county_social_recognition, recognition_table, survey_group_counts
from balanced_pipeline.indicators.social_recognition import answer_kinds
from balanced_pipeline.indicators.social_recognition import superseded_by_responses, superseded_group_issues
from balanced_pipeline.standards.loader import load_standards

STANDARDS = load_standards("national")


def counties(*codes):
    return pd.DataFrame({"year": pd.Series([2026] * len(codes), dtype="Int64"), "county_code": list(codes)})


def survey(rows):
    frame = pd.DataFrame(rows, columns=["county_code", "respondent_id", "respondent_group", "q01", "q02", "q03"])
    frame.insert(0, "year", 2026)
    return frame


def test_recognition_rate_hand_worked():
    responses = survey([
        ["340401", "P1", "家长", "满意", "比较满意", "不了解"],  # 2 satisfied of 2 counted
        ["340401", "P2", "家长", "不满意", "基本满意", None],  # 1 of 2
        ["340401", "T1", "教师", 5, "4.0", "1"],  # digits: 5, 4 satisfied; 1 = don't know
        ["340401", "T2", "教师", "2", 3, " 满意 "],  # 2 = dissatisfied; 3 and 满意 satisfied
    ])
    table = county_social_recognition(responses, counties("340401"), STANDARDS).set_index("respondent_group")
    assert list(table.index) == ["家长", "教师", "all"]
    assert table.loc["家长", ["respondents", "answers_counted", "satisfied", "answers_excluded"]].tolist() == [2, 4, 3, 1]
    assert table.loc["家长", "rate"] == pytest.approx(0.75)
    assert table.loc["教师", ["answers_counted", "satisfied", "answers_excluded"]].tolist() == [5, 4, 1]
    # all: 7 satisfied of 9 counted = 77.8 % (the 2 "don't know" answers are not in the denominator)
    assert table.loc["all", "rate"] == pytest.approx(7 / 9)
    assert not table.loc["all", "passed"]
    assert table.loc["all", "threshold"] == 0.85


def test_answer_kinds_classify_each_answer_once():
    answers = pd.Series(["满意", " 4.0", "2", "不了解", "1", "", pd.NA, "很好"], dtype="string", name="q01")
    kinds = answer_kinds(answers, STANDARDS.section("social_recognition")["answers"])
    assert kinds.columns.tolist() == ["answers_counted", "satisfied", "answers_excluded", "answers_unrecognised"]
    assert kinds.astype(int).values.tolist() == [
        [1, 1, 0, 0],  # 满意: counted and satisfied
        [1, 1, 0, 0],  # 4.0 reads as 4
        [1, 0, 0, 0],  # 2: dissatisfied
        [0, 0, 1, 0],  # 不了解: left out
        [0, 0, 1, 0],  # 1: don't know on the 5…1 scale
        [0, 0, 0, 0],  # blank
        [0, 0, 0, 0],  # missing
        [0, 0, 0, 1],  # not an answer the standards list
    ]


def test_unrecognised_answers_are_counted_and_noted():
    responses = survey([["340401", "S1", "学生", "满意", "很好", "满意"]])
    counts = survey_group_counts(responses, STANDARDS)
    assert counts[["answers_counted", "satisfied", "answers_unrecognised"]].iloc[0].tolist() == [2, 2, 1]
    table = recognition_table(counts, counties("340401"), STANDARDS)
    assert table["passed"].tolist() == [True, True]
    assert table["note"].iloc[0] == "1个答案无法识别，未计入"


def test_a_county_without_survey_fails_with_a_note():
    table = county_social_recognition(survey([["340401", "S1", "学生", "满意", "满意", "满意"]]),
                                      counties("340401", "340402"), STANDARDS)
    missing = table[table["county_code"] == "340402"].iloc[0]
    assert missing["respondent_group"] == "all" and missing["respondents"] == 0
    assert not missing["passed"] and missing["note"] == "数据缺失：未报送社会认可度调查数据"


def group_totals(rows):
    """Per-group totals as staged: county, group, respondents, answers_counted, satisfied, answers_excluded."""
    frame = pd.DataFrame(rows, columns=["county_code", "respondent_group", "respondents", "answers_counted",
                                        "satisfied", "answers_excluded"])
    frame = frame.astype({c: "Int64" for c in frame.columns[2:]}).astype({"county_code": "string"})
    frame.insert(0, "year", 2026)
    frame["source_file"], frame["sheet"] = "survey_groups.csv", ""
    frame["row_number"] = pd.array(range(2, len(frame) + 2), dtype="Int64")
    return frame


RAW_340401 = [["340401", "P1", "家长", "满意", "比较满意", "不了解"],  # 2 satisfied of 2 counted
              ["340401", "P2", "家长", "不满意", "不满意", None]]  # 0 of 2
TOTALS = [["340402", "家长", 40, 380, 340, 20],
          ["340402", "教师", 12, 120, 110, None],  # answers_excluded is optional
          ["340401", "学生", 30, 300, 300, 0]]  # 340401 also sent raw answers: these win


def test_group_totals_feed_the_same_table_and_raw_answers_win():
    table = county_social_recognition(survey(RAW_340401), counties("340401", "340402", "340403"), STANDARDS,
                                      survey_groups=group_totals(TOTALS)).set_index(["county_code", "respondent_group"])
    # 340402 from its totals: all = (340 + 110) / (380 + 120) = 450 / 500 = 90 % ≥ 85 %
    assert table.loc[("340402", "家长"), ["respondents", "answers_counted", "satisfied", "answers_excluded",
                                         "answers_unrecognised"]].tolist() == [40, 380, 340, 20, 0]
    assert table.loc[("340402", "家长"), "rate"] == pytest.approx(340 / 380)
    assert table.loc[("340402", "教师"), "answers_excluded"] == 0
    overall = table.loc[("340402", "all")]
    assert overall[["respondents", "answers_counted", "satisfied", "answers_excluded"]].tolist() == [52, 500, 450, 20]
    assert overall["rate"] == pytest.approx(0.9) and overall["passed"] and overall["note"] == ""
    # 340401 from its 2 raw answers only: 2 of 4 = 50 %; its 学生 total (300 of 300) is not used
    assert ("340401", "学生") not in table.index
    assert table.loc[("340401", "all"), ["respondents", "answers_counted", "satisfied"]].tolist() == [2, 4, 2]
    assert not table.loc[("340401", "all"), "passed"]
    # neither raw answers nor totals: fails, with the reason
    missing = table.loc[("340403", "all")]
    assert missing["respondents"] == 0 and not missing["passed"]
    assert missing["note"] == "数据缺失：未报送社会认可度调查数据"


def test_totals_of_a_county_that_sent_raw_answers_are_rejected_naming_file_and_row():
    totals = group_totals(TOTALS)
    assert superseded_by_responses(totals, survey(RAW_340401)).tolist() == [False, False, True]
    issues = superseded_group_issues(totals, survey(RAW_340401))
    assert issues[["form", "county_code", "source_file", "row_number", "field", "value", "rule", "severity"]
                  ].values.tolist() == [["survey_groups", "340401", "survey_groups.csv", 4, "county_code", "340401",
                                         "survey_groups_superseded_by_responses", "error"]]
    assert issues["message_zh"].iloc[0].startswith("文件 survey_groups.csv 第4行")
    assert "survey_responses" in issues["message_zh"].iloc[0]
    assert "row 4" in issues["message_en"].iloc[0] and "raw survey responses" in issues["message_en"].iloc[0]


def test_raw_answers_of_another_year_do_not_replace_this_years_totals():
    last_year = survey(RAW_340401).assign(year=2025)
    assert not superseded_by_responses(group_totals(TOTALS), last_year).any()
    assert superseded_group_issues(group_totals(TOTALS), survey([])).empty
