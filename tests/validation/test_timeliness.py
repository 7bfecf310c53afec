"""On time, late or missing per campus against the 15 December deadline (Shanghai), and the last change."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

from balanced_pipeline.validation.completeness import submission_completeness
from balanced_pipeline.validation.timeliness import campus_timeliness

DEADLINE = datetime(2026, 12, 15, tzinfo=ZoneInfo("Asia/Shanghai"))  # = 2026-12-14 16:00 UTC
UTC = "UTC"


def campuses(*codes):
    return pd.DataFrame({"county_code": "340403", "school_code": list(codes), "campus_code": "01",
                         "school_name": [f"学校{c[-2:]}" for c in codes]})


REGISTRY = campuses("3404030001", "3404030002", "3404030003")
# 01: in a.csv on time, corrected after the deadline in b.xlsx; 02: only in late.xlsx; 03: nothing;
# 09: not in the registry, on time.
RECEIVED = pd.concat([
    campuses("3404030001", "3404030009").assign(source_file="a.csv"),
    campuses("3404030001").assign(source_file="b.xlsx"),
    campuses("3404030002").assign(source_file="late.xlsx"),
], ignore_index=True)
FILES = pd.DataFrame({
    "source_file": ["a.csv", "b.xlsx", "late.xlsx"],
    "modified_at": [pd.Timestamp("2026-12-14 15:59", tz=UTC), pd.Timestamp("2026-12-16 02:00", tz=UTC),
                    pd.Timestamp("2026-12-14 16:00", tz=UTC)],
})


def test_each_campus_is_on_time_late_or_missing_with_its_last_change():
    table = campus_timeliness(REGISTRY, RECEIVED, FILES, 2026, DEADLINE).set_index("school_code")
    assert table["timeliness"].to_dict() == {
        "3404030001": "on_time", "3404030002": "late", "3404030003": "missing", "3404030009": "on_time"}
    first = table.loc["3404030001"]
    assert first["first_submitted_at"] == pd.Timestamp("2026-12-14 15:59", tz=UTC)
    assert first["last_changed_at"] == pd.Timestamp("2026-12-16 02:00", tz=UTC)
    assert first["last_file"] == "b.xlsx"
    # 16:00 UTC is 00:00 on 15 December in Shanghai: the deadline itself is already late.
    assert table.loc["3404030002", "first_submitted_at"] == pd.Timestamp("2026-12-14 16:00", tz=UTC)
    assert pd.isna(table.loc["3404030003", "last_changed_at"]) and table.loc["3404030003", "in_registry"]
    assert not table.loc["3404030009", "in_registry"]
    assert table.loc["3404030009", "school_name"] == "学校09"


def test_the_county_counts_and_names_its_late_campuses_and_dates_its_last_change():
    accepted = campuses("3404030001", "3404030002")
    row = submission_completeness(REGISTRY, RECEIVED, accepted, FILES, 2026, DEADLINE).iloc[0]
    assert (row.received, row.received_on_time, row.late) == (3, 2, 1)
    assert row.late_campuses == "学校02（3404030002-01）"
    assert row.last_changed_at == pd.Timestamp("2026-12-16 02:00", tz=UTC)
