"""Who submitted, what was accepted, and that no record was lost on the way."""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from balanced_pipeline.contract.issues import ERROR, PROVENANCE, rejected_records
from balanced_pipeline.contract.forms import CAMPUS_KEY
from balanced_pipeline.validation.timeliness import LATE, ON_TIME, campus_timeliness


class AccountingError(AssertionError):
    """Rows read ≠ rows accepted + rows rejected for some file: a record was lost or counted twice."""


def file_accounting(files: pd.DataFrame, accepted: dict[str, pd.DataFrame], issues: pd.DataFrame) -> pd.DataFrame:
    """Per file: rows read, accepted and rejected; raises AccountingError if a rejected row has no
    error issue rejecting it (a file-level error issue explains all of its file's rows; an error
    that quarantines one value of a campus keeps its row accepted)."""
    accepted_rows = pd.concat([frame["source_file"] for frame in accepted.values()], ignore_index=True)
    accepted_count = accepted_rows.value_counts()
    table = files.copy()
    table["rows_accepted"] = table["source_file"].map(accepted_count).fillna(0).astype("Int64")
    table["rows_rejected"] = (table["rows_read"].astype("Int64") - table["rows_accepted"]).astype("Int64")

    errors = issues[issues["severity"] == ERROR]
    explained_rows = pd.concat([rejected_records(issues, form) for form in issues["form"].unique()]
                               or [pd.DataFrame(columns=PROVENANCE)], ignore_index=True).drop_duplicates()
    explained = explained_rows["source_file"].value_counts()
    file_level = set(errors.loc[errors["row_number"].isna(), "source_file"])
    unexplained = table[
        ~table["source_file"].isin(file_level)
        & (table["rows_rejected"] != table["source_file"].map(explained).fillna(0).astype("Int64"))
    ]
    if not unexplained.empty:
        raise AccountingError(
            "rows read ≠ accepted + rejected-with-reason for "
            + "; ".join(
                f"{r.source_file}: read {r.rows_read}, accepted {r.rows_accepted}, rejected {r.rows_rejected}, "
                f"explained {explained.get(r.source_file, 0)}"
                for r in unexplained.itertuples()
            )
        )
    return table


def submission_completeness(
    registry: pd.DataFrame,
    received: pd.DataFrame,
    accepted: pd.DataFrame,
    files: pd.DataFrame,
    year: int,
    deadline: datetime,
) -> pd.DataFrame:
    """Per county: campuses expected (registry), received, received before `deadline` and after it
    (named), accepted, rejected, missing, unknown, and when a school form last changed.

    `received` are the staged school rows (every campus that sent a school form, accepted or
    not); `files` gives each source file's modification time. Missing and unknown campuses are
    listed by name so the office can phone them.
    """
    timeliness = campus_timeliness(registry, received, files, year, deadline)
    late = timeliness[timeliness["timeliness"] == LATE].assign(
        label=lambda frame: frame["school_name"].fillna("") + "（" + frame["school_code"] + "-" + frame["campus_code"] + "）")
    by_county = timeliness.groupby("county_code")
    expected_keys = registry[[*CAMPUS_KEY, "school_name"]].drop_duplicates(CAMPUS_KEY)
    received_keys = received[[*CAMPUS_KEY, "school_name"]].drop_duplicates(CAMPUS_KEY)
    accepted_keys = accepted[list(CAMPUS_KEY)].drop_duplicates()

    both = expected_keys.merge(received_keys, on=CAMPUS_KEY, how="outer", suffixes=("_expected", "_received"), indicator=True)
    both = both.merge(accepted_keys, on=CAMPUS_KEY, how="left", indicator="_accepted")
    both["school_name"] = both["school_name_expected"].fillna(both["school_name_received"])
    both["is_expected"] = both["_merge"].isin(["both", "left_only"])
    both["is_received"] = both["_merge"].isin(["both", "right_only"])
    both["is_accepted"] = both["_accepted"] == "both"
    both["is_missing"] = both["_merge"] == "left_only"
    both["is_unknown"] = both["_merge"] == "right_only"
    both["label"] = both["school_name"].fillna("") + "（" + both["school_code"] + "-" + both["campus_code"] + "）"

    grouped = both.groupby("county_code")
    table = pd.DataFrame(
        {
            "expected": grouped["is_expected"].sum(),
            "received": grouped["is_received"].sum(),
            "received_on_time": by_county["timeliness"].agg(lambda values: (values == ON_TIME).sum()),
            "late": late.groupby("county_code").size(),
            "accepted": grouped["is_accepted"].sum(),
            "missing": grouped["is_missing"].sum(),
            "unknown": grouped["is_unknown"].sum(),
        }
    ).fillna(0).astype("Int64")
    table["rejected"] = (table["received"] - table["accepted"]).astype("Int64")
    table["missing_campuses"] = _names(both, "is_missing")
    table["unknown_campuses"] = _names(both, "is_unknown")
    table["rejected_campuses"] = _names(both[both["is_received"]], "is_accepted", negate=True)
    table["late_campuses"] = late.sort_values(["school_code", "campus_code"]).groupby("county_code")["label"].agg("、".join)
    table["last_changed_at"] = by_county["last_changed_at"].max()
    table = table.reset_index()
    names = ["missing_campuses", "unknown_campuses", "rejected_campuses", "late_campuses"]
    table[names] = table[names].fillna("")
    table["completion_rate"] = (table["accepted"] / table["expected"].where(table["expected"] > 0)).astype("Float64")
    table["year"] = year
    return table


def _names(frame: pd.DataFrame, flag: str, negate: bool = False) -> pd.Series:
    chosen = frame[~frame[flag]] if negate else frame[frame[flag]]
    return chosen.sort_values(["school_code", "campus_code"]).groupby("county_code")["label"].agg("、".join)


CAMPUS_MISSING, CAMPUS_REJECTED = "campus_missing", "campus_rejected"
CAMPUS_GAP_TEXT = {
    CAMPUS_MISSING: ("未报送", "sent nothing"),
    CAMPUS_REJECTED: ("填报表有错误被拦截", "form rejected for errors"),
}


def campus_gaps(registry: pd.DataFrame, received: pd.DataFrame, accepted: pd.DataFrame) -> pd.DataFrame:
    """Every registry campus whose school form is not accepted, one row each: year, county_code,
    school_code, campus_code, school_name, school_type (from the registry), gap
    (campus_missing: nothing received; campus_rejected: received but blocked by an error).

    The same facts as submission_completeness's counts, per campus, so that a verdict can name
    the campuses it could not judge instead of judging the county on the others."""
    expected = registry[["year", *CAMPUS_KEY, "school_name", "school_type"]].drop_duplicates(CAMPUS_KEY)
    frame = expected.merge(_campus_keys(accepted), on=list(CAMPUS_KEY), how="left")
    frame = frame[frame["_found"].isna()].drop(columns="_found")
    frame = frame.merge(_campus_keys(received), on=list(CAMPUS_KEY), how="left")
    frame["gap"] = frame["_found"].notna().map({True: CAMPUS_REJECTED, False: CAMPUS_MISSING})
    frame = frame.drop(columns="_found").astype(
        {"year": "Int64", "county_code": "string", "school_code": "string", "campus_code": "string",
         "school_name": "string", "school_type": "string", "gap": "string"})
    return frame.sort_values(list(CAMPUS_KEY), ignore_index=True)


def _campus_keys(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[list(CAMPUS_KEY)].drop_duplicates().assign(_found=True)
