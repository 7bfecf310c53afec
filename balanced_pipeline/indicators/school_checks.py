"""The table school_guarantee_checks: per campus, the check of every G and Q item that must hold
at every school (spec §2.2, §2.3), each defined beside its county rule in the ITEMS table of
government_guarantee.py or education_quality.py. One row per campus × item (× stage for G13),
so the office sees which schools make a county item fail.

A row's `passed` is missing when the campus did not give the data the check needs; the detail
says what is missing and the county item counts the campus as not passing. When an error
quarantined one of the school-form fields an item declares as `inputs` in the standards file, the
row has value and passed NULL and its `not_computed_reason` (dependencies.py); likewise when an
error quarantined a field of one of its class or room rows the item declares (`classes.students`
for G5, `rooms.area_m2` for G3): the row stays, the campus's other checks are judged as usual.
"""

from __future__ import annotations

import pandas as pd

from balanced_pipeline.contract.forms import YEAR_CAMPUS_KEY
from balanced_pipeline.contract.issues import issues_frame
from balanced_pipeline.indicators import education_quality, government_guarantee
from balanced_pipeline.indicators.common import SCHOOL_CHECK_COLUMNS, item_order, items_by_id
from balanced_pipeline.indicators.county_items import SchoolInputs
from balanced_pipeline.indicators.dependencies import REASON_COLUMNS, item_inputs, not_computed_reasons, quarantined_inputs
from balanced_pipeline.standards.loader import Standards
from balanced_pipeline.warehouse.catalogue import conform

SECTIONS = (("government_guarantee", government_guarantee.ITEMS), ("education_quality", education_quality.ITEMS))
"""Each section of the standards file with its items, in the order their checks are built."""


def school_guarantee_checks(
    schools: pd.DataFrame, classes: pd.DataFrame, rooms: pd.DataFrame, standards: Standards,
    issues: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The table school_guarantee_checks for accepted campuses, their classes and rooms; a check
    whose declared inputs an error of `issues` quarantined is not judged, with the reason."""
    inputs = SchoolInputs(schools, classes, rooms, standards.school_type_stages)
    parts = [
        item.school(inputs, items_by_id(standards.section(section))[item_id])
        for section, items in SECTIONS
        for item_id, item in items.items()
        if item.school is not None
    ]
    checks = pd.concat([part for part in parts if not part.empty] or parts[:1], ignore_index=True)
    checks = with_not_judged(checks, inputs.schools, standards, issues if issues is not None else issues_frame(),
                             inputs.classes, inputs.rooms)
    checks["standards_version"] = standards.version
    order = item_order(standards)
    checks = checks.sort_values([*YEAR_CAMPUS_KEY, "item_id", "stage"], key=lambda c: c.map(order) if c.name in ("item_id", "stage") else c,
                                kind="stable")
    return conform(checks, SCHOOL_CHECK_COLUMNS)


def with_not_judged(checks: pd.DataFrame, schools: pd.DataFrame, standards: Standards,
                    issues: pd.DataFrame, classes: pd.DataFrame, rooms: pd.DataFrame) -> pd.DataFrame:
    """`checks` with every check whose declared inputs (campus, class or room fields) were
    quarantined set to not judged: value and passed NULL, the detail replaced by the reason (what
    it said was computed on a missing value)."""
    unknown = quarantined_inputs(schools, issues, classes=classes, rooms=rooms)
    reasons = not_computed_reasons(checks, item_inputs(standards), unknown)
    not_judged = reasons["not_computed_reason_zh"].ne("")
    checks = pd.concat([checks.drop(columns=REASON_COLUMNS, errors="ignore"), reasons], axis=1)
    checks["value"] = checks["value"].mask(not_judged)
    checks["passed"] = checks["passed"].astype("boolean").mask(not_judged)
    checks["detail"] = checks["detail"].astype("string").mask(not_judged, reasons["not_computed_reason_zh"])
    return checks
