"""Which fields each resource indicator and G/Q item is computed from (its `inputs` in the
standards file), and why a campus's or a county's value of it could not be computed.

Inputs of the school-level items and indicators are school-form fields, or class- and room-form
fields written `classes.<field>` / `rooms.<field>` (an error on one class's students makes that
campus's G5 unknown); inputs of the county items are county-form fields.

Validation quarantines a value, not the campus (contract/issues.py): the campus stays and the
value its error points at becomes missing. Here every indicator or check whose declared inputs
include such a field is stored with value NULL and a `not_computed_reason` naming the field and
the rule, so the school stays in everything that does not read that field and is never judged on
a number it did not give correctly. Example: a negative sports area makes only R5 unknown (and,
being a shared quantity, R5 alone); a senior count that contradicts its classes makes R4–R7 of a
twelve-year school unknown, because `split_students` reads it, and leaves R1–R3 and G/Q as they are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import COUNTIES, FORMS, KEY_DTYPES, SCHOOLS, YEAR_CAMPUS_KEY, YEAR_COUNTY_KEY
from balanced_pipeline.contract.issues import quarantined_values
from balanced_pipeline.standards.loader import SPLIT_STUDENTS, STAGE_PLACEHOLDER, Standards

UNKNOWN_COLUMNS = [*YEAR_CAMPUS_KEY, "field", "reason_zh", "reason_en"]
COUNTY_UNKNOWN_COLUMNS = [*YEAR_COUNTY_KEY, "field", "reason_zh", "reason_en"]
REASON_COLUMNS = ["not_computed_reason_zh", "not_computed_reason_en"]
EVIDENCE_FIELD = "evidence_ref"
"""An attestation's evidence reference: an error on it leaves the item not computed, but a blank
one is judged (the standard asks for the evidence: a yes without it fails)."""


def indicator_inputs(standards: Standards) -> pd.DataFrame:
    """One row per resource indicator × stage × school type teaching it × input field it reads."""
    rows = []
    for indicator in standards.resource_indicators:
        for stage in standards.evaluated_stages:
            for school_type, stages in standards.school_type_stages.items():
                if stage not in stages:
                    continue
                split_stages = standards.stage_split_weights.get(school_type, {stage: 1})
                for name in indicator.inputs:
                    fields = ([f"students_{s}" for s in split_stages] if name == SPLIT_STUDENTS
                              else [name.replace(STAGE_PLACEHOLDER, stage)])
                    rows += [(indicator.id, stage, school_type, field) for field in fields]
    return pd.DataFrame(rows, columns=["indicator_id", "stage", "school_type", "field"]).astype("string")


def item_inputs(standards: Standards) -> pd.DataFrame:
    """One row per school-level G/Q item × stage × input field it reads; an item with a
    `{stage}` input is judged per stage, the others under stage ''."""
    rows = []
    for section in ("government_guarantee", "education_quality"):
        for item in standards.section(section)["items"]:
            if item["basis"] != "schools":
                continue
            per_stage = any(STAGE_PLACEHOLDER in name for name in item["inputs"])
            for stage in standards.evaluated_stages if per_stage else [""]:
                rows += [(item["id"], stage, name.replace(STAGE_PLACEHOLDER, stage)) for name in item["inputs"]]
    return pd.DataFrame(rows, columns=["item_id", "stage", "field"]).astype("string")


def county_item_inputs(standards: Standards) -> pd.DataFrame:
    """One row per county-form G/Q item (basis county or attestation) × county-form field it reads."""
    rows = [(item["id"], name) for section in ("government_guarantee", "education_quality")
            for item in standards.section(section)["items"] if item["basis"] != "schools"
            for name in item["inputs"]]
    return pd.DataFrame(rows, columns=["item_id", "field"]).astype("string")


def quarantined_inputs(schools: pd.DataFrame, issues: pd.DataFrame, classes: pd.DataFrame | None = None,
                       rooms: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per campus × field whose value an error quarantined, with the reason (field and
    rule); a quarantined value of a class or room row counts for its campus as `classes.<field>` /
    `rooms.<field>`, so one wrong class makes its campus's class items unknown, not its others."""
    pieces = [_quarantined(schools, issues, "schools", YEAR_CAMPUS_KEY, "")]
    for form, records in (("classes", classes), ("rooms", rooms)):
        if records is not None:
            pieces.append(_quarantined(records, issues, form, YEAR_CAMPUS_KEY, f"{form}."))
    return pd.concat(pieces, ignore_index=True)[UNKNOWN_COLUMNS]


def county_unknown_inputs(counties: pd.DataFrame, issues: pd.DataFrame, fields: list[str]) -> pd.DataFrame:
    """One row per county × county-form field of `fields` that is unknown: quarantined by an error
    (field and rule named) or left blank (the evidence reference excepted, see EVIDENCE_FIELD)."""
    quarantined = _quarantined(counties, issues, "counties", YEAR_COUNTY_KEY, "")
    blank = pd.concat([counties.loc[counties[f].isna(), YEAR_COUNTY_KEY].assign(field=f) for f in fields
                       if f != EVIDENCE_FIELD] or [_no_rows(YEAR_COUNTY_KEY)], ignore_index=True)
    blank = blank.astype({"field": "string"})
    known = pd.MultiIndex.from_frame(quarantined[[*YEAR_COUNTY_KEY, "field"]])
    blank = blank[~pd.MultiIndex.from_frame(blank[[*YEAR_COUNTY_KEY, "field"]]).isin(known)]
    label_zh = blank["field"].map({f.name: f.label_zh for f in COUNTIES.fields})
    label_en = blank["field"].map({f.name: f.label_en for f in COUNTIES.fields})
    blank = blank.assign(reason_zh="县级报表字段「" + label_zh + "」（" + blank["field"] + "）未填报，该项未计算",
                         reason_en="not computed: county-form field " + blank["field"] + " (" + label_en + ") is blank")
    return pd.concat([quarantined, blank], ignore_index=True)[COUNTY_UNKNOWN_COLUMNS]


def _no_rows(keys: list[str]) -> pd.DataFrame:
    """No blank field, keyed like one: the keys in their catalogue types, so the concat keeps them."""
    return pd.DataFrame({**{key: pd.Series(dtype=KEY_DTYPES[key]) for key in keys}, "field": pd.Series(dtype="string")})


def _quarantined(records: pd.DataFrame, issues: pd.DataFrame, form: str, keys: list[str], prefix: str) -> pd.DataFrame:
    """Rows of `keys` × field (named `prefix` + field) whose value an error of `form` quarantined, with the reason."""
    # Only records an issue of the form points at can have a value quarantined: matching the
    # others (every class and room) by provenance would cost time for nothing.
    of_form = issues[issues["form"] == form]
    if of_form.empty:
        records = records.iloc[0:0]
    else:
        records = records[(records["source_file"].isin(of_form["source_file"].dropna().unique())
                           & records["row_number"].isin(of_form["row_number"].dropna().unique())).fillna(False).astype(bool)]
    found = quarantined_values(records, issues, form, keep=tuple(keys))
    found = found.astype({"field": "string", "rule": "string"})
    labels_zh = {f.name: f.label_zh for f in FORMS[form].fields}
    labels_en = {f.name: f.label_en for f in FORMS[form].fields}
    rules = found.groupby([*keys, "field"], sort=False)["rule"].agg(", ".join).rename("rules").reset_index()
    field = rules["field"]
    # The campus form's own fields keep their short reason; another form's say which form.
    where_zh, where_en = ("", "") if form == "schools" else (f"{FORMS[form].label_zh}表", f"{form} form ")
    rules["reason_zh"] = (where_zh + "字段「" + field.map(labels_zh) + "」（" + field + "）填报有误（规则 " + rules["rules"]
                          + "），依赖该字段的指标未计算")
    rules["reason_en"] = ("not computed: " + where_en + "field " + field + " (" + field.map(labels_en)
                          + ") has an error (rule " + rules["rules"] + ")")
    rules["field"] = prefix + field
    return rules[[*keys, "field", "reason_zh", "reason_en"]]


def county_not_computed_reasons(rows: pd.DataFrame, inputs: pd.DataFrame, unknown: pd.DataFrame,
                                has_form: pd.Series) -> pd.DataFrame:
    """`not_computed_reason_zh` / `_en` of each county item row (year, county_code, item_id): the
    reasons of its unknown county-form inputs, or that no county form was accepted; '' when known."""
    work = rows[[*YEAR_COUNTY_KEY, "item_id"]].astype({"item_id": "string"})
    work = work.assign(_row=range(len(rows)))
    hits = work.merge(inputs, on="item_id").merge(unknown, on=[*YEAR_COUNTY_KEY, "field"])
    reasons = hits.groupby("_row").agg(not_computed_reason_zh=("reason_zh", "；".join),
                                       not_computed_reason_en=("reason_en", "; ".join))
    reasons = reasons.reindex(range(len(rows))).fillna("").astype("string")
    reasons.index = rows.index
    no_form = ~has_form.reindex(rows.index).astype(bool)
    reasons["not_computed_reason_zh"] = reasons["not_computed_reason_zh"].mask(no_form, NO_COUNTY_FORM_ZH)
    reasons["not_computed_reason_en"] = reasons["not_computed_reason_en"].mask(no_form, NO_COUNTY_FORM_EN)
    return reasons


NO_COUNTY_FORM_ZH = "未报送县级基本情况表或报表被拦截，该项未计算"
NO_COUNTY_FORM_EN = "not computed: no accepted county form (not sent or rejected)"


def blank_inputs(schools: pd.DataFrame, fields: list[str], known_unknown: pd.DataFrame) -> pd.DataFrame:
    """One row per campus × field of `fields` left blank (and not already quarantined), with the reason."""
    pieces = []
    for field in fields:
        blank = schools.loc[schools[field].isna(), YEAR_CAMPUS_KEY].assign(field=field)
        pieces.append(blank)
    blank = pd.concat(pieces, ignore_index=True) if pieces else _no_rows(YEAR_CAMPUS_KEY)
    blank = blank.astype({"field": "string"})
    already = pd.MultiIndex.from_frame(known_unknown[[*YEAR_CAMPUS_KEY, "field"]].astype({"field": "string"}))
    blank = blank[~pd.MultiIndex.from_frame(blank[[*YEAR_CAMPUS_KEY, "field"]]).isin(already)]
    label_zh = blank["field"].map({f.name: f.label_zh for f in SCHOOLS.fields})
    label_en = blank["field"].map({f.name: f.label_en for f in SCHOOLS.fields})
    return blank.assign(
        reason_zh="字段「" + label_zh + "」（" + blank["field"] + "）未填报，依赖该字段的指标未计算",
        reason_en="not computed: field " + blank["field"] + " (" + label_en + ") is blank",
    )[UNKNOWN_COLUMNS]


def not_computed_reasons(rows: pd.DataFrame, inputs: pd.DataFrame, unknown: pd.DataFrame) -> pd.DataFrame:
    """`not_computed_reason_zh` / `_en` for each of `rows` (campus, the id and stage columns of
    `inputs`, and `school_type` when `inputs` has it): the reasons of its unknown inputs, '' when
    every input is known."""
    on = [c for c in inputs.columns if c != "field"]
    # Only rows of a campus with an unknown input can have a reason: the join runs on those alone.
    affected = rows["school_code"].isin(unknown["school_code"].dropna().unique()).to_numpy(dtype=bool)
    work = rows.loc[affected, [*YEAR_CAMPUS_KEY, *on]].astype({c: "string" for c in on})
    work = work.assign(_row=np.flatnonzero(affected))
    hits = work.merge(inputs, on=on).merge(unknown, on=[*YEAR_CAMPUS_KEY, "field"])
    reasons = hits.groupby("_row").agg(not_computed_reason_zh=("reason_zh", "；".join),
                                       not_computed_reason_en=("reason_en", "; ".join))
    reasons = reasons.reindex(range(len(rows))).fillna("").astype("string")
    reasons.index = rows.index
    return reasons
