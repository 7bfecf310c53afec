"""Change history: every field a resubmitted campus or county form changed (issue 12 item 3).

Nothing is overwritten without a trace. A record accepted this run is compared field by field
with what it replaces:

- the record of the same campus (county) accepted by the previous run of the year, still in the
  warehouse when this step runs (the accepted tables are written after it), or else
- the newest record of the same campus that a newer file superseded in this run (a campus sent
  twice is resolved by the newest file; the older one is recorded here).

Each differing field is one row: old and new value as text, old and new file, and when the new
file changed (its modification time). The year's earlier changes are kept; a change already
recorded is not recorded twice.
"""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.contract.forms import CAMPUS_KEY, COUNTIES, SCHOOLS, Form
from balanced_pipeline.contract.issues import split_accepted
from balanced_pipeline.intake.ingest import SUPERSEDED
CHANGE_COLUMNS = ["county_code", "school_code", "campus_code", "form", "field", "old_value", "new_value",
                  "old_file", "new_file", "changed_at"]
KEYS = {SCHOOLS.name: list(CAMPUS_KEY), COUNTIES.name: ["county_code"]}
"""The forms whose resubmissions are traced, and the key that says 'the same campus (county)'."""
FORMS_TRACED = {SCHOOLS.name: SCHOOLS, COUNTIES.name: COUNTIES}


def as_text(values: pd.Series) -> pd.Series:
    """A typed column as the text compared and stored ('' for missing): 120, 2345.5, True, 城区."""
    return values.astype("string").fillna("")


def field_changes(old: pd.DataFrame, new: pd.DataFrame, form: Form, files: pd.DataFrame) -> pd.DataFrame:
    """One row per field whose value differs between `old` and `new` records of the same key."""
    key = KEYS[form.name]
    pairs = old.merge(new, on=key, suffixes=("_old", "_new"))
    modified = pd.to_datetime(files.set_index("source_file")["modified_at"], utc=True)
    found = []
    for field in (name for name in form.field_names if name not in key):
        before, after = as_text(pairs[f"{field}_old"]), as_text(pairs[f"{field}_new"])
        changed = pairs[before != after]
        if changed.empty:
            continue
        found.append(pd.DataFrame({
            **{column: changed[column] for column in key},
            "form": form.name,
            "field": field,
            "old_value": before[changed.index],
            "new_value": after[changed.index],
            "old_file": changed["source_file_old"],
            "new_file": changed["source_file_new"],
            "changed_at": changed["source_file_new"].map(modified),
        }))
    if not found:
        return pd.DataFrame(columns=CHANGE_COLUMNS)
    return pd.concat(found, ignore_index=True).reindex(columns=CHANGE_COLUMNS)


def replaced_records(previous: pd.DataFrame, superseded: pd.DataFrame, form: Form, files: pd.DataFrame) -> pd.DataFrame:
    """What each record of this run replaces: last run's accepted record, else the newest superseded one."""
    key = KEYS[form.name]
    modified = files.set_index("source_file")["modified_at"]
    newest_superseded = (superseded.assign(_at=superseded["source_file"].map(modified))
                         .sort_values([*key, "_at", "source_file"]).drop_duplicates(key, keep="last")
                         .drop(columns="_at"))
    fallback = newest_superseded.merge(previous[key], on=key, how="left", indicator=True)
    fallback = fallback[fallback["_merge"] == "left_only"].drop(columns="_merge")
    return pd.concat([previous, fallback], ignore_index=True)


def submission_changes(staged: dict[str, pd.DataFrame], issues: pd.DataFrame, files: pd.DataFrame,
                       previous_accepted: dict[str, pd.DataFrame], previous_changes: pd.DataFrame) -> pd.DataFrame:
    """The year's change history: earlier changes plus those of this run's accepted records.

    `staged` and `previous_accepted` are keyed by form name (schools, counties); `issues` are this
    run's validation issues (errors decide what is accepted, `superseded_submission` what was replaced).
    """
    superseded_issues = issues[issues["rule"] == SUPERSEDED]
    found = [previous_changes.reindex(columns=CHANGE_COLUMNS)]
    for name, form in FORMS_TRACED.items():
        accepted = split_accepted(staged[name], issues, name)[0]
        superseded = split_accepted(staged[name], superseded_issues, name)[1]
        replaced = replaced_records(previous_accepted[name], superseded, form, files)
        found.append(field_changes(replaced, accepted, form, files))
    history = pd.concat([frame for frame in found if not frame.empty] or [found[0]], ignore_index=True)
    history[["school_code", "campus_code"]] = history[["school_code", "campus_code"]].astype("string").fillna("")
    history["changed_at"] = pd.to_datetime(history["changed_at"], utc=True)
    identity = [c for c in CHANGE_COLUMNS if c != "changed_at"]
    return history.drop_duplicates(identity, keep="first").reset_index(drop=True)
