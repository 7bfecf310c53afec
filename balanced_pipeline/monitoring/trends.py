"""Year-over-year trend per county and indicator (动态监测, spec §7): the table county_trends."""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import YEAR_COUNTY_KEY
from balanced_pipeline.indicators.social_recognition import ALL_GROUPS
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import conform, pandas_dtypes

VALUE_COLUMNS = pandas_dtypes("county_indicator_values")
TREND_COLUMNS = pandas_dtypes("county_trends")
SCHOOL_PASS_SHARE = "RA_PASS_SHARE"


def county_indicator_values(
    county_difference_coefficients: pd.DataFrame,
    county_guarantee: pd.DataFrame,
    county_quality: pd.DataFrame,
    county_social_recognition: pd.DataFrame,
    school_resource_verdict: pd.DataFrame,
    standards: Standards,
) -> pd.DataFrame:
    """One year's county-level values in one long frame: difference coefficients
    (`<indicator>_CV`, lower is better), G and Q item values, the overall recognition rate and
    the share of school parts passing resource allocation (`RA_PASS_SHARE`, per stage)."""
    cvs = county_difference_coefficients
    cv_rows = cvs[[*YEAR_COUNTY_KEY, "stage"]].assign(
        indicator_id=cvs["indicator_id"].astype("string") + "_CV",
        indicator_name_zh=cvs["indicator_name_zh"].astype("string") + "差异系数",
        value=cvs["cv"], higher_is_better=False,
    )
    items = pd.concat([county_guarantee, county_quality], ignore_index=True)
    item_rows = items[[*YEAR_COUNTY_KEY, "stage", "item_id", "name_zh", "value"]].rename(
        columns={"item_id": "indicator_id", "name_zh": "indicator_name_zh"}
    ).assign(higher_is_better=~items["comparison"].isin(["<=", "<"]).to_numpy())
    recognition = county_social_recognition[county_social_recognition["respondent_group"] == ALL_GROUPS]
    section = standards.section("social_recognition")
    recognition_rows = recognition[YEAR_COUNTY_KEY].assign(
        stage="", indicator_id=section["id"], indicator_name_zh=section["name_zh"], value=recognition["rate"],
        higher_is_better=True,
    )
    verdicts = school_resource_verdict.assign(
        passing=school_resource_verdict["passed"].astype("boolean").fillna(False).astype(float)
    )
    share_rows = verdicts.groupby([*YEAR_COUNTY_KEY, "stage"], as_index=False)["passing"].mean().rename(
        columns={"passing": "value"}
    ).assign(indicator_id=SCHOOL_PASS_SHARE, indicator_name_zh="资源配置达标学校（学段）占比", higher_is_better=True)
    frame = pd.concat([cv_rows, item_rows, recognition_rows, share_rows], ignore_index=True)
    frame["stage"] = frame["stage"].fillna("")
    return conform(frame, VALUE_COLUMNS)


def county_trends(current: pd.DataFrame, previous: pd.DataFrame, standards: Standards) -> pd.DataFrame:
    """Each current value beside last year's: change = value − previous_value and direction
    improved / worsened / unchanged (within the standards' share of last year's value) by the indicator's better
    side; `new` when last year had no value, `unknown` when this year's value is missing."""
    relative_tolerance = float(standards.section("readiness")["trends"]["unchanged_relative_tolerance"])
    key = ["county_code", "indicator_id", "stage"]
    earlier = previous[[*key, "value"]].rename(columns={"value": "previous_value"})
    frame = current.merge(earlier, on=key, how="left")
    frame["change"] = (frame["value"].astype("Float64") - frame["previous_value"].astype("Float64")).astype("Float64")
    better = frame["change"].where(frame["higher_is_better"].astype(bool), -frame["change"])
    tolerance = frame["previous_value"].astype("Float64").abs() * relative_tolerance
    frame["direction"] = np.select(
        [frame["previous_value"].isna().to_numpy(), frame["value"].isna().to_numpy(),
         (better.abs() <= tolerance).fillna(False).to_numpy(), (better > 0).fillna(False).to_numpy()],
        ["new", "unknown", "unchanged", "improved"],
        default="worsened",
    )
    frame["standards_version"] = standards.version
    return conform(frame, TREND_COLUMNS)
