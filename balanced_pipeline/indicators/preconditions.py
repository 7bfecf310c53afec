"""The precondition (basic balance certified long enough ago) and the one-vote vetoes (spec §2.5)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import YEAR_COUNTY_KEY
from balanced_pipeline.indicators.common import aggregate_join, percent_text
from balanced_pipeline.indicators.formulas import meets
from balanced_pipeline.indicators.social_recognition import ALL_GROUPS
from balanced_pipeline.standards.loader import Standards


def years_since_basic_balance(year: pd.Series, basic_balance_year: pd.Series) -> pd.Series:
    """Evaluated year − year of the basic-balance certification (2026 − 2023 = 3)."""
    return (pd.Series(year).astype("Int64") - pd.Series(basic_balance_year).astype("Int64")).astype("Int64")


def county_preconditions(universe: pd.DataFrame, counties: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """year, county_code, basic_balance_year, precondition_met, shortfall ('' when met)."""
    rule = standards.section("readiness")["precondition"]
    frame = universe.merge(counties[[*YEAR_COUNTY_KEY, "basic_balance_year"]], on=YEAR_COUNTY_KEY, how="left")
    elapsed = years_since_basic_balance(frame["year"], frame["basic_balance_year"])
    minimum = int(rule["min_years_since_basic_balance"])
    frame["precondition_met"] = meets(elapsed, minimum, ">=").fillna(False)
    frame["shortfall"] = pd.Series(
        np.where(
            frame["basic_balance_year"].isna(),
            "数据缺失：未填报通过基本均衡国家认定年份",
            "通过基本均衡国家认定年份" + frame["basic_balance_year"].astype("string").fillna("")
            + f"，至评估年度不满{minimum}年（{rule['name_zh']}）",
        ),
        index=frame.index,
        dtype="string",
    ).where(~frame["precondition_met"].astype(bool), "")
    return frame[[*YEAR_COUNTY_KEY, "basic_balance_year", "precondition_met", "shortfall"]]


def veto_kind_label(kinds: pd.Series, standards: Standards) -> pd.Series:
    """Chinese name of each reported incident kind (by code or alias); an unlisted kind keeps
    its own text, since every reported incident vetoes."""
    lookup = {}
    for kind in standards.section("readiness")["vetoes"]["kinds"]:
        for spelling in [kind["code"], kind["name_zh"], *kind.get("aliases", [])]:
            lookup[str(spelling).strip().lower()] = kind["name_zh"]
    text = pd.Series(kinds).astype("string").str.strip()
    return text.str.lower().map(lookup).astype("string").fillna(text.fillna("未注明类别"))


def county_vetoes(
    universe: pd.DataFrame, veto_incidents: pd.DataFrame, social_recognition: pd.DataFrame, standards: Standards
) -> pd.DataFrame:
    """year, county_code, vetoed, veto_reasons: every reported incident, and social recognition
    below its threshold when the standards make that a veto."""
    vetoes = standards.section("readiness")["vetoes"]
    incidents = veto_incidents
    description = incidents["description"].astype("string").str.strip().str.rstrip("。.；;").fillna("")
    incident_reasons = incidents[YEAR_COUNTY_KEY].assign(
        reason=veto_kind_label(incidents["kind"], standards) + ("：" + description).where(description.ne(""), "")
    )
    reasons = [incident_reasons]
    if vetoes["recognition_below_threshold"]:
        section = standards.section("social_recognition")
        overall = social_recognition[social_recognition["respondent_group"] == ALL_GROUPS]
        low = overall[overall["rate"].notna() & ~meets(overall["rate"], section["threshold"], section["comparison"]).fillna(True)]
        reasons.append(low[YEAR_COUNTY_KEY].assign(
            reason="社会认可度" + percent_text(low["rate"]) + "，低于" + percent_text(pd.Series(section["threshold"], index=low.index))
        ))
    reasons = pd.concat(reasons, ignore_index=True)
    joined = aggregate_join(reasons, YEAR_COUNTY_KEY, "reason", "；").rename(columns={"reason": "veto_reasons"})
    frame = universe.merge(joined, on=YEAR_COUNTY_KEY, how="left")
    frame["vetoed"] = frame["veto_reasons"].notna()
    frame["veto_reasons"] = frame["veto_reasons"].astype("string").fillna("")
    return frame[[*YEAR_COUNTY_KEY, "vetoed", "veto_reasons"]]
