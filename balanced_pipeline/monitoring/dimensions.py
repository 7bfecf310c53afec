"""The dimensions a county is judged on (spec §2, §5): the one list that county_shortfalls,
county_readiness, the county report and the run summary name them from, in this order."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Dimension:
    key: str
    """Its value in county_shortfalls.dimension."""
    name_zh: str
    name_en: str
    short_zh: str
    """Its label in the run summary printed after a run."""
    passed_flag: str | None
    """Its column in county_readiness; the veto has none (its column `vetoed` is true when it fails)."""


ALL_DIMENSIONS = (
    Dimension("resource_allocation", "资源配置", "Resource allocation", "资源配置", "resource_allocation_passed"),
    Dimension("government_guarantee", "政府保障程度", "Government guarantee", "政府保障", "government_guarantee_passed"),
    Dimension("education_quality", "教育质量", "Education quality", "教育质量", "education_quality_passed"),
    Dimension("social_recognition", "社会认可度", "Social recognition", "社会认可", "social_recognition_passed"),
    Dimension("precondition", "基本条件", "Precondition", "基本条件", "precondition_met"),
    Dimension("veto", "一票否决", "One-vote veto", "一票否决", None),
)
DIMENSIONS = {d.key: d.name_zh for d in ALL_DIMENSIONS}
DIMENSIONS_EN = {d.key: d.name_en for d in ALL_DIMENSIONS}
DIMENSION_FLAGS = {d.key: d.passed_flag for d in ALL_DIMENSIONS if d.passed_flag}
"""dimension → its pass flag in county_readiness (the veto apart)."""
SCHOOL_FORM_DIMENSIONS = ("resource_allocation", "government_guarantee", "education_quality")
"""The dimensions judged from the school forms: a registry campus not accepted leaves each of them
unjudged for that campus."""
