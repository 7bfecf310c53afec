"""County evaluation (spec §2.2–§2.5, §7): government guarantee, education quality, social
recognition, precondition and vetoes, readiness, rectification lists, trends and the national
forms, as pure pandas functions over the accepted forms and the resource-allocation tables.

Every input frame carries `year`; every judged output row carries `standards_version`.
"""

from balanced_pipeline.evaluation.guarantee import county_guarantee, teacher_rotation_met
from balanced_pipeline.evaluation.national_forms import creation_timetable, recommendation_form_summary
from balanced_pipeline.evaluation.quality import consolidation_rate, county_quality
from balanced_pipeline.evaluation.readiness import county_readiness
from balanced_pipeline.evaluation.rectification import (
    county_rectification_list,
    export_rectification_workbook,
    school_rectification_list,
)
from balanced_pipeline.evaluation.school_checks import school_guarantee_checks
from balanced_pipeline.evaluation.shortfalls import county_shortfalls
from balanced_pipeline.evaluation.social import county_social_recognition, recognition_table, survey_group_counts
from balanced_pipeline.evaluation.trends import county_indicator_values, county_trends

__all__ = [
    "consolidation_rate",
    "county_guarantee",
    "county_indicator_values",
    "county_quality",
    "county_readiness",
    "county_rectification_list",
    "county_shortfalls",
    "county_social_recognition",
    "county_trends",
    "creation_timetable",
    "export_rectification_workbook",
    "recognition_table",
    "recommendation_form_summary",
    "school_guarantee_checks",
    "school_rectification_list",
    "survey_group_counts",
    "teacher_rotation_met",
]
