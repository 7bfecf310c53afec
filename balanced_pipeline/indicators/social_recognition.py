"""Social recognition (社会认可度), spec §2.4: the table county_social_recognition.

The rate is satisfied answers / counted answers, pooled over every question and respondent of
a group; the row `all` pools every group and decides the dimension. Answers of "don't know"
(不了解, or 1 on the 5…1 scale) are left out of the denominator; blank answers too. An answer the
standards file does not list is counted in `answers_unrecognised`, never silently dropped.

A county sends either raw responses or per-group totals (survey_groups). When it sends both,
its raw responses are used and its totals are rejected with an error issue.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import YEAR_COUNTY_KEY
from balanced_pipeline.indicators.common import county_universe, safe_ratio
from balanced_pipeline.indicators.formulas import meets
from balanced_pipeline.contract.issues import ERROR, issues_for_rows
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import conform, pandas_dtypes

ALL_GROUPS = "all"
SUPERSEDED_GROUPS_RULE = "survey_groups_superseded_by_responses"
GROUP_COUNT_COLUMNS = ["respondents", "answers_counted", "satisfied", "answers_excluded", "answers_unrecognised"]
SOCIAL_RECOGNITION_COLUMNS = pandas_dtypes("county_social_recognition")


def answer_text(answers: pd.DataFrame) -> pd.DataFrame:
    """Answers as comparable text: trimmed, and 5 / 5.0 / "5" all read as "5"."""
    return answers.astype("string").apply(lambda column: column.str.strip().str.replace(r"\.0+$", "", regex=True))


def survey_group_counts(survey_responses: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Raw responses (one row per respondent: year, county_code, respondent_id,
    respondent_group, q01 … qNN) → one row per year × county × respondent group with
    respondents, answers_counted, satisfied, answers_excluded, answers_unrecognised."""
    section = standards.section("social_recognition")
    questions = [c for c in survey_responses.columns if str(c).startswith(section["question_prefix"])]
    tallies = np.zeros((len(survey_responses), len(ANSWER_TALLIES)), dtype="int64")
    for question in questions:
        # A question has a handful of distinct answers: each is read once (answer_kinds), and
        # every respondent's answer adds its kind by position (code -1, a missing answer, adds none).
        codes, distinct = pd.factorize(survey_responses[question].astype("string"))
        kinds = answer_kinds(pd.Series(distinct, dtype="string"), section["answers"])
        tallies += np.vstack([kinds.to_numpy(dtype="int64"), np.zeros((1, len(ANSWER_TALLIES)), dtype="int64")])[codes]
    per_respondent = pd.DataFrame(
        {
            "year": survey_responses["year"],
            "county_code": survey_responses["county_code"],
            "respondent_group": survey_responses["respondent_group"].astype("string").str.strip(),
            "respondents": 1,
            **{column: tallies[:, position] for position, column in enumerate(ANSWER_TALLIES)},
        },
        index=survey_responses.index,
    )
    return per_respondent.groupby([*YEAR_COUNTY_KEY, "respondent_group"], as_index=False)[GROUP_COUNT_COLUMNS].sum()


ANSWER_TALLIES = ["answers_counted", "satisfied", "answers_excluded", "answers_unrecognised"]


def answer_kinds(answers: pd.Series, listed: dict) -> pd.DataFrame:
    """For each answer, which tallies of ANSWER_TALLIES it adds to: counted (satisfied or
    dissatisfied), satisfied, excluded ("don't know"), unrecognised (none of the standards file's
    answers, not blank)."""
    text = answer_text(answers.to_frame())[answers.name if answers.name is not None else 0]
    satisfied = text.isin([str(a) for a in listed["satisfied"]])
    counted = satisfied | text.isin([str(a) for a in listed["dissatisfied"]])
    excluded = text.isin([str(a) for a in listed["excluded"]])
    blank = text.isna() | text.eq("").fillna(False)
    return pd.DataFrame({"answers_counted": counted, "satisfied": satisfied, "answers_excluded": excluded,
                         "answers_unrecognised": ~(counted | excluded | blank)})[ANSWER_TALLIES]


def submitted_group_counts(survey_groups: pd.DataFrame) -> pd.DataFrame:
    """Per-group totals as submitted → the counts survey_group_counts gives for raw responses.
    A total has no unrecognised answers (the county classified them), and a blank
    answers_excluded is 0: it is optional and never enters the rate."""
    counts = survey_groups[[*YEAR_COUNTY_KEY, "respondent_group", "respondents", "answers_counted", "satisfied",
                            "answers_excluded"]]
    return counts.assign(
        respondent_group=counts["respondent_group"].astype("string").str.strip(),
        answers_excluded=counts["answers_excluded"].astype("Int64").fillna(0),
        answers_unrecognised=0,
    )


def superseded_by_responses(survey_groups: pd.DataFrame, survey_responses: pd.DataFrame) -> pd.Series:
    """True for each per-group total of a county (and year) that also sent raw responses: the raw
    responses decide, being the finer data."""
    def counties(frame: pd.DataFrame) -> pd.MultiIndex:
        return pd.MultiIndex.from_frame(frame[YEAR_COUNTY_KEY])
    return pd.Series(counties(survey_groups).isin(counties(survey_responses)), index=survey_groups.index)


def superseded_group_issues(survey_groups: pd.DataFrame, survey_responses: pd.DataFrame) -> pd.DataFrame:
    """An error issue on each per-group total that raw responses of its county replace."""
    return issues_for_rows(
        survey_groups[superseded_by_responses(survey_groups, survey_responses)],
        form="survey_groups",
        field="county_code",
        rule=SUPERSEDED_GROUPS_RULE,
        severity=ERROR,
        message_zh="该县（{value}）本年度也报送了原始问卷（survey_responses），社会认可度按原始问卷计算，"
                   "本行分类汇总未采用；请只报送其中一种",
        message_en="county {value} also sent raw survey responses (survey_responses) this year; social recognition "
                   "is computed from them and this per-group total is not used. Send only one of the two.",
    )


def survey_counts(survey_responses: pd.DataFrame, survey_groups: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Per-group counts of every county: from its raw responses, else from its per-group totals."""
    in_force = survey_groups[~superseded_by_responses(survey_groups, survey_responses)]
    parts = [survey_group_counts(survey_responses, standards), submitted_group_counts(in_force)]
    return pd.concat([part for part in parts if not part.empty] or parts[:1], ignore_index=True)


def recognition_rate(satisfied: pd.Series, answers_counted: pd.Series) -> pd.Series:
    """satisfied / counted answers ("don't know" already left out of both)."""
    return safe_ratio(satisfied, answers_counted)


def recognition_table(group_counts: pd.DataFrame, counties: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Per-group counts → the table rows, one per group plus `all`; a county with a county form
    but no survey gets an `all` row that fails with a note."""
    section = standards.section("social_recognition")
    overall = group_counts.groupby(YEAR_COUNTY_KEY, as_index=False)[GROUP_COUNT_COLUMNS].sum().assign(respondent_group=ALL_GROUPS)
    universe = county_universe(counties, group_counts).assign(respondent_group=ALL_GROUPS)
    overall = universe.merge(overall, on=[*YEAR_COUNTY_KEY, "respondent_group"], how="left")
    table = pd.concat([group_counts, overall], ignore_index=True)
    table[GROUP_COUNT_COLUMNS] = table[GROUP_COUNT_COLUMNS].fillna(0).astype("Int64")
    table["rate"] = recognition_rate(table["satisfied"], table["answers_counted"])
    table["threshold"] = float(section["threshold"])
    table["passed"] = meets(table["rate"], table["threshold"], section["comparison"]).fillna(False)
    table["note"] = ""
    table.loc[table["respondents"] == 0, "note"] = "数据缺失：未报送社会认可度调查数据"
    table.loc[(table["respondents"] > 0) & (table["answers_counted"] == 0), "note"] = "无有效作答（均为不了解或空白）"
    unrecognised = table["answers_unrecognised"] > 0
    table.loc[unrecognised, "note"] = (
        table.loc[unrecognised, "note"].where(table.loc[unrecognised, "note"].eq(""), table.loc[unrecognised, "note"] + "；")
        + table.loc[unrecognised, "answers_unrecognised"].astype(str) + "个答案无法识别，未计入"
    )
    table["standards_version"] = standards.version
    order = {group: position for position, group in enumerate([*section["groups"], ALL_GROUPS])}
    table["group_order"] = table["respondent_group"].map(order).fillna(len(order) - 1.5)
    table = table.sort_values([*YEAR_COUNTY_KEY, "group_order", "respondent_group"], kind="stable")
    return conform(table, SOCIAL_RECOGNITION_COLUMNS)


def county_social_recognition(survey_responses: pd.DataFrame, counties: pd.DataFrame, standards: Standards,
                              survey_groups: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table county_social_recognition from raw survey responses and, for counties that sent
    none, their per-group totals."""
    if survey_groups is None:
        return recognition_table(survey_group_counts(survey_responses, standards), counties, standards)
    return recognition_table(survey_counts(survey_responses, survey_groups, standards), counties, standards)
