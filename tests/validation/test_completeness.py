"""Completeness against the registry, and the per-file accounting that proves nothing was lost."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from balanced_pipeline.validation.completeness import AccountingError, file_accounting, submission_completeness
from balanced_pipeline.contract.issues import issues_frame


def campuses(*codes, county="340403"):
    return pd.DataFrame(
        {"county_code": county, "school_code": list(codes), "campus_code": "01", "school_name": [f"学校{c[-2:]}" for c in codes]}
    )


DEADLINE = datetime(2026, 12, 15, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_completeness_counts_and_names_missing_unknown_and_rejected():
    registry = campuses("3404030001", "3404030002", "3404030003")
    received = campuses("3404030001", "3404030002", "3404030009").assign(source_file=["a.csv", "a.csv", "late.xlsx"])
    accepted = campuses("3404030001", "3404030009")
    files = pd.DataFrame({
        "source_file": ["a.csv", "late.xlsx"],
        # 23:59 on 14 December in Shanghai is on time; 00:30 on the 15th is late.
        "modified_at": [pd.Timestamp("2026-12-14 15:59", tz="UTC"), pd.Timestamp("2026-12-14 16:30", tz="UTC")],
    })
    row = submission_completeness(registry, received, accepted, files, 2026, DEADLINE).iloc[0]
    assert (row.expected, row.received, row.accepted, row.rejected, row.missing, row.unknown) == (3, 3, 2, 1, 1, 1)
    assert row.received_on_time == 2
    assert row.missing_campuses == "学校03（3404030003-01）"
    assert row.unknown_campuses == "学校09（3404030009-01）"
    assert row.rejected_campuses == "学校02（3404030002-01）"
    assert row.completion_rate == pytest.approx(2 / 3)


def _files():
    return pd.DataFrame({"source_file": ["schools.csv", "bad.xlsx"], "rows_read": [3, 2]})


def _accepted(rows):
    return {"schools": pd.DataFrame({"source_file": ["schools.csv"] * rows})}


def test_accounting_holds_when_every_rejection_has_an_error_issue():
    issues = issues_frame(
        [
            {"source_file": "schools.csv", "sheet": "", "row_number": 3, "severity": "error", "rule": "r", "form": "schools"},
            {"source_file": "schools.csv", "sheet": "", "row_number": 3, "severity": "error", "rule": "s", "form": "schools"},
            {"source_file": "bad.xlsx", "sheet": "", "row_number": None, "severity": "error", "rule": "unreadable"},
        ]
    )
    table = file_accounting(_files(), _accepted(2), issues).set_index("source_file")
    assert table.loc["schools.csv", "rows_accepted"] == 2 and table.loc["schools.csv", "rows_rejected"] == 1
    assert table.loc["bad.xlsx", "rows_rejected"] == 2


def test_accounting_fails_when_a_row_vanishes_without_a_reason():
    issues = issues_frame([{"source_file": "bad.xlsx", "row_number": None, "severity": "error", "rule": "unreadable"}])
    with pytest.raises(AccountingError, match="schools.csv: read 3, accepted 2, rejected 1, explained 0"):
        file_accounting(_files(), _accepted(2), issues)
