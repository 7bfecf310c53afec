"""The 15 December deadline: days left in Shanghai time, missing and blocked campuses, the clerk's message."""

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from balanced_pipeline.monitoring.deadline import (
    CALENDAR,
    days_left,
    deadline_status,
    deadline_summary_markdown,
)
from balanced_pipeline.contract.issues import issues_frame

UTC = timezone.utc
SHANGHAI = timezone(timedelta(hours=8))


def completeness(*rows):
    columns = ["year", "county_code", "expected", "received", "accepted", "rejected", "missing", "unknown",
               "missing_campuses", "rejected_campuses"]
    return pd.DataFrame([dict(zip(columns, row)) for row in rows], columns=columns)


HUAINAN = (2026, "340403", 4, 3, 1, 2, 1, 0, "学校03（3404030003-01）",
           "学校01（3404030001-01）、学校02（3404030002-02）")
COMPLETE = (2026, "340404", 2, 2, 2, 0, 0, 0, "", "")


def school_error(school, campus, row, zh, en, form="schools", severity="error", county="340403"):
    return {"county_code": county, "school_code": school, "campus_code": campus, "form": form,
            "source_file": "schools.csv", "sheet": "", "row_number": row, "field": "students_primary",
            "value": "x", "rule": "r", "severity": severity, "message_zh": zh, "message_en": en}


ISSUES = issues_frame(
    [
        school_error("3404030001", "01", 9, "第9行错误", "row 9 error"),
        school_error("3404030001", "01", 4, "第4行学生数不是数字", "row 4 students is not a number"),
        school_error("3404030002", "02", 2, "班级表错误", "class error", form="classes"),
        school_error("3404030002", "02", 3, "警告", "warning", severity="warning"),
        # Same school code in another county must not lend its message.
        school_error("3404030002", "02", 1, "别县的错误", "other county", county="340404"),
    ]
)


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (datetime(2026, 12, 1, 8, tzinfo=SHANGHAI), 14),
        (datetime(2026, 12, 14, 15, 59, tzinfo=UTC), 1),  # 23:59 on the 14th in Shanghai
        (datetime(2026, 12, 14, 17, 0, tzinfo=UTC), 0),  # already 01:00 on the 15th in Shanghai
        (datetime(2026, 12, 20, 12, tzinfo=SHANGHAI), -5),
    ],
)
def test_days_left_counts_shanghai_calendar_days(as_of, expected):
    assert days_left(2026, as_of) == expected


def test_a_naive_time_is_refused_because_its_day_is_ambiguous():
    with pytest.raises(ValueError, match="time zone"):
        days_left(2026, datetime(2026, 12, 14, 17))


def test_the_deadline_instant_is_midnight_in_shanghai():
    assert CALENDAR.deadline(2026) == datetime(2026, 12, 14, 16, tzinfo=UTC)


def test_status_names_missing_and_blocked_campuses_with_each_first_school_error():
    status = deadline_status(completeness(HUAINAN, COMPLETE), ISSUES, 2026, datetime(2026, 12, 10, 9, tzinfo=SHANGHAI))
    huainan, complete = status.iloc[0], status.iloc[1]

    assert (huainan.days_left, huainan.missing_count, huainan.blocked_count, huainan.status) == (5, 1, 2, "action_needed")
    assert huainan.missing_campuses == "学校03（3404030003-01）"
    assert huainan.blocked_campuses == "学校01（3404030001-01）、学校02（3404030002-02）"
    # Row 4 comes before row 9; campus 02 has only a classes error and a warning, neither blocks its school form.
    assert huainan.blocked_first_errors_zh == "学校01（3404030001-01）：第4行学生数不是数字；学校02（3404030002-02）：（无校验错误记录）"
    assert huainan.blocked_first_errors_en.startswith("学校01（3404030001-01）: row 4 students is not a number; ")
    assert huainan.message_zh.startswith("距报送截止（2026年12月15日前）还有 5 天：1 个校区未报送（学校03（3404030003-01））；2 个校区")
    assert "5 day(s) left" in huainan.message_en

    assert (complete.status, complete.missing_count, complete.blocked_count, complete.blocked_first_errors_zh) == ("ok", 0, 0, "")
    assert complete.message_zh.startswith("应报 2 个校区均已报送")


def test_past_midnight_in_shanghai_the_incomplete_county_is_overdue_and_the_complete_one_stays_ok():
    status = deadline_status(completeness(HUAINAN, COMPLETE), ISSUES, 2026, datetime(2026, 12, 14, 17, tzinfo=UTC))
    assert status["status"].tolist() == ["overdue", "ok"]
    assert status["days_left"].tolist() == [0, 0]
    assert status.loc[0, "message_zh"].startswith("报送截止时间（2026年12月15日前）已过：")
    assert str(status.loc[0, "as_of"]) == "2026-12-15 01:00:00+08:00"


def test_only_the_requested_year_is_reported():
    last_year = (2025, *HUAINAN[1:])
    status = deadline_status(completeness(last_year, COMPLETE), ISSUES, 2026, datetime(2026, 12, 10, tzinfo=SHANGHAI))
    assert status["county_code"].tolist() == ["340404"]


def test_names_with_separators_and_brackets_still_find_their_campus():
    row = (2026, "340403", 1, 1, 0, 1, 0, 0, "", "淮南第一中学（南校区）、分部（3404030001-02）")
    issues = issues_frame([school_error("3404030001", "02", 2, "缺少学校类型", "school type missing")])
    status = deadline_status(completeness(row), issues, 2026, datetime(2026, 12, 10, tzinfo=SHANGHAI))
    assert status.loc[0, "blocked_first_errors_zh"] == "淮南第一中学（南校区）、分部（3404030001-02）：缺少学校类型"


def test_the_message_names_five_campuses_and_the_column_names_all():
    names = "、".join(f"学校{i}（340403000{i}-01）" for i in range(1, 8))
    row = (2026, "340403", 7, 0, 0, 0, 7, 0, names, "")
    status = deadline_status(completeness(row), issues_frame(), 2026, datetime(2026, 12, 10, tzinfo=SHANGHAI))
    assert status.loc[0, "missing_campuses"] == names
    assert "学校5（3404030005-01）等）" in status.loc[0, "message_zh"]
    assert "学校6" not in status.loc[0, "message_zh"]


def test_summary_puts_overdue_counties_first():
    late = deadline_status(completeness(HUAINAN), ISSUES, 2026, datetime(2026, 12, 16, tzinfo=SHANGHAI))
    early = deadline_status(completeness((2026, "340405", *HUAINAN[2:])), ISSUES, 2026, datetime(2026, 12, 1, tzinfo=SHANGHAI))
    fine = deadline_status(completeness(COMPLETE), ISSUES, 2026, datetime(2026, 12, 1, tzinfo=SHANGHAI))
    summary = deadline_summary_markdown(pd.concat([early, fine, late], ignore_index=True))
    assert summary.startswith("**overdue**: 1 · **action_needed**: 1 · **ok**: 1")
    assert summary.index("340403") < summary.index("340405")
    assert "340404" not in summary


def test_summary_of_a_complete_year_says_so():
    fine = deadline_status(completeness(COMPLETE), ISSUES, 2026, datetime(2026, 12, 1, tzinfo=SHANGHAI))
    assert deadline_summary_markdown(fine).endswith("every county is complete.")


def test_a_year_without_completeness_rows_gives_an_empty_table():
    status = deadline_status(completeness(), issues_frame(), 2026, datetime(2026, 12, 10, tzinfo=SHANGHAI))
    assert status.empty
    assert {"status", "message_zh", "message_en", "days_left"} <= set(status.columns)


def test_a_year_closes_at_the_start_of_15_december_in_shanghai():
    from balanced_pipeline.monitoring.deadline import submissions_closed

    assert not submissions_closed(2026, datetime(2026, 12, 14, 15, 59, tzinfo=timezone.utc))
    assert submissions_closed(2026, datetime(2026, 12, 14, 16, 0, tzinfo=timezone.utc))
    assert not submissions_closed(2027, datetime(2026, 12, 31, tzinfo=timezone.utc))
