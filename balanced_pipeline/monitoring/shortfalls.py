"""Every failed or not-judged item of a county, one row each (county_shortfalls): the rows the
readiness verdict, both rectification lists (Zhejiang attachments 1 and 2), the report and the
CLI summary are built from, so that no step reads another step's text.

A row is either a failure (outcome `failed`) or something the county cannot be judged on:
a registry campus that sent nothing or whose form was rejected (`campus_missing`,
`campus_rejected`, one row per dimension read from school forms), or an item, indicator or
coefficient that could not be computed (`not_computed`). Three flags say what a row is for:

- `blocks_readiness`: the row by itself keeps the county from ready. An R indicator a school
  misses, or a school-level G/Q check, does not: its school part's verdict (item RA) or the
  county item carries it.
- `conclusive`: a failure that stands whatever the campuses not judged would send — a school
  part's own failure, a dimension read from no school form (social recognition, precondition,
  veto), a G/Q item the standards base on the county form (`basis` other than schools), a
  coefficient on its whole evidence, or any failure of a county without campus gaps.
  A county is not_ready exactly when it has a conclusive blocking failure; with other blocking
  rows only it is incomplete (readiness.py).
- `in_school_list` / `in_county_list`: the row is a line of attachment 1 / attachment 2.

Hand-worked case (tests/monitoring/test_verdicts.py, the failing county of test_evaluation): a county whose one primary school misses
R5 (6.1 m² against 7.5) fails the school rule; the R5 row has gap 1.4 and is in the school list,
the RA row blocks readiness and is conclusive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import STAGES, YEAR_COUNTY_KEY
from balanced_pipeline.indicators.common import county_universe, number_text, percent_text
from balanced_pipeline.indicators.dependencies import REASON_COLUMNS
from balanced_pipeline.indicators.preconditions import county_preconditions, county_vetoes
from balanced_pipeline.indicators.social_recognition import ALL_GROUPS
from balanced_pipeline.monitoring.dimensions import DIMENSIONS, DIMENSIONS_EN, SCHOOL_FORM_DIMENSIONS
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.validation.completeness import CAMPUS_GAP_TEXT
from balanced_pipeline.warehouse.catalogue import pandas_dtypes

FAILED, NOT_COMPUTED = "failed", "not_computed"
SCHOOLS_BASIS = "schools"
"""A G/Q item's `basis` in the standards file when it is computed from the school forms."""
STAGE_EN = {"primary": "primary", "junior": "junior secondary"}
SHORTFALL_COLUMNS = pandas_dtypes("county_shortfalls")


def county_shortfalls(
    counties: pd.DataFrame,
    campus_gaps: pd.DataFrame,
    school_indicators: pd.DataFrame,
    school_resource_verdict: pd.DataFrame,
    county_difference_coefficients: pd.DataFrame,
    school_guarantee_checks: pd.DataFrame,
    county_guarantee: pd.DataFrame,
    county_quality: pd.DataFrame,
    county_social_recognition: pd.DataFrame,
    veto_incidents: pd.DataFrame,
    standards: Standards,
) -> pd.DataFrame:
    verdicts, gaps, recognition = school_resource_verdict, campus_gaps, county_social_recognition
    universe = county_universe(counties, verdicts, county_guarantee, county_quality, gaps)
    parts = [
        campus_gap_rows(gaps),
        school_indicator_rows(school_indicators, standards),
        school_verdict_rows(universe, verdicts, standards),
        coefficient_rows(verdicts, county_difference_coefficients, standards),
        school_check_rows(school_guarantee_checks, standards),
        item_rows(universe, county_guarantee, standards, "government_guarantee"),
        item_rows(universe, county_quality, standards, "education_quality"),
        recognition_rows(universe, recognition, standards),
        precondition_rows(county_preconditions(universe, counties, standards), standards),
        veto_rows(county_vetoes(universe, veto_incidents, recognition, standards), standards),
    ]
    frame = _stack(*parts).reindex(columns=list(SHORTFALL_COLUMNS))
    for column in ("stage", "school_code", "campus_code", "school_name", "item_id"):
        frame[column] = frame[column].astype("string").fillna("")
    frame = _mark_conclusive(frame)
    frame["standards_version"] = standards.version
    return frame.astype(SHORTFALL_COLUMNS).reset_index(drop=True)


def _stack(*frames: pd.DataFrame) -> pd.DataFrame:
    """The frames one under the other, leaving out empty ones (they carry no dtypes worth keeping)."""
    return pd.concat([f for f in frames if not f.empty] or frames[:1], ignore_index=True)


def _rows(frame: pd.DataFrame, dimension: str, item_id, outcome, reason_zh, reason_en, *, stage="",
          school: bool = False, value=None, threshold=None, gap=None, blocks: bool = True,
          county_list=False, school_list=False) -> pd.DataFrame:
    columns = {
        "year": frame["year"], "county_code": frame["county_code"], "dimension": dimension, "item_id": item_id,
        "stage": stage, "value": value, "threshold": threshold, "gap": gap, "outcome": outcome,
        "blocks_readiness": blocks, "in_county_list": county_list, "in_school_list": school_list,
        "reason_zh": reason_zh, "reason_en": reason_en,
    }
    if school:
        columns |= {"school_code": frame["school_code"], "campus_code": frame["campus_code"],
                    "school_name": frame["school_name"]}
    # Columns a kind of row has no value for are left out, so the stacked frame takes its types from rows that have one.
    return pd.DataFrame({k: v for k, v in columns.items() if v is not None}, index=frame.index)


def _outcome(passed: pd.Series) -> pd.Series:
    """failed where judged and not met, not_computed where there is no verdict."""
    flags = pd.Series(passed).astype("boolean")
    return pd.Series(np.where(flags.isna(), NOT_COMPUTED, FAILED), index=flags.index, dtype="string")


def _not_met(passed: pd.Series) -> pd.Series:
    return pd.Series(passed).astype("boolean").ne(True).fillna(True).astype(bool)


def shortfall_gap(value: pd.Series, threshold: pd.Series, comparison: pd.Series) -> pd.Series:
    """How far a value is from its standard, positive when short: threshold − value for an
    at-least standard, value − threshold for an at-most one (7.5 − 6.1 = 1.4)."""
    value, threshold = value.astype("Float64"), threshold.astype("Float64")
    at_most = pd.Series(comparison, index=value.index).astype("string").isin(["<=", "<"]).fillna(False).to_numpy()
    return (value - threshold).where(at_most, threshold - value).astype("Float64")


def _float(values: pd.Series, decimals: int) -> pd.Series:
    return values.astype("Float64").astype(object).map(lambda v: f"{v:.{decimals}f}" if pd.notna(v) else "").astype("string")


def _campus_label(frame: pd.DataFrame) -> pd.Series:
    return (frame["school_name"].astype("string").fillna("") + "（" + frame["school_code"] + "-"
            + frame["campus_code"] + "）")


def campus_gap_rows(gaps: pd.DataFrame) -> pd.DataFrame:
    """One row per registry campus not accepted × dimension read from school forms."""
    label = _campus_label(gaps)
    label_en = (gaps["school_name"].astype("string").fillna("") + " (" + gaps["school_code"] + "-"
                + gaps["campus_code"] + ")")
    gap_zh = gaps["gap"].map({k: zh for k, (zh, _) in CAMPUS_GAP_TEXT.items()}).astype("string")
    gap_en = gaps["gap"].map({k: en for k, (_, en) in CAMPUS_GAP_TEXT.items()}).astype("string")
    return _stack(*[
        _rows(gaps, dimension, "", gaps["gap"], label + gap_zh + "，" + DIMENSIONS[dimension] + "未能评估该校区",
              label_en + ": " + gap_en + f"; {DIMENSIONS_EN[dimension].lower()} not judged for this campus", school=True)
        for dimension in SCHOOL_FORM_DIMENSIONS])


def school_indicator_rows(indicators: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Each R indicator (and provincial extra) a school part misses or has no value for: a line of
    the school's list, carried to readiness by the part's verdict."""
    rows = indicators[_not_met(indicators["passed"])]
    combined = rows["school_type"].map(
        {t: len([s for s in stages if s in standards.evaluated_stages]) > 1 for t, stages in standards.school_type_stages.items()}
    ).fillna(False).astype(bool)
    stage_zh = ("（" + rows["stage"].map(STAGES).astype("string") + "）").where(combined, "")
    stage_en = ("(" + rows["stage"].map(STAGE_EN).astype("string") + ") ").where(combined, "")
    gap = shortfall_gap(rows["value"], rows["threshold"], rows["comparison"])
    unit = rows["unit"].astype("string").fillna("")
    at_most = rows["comparison"].astype("string").isin(["<=", "<"]).fillna(False).to_numpy()
    name_zh, name_en = rows["indicator_name_zh"].astype("string"), rows["indicator_name_en"].astype("string")
    value, threshold = number_text(rows["value"]), number_text(rows["threshold"])
    gap_text = number_text(gap.abs())
    zh = (name_zh + " " + value + unit + "，标准 " + threshold + unit + "，"
          + pd.Series(np.where(at_most, "超", "差"), index=rows.index, dtype="string") + " " + gap_text + unit)
    en = (name_en + " " + value + " " + unit + ", standard " + threshold + " " + unit + ", "
          + pd.Series(np.where(at_most, "over by", "short by"), index=rows.index, dtype="string") + " " + gap_text)
    judged = rows["value"].notna()
    # A value not computed names the field to fix (its input was in error or left blank).
    reason_zh, reason_en = (rows[column].astype("string").fillna("") for column in REASON_COLUMNS)
    unknown_zh = (name_zh + " 未计算：" + reason_zh).where(reason_zh.ne(""), name_zh + " 数据缺失，无法判定")
    unknown_en = (name_en + " not computed: " + reason_en).where(reason_en.ne(""), name_en + ": no value, not judged")
    zh = stage_zh + zh.where(judged, unknown_zh)
    en = stage_en + en.where(judged, unknown_en)
    return _rows(rows, "resource_allocation", rows["indicator_id"], _outcome(rows["passed"].where(judged)), zh, en,
                 stage=rows["stage"], school=True, value=rows["value"], threshold=rows["threshold"], gap=gap,
                 blocks=False, school_list=True)


def school_verdict_rows(universe: pd.DataFrame, verdicts: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Each school part failing the 6-of-7 rule (or not judged), and a not-computed row for a
    county with school forms in the universe but no verdict at all."""
    rule = standards.school_rule
    rows = verdicts[_not_met(verdicts["passed"])]
    min_met, floor = rule["min_indicators_met"], percent_text(pd.Series([rule["floor_ratio"]]))[0]
    weakest = rows["weakest_indicator"].astype("string").fillna("—")
    ratio = percent_text(rows["weakest_ratio"])
    met = number_text(rows["indicators_met"], 0) + "/" + number_text(rows["indicators_judged"], 0)
    zh = (rows["school_name"].astype("string") + "（" + rows["stage"].map(STAGES).astype("string")
          + f"）未达到校级资源配置要求（至少{min_met}项达标、其余不低于标准的{floor}）：达标" + met + "项，最弱" + weakest
          + " 达标比" + ratio)
    en = (rows["school_name"].astype("string") + " (" + rows["stage"].map(STAGE_EN).astype("string")
          + f") fails the school rule (at least {min_met} indicators met, the rest at least {floor} of the standard): "
          + met + " met, weakest " + weakest + " at " + ratio)
    # A part with an indicator not computed is not judged: say which and why, not that it fails.
    unjudged = rows["passed"].astype("boolean").isna().to_numpy()
    reason_zh, reason_en = (rows[column].astype("string").fillna("") if column in rows else "" for column in REASON_COLUMNS)
    part_zh = rows["school_name"].astype("string") + "（" + rows["stage"].map(STAGES).astype("string") + "）"
    part_en = rows["school_name"].astype("string") + " (" + rows["stage"].map(STAGE_EN).astype("string") + ")"
    zh = zh.mask(unjudged, part_zh + "未判定校级资源配置要求，有指标未计算：" + reason_zh)
    en = en.mask(unjudged, part_en + " not judged on the school rule, an indicator not computed: " + reason_en)
    failed = _rows(rows, "resource_allocation", "RA", _outcome(rows["passed"]), zh, en, stage=rows["stage"], school=True)
    judged = verdicts[YEAR_COUNTY_KEY].drop_duplicates().assign(_judged=True)
    without = universe.merge(judged, on=YEAR_COUNTY_KEY, how="left")
    without = without[without["_judged"].isna()]
    missing = _rows(without, "resource_allocation", "RA", NOT_COMPUTED, "数据缺失：无学校资源配置评估结果",
                    "no school resource verdict: nothing to judge resource allocation on", county_list=True)
    return _stack(failed, missing)


def coefficient_rows(verdicts: pd.DataFrame, cvs: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Failing or incomputable coefficients (a line of the county list); a coefficient that passes
    over parts some of whose values could not be computed (not judged, not a list line); and
    coefficients missing for a county stage that has judged school parts."""
    cv = cvs["cv"].astype("Float64")
    partial = cvs["passed"].astype("boolean").fillna(False) & (cvs["parts_without_value"].astype("Int64") > 0).fillna(False)
    rows = cvs[_not_met(cvs["passed"]) | partial]
    cv, partial = cv[rows.index], partial[rows.index]
    label = (rows["stage"].map(STAGES).astype("string") + " " + rows["indicator_id"].astype("string")
             + "（" + rows["indicator_name_zh"].astype("string") + "）差异系数")
    label_en = (rows["stage"].map(STAGE_EN).astype("string") + " " + rows["indicator_id"].astype("string")
                + " difference coefficient")
    note = rows["note"].astype("string").fillna("")
    judged = label + " " + _float(cv, 3) + "，标准 ≤" + _float(rows["threshold"], 2)
    judged_en = label_en + " " + _float(cv, 3) + ", maximum " + _float(rows["threshold"], 2)
    used = (rows["schools_in_scope"].astype("Int64").astype("string") + "/"
            + rows["parts_expected"].astype("Int64").astype("string"))
    zh = judged.where(~partial, judged + "，仅基于" + used + "个学校（学段）：" + note).where(cv.notna(), label + "无法计算：" + note)
    en = judged_en.where(~partial, judged_en + ", over only " + used + " school parts: " + note).where(
        cv.notna(), label_en + " could not be computed: " + note)
    outcome = _outcome(rows["passed"].astype("boolean").where(cv.notna() & ~partial))
    found = _rows(rows, "resource_allocation", rows["indicator_id"], outcome, zh, en, stage=rows["stage"],
                  value=cv, threshold=rows["threshold"], gap=(cv - rows["threshold"].astype("Float64")),
                  county_list=~partial)
    found["conclusive"] = rows["evidence_complete"].astype("boolean").fillna(False)

    dc_ids = [i.id for i in standards.resource_indicators if i.difference_coefficient]
    expected = verdicts[[*YEAR_COUNTY_KEY, "stage"]].drop_duplicates().merge(pd.DataFrame({"indicator_id": dc_ids}), how="cross")
    present = cvs[[*YEAR_COUNTY_KEY, "stage", "indicator_id"]].drop_duplicates().assign(present=True)
    missing = expected.merge(present, on=[*YEAR_COUNTY_KEY, "stage", "indicator_id"], how="left")
    missing = missing[missing["present"].isna()]
    missing_rows = _rows(missing, "resource_allocation", missing["indicator_id"], NOT_COMPUTED,
                         "数据缺失：" + missing["stage"].map(STAGES) + " " + missing["indicator_id"] + " 差异系数未计算",
                         missing["stage"].map(STAGE_EN) + " " + missing["indicator_id"] + " difference coefficient not computed",
                         stage=missing["stage"], county_list=True)
    return _stack(found, missing_rows)


def _item_names(standards: Standards) -> tuple[dict, dict, dict]:
    specs = [(dimension, item) for dimension in ("government_guarantee", "education_quality")
             for item in standards.section(dimension)["items"]]
    return ({i["id"]: d for d, i in specs}, {i["id"]: i["name_zh"] for _, i in specs},
            {i["id"]: i.get("name_en", i["id"]) for _, i in specs})


def school_check_rows(checks: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Each school-level G/Q check a campus fails or cannot be judged on: a line of the school list,
    carried to readiness by the county item."""
    dimension, names_zh, names_en = _item_names(standards)
    rows = checks[_not_met(checks["passed"])]
    zh = rows["item_id"].map(names_zh).astype("string") + "：" + rows["detail"].astype("string").fillna("")
    en = (rows["item_id"] + " " + rows["item_id"].map(names_en).astype("string")
          + pd.Series(np.where(rows["passed"].astype("boolean").isna(), ": not judged (data missing)", ": not met"),
                      index=rows.index, dtype="string"))
    frames = [
        _rows(of, dim, of["item_id"], _outcome(of["passed"]), zh[of.index], en[of.index], stage=of["stage"],
              school=True, value=of["value"], threshold=of["threshold"],
              gap=shortfall_gap(of["value"], of["threshold"], of["comparison"]), blocks=False, school_list=True)
        for dim, of in rows.groupby(rows["item_id"].map(dimension), sort=False)
    ]
    return _stack(*frames) if frames else rows.iloc[0:0]


def item_rows(universe: pd.DataFrame, items: pd.DataFrame, standards: Standards, dimension: str) -> pd.DataFrame:
    """Failing or undecided G or Q items, and items a county has no row for."""
    specs = standards.section(dimension)["items"]
    rules = {spec["id"]: spec["rule_zh"] for spec in specs}
    names_en = {spec["id"]: spec.get("name_en", spec["id"]) for spec in specs}
    rows = items[_not_met(items["passed"])]
    stage = rows["stage"].astype("string").fillna("")
    title = (rows["item_id"] + " " + rows["name_zh"]
             + ("（" + stage.map(STAGES).astype("string") + "）").where(stage.ne(""), ""))
    zh = title + "：" + rows["detail"].astype("string").fillna("") + "（标准：" + rows["item_id"].map(rules).astype("string") + "）"
    en = (rows["item_id"] + " " + rows["item_id"].map(names_en).astype("string")
          + (" (" + stage.map(STAGE_EN).astype("string") + ")").where(stage.ne(""), "")
          + pd.Series(np.where(rows["passed"].astype("boolean").isna(), ": could not be computed", ": not met"),
                      index=rows.index, dtype="string")
          + (", value " + number_text(rows["value"], 3) + ", standard " + number_text(rows["threshold"], 3)).where(
              rows["value"].notna() & rows["threshold"].notna(), ""))
    # An item not computed says why (no county form, which input is in error or blank, which campuses).
    reason_zh, reason_en = (rows[c].astype("string").fillna("") if c in rows else pd.Series("", index=rows.index, dtype="string")
                            for c in REASON_COLUMNS)
    zh = zh.mask(reason_zh.ne(""), title + "：未计算，" + reason_zh + "（标准：" + rows["item_id"].map(rules).astype("string") + "）")
    en = en.mask(reason_en.ne(""), rows["item_id"] + " " + rows["item_id"].map(names_en).astype("string")
                 + (" (" + stage.map(STAGE_EN).astype("string") + ")").where(stage.ne(""), "") + ": " + reason_en)
    found = _rows(rows, dimension, rows["item_id"], _outcome(rows["passed"]), zh, en, stage=stage, value=rows["value"],
                  threshold=rows["threshold"], gap=shortfall_gap(rows["value"], rows["threshold"], rows["comparison"]),
                  county_list=True)
    # An item the standards base on the county form (basis county or attestation) stands whatever a
    # missing campus would send; one based on the schools stands only when every campus is judged.
    from_county_form = {spec["id"]: spec.get("basis") != SCHOOLS_BASIS for spec in specs}
    found["conclusive"] = rows["item_id"].map(from_county_form).map({True: True, False: pd.NA})

    expected = universe.merge(pd.DataFrame({"item_id": list(rules)}), how="cross")
    present = items[[*YEAR_COUNTY_KEY, "item_id"]].drop_duplicates().assign(present=True)
    missing = expected.merge(present, on=[*YEAR_COUNTY_KEY, "item_id"], how="left")
    missing = missing[missing["present"].isna()]
    missing_rows = _rows(missing, dimension, missing["item_id"], NOT_COMPUTED, missing["item_id"] + " 数据缺失：无评估结果",
                         missing["item_id"] + " not computed: no result", county_list=True)
    return _stack(found, missing_rows)


def recognition_rows(universe: pd.DataFrame, recognition: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    section = standards.section("social_recognition")
    overall = universe.merge(recognition[recognition["respondent_group"] == ALL_GROUPS], on=YEAR_COUNTY_KEY, how="left")
    rows = overall[_not_met(overall["passed"])]
    threshold = pd.Series(section["threshold"], index=rows.index, dtype="Float64")
    threshold_text = "≥" + percent_text(threshold)
    judged = (section["name_zh"] + percent_text(rows["rate"]) + "，标准" + threshold_text + "（有效作答"
              + number_text(rows["answers_counted"], 0) + "个，其中满意" + number_text(rows["satisfied"], 0) + "个）")
    judged_en = (section["name_en"] + " " + percent_text(rows["rate"]) + ", standard " + threshold_text + " ("
                 + number_text(rows["satisfied"], 0) + " of " + number_text(rows["answers_counted"], 0) + " answers satisfied)")
    note = rows["note"].astype("string").fillna("数据缺失：未报送社会认可度调查数据")
    rate = rows["rate"].astype("Float64")
    zh = judged.where(rate.notna(), section["name_zh"] + " " + note)
    en = judged_en.where(rate.notna(), section["name_en"] + " could not be computed (no survey answers counted)")
    return _rows(rows, "social_recognition", section["id"], _outcome(rows["passed"].astype("boolean").where(rate.notna())),
                 zh, en, value=rate, threshold=threshold, gap=threshold - rate, county_list=True)


def precondition_rows(preconditions: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    rule = standards.section("readiness")["precondition"]
    unmet = preconditions[~preconditions["precondition_met"].astype(bool)]
    year = unmet["basic_balance_year"].astype("Int64")
    en = ("basic balance certified in " + year.astype("string") + f", fewer than {rule['min_years_since_basic_balance']} "
          "years before the evaluated year").fillna(
        "not computed: basic-balance certification year not reported (no accepted county form, or the field blank "
        "or in error)")
    # Without the year (no accepted county form, the field blank or quarantined) P1 is not judged, not failed.
    outcome = pd.Series(np.where(year.isna(), NOT_COMPUTED, FAILED), index=unmet.index, dtype="string")
    return _rows(unmet, "precondition", rule["id"], outcome, unmet["shortfall"], en, value=year.astype("Float64"),
                 threshold=(unmet["year"] - int(rule["min_years_since_basic_balance"])).astype("Float64"),
                 county_list=True)


def veto_rows(vetoes: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    rule = standards.section("readiness")["vetoes"]
    vetoed = vetoes[vetoes["vetoed"].astype(bool)]
    return _rows(vetoed, "veto", rule["id"], FAILED, rule["name_zh"] + "：" + vetoed["veto_reasons"],
                 "one-vote veto: " + vetoed["veto_reasons"], county_list=True)


def _mark_conclusive(frame: pd.DataFrame) -> pd.DataFrame:
    """See the module docstring; coefficient and G/Q item rows may bring their own flag (a
    coefficient's evidence_complete, an item's basis), the others follow the campus gaps."""
    with_gaps = frame.loc[frame["outcome"].isin(list(CAMPUS_GAP_TEXT)), ["year", "county_code"]].drop_duplicates()
    gap = frame[["year", "county_code"]].merge(with_gaps.assign(_gap=True), on=["year", "county_code"], how="left")
    gap = gap["_gap"].notna().to_numpy()
    stands = (frame["school_code"].ne("") | ~frame["dimension"].isin(SCHOOL_FORM_DIMENSIONS) | ~gap)
    given = frame["conclusive"].astype("boolean") if "conclusive" in frame else pd.Series(pd.NA, index=frame.index)
    frame["conclusive"] = (frame["outcome"].eq(FAILED) & given.fillna(stands)).astype("boolean")
    return frame


def headline(shortfalls: pd.DataFrame) -> pd.DataFrame:
    """Per county: 【dimension】reason；reason。… over the blocking rows other than campus gaps (those
    are summed up once, by readiness), in dimension order."""
    rows = shortfalls[shortfalls["blocks_readiness"].astype(bool) & ~shortfalls["outcome"].isin(list(CAMPUS_GAP_TEXT))]
    order = {name: position for position, name in enumerate(DIMENSIONS)}
    rows = rows.assign(position=rows["dimension"].map(order)).sort_values([*YEAR_COUNTY_KEY, "position"], kind="stable")
    per_dimension = rows.groupby([*YEAR_COUNTY_KEY, "position", "dimension"], sort=False)["reason_zh"].agg("；".join).reset_index()
    per_dimension["block"] = "【" + per_dimension["dimension"].map(DIMENSIONS) + "】" + per_dimension["reason_zh"] + "。"
    return per_dimension.groupby(YEAR_COUNTY_KEY, sort=False)["block"].agg("".join).rename("reasons").reset_index()
