"""Building blocks of the G and Q items: the `Item` an item module's ITEMS table maps each id
to (its per-campus check and its county rule) with the inputs they are given, and the county
rules several items share (an attested item, an item every school must pass, an item computed
from county-form figures).

Each block returns one row per county of the universe with value, threshold, comparison, passed
and a Chinese detail. Missing data never passes: a detail starting with 数据缺失 names what is
missing, and `with_not_computed` makes such an item not computed (value and passed NULL, with
`not_computed_reason_zh/_en`): a county-form item without an accepted county form or with one of
its declared inputs quarantined or blank, a school-based item with a campus not judged and none
failing. The county is then incomplete, not failing, on that item (monitoring/readiness.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from balanced_pipeline.indicators.common import (
    COMPARISON_ZH,
    has_text,
    join_nonblank,
    number_text,
    percent_text,
)
from balanced_pipeline.indicators.formulas import meets
from balanced_pipeline.contract.forms import COUNTIES, YEAR_CAMPUS_KEY, YEAR_COUNTY_KEY
from balanced_pipeline.contract.issues import issues_frame
from balanced_pipeline.indicators.dependencies import (
    REASON_COLUMNS,
    county_item_inputs,
    county_not_computed_reasons,
    county_unknown_inputs,
)
from balanced_pipeline.standards.loader import Standards

NO_COUNTY_FORM = "数据缺失：未报送县级基本情况表"
NO_SCHOOLS = "数据缺失：未报送学校数据"


@dataclass(frozen=True)
class SchoolInputs:
    """What a per-campus check reads: the accepted campuses, their classes and rooms (keys in catalogue
    types, as ingest stages them), and the stages each school type teaches."""

    schools: pd.DataFrame
    classes: pd.DataFrame
    rooms: pd.DataFrame
    school_type_stages: dict[str, list[str]]


@dataclass(frozen=True)
class CountyInputs:
    """What a county rule reads: every county evaluated, the county form joined to it, the campuses,
    their school_guarantee_checks rows, the number of campuses per county, the validation issues
    (failed_records: for Q9, which quality-monitoring records were rejected) and (for Q9) the
    quality-monitoring results."""

    universe: pd.DataFrame
    county: pd.DataFrame
    schools: pd.DataFrame
    checks: pd.DataFrame
    campuses: pd.Series
    issues: pd.DataFrame
    quality_monitoring: pd.DataFrame | None = None

    def checks_of(self, item_id: str) -> pd.DataFrame:
        """The rows of `checks` of one item, in their order: the checks are split by item once,
        not filtered again for every item and stage."""
        if "_by_item" not in self.__dict__:
            positions = self.checks.groupby("item_id", sort=False).indices
            object.__setattr__(self, "_by_item", positions)
        return self.checks.iloc[self.__dict__["_by_item"].get(item_id, [])]


@dataclass(frozen=True)
class Item:
    """How one G or Q item is judged: its county rule and, for an item every school must meet,
    its per-campus check (rows of school_guarantee_checks). Each takes its inputs and the item's
    entry of the standards file."""

    county: Callable[[CountyInputs, dict[str, Any]], pd.DataFrame]
    school: Callable[[SchoolInputs, dict[str, Any]], pd.DataFrame] | None = None


def campus_rows(schools: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    """The key and name of each campus, as the start of a per-campus check of `item`."""
    return schools[[*YEAR_CAMPUS_KEY, "school_name"]].assign(item_id=item["id"], stage="")


def county_form_rows(universe: pd.DataFrame, counties: pd.DataFrame) -> pd.DataFrame:
    """The universe joined with the county form; `has_form` says whether the county sent one."""
    counties = counties.assign(has_form=True)
    frame = universe.merge(counties, on=YEAR_COUNTY_KEY, how="left")
    frame["has_form"] = frame["has_form"].astype("boolean").fillna(False).astype(bool)
    return frame


def missing_fields_text(county: pd.DataFrame, fields: list[str]) -> pd.Series:
    """'数据缺失：<labels>' naming the county-form fields that are blank ('' when none is)."""
    parts = [pd.Series(np.where(county[f].isna(), COUNTIES.field(f).label_zh, ""), index=county.index) for f in fields]
    names = join_nonblank(parts, "、") if parts else pd.Series("", index=county.index, dtype="string")
    text = ("数据缺失：" + names).where(names.ne(""), "")
    return text.where(county["has_form"], NO_COUNTY_FORM).astype("string")


def item_row(county: pd.DataFrame, item: dict[str, Any], value, passed, detail, threshold=None, stage="") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": county["year"],
            "county_code": county["county_code"],
            "item_id": item["id"],
            "stage": stage,
            "name_zh": item["name_zh"],
            "value": pd.Series(value, index=county.index).astype("Float64"),
            "threshold": float(item["threshold"]) if threshold is None else float(threshold),
            "comparison": item["comparison"],
            "passed": pd.Series(passed, index=county.index).astype("boolean").fillna(False),
            "detail": pd.Series(detail, index=county.index).astype("string"),
        },
        index=county.index,
    )


def figure_item(county: pd.DataFrame, item: dict[str, Any], value: pd.Series, detail: pd.Series,
                extra_condition: pd.Series | None = None) -> pd.DataFrame:
    """An item judged from county-form figures: value vs threshold (and an extra condition); the
    detail names the blank fields among the item's declared `inputs` (with_not_computed then makes
    it not computed)."""
    missing = missing_fields_text(county, item["inputs"])
    passed = meets(value, item["threshold"], item["comparison"]).fillna(False)
    # An extra condition already not met on what is known (performance pay not approved, no rural tilt,
    # G11's rotation share too low) fails the item whatever the unknown figures would say.
    known_failure = pd.Series(False, index=county.index)
    if extra_condition is not None:
        passed &= extra_condition.astype("boolean").fillna(False)
        known_failure = extra_condition.astype("boolean").eq(False).fillna(False).astype(bool) & county["has_form"]
    passed &= missing.eq("")
    return item_row(county, item, value, passed, detail.where(missing.eq(""), missing)).assign(
        _known_failure=known_failure)


def attestation_item(county: pd.DataFrame, item: dict[str, Any]) -> pd.DataFrame:
    """Attested yes on the county form AND an evidence reference given."""
    field = item["attestation_field"]
    attested = county[field].astype("boolean")
    evidence = has_text(county["evidence_ref"])
    passed = attested.fillna(False) & evidence
    detail = pd.Series(
        np.select(
            [~county["has_form"], attested.isna(), ~attested.fillna(False), ~evidence],
            [NO_COUNTY_FORM, f"数据缺失：{COUNTIES.field(field).label_zh}未填报", "县级报表确认未达到要求",
             "已确认达到要求，但缺少佐证材料编号"],
            default="已确认达到要求，佐证材料：" + county["evidence_ref"].astype("string").fillna(""),
        ),
        index=county.index,
    )
    # A county that attests "no" fails the item whatever its evidence reference says.
    known_failure = attested.eq(False).fillna(False).astype(bool) & county["has_form"]
    return item_row(county, item, passed.astype("Float64"), passed, detail).assign(_known_failure=known_failure)


def failing_school_text(checks: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Per group: counts of applicable, passing, failing and undecided campuses, and the names
    of the failing and undecided ones (「、」-joined, in school-code order)."""
    checks = checks.assign(
        ok=(checks["passed"] == True).fillna(False).astype(int),  # noqa: E712
        failed=(checks["passed"] == False).fillna(False).astype(int),  # noqa: E712
        undecided=checks["passed"].isna().astype(int),
    )
    counts = checks.groupby(by).agg(applicable=("ok", "size"), ok=("ok", "sum"), failed=("failed", "sum"),
                                    undecided=("undecided", "sum"))
    failed_names = checks[checks["failed"] > 0].groupby(by)["school_name"].agg("、".join).rename("failed_names")
    undecided_names = checks[checks["undecided"] > 0].groupby(by)["school_name"].agg("、".join).rename("undecided_names")
    return counts.join(failed_names).join(undecided_names).reset_index()


def schools_text(frame: pd.DataFrame) -> pd.Series:
    """'n所学校（校区）未达标：…；m所学校（校区）数据缺失：…' from failing_school_text columns."""
    failed = ("未达标" + frame["failed"].astype("Int64").astype("string") + "所学校（校区）："
              + frame["failed_names"].astype("string")).where(frame["failed"] > 0, "")
    undecided = ("数据缺失" + frame["undecided"].astype("Int64").astype("string") + "所学校（校区）："
                 + frame["undecided_names"].astype("string")).where(frame["undecided"] > 0, "")
    return join_nonblank([failed, undecided])


def all_schools_item(universe: pd.DataFrame, checks: pd.DataFrame, item: dict[str, Any],
                     campuses: pd.Series) -> pd.DataFrame:
    """Every applicable campus passes; the value is the share that does (threshold 1)."""
    tallies = failing_school_text(checks[checks["item_id"] == item["id"]], YEAR_COUNTY_KEY)
    frame = universe.merge(tallies, on=YEAR_COUNTY_KEY, how="left")
    applicable = frame["applicable"].fillna(0)
    has_schools = pd.Series(frame.set_index(YEAR_COUNTY_KEY).index.isin(campuses.index), index=frame.index)
    value = (frame["ok"] / frame["applicable"].where(applicable > 0)).astype("Float64")
    passed = meets(value, item["threshold"], item["comparison"]).fillna(applicable == 0) & has_schools
    undecided_zh, undecided_en = undecided_reason(frame, frame["failed"].fillna(0) > 0)
    detail = pd.Series(
        np.select(
            [~has_schools, applicable == 0, passed.astype(bool)],
            [NO_SCHOOLS, "本县无适用学校（不适用）",
             "全部" + applicable.astype("Int64").astype("string") + "所适用学校（校区）达标"],
            default=schools_text(frame),
        ),
        index=frame.index,
    )
    return item_row(frame, item, value, passed, detail).assign(_unknown_zh=undecided_zh, _unknown_en=undecided_en)


def pooled_rate_item(universe: pd.DataFrame, pieces: pd.DataFrame, checks: pd.DataFrame, item: dict[str, Any],
                     campuses: pd.Series, threshold: float, whole_zh: str, part_zh: str, stage: str = "") -> pd.DataFrame:
    """A county rate Σ numerator / Σ denominator over campuses (`pieces`: year, county_code,
    numerator, denominator; described as「<whole_zh>n人，其中<part_zh>m人」), failing when any campus lacks the figures; failing and undecided
    campuses are named from their checks."""
    sums = pieces.groupby(YEAR_COUNTY_KEY).agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"))
    frame = universe.merge(sums.reset_index(), on=YEAR_COUNTY_KEY, how="left")
    frame = frame.merge(failing_school_text(checks, YEAR_COUNTY_KEY), on=YEAR_COUNTY_KEY, how="left")
    value = (frame["numerator"] / frame["denominator"].where(frame["denominator"] > 0)).astype("Float64")
    undecided = frame["undecided"].fillna(0) > 0
    applicable = frame["applicable"].fillna(0) > 0
    passed = meets(value, threshold, item["comparison"]).fillna(False) & ~undecided
    rate = (
        whole_zh + number_text(frame["denominator"], 0) + "人，其中" + part_zh + number_text(frame["numerator"], 0)
        + "人，比例" + percent_text(value) + "，标准" + COMPARISON_ZH[item["comparison"]]
        + percent_text(pd.Series(threshold, index=frame.index))
    )
    detail = join_nonblank([rate, schools_text(frame).where(~passed, "")])
    has_schools = pd.Series(frame.set_index(YEAR_COUNTY_KEY).index.isin(campuses.index), index=frame.index)
    detail = detail.where(applicable, "本县无适用学校（不适用）").where(has_schools, NO_SCHOOLS)
    passed = passed.where(applicable, True) & has_schools
    # A pooled rate over a campus whose figures are unknown cannot be computed, failing campuses or not.
    undecided_zh, undecided_en = undecided_reason(frame, pd.Series(False, index=frame.index))
    return item_row(frame, item, value, passed, detail, threshold=threshold, stage=stage).assign(
        _unknown_zh=undecided_zh, _unknown_en=undecided_en)


def with_not_computed(table: pd.DataFrame, county: pd.DataFrame, standards: Standards,
                      issues: pd.DataFrame | None) -> pd.DataFrame:
    """County item rows with `not_computed_reason_zh/_en`; a row with a reason that does not
    pass has value and passed NULL (see the module docstring). A county-form item with an unknown
    input that passes all the same is one the standard does not apply to (G7 in a county without a
    special-education school) and stays passed; so does a failure the county form itself states
    whatever the unknown input (an attested "no", performance pay not approved for G8, no rural tilt
    for G14), and a school-based item with a failing campus."""
    inputs = county_item_inputs(standards)
    unknown = county_unknown_inputs(county[county["has_form"]], issues if issues is not None else issues_frame(),
                                    sorted(set(inputs["field"])))
    reasons = county_not_computed_reasons(table, inputs, unknown, _has_form(table, county))
    reads_form = table["item_id"].isin(set(inputs["item_id"]))
    reasons = reasons.apply(lambda column: column.where(reads_form, ""))
    # Items not read from the county form bring their own reason (UNKNOWN_COLUMNS): a campus not
    # judged, no monitoring result.
    own = [table.pop(c).astype("string").fillna("") if c in table else pd.Series("", index=table.index, dtype="string")
           for c in UNKNOWN_COLUMNS]
    for column, reason in zip(REASON_COLUMNS, own):
        reasons[column] = reasons[column].mask(own[0].ne(""), reason)
    passes = table["passed"].astype("boolean").fillna(False)
    known_failure = (table.pop("_known_failure").astype("boolean").fillna(False).astype(bool) if "_known_failure" in table
                     else pd.Series(False, index=table.index))
    not_computed = reasons["not_computed_reason_zh"].ne("") & ~passes & ~known_failure
    reasons = reasons.apply(lambda column: column.where(not_computed, ""))
    table = pd.concat([table.drop(columns=REASON_COLUMNS, errors="ignore"), reasons], axis=1)
    table["value"] = table["value"].mask(not_computed)
    table["passed"] = table["passed"].astype("boolean").mask(not_computed)
    return table


UNKNOWN_COLUMNS = ["_unknown_zh", "_unknown_en"]


def _has_form(table: pd.DataFrame, county: pd.DataFrame) -> pd.Series:
    sent = county.loc[county["has_form"], YEAR_COUNTY_KEY].assign(_sent=True)
    found = table[YEAR_COUNTY_KEY].merge(sent, on=YEAR_COUNTY_KEY, how="left")["_sent"]
    return pd.Series(found.notna().to_numpy(), index=table.index)


def undecided_reason(frame: pd.DataFrame, failed: pd.Series) -> tuple[pd.Series, pd.Series]:
    """The not-computed reason of a school-based county item whose campuses are not all judged and
    none fails ('' otherwise), from failing_school_text columns."""
    undecided = frame["undecided"].fillna(0)
    open_ = (undecided > 0) & ~failed
    zh = ("有" + undecided.astype("Int64").astype("string") + "所学校（校区）未能判定（数据缺失或有误）："
          + frame["undecided_names"].astype("string").fillna("")).where(open_, "")
    en = ("not computed: " + undecided.astype("Int64").astype("string")
          + " campus(es) not judged (data missing or in error): " + frame["undecided_names"].astype("string").fillna("")
          ).where(open_, "")
    return zh.astype("string"), en.astype("string")
