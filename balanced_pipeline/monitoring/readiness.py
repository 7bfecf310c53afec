"""County readiness (spec §2.5, §7): one row per county, the headline of every report."""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.indicators.common import COUNTY, county_universe
from balanced_pipeline.indicators.preconditions import county_vetoes
from balanced_pipeline.monitoring.shortfalls import headline
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import pandas_dtypes

READINESS_COLUMNS = pandas_dtypes("county_readiness")
READY_TEXT = "各项指标均达到县域义务教育优质均衡发展要求，满足基本条件，无一票否决事项"
DIMENSION_FLAGS = {
    "resource_allocation": "resource_allocation_passed",
    "government_guarantee": "government_guarantee_passed",
    "education_quality": "education_quality_passed",
    "social_recognition": "social_recognition_passed",
    "precondition": "precondition_met",
}


def county_readiness(
    shortfalls: pd.DataFrame,
    counties: pd.DataFrame,
    school_resource_verdict: pd.DataFrame,
    county_guarantee: pd.DataFrame,
    county_quality: pd.DataFrame,
    county_social_recognition: pd.DataFrame,
    veto_incidents: pd.DataFrame,
    standards: Standards,
) -> pd.DataFrame:
    """A dimension passes when it has no shortfall (missing data is a shortfall); a county is
    ready when every dimension passes, the precondition holds and no veto applies. `reasons`
    lists every shortfall by dimension. `shortfalls` come from county_shortfalls, computed once
    because they also feed the county rectification list."""
    universe = county_universe(counties, school_resource_verdict, county_guarantee, county_quality)
    frame = universe.merge(
        counties.astype({"year": "Int64", "county_code": "string"})[[*COUNTY, "county_name"]], on=COUNTY, how="left"
    )
    failing = shortfalls[[*COUNTY, "dimension"]].drop_duplicates().assign(failing=True)
    for dimension, flag in DIMENSION_FLAGS.items():
        of_dimension = failing[failing["dimension"] == dimension][[*COUNTY, "failing"]]
        frame[flag] = frame.merge(of_dimension, on=COUNTY, how="left")["failing"].isna().to_numpy()
    vetoes = county_vetoes(universe, veto_incidents, county_social_recognition.astype({"year": "Int64", "county_code": "string"}),
                           standards)
    frame = frame.merge(vetoes, on=COUNTY, how="left")
    frame["ready"] = frame[list(DIMENSION_FLAGS.values())].all(axis=1) & ~frame["vetoed"].astype(bool)
    frame = frame.merge(headline(shortfalls), on=COUNTY, how="left")
    frame["reasons"] = frame["reasons"].astype("string").fillna(READY_TEXT)
    frame["county_name"] = frame["county_name"].astype("string").fillna("")
    frame["standards_version"] = standards.version
    return frame.reindex(columns=list(READINESS_COLUMNS)).astype(READINESS_COLUMNS)
