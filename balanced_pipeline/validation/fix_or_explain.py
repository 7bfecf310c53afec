"""Fix or explain: each issue's `status` in data_quality_issues (open, explained or fixed).

The rule of the trusted systems of this loop (DfE COLLECT: "errors must be fixed; queries must be
fixed or explained"):

- a warning the county stands by is *explained* by a row of explanations.csv (or of a campus
  workbook's 警告说明 sheet) naming it by county, school, campus, rule and field — school and campus
  blank for a county-form warning. Its text and author go into the issue row.
- an error is never explained: an explanation that names one, or names nothing of the year, becomes
  a warning of its own on the explanation's row, and the error stays open.
- an issue of the year's previous published run that no longer occurs is *fixed*: carried as a
  row with that status, so the office sees what was corrected, and counted as a problem nowhere
  (`contract.issues.current_issues`).

Generic over every warning rule: nothing here knows which rules there are.
"""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.contract.forms import EXPLANATIONS
from balanced_pipeline.contract.issues import (
    ERROR,
    EXPLAINED,
    FIXED,
    OPEN,
    WARNING,
    conform_issues,
    issues_for_rows,
)

EXPLANATION_KEY = ["county_code", "school_code", "campus_code", "rule", "field"]
"""What an explanation names, as data_quality_issues spells it."""
OCCURRENCE_KEY = ["county_code", "school_code", "campus_code", "form", "rule", "field", "place"]
"""What makes an issue the same problem from one run to the next: who, which form, rule and field —
not the file or row, which a resubmission changes while the problem stays. An issue of nobody
(a file that could not be read) is told apart by its file (`place`)."""
EXPLAINS_AN_ERROR = "explanation_of_error"
EXPLAINS_NOTHING = "explanation_unmatched"

_ERROR_MESSAGE = (
    "本条说明针对的是错误（error）而不是警告：规则 {value} 的错误不能说明，只能更正数据后重新提交；该错误仍然有效",
    "this explanation names an error, not a warning: an error of rule {value} cannot be explained, only fixed "
    "and submitted again; the error stands",
)
_NOTHING_MESSAGE = (
    "本条说明找不到本年度对应的警告（按县代码、学校标识码、校区代码、规则编号 {value}、问题字段核对）："
    "请照抄问题清单中的规则编号和字段，县级表的警告学校标识码和校区代码留空；该警告也可能已经更正",
    "this explanation matches no warning of the year (by county, school, campus, rule {value} and field): "
    "copy the rule and field from the issue list, leaving school and campus blank for a county-form warning; "
    "the warning may also have been fixed already",
)


def _text_key(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The key columns as stripped text, a missing column or value as '' (blank school and campus)."""
    return pd.DataFrame({
        column: (frame[column].astype("string").fillna("").str.strip() if column in frame.columns
                 else pd.Series("", index=frame.index, dtype="string"))
        for column in columns
    }, index=frame.index)


def explain_warnings(issues: pd.DataFrame, explanations: pd.DataFrame) -> pd.DataFrame:
    """`issues` with every open warning an explanation names marked `explained` (its text and author
    copied; of several explanations of one warning the last in file order counts), followed by one
    warning per explanation that names an error or nothing."""
    issues = conform_issues(issues)
    if explanations.empty:
        return issues
    given = _text_key(explanations, EXPLANATION_KEY).assign(
        explanation=_text_key(explanations, ["explanation"])["explanation"],
        explained_by=_text_key(explanations, ["explained_by"])["explained_by"],
    )
    latest = given.drop_duplicates(EXPLANATION_KEY, keep="last").set_index(EXPLANATION_KEY)
    keys = pd.MultiIndex.from_frame(_text_key(issues, EXPLANATION_KEY))
    open_warning = ((issues["severity"] == WARNING) & (issues["status"] == OPEN)).to_numpy()
    found = keys.isin(latest.index) & open_warning
    matched = latest.reindex(keys[found])
    issues.loc[found, "status"] = EXPLAINED
    issues.loc[found, "explanation"] = matched["explanation"].to_numpy()
    issues.loc[found, "explained_by"] = matched["explained_by"].to_numpy()

    given_keys = pd.MultiIndex.from_frame(given[EXPLANATION_KEY])
    explains_warning = given_keys.isin(keys[(issues["severity"] == WARNING).to_numpy()])
    names_error = given_keys.isin(keys[(issues["severity"] == ERROR).to_numpy()]) & ~explains_warning
    names_nothing = ~explains_warning & ~names_error
    own = [
        issues_for_rows(explanations[mask], form=EXPLANATIONS.name, field="rule", rule=rule, severity=WARNING,
                        message_zh=zh, message_en=en)
        for mask, rule, (zh, en) in ((names_error, EXPLAINS_AN_ERROR, _ERROR_MESSAGE),
                                     (names_nothing, EXPLAINS_NOTHING, _NOTHING_MESSAGE))
        if mask.any()
    ]
    return conform_issues(pd.concat([issues, *own], ignore_index=True))


def _occurrences(issues: pd.DataFrame) -> pd.MultiIndex:
    keys = _text_key(issues, OCCURRENCE_KEY[:-1])
    keys["place"] = issues["source_file"].astype("string").fillna("").where(keys["county_code"] == "", "")
    return pd.MultiIndex.from_frame(keys[OCCURRENCE_KEY])


def carry_fixed(issues: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """`issues` followed by every issue of `previous` (the year's last published data_quality_issues)
    that no longer occurs, with status `fixed`. A row already fixed then stays fixed while its
    problem does not come back, so the year's corrections are all kept."""
    issues = conform_issues(issues)
    previous = conform_issues(previous)
    if previous.empty:
        return issues
    gone = previous[~_occurrences(previous).isin(_occurrences(issues))].drop_duplicates()
    return conform_issues(pd.concat([issues, gone.assign(status=FIXED)], ignore_index=True))


def issue_status(issues: pd.DataFrame, explanations: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """The year's data_quality_issues: this run's issues, explained where an explanation names them,
    and the previous run's issues that were fixed since."""
    return carry_fixed(explain_warnings(issues, explanations), previous)
