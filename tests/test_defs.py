"""The cheapest test of a broken graph: load the code location and compare every asset key and its group,
every asset check, schedule, sensor and job with the lists a reader of the README expects.

The lists are written out by hand (not snapshotted from the code) so that a renamed, lost or regrouped asset fails
here, with its name, before any data is read.
"""

import subprocess
import sys

import dagster as dg

from balanced_pipeline.definitions import ANNUAL_JOB, defs
from balanced_pipeline.wiring.certify import CERTIFY_JOB

GROUPS = {
    "intake": {
        "ingest_failed_records", "ingest_issues", "staged_classes", "staged_counties", "staged_files", "staged_quality_monitoring",
        "staged_registry", "staged_rooms", "staged_schools", "staged_survey_groups", "staged_survey_responses",
        "staged_veto_incidents", "staged_explanations",
    },
    "validation": {
        "county_quality_monitoring", "county_submissions", "county_veto_incidents", "failed_records", "school_classes",
        "school_registry", "school_rooms", "school_submissions", "submission_completeness", "submission_files",
        "submission_changes", "submission_issues", "submission_timeliness", "survey_groups", "survey_responses",
        "year_over_year_issues",
        "explanations",
    },
    "indicators": {
        "county_difference_coefficients", "county_guarantee", "county_quality", "county_social_recognition",
        "school_guarantee_checks", "school_indicators", "school_parts", "school_resource_verdict",
    },
    "monitoring": {
        "county_indicator_values", "county_readiness", "county_rectification_list", "county_shortfalls", "county_trends",
        "creation_timetable", "data_quality_issues", "deadline_status", "recommendation_form_summary",
        "school_rectification_list",
    },
    "reports": {"county_reports", "published_year"},
}

SUITES = {
    "classes", "counties", "quality_monitoring", "registry", "rooms", "schools", "survey_groups",
    "survey_responses", "veto_incidents", "explanations",
}


def _repository():
    return defs.get_repository_def()


def test_every_asset_is_in_its_stage_group():
    graph = _repository().asset_graph
    found: dict[str, set[str]] = {}
    for key in graph.get_all_asset_keys():
        found.setdefault(graph.get(key).group_name, set()).add(key.to_user_string())
    assert found == GROUPS


def test_asset_checks_are_the_suites_and_the_deadline():
    checks = {key.to_user_string() for key in _repository().asset_graph.asset_check_keys}
    expected = {f"submission_issues:{suite}_suite" for suite in SUITES}
    expected.add("deadline_status:submissions_complete_before_deadline")
    assert checks == expected


def test_schedules_sensor_and_job():
    repository = _repository()
    assert {schedule.name for schedule in repository.schedule_defs} == {
        "preliminary_evaluation_schedule", "final_evaluation_schedule",
    }
    assert {sensor.name for sensor in repository.sensor_defs} == {"new_submissions_sensor"}
    assert {ANNUAL_JOB, CERTIFY_JOB} <= {job.name for job in repository.get_all_jobs()}
    for schedule in repository.schedule_defs:
        assert schedule.job_name == ANNUAL_JOB


def test_each_accepted_table_reads_only_its_own_staged_form():
    """The expanded lineage reads left to right: a validated form depends on its staged form and the
    failed records (every issue, uncapped), not on all eleven staged forms."""
    graph = defs.resolve_asset_graph()
    for table, form in {"school_classes": "classes", "school_rooms": "rooms", "survey_groups": "survey_groups"}.items():
        parents = {key.to_user_string() for key in graph.get(dg.AssetKey(table)).parent_keys}
        assert parents == {f"staged_{form}", "failed_records"}, table
    for table, form in {"school_submissions": "schools", "county_submissions": "counties"}.items():
        parents = {key.to_user_string() for key in graph.get(dg.AssetKey(table)).parent_keys}
        assert parents == {f"staged_{form}", "failed_records", "submission_changes"}, table  # compared first
    files = {key.to_user_string() for key in graph.get(dg.AssetKey("submission_files")).parent_keys}
    assert {"staged_files", "staged_schools", "failed_records"} <= files


def test_every_check_is_judged_per_year():
    """A check's result belongs to its year, so the UI never plots one year's check beside another's."""
    for check in defs.resolve_asset_graph().asset_check_keys:
        assert defs.resolve_asset_graph().get(check).partitions_def is not None, check


def test_loading_the_code_location_is_quiet_and_does_not_import_great_expectations():
    """Every process that loads the definitions (the webserver, each step of a multiprocess run) would pay
    seconds for it; only the validation step needs Great Expectations."""
    loaded = subprocess.run([sys.executable, "-c", "import sys, balanced_pipeline.definitions; "
                             "print('great_expectations' in sys.modules)"], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "False"
    # Nor does it print Dagster's preview or beta warnings, which open every command's output (the demo's first).
    assert "PreviewWarning" not in loaded.stderr and "BetaWarning" not in loaded.stderr, loaded.stderr
