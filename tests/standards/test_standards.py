"""Standards versions: shipped files, provincial overlays, and errors a province's editor can act on."""

import pandas as pd
import pytest

from balanced_pipeline.standards.loader import StandardsError, load_standards


def test_national_standard_has_the_seven_indicators_and_thresholds():
    national = load_standards("national")
    assert [i.id for i in national.resource_indicators] == [f"R{n}" for n in range(1, 8)]
    r1 = national.resource_indicators[0]
    assert r1.thresholds == {"primary": 4.2, "junior": 5.3}
    assert national.difference_coefficient_max("primary") == 0.50
    assert national.difference_coefficient_max("junior") == 0.45
    assert national.stage_split_weights["nine_year"] == {"primary": 1.0, "junior": 1.1}


def test_anhui_overlay_adds_land_area_and_keeps_everything_else():
    anhui = load_standards("anhui")
    assert anhui.version == "anhui-2018"
    land = anhui.resource_indicators[-1]
    assert (land.id, land.thresholds, land.school_rule) == ("AH1", {"primary": 22, "junior": 25}, False)
    assert len(anhui.resource_indicators) == 8
    assert anhui.section("government_guarantee") == load_standards("national").section("government_guarantee")


def test_an_overlay_changes_one_threshold_and_one_item_without_restating_lists(tmp_path):
    overlay = tmp_path / "province.yaml"
    overlay.write_text(
        "version: province-2026\nextends: anhui\n"
        "resource_allocation:\n  indicators:\n    - id: R5\n      thresholds: {primary: 8.0, junior: 11.0}\n"
        "government_guarantee:\n  items:\n    - id: G4\n      name_en: Changed name\n",
        encoding="utf-8",
    )
    standards = load_standards(str(overlay))
    indicators = {i.id: i for i in standards.resource_indicators}
    assert indicators["R5"].thresholds == {"primary": 8.0, "junior": 11.0}
    assert indicators["R5"].name_zh == "生均体育运动场馆面积"
    assert "AH1" in indicators
    items = {i["id"]: i for i in standards.section("government_guarantee")["items"]}
    assert len(items) == 15
    assert items["G4"]["name_en"] == "Changed name" and items["G4"]["name_zh"]


def test_a_broken_overlay_gets_a_clear_error(tmp_path):
    overlay = tmp_path / "broken.yaml"
    overlay.write_text(
        "version: broken\nextends: national\nresource_allocation:\n  indicators:\n"
        "    - {id: X1, name_zh: x, name_en: x, quantity: land_area_m2, per_stage: false, per: 1, unit: m,"
        " comparison: '=>', thresholds: {primary: 1, junior: 1}, school_rule: false, difference_coefficient: false}\n",
        encoding="utf-8",
    )
    with pytest.raises(StandardsError, match="indicator X1: comparison"):
        load_standards(str(overlay))
    with pytest.raises(StandardsError, match="not a shipped version"):
        load_standards("atlantis")


def test_every_indicator_and_school_item_declares_the_fields_it_reads():
    from balanced_pipeline.indicators.dependencies import indicator_inputs, item_inputs

    national = load_standards("national")
    inputs = indicator_inputs(national)
    fields = lambda frame, **where: set(frame.loc[(frame[list(where)] == pd.Series(where)).all(axis=1), "field"])  # noqa: E731
    assert fields(inputs, indicator_id="R1", stage="junior", school_type="nine_year") == {
        "above_required_degree_junior", "students_junior"}
    # a shared quantity reads the students of every stage it is split between
    assert fields(inputs, indicator_id="R5", stage="primary", school_type="twelve_year") == {
        "sports_area_m2", "students_primary", "students_junior", "students_senior"}
    assert fields(inputs, indicator_id="R5", stage="primary", school_type="primary") == {"sports_area_m2", "students_primary"}
    items = item_inputs(national)
    assert fields(items, item_id="G13", stage="junior") == {"students_junior", "catchment_students_junior"}
    assert fields(items, item_id="Q4", stage="") == {"training_funds_yuan", "public_funds_yuan"}


def test_an_input_that_is_not_a_school_field_or_a_missing_inputs_list_is_refused(tmp_path):
    overlay = tmp_path / "typo.yaml"
    overlay.write_text("version: typo\nextends: national\nresource_allocation:\n  indicators:\n"
                       "    - {id: R5, inputs: [sport_area_m2, split_students]}\n", encoding="utf-8")
    with pytest.raises(StandardsError, match="indicator R5: input 'sport_area_m2' is not a school-form field"):
        load_standards(str(overlay))
    overlay.write_text("version: bare\nextends: national\nresource_allocation:\n  indicators:\n"
                       "    - {id: X1, name_zh: x, name_en: x, quantity: land_area_m2, per_stage: false, per: 1, unit: m,"
                       " comparison: '>=', thresholds: {primary: 1, junior: 1}, school_rule: false,"
                       " difference_coefficient: false}\n", encoding="utf-8")
    with pytest.raises(StandardsError, match="indicator X1: 'inputs' must list"):
        load_standards(str(overlay))
