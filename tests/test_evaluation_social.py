"""Social recognition: 不了解 / 1 leave the denominator, digits map onto the labels, groups and
the pooled `all` row."""

import pandas as pd
import pytest

from balanced_pipeline.evaluation import county_social_recognition, recognition_table, survey_group_counts
from balanced_pipeline.standards import load_standards

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
