"""Every reason a county is not ready, one row each: the source of the readiness headline and of
the county government's rectification list (Zhejiang attachment 2).

A dimension passes exactly when it has no shortfall row, and missing data is itself a shortfall,
so a dimension without data fails with a reason instead of passing silently.
"""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.indicators.common import (
    COUNTY,
    STAGE_ZH,
    aggregate_join,
    county_universe,
    number_text,
    percent_text,
)
from balanced_pipeline.indicators.preconditions import county_preconditions, county_vetoes
from balanced_pipeline.indicators.social_recognition import ALL_GROUPS
from balanced_pipeline.standards.loader import Standards

DIMENSIONS = {
    "resource_allocation": "资源配置",
    "government_guarantee": "政府保障程度",
    "education_quality": "教育质量",
    "social_recognition": "社会认可度",
    "precondition": "基本条件",
    "veto": "一票否决",
}
SHORTFALL_COLUMNS = {
    "year": "Int64", "county_code": "string", "dimension": "string", "item_id": "string", "stage": "string",
    "shortfall": "string", "reason": "string", "in_county_list": "boolean",
}
"""`shortfall` states the standard too (for the rectification list); `reason` is the shorter
text of the readiness headline; `in_county_list` is False for school-level failures, which
belong to the school list."""


def county_shortfalls(
    counties: pd.DataFrame,
    school_resource_verdict: pd.DataFrame,
    county_difference_coefficients: pd.DataFrame,
    county_guarantee: pd.DataFrame,
    county_quality: pd.DataFrame,
    county_social_recognition: pd.DataFrame,
    veto_incidents: pd.DataFrame,
    standards: Standards,
) -> pd.DataFrame:
    verdicts = _keyed(school_resource_verdict)
    cvs = _keyed(county_difference_coefficients)
    recognition = _keyed(county_social_recognition)
    universe = county_universe(counties, verdicts, county_guarantee, county_quality)
    parts = [
        school_verdict_shortfalls(universe, verdicts, standards),
        difference_coefficient_shortfalls(verdicts, cvs, standards),
        item_shortfalls(universe, _keyed(county_guarantee), standards, "government_guarantee"),
        item_shortfalls(universe, _keyed(county_quality), standards, "education_quality"),
        recognition_shortfalls(universe, recognition, standards),
        precondition_shortfalls(county_preconditions(universe, counties, standards), standards),
        veto_shortfalls(county_vetoes(universe, veto_incidents, recognition, standards), standards),
    ]
    found = [p for p in parts if not p.empty]
    # Every county ready (or no county at all) means no shortfall: an empty table, not an error.
    frame = pd.concat(found, ignore_index=True) if found else pd.DataFrame(columns=list(SHORTFALL_COLUMNS))
    frame = frame.reindex(columns=list(SHORTFALL_COLUMNS)).fillna({"stage": ""})
    return frame.astype(SHORTFALL_COLUMNS).reset_index(drop=True)


def _keyed(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({"year": "Int64", "county_code": "string"})


def _stack(*frames: pd.DataFrame) -> pd.DataFrame:
    return pd.concat([f for f in frames if not f.empty] or frames[:1], ignore_index=True)


def _rows(frame: pd.DataFrame, dimension: str, item_id, stage, shortfall, reason=None, in_county_list=True) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": frame["year"], "county_code": frame["county_code"], "dimension": dimension,
            "item_id": item_id, "stage": stage, "shortfall": shortfall,
            "reason": shortfall if reason is None else reason, "in_county_list": in_county_list,
        },
        index=frame.index,
    )


def school_verdict_shortfalls(universe: pd.DataFrame, verdicts: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """One summary per county of the school parts failing the 6-of-7 rule (named with their
    weakest indicator), or a missing-data row when the county has no verdicts at all."""
    rule = standards.school_rule
    failing = verdicts[verdicts["passed"].astype("boolean").ne(True).fillna(True)].copy()
    failing["label"] = (
        failing["school_name"].astype("string") + "（" + failing["stage"].map(STAGE_ZH).astype("string")
        + "，最弱" + failing["weakest_indicator"].astype("string").fillna("—") + " 达标比"
        + percent_text(failing["weakest_ratio"]) + "）"
    )
    failing["n"] = 1
    per_county = failing.groupby(COUNTY).agg(n=("n", "sum"), names=("label", "、".join)).reset_index()
    min_met, floor = rule["min_indicators_met"], percent_text(pd.Series([rule["floor_ratio"]]))[0]
    text = (per_county["n"].astype("string") + f"个学校（学段）未达到校级资源配置要求（至少{min_met}项达标、其余不低于标准的{floor}）："
            + per_county["names"])
    failed_rows = _rows(per_county, "resource_allocation", "RA", "", text, in_county_list=False)
    judged = verdicts[COUNTY].drop_duplicates()
    without = universe.merge(judged, on=COUNTY, how="left", indicator=True)
    without = without[without["_merge"] == "left_only"]
    missing_rows = _rows(without, "resource_allocation", "RA", "", "数据缺失：无学校资源配置评估结果")
    return _stack(failed_rows, missing_rows)


def difference_coefficient_shortfalls(verdicts: pd.DataFrame, cvs: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Failing or incomputable coefficients, and coefficients missing for a county stage that
    has judged school parts."""
    failing = cvs[cvs["passed"].astype("boolean").ne(True).fillna(True)]
    label = (failing["stage"].map(STAGE_ZH).astype("string") + " " + failing["indicator_id"].astype("string")
             + "（" + failing["indicator_name_zh"].astype("string") + "）差异系数")
    cv = failing["cv"].astype("Float64")
    judged = (label + " " + cv.astype(object).map(lambda v: f"{v:.3f}" if pd.notna(v) else "").astype("string")
              + "，标准 ≤" + failing["threshold"].astype("Float64").astype(object).map(lambda v: f"{v:.2f}").astype("string"))
    note = failing["note"].astype("string").fillna("") if "note" in failing else ""
    text = judged.where(cv.notna(), label + "无法计算：" + note)
    failed_rows = _rows(failing, "resource_allocation", failing["indicator_id"], failing["stage"], text)

    dc_ids = [i.id for i in standards.resource_indicators if i.difference_coefficient]
    expected = verdicts[[*COUNTY, "stage"]].drop_duplicates().merge(pd.DataFrame({"indicator_id": dc_ids}), how="cross")
    present = cvs[[*COUNTY, "stage", "indicator_id"]].drop_duplicates().assign(present=True)
    missing = expected.merge(present, on=[*COUNTY, "stage", "indicator_id"], how="left")
    missing = missing[missing["present"].isna()]
    missing_text = "数据缺失：" + missing["stage"].map(STAGE_ZH) + " " + missing["indicator_id"] + " 差异系数未计算"
    missing_rows = _rows(missing, "resource_allocation", missing["indicator_id"], missing["stage"], missing_text)
    return _stack(failed_rows, missing_rows)


def item_shortfalls(universe: pd.DataFrame, items: pd.DataFrame, standards: Standards, dimension: str) -> pd.DataFrame:
    """Failing G or Q items, plus items a county has no row for."""
    specs = standards.section(dimension)["items"]
    rules = {spec["id"]: spec["rule_zh"] for spec in specs}
    failing = items[items["passed"].astype("boolean").ne(True).fillna(True)]
    stage = failing["stage"].astype("string").fillna("")
    title = (failing["item_id"] + " " + failing["name_zh"]
             + ("（" + stage.map(STAGE_ZH).astype("string") + "）").where(stage.ne(""), ""))
    reason = title + "：" + failing["detail"].astype("string")
    shortfall = reason + "（标准：" + failing["item_id"].map(rules).astype("string") + "）"
    failed_rows = _rows(failing, dimension, failing["item_id"], stage, shortfall, reason)

    expected = universe.merge(pd.DataFrame({"item_id": list(rules)}), how="cross")
    present = items[[*COUNTY, "item_id"]].drop_duplicates().assign(present=True)
    missing = expected.merge(present, on=[*COUNTY, "item_id"], how="left")
    missing = missing[missing["present"].isna()]
    missing_rows = _rows(missing, dimension, missing["item_id"], "", missing["item_id"] + " 数据缺失：无评估结果")
    return _stack(failed_rows, missing_rows)


def recognition_shortfalls(universe: pd.DataFrame, recognition: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    section = standards.section("social_recognition")
    overall = universe.merge(recognition[recognition["respondent_group"] == ALL_GROUPS], on=COUNTY, how="left")
    failing = overall[overall["passed"].astype("boolean").ne(True).fillna(True)]
    threshold_text = "≥" + percent_text(pd.Series(section["threshold"], index=failing.index))
    judged = (section["name_zh"] + percent_text(failing["rate"]) + "，标准" + threshold_text + "（有效作答"
              + number_text(failing["answers_counted"], 0) + "个，其中满意" + number_text(failing["satisfied"], 0) + "个）")
    note = failing["note"].astype("string").fillna("数据缺失：未报送社会认可度调查数据")
    text = judged.where(failing["rate"].notna(), section["name_zh"] + " " + note)
    return _rows(failing, "social_recognition", section["id"], "", text)


def precondition_shortfalls(preconditions: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    rule = standards.section("readiness")["precondition"]
    unmet = preconditions[~preconditions["precondition_met"].astype(bool)]
    return _rows(unmet, "precondition", rule["id"], "", unmet["shortfall"])


def veto_shortfalls(vetoes: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    rule = standards.section("readiness")["vetoes"]
    vetoed = vetoes[vetoes["vetoed"].astype(bool)]
    return _rows(vetoed, "veto", rule["id"], "", rule["name_zh"] + "：" + vetoed["veto_reasons"], vetoed["veto_reasons"])


def headline(shortfalls: pd.DataFrame) -> pd.DataFrame:
    """Per county: 【dimension】reason；reason。【dimension】… in dimension order."""
    order = {name: position for position, name in enumerate(DIMENSIONS)}
    frame = shortfalls.assign(position=shortfalls["dimension"].map(order)).sort_values(
        [*COUNTY, "position"], kind="stable")
    per_dimension = aggregate_join(frame, [*COUNTY, "position", "dimension"], "reason", "；")
    per_dimension["block"] = "【" + per_dimension["dimension"].map(DIMENSIONS) + "】" + per_dimension["reason"] + "。"
    return aggregate_join(per_dimension, COUNTY, "block", "").rename(columns={"block": "reasons"})
