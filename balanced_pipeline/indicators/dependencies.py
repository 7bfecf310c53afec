"""Which school-form fields each resource indicator and school-level item is computed from (its
`inputs` in the standards file), and why a campus's value of it could not be computed.

Validation quarantines a value, not the campus (contract/issues.py): the campus stays and the
value its error points at becomes missing. Here every indicator or check whose declared inputs
include such a field is stored with value NULL and a `not_computed_reason` naming the field and
the rule, so the school stays in everything that does not read that field and is never judged on
a number it did not give correctly. Example: a negative sports area makes only R5 unknown (and,
being a shared quantity, R5 alone); a senior count that contradicts its classes makes R4–R7 of a
twelve-year school unknown, because `split_students` reads it, and leaves R1–R3 and G/Q as they are.
"""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.contract.forms import SCHOOLS, YEAR_CAMPUS_KEY, conform_keys
from balanced_pipeline.contract.issues import quarantined_values
from balanced_pipeline.standards.loader import SPLIT_STUDENTS, STAGE_PLACEHOLDER, Standards

UNKNOWN_COLUMNS = [*YEAR_CAMPUS_KEY, "field", "reason_zh", "reason_en"]
REASON_COLUMNS = ["not_computed_reason_zh", "not_computed_reason_en"]


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


def quarantined_inputs(schools: pd.DataFrame, issues: pd.DataFrame) -> pd.DataFrame:
    """One row per campus × field whose value an error quarantined, with the reason (field and rule)."""
    found = quarantined_values(schools, issues, "schools", keep=tuple(YEAR_CAMPUS_KEY))
    found = conform_keys(found).astype({"field": "string", "rule": "string"})
    labels_zh = {f.name: f.label_zh for f in SCHOOLS.fields}
    labels_en = {f.name: f.label_en for f in SCHOOLS.fields}
    rules = found.groupby([*YEAR_CAMPUS_KEY, "field"], sort=False)["rule"].agg(", ".join).rename("rules").reset_index()
    field = rules["field"]
    rules["reason_zh"] = ("字段「" + field.map(labels_zh) + "」（" + field + "）填报有误（规则 " + rules["rules"]
                          + "），依赖该字段的指标未计算")
    rules["reason_en"] = ("not computed: field " + field + " (" + field.map(labels_en) + ") has an error (rule "
                          + rules["rules"] + ")")
    return rules[UNKNOWN_COLUMNS]


def blank_inputs(schools: pd.DataFrame, fields: list[str], known_unknown: pd.DataFrame) -> pd.DataFrame:
    """One row per campus × field of `fields` left blank (and not already quarantined), with the reason."""
    schools = conform_keys(schools)
    pieces = []
    for field in fields:
        blank = schools.loc[schools[field].isna(), YEAR_CAMPUS_KEY].assign(field=field)
        pieces.append(blank)
    blank = pd.concat(pieces, ignore_index=True) if pieces else pd.DataFrame(columns=[*YEAR_CAMPUS_KEY, "field"])
    blank = conform_keys(blank).astype({"field": "string"})
    already = pd.MultiIndex.from_frame(conform_keys(known_unknown)[[*YEAR_CAMPUS_KEY, "field"]].astype({"field": "string"}))
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
    work = conform_keys(rows[[*YEAR_CAMPUS_KEY, *on]].astype({c: "string" for c in on})).assign(_row=range(len(rows)))
    hits = work.merge(inputs, on=on).merge(conform_keys(unknown), on=[*YEAR_CAMPUS_KEY, "field"])
    reasons = hits.groupby("_row").agg(not_computed_reason_zh=("reason_zh", "；".join),
                                       not_computed_reason_en=("reason_en", "; ".join))
    reasons = reasons.reindex(range(len(rows))).fillna("").astype("string")
    reasons.index = rows.index
    return reasons
