"""The demo generator: deterministic, complete, broken exactly where its manifest says, and
built so each county gets its verdict for the stated reason.

The resource checks here are quick sanity computations of the spec's formulas, independent of
the pipeline's own implementation.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from balanced_pipeline.demo.classes import split_within_groups
from balanced_pipeline.demo.names import chinese_numeral
from balanced_pipeline.demo.profiles import COUNTIES, PASSING_COUNTY
from balanced_pipeline.demo.school_rows import public_funds
from balanced_pipeline import cli
from balanced_pipeline.demo.generate import MANIFEST_NAME, generate_demo_submissions
from balanced_pipeline.contract.forms import FORMS, SCHOOL_TYPES
from balanced_pipeline.standards.loader import load_standards

YEARS = (2025, 2026)
SCHOOLS = 120
SEED = 7
STANDARDS = load_standards("national")
BY_PROFILE = {c.profile: c.code for c in COUNTIES}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    manifest = generate_demo_submissions(root, YEARS, schools=SCHOOLS, seed=SEED)
    return root, manifest


def read(root, year, name) -> pd.DataFrame:
    path = root / str(year) / name
    if name.endswith(".parquet"):
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def numeric(frame: pd.DataFrame, columns) -> pd.DataFrame:
    frame = frame.copy()
    frame[columns] = frame[columns].apply(pd.to_numeric, errors="coerce")
    return frame


def broken_keys(manifest, year, file) -> set[int]:
    return {b["row_number"] for b in manifest["broken_rows"] if b["year"] == year and b["file"] == file}


def sound_schools(root, manifest, year) -> pd.DataFrame:
    schools = read(root, year, "schools.csv")
    broken = broken_keys(manifest, year, "schools.csv")
    schools = schools[~(schools.index + 2).isin(broken)]
    count_columns = [c for c in schools.columns if c not in
                     ("county_code", "school_code", "campus_code", "school_name", "school_type",
                      "location_type", "ownership", "evidence_ref")]
    return numeric(schools, count_columns)


def school_parts(schools: pd.DataFrame) -> pd.DataFrame:
    """One row per school part in R1–R7 scope with the seven values (spec §2.1 and §3)."""
    parts = []
    for school_type, stages in STANDARDS.school_type_stages.items():
        of_type = schools[schools["school_type"] == school_type]
        if of_type.empty or not stages:
            continue
        weights = {"primary": 1.0, "junior": 1.0, "senior": 1.0, **STANDARDS.stage_split_weights.get(school_type, {})}
        weighted = sum(weights[s] * of_type[f"students_{s}"] for s in ("primary", "junior", "senior"))
        for stage in [s for s in stages if s in STANDARDS.evaluated_stages]:
            students = of_type[f"students_{stage}"]
            part = of_type[["county_code", "school_code", "campus_code", "school_type"]].assign(
                stage=stage, students=students)
            for indicator in STANDARDS.resource_indicators:
                if indicator.per_stage:
                    amount = of_type[f"{indicator.quantity}_{stage}"]
                else:
                    amount = of_type[indicator.quantity] * weights[stage] * students / weighted
                part[indicator.id] = amount / students * indicator.per
            parts.append(part)
    return pd.concat(parts, ignore_index=True)


def ratios(parts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        i.id: parts[i.id] / parts["stage"].map(i.thresholds) for i in STANDARDS.resource_indicators})


def passes_school_rule(parts: pd.DataFrame) -> pd.Series:
    rule = STANDARDS.school_rule
    r = ratios(parts)
    return ((r >= 1).sum(axis=1) >= rule["min_indicators_met"]) & (r.min(axis=1) >= rule["floor_ratio"])


def difference_coefficients(parts: pd.DataFrame) -> pd.DataFrame:
    """Student-weighted CV per county, stage and indicator (spec §4)."""
    minimum = STANDARDS.scope["teaching_point_min_students_for_difference_coefficient"]
    scope = parts[~((parts["school_type"] == "teaching_point") & (parts["students"] < minimum))]
    rows = []
    for (county, stage), group in scope.groupby(["county_code", "stage"]):
        share = group["students"] / group["students"].sum()
        for indicator in STANDARDS.resource_indicators:
            mean = (share * group[indicator.id]).sum()
            sd = np.sqrt((share * (group[indicator.id] - mean) ** 2).sum())
            rows.append({"county_code": county, "stage": stage, "indicator": indicator.id, "cv": sd / mean,
                         "limit": STANDARDS.difference_coefficient_max(stage)})
    return pd.DataFrame(rows)


def test_same_arguments_give_identical_bytes(demo, tmp_path):
    root, manifest = demo
    again = generate_demo_submissions(tmp_path, YEARS, schools=SCHOOLS, seed=SEED)
    assert again == manifest
    for year in YEARS:
        for name in manifest["years"][str(year)]["files"]:
            assert (tmp_path / str(year) / name).read_bytes() == (root / str(year) / name).read_bytes(), name
    assert (tmp_path / MANIFEST_NAME).read_bytes() == (root / MANIFEST_NAME).read_bytes()


def test_another_seed_gives_other_data(demo, tmp_path):
    root, manifest = demo
    other = generate_demo_submissions(tmp_path, YEARS, schools=SCHOOLS, seed=SEED + 1)
    assert other["years"]["2026"]["files"]["schools.csv"]["sha256"] != manifest["years"]["2026"]["files"]["schools.csv"]["sha256"]


def test_files_have_the_contract_headers(demo):
    root, _ = demo
    for year in YEARS:
        for form in FORMS.values():
            assert list(read(root, year, f"{form.name}.csv").columns) == form.field_names
        survey = read(root, year, "survey_responses.parquet")
        assert list(survey.columns[:3]) == ["county_code", "respondent_id", "respondent_group"]
        assert list(survey.columns[3:]) == [f"q{i:02d}" for i in range(1, 11)]


def test_every_school_type_location_and_ownership_is_present(demo):
    root, manifest = demo
    for year in YEARS:
        schools = sound_schools(root, manifest, year)
        assert set(schools["school_type"]) == set(SCHOOL_TYPES)
        assert set(schools["location_type"]) == {"urban", "town", "rural"}
        assert set(schools["ownership"]) == {"public", "private"}
        assert set(schools["boarding"]) == {0, 1}
        assert (schools["campus_code"] == "02").any()
        small_points = schools[(schools["school_type"] == "teaching_point") & (schools["students_primary"] < 50)]
        assert len(small_points) > 0
        assert schools["school_code"].str.fullmatch(r"\d{10}").all()
        assert set(schools["county_code"]) == {str(c.code) for c in COUNTIES}


def test_stages_follow_the_school_type(demo):
    root, manifest = demo
    schools = sound_schools(root, manifest, 2026)
    for school_type, stages in STANDARDS.school_type_stages.items():
        of_type = schools[schools["school_type"] == school_type]
        for stage in ("primary", "junior", "senior"):
            has_stage = of_type[f"students_{stage}"] > 0
            if stages:
                assert has_stage.all() if stage in stages else not has_stage.any(), (school_type, stage)


def test_class_students_sum_to_stage_students(demo):
    root, manifest = demo
    for year in YEARS:
        schools = sound_schools(root, manifest, year)
        classes = numeric(read(root, year, "classes.csv"), ["students", "grade"])
        sums = classes.pivot_table(index=["school_code", "campus_code"], columns="stage", values="students",
                                   aggfunc="sum", fill_value=0)
        merged = schools.drop_duplicates(["school_code", "campus_code"]).join(
            sums, on=["school_code", "campus_code"])
        for stage in ("primary", "junior", "senior"):
            assert (merged[stage].fillna(0) == merged[f"students_{stage}"]).all(), stage
        assert classes.loc[classes["stage"] == "primary", "grade"].between(1, 6).all()
        assert classes.loc[classes["stage"] == "junior", "grade"].between(7, 9).all()
        assert classes.loc[classes["stage"] == "senior", "grade"].between(10, 12).all()


def test_class_sizes_stay_within_limits_except_in_the_guarantee_county(demo):
    root, _ = demo
    classes = numeric(read(root, 2026, "classes.csv"), ["students"])
    limit = classes["stage"].map({"primary": 45, "junior": 50, "senior": 50})
    oversize = classes[classes["students"] > limit]
    assert set(oversize["county_code"]) == {str(BY_PROFILE["guarantee_fails"])}


def test_rooms_cover_every_twelve_classes_outside_the_guarantee_county(demo):
    root, manifest = demo
    classes = read(root, 2026, "classes.csv")
    rooms = read(root, 2026, "rooms.csv")
    rooms = numeric(rooms, ["area_m2"])
    assert rooms["area_m2"].isna().sum() == len(broken_keys(manifest, 2026, "rooms.csv")) == 1
    compulsory = classes[classes["stage"].isin(["primary", "junior"])].groupby(["school_code", "campus_code"]).size()
    rooms = rooms[rooms["county_code"] != str(BY_PROFILE["guarantee_fails"])]
    per_type = rooms.groupby(["school_code", "campus_code", "room_type"]).size().unstack(fill_value=0)
    needed = np.ceil(compulsory.reindex(per_type.index) / 12)
    assert (per_type["music"] >= needed).all() and (per_type["art"] >= needed).all()
    areas = rooms.dropna(subset=["area_m2"])
    assert len(areas) == len(rooms)
    assert (areas.loc[areas["room_type"] == "music", "area_m2"] >= 96).all()
    assert (areas.loc[areas["room_type"] == "art", "area_m2"] >= 90).all()


def assert_broken_rows_are_where_the_manifest_says(root, manifest):
    kinds = {b["kind"] for b in manifest["broken_rows"]}
    assert len(kinds) == 8 and all(b["year"] in YEARS for b in manifest["broken_rows"])
    for broken in manifest["broken_rows"]:
        frame = read(root, broken["year"], broken["file"])
        row = frame.iloc[broken["row_number"] - 2]
        value = row[broken["field"]]
        assert value == broken["value"], broken
        assert row["school_code"].startswith(broken["school_code"]), broken
        kind = broken["kind"]
        if kind == "short_school_code":
            assert len(value) == 9 and value.isdigit()
        elif kind == "negative_area":
            assert float(value) < 0
        elif kind == "pe_arts_above_teachers":
            assert int(value) > int(row["teachers_junior"])
        elif kind == "unknown_school_type":
            assert value not in SCHOOL_TYPES
        elif kind == "duplicate_campus":
            same = frame[(frame["school_code"] == row["school_code"]) & (frame["campus_code"] == value)]
            assert len(same) == 2 and same.index[-1] == broken["row_number"] - 2
        elif kind == "class_of_unsubmitted_campus":
            schools = read(root, broken["year"], "schools.csv")
            keys = set(zip(schools["school_code"], schools["campus_code"]))
            assert (row["school_code"], value) not in keys
        elif kind == "non_numeric_room_area":
            assert pd.isna(pd.to_numeric(value, errors="coerce"))
        elif kind == "nine_year_without_junior":
            assert row["school_type"] == "nine_year" and value == "0"
        else:
            pytest.fail(f"unexpected kind {kind}")


def test_every_broken_row_is_broken_at_its_row_number(demo):
    assert_broken_rows_are_where_the_manifest_says(*demo)


def test_row_numbers_hold_across_write_blocks(tmp_path, monkeypatch):
    import balanced_pipeline.demo.generate as demo_data

    monkeypatch.setattr(demo_data, "CAMPUSES_PER_BLOCK", 7)
    manifest = generate_demo_submissions(tmp_path, YEARS, schools=SCHOOLS, seed=SEED)
    assert_broken_rows_are_where_the_manifest_says(tmp_path, manifest)
    for year in YEARS:
        classes = read(tmp_path, year, "classes.csv")
        assert len(classes) == manifest["years"][str(year)]["files"]["classes.csv"]["rows"]
        assert (classes.columns == FORMS["classes"].field_names).all()
        assert not classes.isin(["county_code"]).any().any()  # the header is written once


def test_broken_rows_spare_the_passing_county(demo):
    _, manifest = demo
    assert str(PASSING_COUNTY.code) not in {b["county_code"] for b in manifest["broken_rows"]}


def test_missing_and_unknown_campuses(demo):
    root, manifest = demo
    for year in YEARS:
        registry = read(root, year, "registry.csv")
        schools = read(root, year, "schools.csv")
        expected = set(zip(registry["school_code"], registry["campus_code"]))
        submitted = set(zip(schools["school_code"], schools["campus_code"]))
        [missing] = [m for m in manifest["missing_campuses"] if m["year"] == year]
        [unknown] = [u for u in manifest["unknown_campuses"] if u["year"] == year]
        assert (missing["school_code"], missing["campus_code"]) in expected - submitted
        assert (unknown["school_code"], unknown["campus_code"]) in submitted - expected
        for name in ("classes.csv", "rooms.csv"):
            rows = read(root, year, name)
            assert missing["school_code"] not in set(rows["school_code"])


def test_passing_county_meets_the_resource_rule_and_difference_coefficients(demo):
    root, manifest = demo
    assert manifest["county_profiles"][str(PASSING_COUNTY.code)]["expected"]["ready"]
    for year in YEARS:
        parts = school_parts(sound_schools(root, manifest, year))
        passing = parts[parts["county_code"] == str(PASSING_COUNTY.code)]
        assert len(passing) >= 10
        assert passes_school_rule(passing).all(), year
        cvs = difference_coefficients(passing)
        assert (cvs["cv"] <= cvs["limit"]).all(), cvs[cvs["cv"] > cvs["limit"]]


def test_unequal_county_fails_difference_coefficients_only(demo):
    root, manifest = demo
    parts = school_parts(sound_schools(root, manifest, 2026))
    county = str(BY_PROFILE["unequal_schools"])
    unequal = parts[parts["county_code"] == county]
    assert passes_school_rule(unequal).all()
    cvs = difference_coefficients(unequal)
    assert (cvs["cv"] > cvs["limit"]).any()


def test_below_threshold_county_has_many_failing_school_parts(demo):
    root, manifest = demo
    parts = school_parts(sound_schools(root, manifest, 2026))
    passed = passes_school_rule(parts)
    by_county = passed.groupby(parts["county_code"]).mean()
    assert by_county[str(BY_PROFILE["below_resource_thresholds"])] < 0.7
    others = by_county.drop(str(BY_PROFILE["below_resource_thresholds"]))
    assert (others == 1).all()


def test_earlier_year_has_slightly_fewer_resources(demo):
    root, manifest = demo
    early, late = (sound_schools(root, manifest, y).set_index(["school_code", "campus_code"]) for y in YEARS)
    common = early.index.intersection(late.index)
    for column in ("teaching_aux_area_m2", "equipment_value_yuan", "teachers_primary"):
        change = late.loc[common, column].sum() / early.loc[common, column].sum()
        assert 1.0 < change < 1.06, column


def test_survey_recognition_rates_and_answer_styles(demo):
    root, manifest = demo
    labels = {"满意": "ok", "比较满意": "ok", "基本满意": "ok", "不满意": "no", "不了解": None,
              "5": "ok", "4": "ok", "3": "ok", "2": "no", "1": None}
    totals_county = str(BY_PROFILE["below_resource_thresholds"])
    assert manifest["counties_sending_survey_totals"] == [totals_county]
    for year in YEARS:
        survey = read(root, year, "survey_responses.parquet")
        answers = survey.melt(id_vars=["county_code"], value_vars=[f"q{i:02d}" for i in range(1, 11)])
        answers["verdict"] = answers["value"].map(labels)
        assert answers["value"].isin(labels).all()
        informed = answers[answers["verdict"].notna()]
        rate = informed["verdict"].eq("ok").groupby(informed["county_code"]).mean()
        respondents = survey.groupby("county_code").size()
        totals = numeric(read(root, year, "survey_groups.csv"),
                         ["respondents", "answers_counted", "satisfied", "answers_excluded"])
        assert set(totals["county_code"]) == {totals_county} and totals_county not in set(survey["county_code"])
        assert totals["respondent_group"].tolist() == STANDARDS.section("social_recognition")["groups"]
        assert (totals["answers_counted"] + totals["answers_excluded"] == 10 * totals["respondents"]).all()
        rate[totals_county] = totals["satisfied"].sum() / totals["answers_counted"].sum()
        respondents[totals_county] = totals["respondents"].sum()
        assert respondents.between(600, 1500).all() and len(rate) == len(COUNTIES)
        for county in COUNTIES:
            code = str(county.code)
            if county.profile == "low_social_recognition":
                assert 0.74 <= rate[code] <= 0.80
            else:
                assert rate[code] >= 0.88
            if code != totals_county:
                digits = answers.loc[answers["county_code"] == code, "value"].str.isdigit()
                assert digits.all() if county.answer_style == "digits" else not digits.any()


def test_county_forms_follow_the_profiles(demo):
    root, manifest = demo
    for year in YEARS:
        counties = numeric(read(root, year, "counties.csv"), ["basic_balance_year", "teacher_avg_pay",
                                                               "civil_servant_avg_pay", "rotation_eligible", "rotated",
                                                               "cohort_grade7", "cohort_graduates", "cohort_deaths",
                                                               "cohort_transfers_in", "cohort_transfers_out",
                                                               "target_year"]).set_index("county_code")
        consolidation = counties["cohort_graduates"] / (counties["cohort_grade7"] - counties["cohort_deaths"]
                                                        + counties["cohort_transfers_in"]
                                                        - counties["cohort_transfers_out"])
        rotation = counties["rotated"] / counties["rotation_eligible"]
        monitoring = read(root, year, "quality_monitoring.csv")
        vetoes = read(root, year, "veto_incidents.csv")
        for county in COUNTIES:
            code, expected = str(county.code), county.expected(STANDARDS)
            assert (counties.loc[code, "teacher_avg_pay"] >= counties.loc[code, "civil_servant_avg_pay"]) == (
                "G8" not in county.guarantee_failures)
            assert (rotation[code] >= 0.10) == ("G11" not in county.guarantee_failures)
            assert (consolidation[code] >= 0.95) == ("Q1" not in county.quality_failures)
            assert (counties.loc[code, "basic_balance_year"] <= year - 3) == expected["precondition_met"]
            assert (code in set(vetoes["county_code"])) == county.veto_incident
            levels = monitoring.loc[monitoring["county_code"] == code, "level"]
            below_three = levels.isin(["1", "2", "Ⅰ", "Ⅱ"]).any()
            assert below_three == ("Q9" in county.quality_failures)
        assert counties["target_year"].nunique() >= 3
    assert read(root, 2025, "quality_monitoring.csv")["level"].isin(["Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ"]).all()
    assert read(root, 2026, "quality_monitoring.csv")["level"].isin(["1", "2", "3", "4"]).all()


def test_helpers_hand_worked():
    assert [chinese_numeral(n) for n in (1, 10, 12, 20, 105, 110, 1000, 10010)] == [
        "一", "十", "十二", "二十", "一百零五", "一百一十", "一千", "一万零一十"]
    parts = split_within_groups(np.array([10, 7]), np.array([0, 0, 0, 1, 1]), np.array([1.0, 1.0, 1.0, 1.0, 2.0]))
    assert parts.tolist() == [4, 3, 3, 2, 5]


def test_too_few_schools_is_refused(tmp_path):
    with pytest.raises(ValueError, match="at least"):
        generate_demo_submissions(tmp_path, schools=10)


def test_command_line_writes_the_manifest(tmp_path, capsys):
    cli.main(["demo-data", "--root", str(tmp_path), "--years", "2026", "--schools", "100", "--seed", "3"])
    manifest = json.loads((tmp_path / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["arguments"] == {"years": [2026], "schools": 100, "seed": 3}
    assert "broken rows" in capsys.readouterr().out


def test_scale_parameter_reaches_20000_schools(tmp_path):
    # Its speed is the benchmark's to measure (balanced-pipeline benchmark), not a test's.
    manifest = generate_demo_submissions(tmp_path, YEARS, schools=20_000, seed=SEED)
    assert manifest["years"]["2026"]["files"]["schools.csv"]["rows"] == 20_000


def test_school_level_guarantee_and_quality_items_hold(demo):
    """G4, G9, G12, G13 and Q4 are broken by no profile, so they hold in every county."""
    root, manifest = demo
    for year in YEARS:
        schools = sound_schools(root, manifest, year)
        teachers = schools["teachers_primary"] + schools["teachers_junior"]
        assert (schools["certified_teachers"] == teachers).all() and (schools["trained_360h_teachers"] == teachers).all()
        assert (schools["training_funds_yuan"] >= 0.05 * schools["public_funds_yuan"]).all()
        compulsory = schools["students_primary"] + schools["students_junior"]
        single_stage = schools["school_type"].isin(["primary", "junior"])
        assert (compulsory[single_stage] <= 2000).all() and (compulsory <= 2500).all()
        bound = schools[(schools["ownership"] == "public") & (schools["boarding"] == 0)
                        & schools["location_type"].isin(["urban", "town"])]
        assert (bound["catchment_students_primary"] == bound["students_primary"]).all()
        assert (bound["catchment_students_junior"] >= 0.95 * bound["students_junior"]).all()
        counties = numeric(read(root, year, "counties.csv"), ["special_ed_funds_per_student", "hs_quota_total",
                                                               "hs_quota_allocated", "migrant_eligible",
                                                               "migrant_in_public", "migrant_in_purchased",
                                                               "disabled_school_age", "disabled_enrolled"])
        assert (counties["special_ed_funds_per_student"] >= 6000).all()
        assert (counties["hs_quota_allocated"] >= 0.5 * counties["hs_quota_total"]).all()
        assert ((counties["migrant_in_public"] + counties["migrant_in_purchased"])
                >= 0.85 * counties["migrant_eligible"]).all()
        assert (counties["disabled_enrolled"] >= 0.95 * counties["disabled_school_age"]).all()


def test_manifest_expects_the_national_verdicts(demo):
    """Recognition below 85 % is itself a one-vote veto (spec §2.5), so the low-recognition
    county is expected vetoed although it reports no incident."""
    _, manifest = demo
    assert manifest["standards_version"] == STANDARDS.version
    low = manifest["county_profiles"][str(BY_PROFILE["low_social_recognition"])]
    assert low["expected"]["vetoed"] and not low["expected"]["social_recognition"] and not low["veto_incident"]
    assert low["recognition_rate_target"] == pytest.approx(0.78)
    vetoed = {code for code, profile in manifest["county_profiles"].items() if profile["expected"]["vetoed"]}
    assert vetoed == {str(BY_PROFILE["low_social_recognition"]), str(BY_PROFILE["vetoed_and_not_eligible"])}


def test_public_funds_hand_worked():
    """Funds margin 1.2 on the national benchmarks (650 primary / 850 junior yuan per student;
    G6 funds small village schools and every small teaching point as 100 students; G7 asks
    6000 yuan per special-education student; senior students at the junior rate)."""
    campuses = pd.DataFrame({
        "school_type": ["teaching_point", "primary", "primary", "teaching_point", "special_education",
                        "complete_secondary"],
        "location_type": ["town", "rural", "urban", "rural", "urban", "urban"],
        "students_primary": [21, 80, 80, 120, 30, 0],
        "students_junior": [0, 0, 0, 0, 10, 500],
        "students_senior": [0, 0, 0, 0, 0, 600],
        "funds_margin": 1.2,
    })
    assert public_funds(campuses, STANDARDS) == pytest.approx(
        [78_000, 78_000, 62_400, 93_600, 288_000, 1_122_000])


def test_small_schools_get_the_funds_of_100_students(demo):
    """G6: every primary school in a village and every teaching point under 100 students has at
    least 100 × 650 = 65,000 yuan of public funds, in both years."""
    root, manifest = demo
    for year in YEARS:
        schools = sound_schools(root, manifest, year)
        students = schools["students_primary"] + schools["students_junior"]
        covered = ((schools["school_type"] == "teaching_point")
                   | ((schools["school_type"] == "primary") & (schools["location_type"] == "rural")))
        small = schools[covered & (students < 100)]
        assert len(small) >= 5
        assert (small["public_funds_yuan"] >= 65_000).all(), small[["school_name", "public_funds_yuan"]]


def test_every_campus_judged_by_g3_has_adequate_rooms_outside_the_g3_county(demo):
    """G3: per started 12 compulsory classes one music room ≥ 96 m² and one art room ≥ 90 m²
    (a teaching point with 4 classes needs one of each); a room whose area is not a number does
    not count, so the broken room lies in the county whose profile fails G3."""
    root, manifest = demo
    g3_county = next(str(c.code) for c in COUNTIES if "G3" in c.guarantee_failures)
    judged_types = ["primary", "junior", "nine_year", "twelve_year", "complete_secondary", "teaching_point"]
    assert {b["county_code"] for b in manifest["broken_rows"] if b["file"] == "rooms.csv"} == {g3_county}
    for year in YEARS:
        schools = sound_schools(root, manifest, year)
        schools = schools[schools["school_type"].isin(judged_types) & (schools["county_code"] != g3_county)]
        keys = ["school_code", "campus_code"]
        classes = read(root, year, "classes.csv")
        compulsory = classes[classes["stage"].isin(["primary", "junior"])].groupby(keys).size()
        rooms = numeric(read(root, year, "rooms.csv"), ["area_m2"])
        adequate = rooms[rooms["area_m2"] >= rooms["room_type"].map({"music": 96, "art": 90})]
        per_type = adequate.groupby([*keys, "room_type"]).size().unstack(fill_value=0)
        campuses = schools.set_index(keys).index
        needed = np.ceil(compulsory.reindex(campuses).fillna(0) / 12)
        have = per_type.reindex(campuses, fill_value=0)
        assert len(campuses) > 50 and (needed >= 1).all()
        assert (have["music"] >= needed).all() and (have["art"] >= needed).all()
        points = schools["school_type"].eq("teaching_point").to_numpy()
        assert (needed[points] == 1).all() and (have["art"][points] >= 1).all()
