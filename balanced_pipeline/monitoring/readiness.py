"""County readiness (spec §2.5, §7): one row per county, the headline of every report, read
from the county_shortfalls rows.

The verdict is a proof (issue 10):
- `ready` needs no blocking row at all: every registry campus accepted, every item computed and met;
- `not_ready` needs a conclusive blocking failure: one that stands whatever the campuses not judged
  would send (a veto, the precondition, a school part's own failure, a coefficient on its whole
  evidence, or any failure of a county with no campus missing or rejected). Such a county keeps
  its completeness gap in `campuses_not_judged` and in its headline;
- `incomplete` (数据不完整，不能作出结论) otherwise: campuses missing or rejected, or items not computed,
  and any failure there is depends on them.

Decision on a county that fails and also misses data: it is not_ready when one failure is
conclusive (寿县 of the demo: vetoed and not eligible, whatever its 5 missing or rejected campuses
would send), incomplete when every failure could change with the missing data.

A dimension flag is False with a conclusive failure, NULL when the dimension has blocking rows
but none conclusive (it cannot be judged), True with no blocking row.
"""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.contract.forms import KEY_DTYPES, YEAR_COUNTY_KEY
from balanced_pipeline.indicators.common import county_universe
from balanced_pipeline.indicators.preconditions import county_vetoes
from balanced_pipeline.monitoring.dimensions import DIMENSION_FLAGS
from balanced_pipeline.monitoring.shortfalls import NOT_COMPUTED, headline
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.validation.completeness import CAMPUS_GAP_TEXT, CAMPUS_MISSING, CAMPUS_REJECTED
from balanced_pipeline.warehouse.catalogue import conform, pandas_dtypes

READINESS_COLUMNS = pandas_dtypes("county_readiness")
READY, NOT_READY, INCOMPLETE = "ready", "not_ready", "incomplete"
READY_TEXT = "各项指标均达到县域义务教育优质均衡发展要求，满足基本条件，无一票否决事项"


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
    """One row per county: status, ready, the dimension flags, the completeness gap and the
    headline, all from the blocking rows of `shortfalls` (county_shortfalls)."""
    universe = county_universe(counties, school_resource_verdict, county_guarantee, county_quality,
                               shortfalls[YEAR_COUNTY_KEY])
    frame = universe.merge(
        counties[[*YEAR_COUNTY_KEY, "county_name"]], on=YEAR_COUNTY_KEY, how="left"
    )
    blocking = shortfalls[shortfalls["blocks_readiness"].astype(bool)]
    decisive = blocking[blocking["conclusive"].astype(bool)]
    for dimension, flag in DIMENSION_FLAGS.items():
        failing = _counties(decisive[decisive["dimension"] == dimension])
        open_rows = _counties(blocking[blocking["dimension"] == dimension])
        frame[flag] = _flag(frame, failing, open_rows)
    vetoes = county_vetoes(universe, veto_incidents, county_social_recognition, standards)
    frame = frame.merge(vetoes, on=YEAR_COUNTY_KEY, how="left")

    gaps = blocking[blocking["outcome"].isin(list(CAMPUS_GAP_TEXT))].drop_duplicates([*YEAR_COUNTY_KEY, "school_code", "campus_code"])
    frame = frame.merge(_gap_counts(gaps), on=YEAR_COUNTY_KEY, how="left")
    counts = blocking[blocking["outcome"] == NOT_COMPUTED].groupby(YEAR_COUNTY_KEY).size().rename("items_not_computed")
    frame = frame.merge(counts.reset_index(), on=YEAR_COUNTY_KEY, how="left")
    for column in ("campuses_missing", "campuses_rejected", "items_not_computed"):
        frame[column] = frame[column].astype("Float64").fillna(0).astype("Int64")
    frame["campuses_not_judged"] = frame["campuses_not_judged"].astype("string").fillna("")

    has_decisive = _member(frame, _counties(decisive))
    has_blocking = _member(frame, _counties(blocking))
    frame["status"] = pd.Series(READY, index=frame.index).mask(has_blocking, INCOMPLETE).mask(has_decisive, NOT_READY)
    frame["ready"] = frame["status"].eq(READY)
    frame["verdict_zh"], frame["verdict_en"] = verdict_text(frame)
    frame = frame.merge(headline(shortfalls), on=YEAR_COUNTY_KEY, how="left")
    gap_block = ("【数据完整性】" + frame["campuses_not_judged"] + "。").where(frame["campuses_not_judged"].ne(""), "")
    frame["reasons"] = (frame["reasons"].astype("string").fillna("") + gap_block).replace("", READY_TEXT)
    frame["county_name"] = frame["county_name"].astype("string").fillna("")
    frame["standards_version"] = standards.version
    return conform(frame, READINESS_COLUMNS)


def verdict_text(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """The headline of each county, in Chinese and English: 'incomplete: 5 campuses missing or
    rejected — not a verdict' (with the items not computed when there are any); a not_ready
    county with a gap says so after its verdict."""
    campuses = (frame["campuses_missing"] + frame["campuses_rejected"]).astype(int)
    items = frame["items_not_computed"].astype(int)
    rows = []
    for status, n, m in zip(frame["status"], campuses, items):
        gap_zh = "，".join(([f"{n}个校区未报送或被拦截"] if n else []) + ([f"{m}项指标无法计算"] if m else []))
        gap_en = ", ".join(([f"{n} campus{'es' if n != 1 else ''} missing or rejected"] if n else [])
                           + ([f"{m} item{'s' if m != 1 else ''} not computed"] if m else []))
        if status == READY:
            rows.append(("达到优质均衡要求", "ready"))
        elif status == INCOMPLETE:
            rows.append((f"数据不完整：{gap_zh}——不能作出结论", f"incomplete: {gap_en} — not a verdict"))
        else:
            rows.append(("尚未达到优质均衡要求" + (f"（另：数据不完整，{gap_zh}）" if gap_zh else ""),
                         "not ready" + (f" (data also incomplete: {gap_en})" if gap_en else "")))
    zh, en = zip(*rows) if rows else ((), ())
    return pd.Series(zh, index=frame.index, dtype="string"), pd.Series(en, index=frame.index, dtype="string")


def _gap_counts(gaps: pd.DataFrame) -> pd.DataFrame:
    words = {CAMPUS_MISSING: "未报送", CAMPUS_REJECTED: "被拦截"}
    label = (gaps["school_name"] + "（" + gaps["school_code"] + "-" + gaps["campus_code"] + "，"
             + gaps["outcome"].map(words).astype("string") + "）")
    work = gaps[YEAR_COUNTY_KEY].assign(label=label, missing=gaps["outcome"].eq(CAMPUS_MISSING).astype(int),
                               rejected=gaps["outcome"].eq(CAMPUS_REJECTED).astype(int))
    grouped = work.groupby(YEAR_COUNTY_KEY, sort=False)
    table = pd.DataFrame({"campuses_missing": grouped["missing"].sum(), "campuses_rejected": grouped["rejected"].sum(),
                          "campuses_not_judged": grouped["label"].agg("、".join)}).reset_index()
    total = table["campuses_missing"] + table["campuses_rejected"]
    table["campuses_not_judged"] = total.astype(str) + "个校区未能评估：" + table["campuses_not_judged"]
    return table if len(table) else pd.DataFrame(
        {**{key: pd.Series(dtype=KEY_DTYPES[key]) for key in YEAR_COUNTY_KEY},
         **{column: pd.Series(dtype=object) for column in ("campuses_missing", "campuses_rejected", "campuses_not_judged")}})


def _counties(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[YEAR_COUNTY_KEY].drop_duplicates()


def _member(frame: pd.DataFrame, keys: pd.DataFrame) -> pd.Series:
    found = frame[YEAR_COUNTY_KEY].merge(keys.assign(_in=True), on=YEAR_COUNTY_KEY, how="left")["_in"]
    return pd.Series(found.notna().to_numpy(), index=frame.index)


def _flag(frame: pd.DataFrame, failing: pd.DataFrame, open_rows: pd.DataFrame) -> pd.Series:
    flag = pd.Series(True, index=frame.index, dtype="boolean")
    flag = flag.mask(_member(frame, open_rows), pd.NA)
    return flag.mask(_member(frame, failing), False)

