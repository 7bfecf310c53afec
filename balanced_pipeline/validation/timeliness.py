"""Per campus: submitted on time, late or not at all, and when its school form last changed
(issue 12 item 5).

A campus is on time when its first school form reached the year folder before the deadline (the
first moment of 15 December, Asia/Shanghai; `deadline.CALENDAR`), late when its first one came
after, and missing when a registry campus sent none. A correction after the deadline does not
make an on-time campus late; it shows as `last_changed_at` after the deadline. The time of a
submission is its file's modification time (UTC), the only date a file carries: a bulk export
dates every campus it holds.

Worked example (deadline 2026-12-15 00:00 Shanghai = 2026-12-14 16:00 UTC): a campus in
`a.csv` (modified 14 Dec 15:59 UTC) and again in `b.xlsx` (16 Dec 02:00 UTC) is on time, first
submitted 14 Dec 15:59, last changed 16 Dec 02:00 in b.xlsx.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import CAMPUS_KEY

ON_TIME = "on_time"
LATE = "late"
MISSING = "missing"


def campus_timeliness(registry: pd.DataFrame, received: pd.DataFrame, files: pd.DataFrame, year: int,
                      deadline: datetime) -> pd.DataFrame:
    """One row per registry or submitting campus: on_time | late | missing, first and last
    submission time, the newest file. `received` are the staged school rows (every file that
    carried the campus's school form, accepted or not); `files` gives each file's `modified_at`."""
    modified = pd.to_datetime(files.set_index("source_file")["modified_at"], utc=True)
    sent = received[[*CAMPUS_KEY, "school_name", "source_file"]].assign(
        _at=lambda frame: frame["source_file"].map(modified))
    sent = sent.sort_values([*CAMPUS_KEY, "_at", "source_file"], na_position="first")
    grouped = sent.groupby(list(CAMPUS_KEY), sort=False)
    submitted = pd.DataFrame({
        "received_name": grouped["school_name"].last(),
        "first_submitted_at": grouped["_at"].min(),
        "last_changed_at": grouped["_at"].max(),
        "last_file": grouped["source_file"].last(),
    }).reset_index()
    expected = registry[[*CAMPUS_KEY, "school_name"]].drop_duplicates(list(CAMPUS_KEY))
    table = expected.merge(submitted, on=list(CAMPUS_KEY), how="outer", indicator=True)
    table["school_name"] = table["school_name"].fillna(table["received_name"])
    table["in_registry"] = table["_merge"] != "right_only"
    sent_at_all = table["_merge"] != "left_only"
    on_time = table["first_submitted_at"] < pd.Timestamp(deadline)
    table["timeliness"] = np.where(~sent_at_all, MISSING, np.where(on_time, ON_TIME, LATE))
    table["deadline"] = pd.Timestamp(deadline)
    table["year"] = year
    columns = ["year", *CAMPUS_KEY, "school_name", "in_registry", "timeliness", "first_submitted_at",
               "last_changed_at", "last_file", "deadline"]
    return table[columns].sort_values(list(CAMPUS_KEY)).reset_index(drop=True)
