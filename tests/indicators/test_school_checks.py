"""Hand-worked cases for the per-campus checks behind G3–G6, G9, G12, G13, Q3, Q4, Q6."""

import pandas as pd
import pytest

from balanced_pipeline.indicators.government_guarantee import rooms_required, small_school_funding_required
from balanced_pipeline.indicators.school_checks import school_guarantee_checks
from balanced_pipeline.standards.loader import load_standards
from tests.forms import typed

STANDARDS = load_standards("national")


def school(code, name, school_type="primary", location="urban", **fields):
    base = dict(county_code="340401", school_code=code, campus_code="01", school_name=name, school_type=school_type,
                location_type=location, ownership="public", boarding=False, students_primary=480, students_junior=0,
                teachers_primary=30, teachers_junior=0, certified_teachers=30, trained_360h_teachers=30,
                public_funds_yuan=400000.0, training_funds_yuan=20000.0, catchment_students_primary=480,
                has_charter=True, is_ict_managed=True, moral_education_good=True, evidence_ref="J-01")
    return {**base, **fields}


def classes_of(code, stage, sizes, grade=1):
    return [dict(county_code="340401", school_code=code, campus_code="01", stage=stage, grade=grade,
                 class_name=f"{n}班", students=size) for n, size in enumerate(sizes, start=1)]


def room(code, room_type, area):
    return dict(county_code="340401", school_code=code, campus_code="01", room_type=room_type, area_m2=area)


def checks_for(schools, classes=(), rooms=()):
    return school_guarantee_checks(typed("schools", schools), typed("classes", list(classes)),
                                   typed("rooms", list(rooms)), STANDARDS)


def row(checks, code, item_id, stage=""):
    found = checks[(checks["school_code"] == code) & (checks["item_id"] == item_id) & (checks["stage"] == stage)]
    assert len(found) == 1, found
    return found.iloc[0]


def test_rooms_per_twelve_classes_round_up():
    classes = pd.Series([0, 1, 12, 13, 24, 25], dtype="Int64")
    assert rooms_required(classes, 12, 1).tolist() == [0, 1, 1, 2, 2, 3]


def test_room_check_counts_only_rooms_of_the_minimum_area():
    # 13 classes need 2 rooms of each kind; one art room of 89 ㎡ is below 90 ㎡ and does not count.
    checks = checks_for(
        [school("3404010001", "城关小学")],
        classes_of("3404010001", "primary", [37] * 13),
        [room("3404010001", "music", 96), room("3404010001", "music", 120),
         room("3404010001", "art", 90), room("3404010001", "art", 89)],
    )
    g3 = row(checks, "3404010001", "G3")
    assert g3["threshold"] == 2 and g3["value"] == 1 and not g3["passed"]
    assert g3["detail"] == ("13个班，应配音乐、美术专用教室各2间；符合面积要求的音乐教室2间、"
                            "美术教室1间（另有1间小于90㎡，不计）")


def test_room_check_without_a_class_list_is_undecided():
    checks = checks_for([school("3404010001", "城关小学")], rooms=[room("3404010001", "music", 100)])
    g3 = row(checks, "3404010001", "G3")
    assert pd.isna(g3["passed"]) and "未报送班级信息" in g3["detail"]


def test_small_school_benchmark_treats_fewer_than_100_students_as_100():
    per_student = pd.Series([650.0, 850.0], dtype="Float64")
    assert small_school_funding_required(per_student, 100).tolist() == [65000.0, 85000.0]


def test_small_school_funding_applies_to_small_village_schools_and_teaching_points():
    checks = checks_for([
        school("3404010001", "李村小学", location="rural", students_primary=37, public_funds_yuan=50000.0),
        school("3404010002", "王庄教学点", school_type="teaching_point", location="town", students_primary=12,
               public_funds_yuan=65000.0),
        school("3404010003", "张村小学", location="rural", students_primary=100, public_funds_yuan=1000.0),
        school("3404010004", "城关小学", location="urban", students_primary=60, public_funds_yuan=1000.0),
    ])
    g6 = checks[checks["item_id"] == "G6"].set_index("school_code")
    assert list(g6.index) == ["3404010001", "3404010002"]  # 100 students is not small; urban primary is out of scope
    village = g6.loc["3404010001"]
    assert village["threshold"] == 65000 and village["value"] == 50000 and not village["passed"]
    assert village["detail"] == ("在校生37人，按100人核定公用经费应不低于65000元（650元/生），"
                                 "年度公用经费预算50000元，差15000元")
    assert g6.loc["3404010002", "passed"]


def test_school_size_limit_depends_on_school_type():
    checks = checks_for([
        school("3404010001", "城关小学", students_primary=2000),
        school("3404010002", "实验学校", school_type="nine_year", students_primary=1400, students_junior=1200,
               teachers_junior=20),
    ])
    assert row(checks, "3404010001", "G4")["passed"]
    nine_year = row(checks, "3404010002", "G4")
    assert nine_year["threshold"] == 2500 and not nine_year["passed"]
    assert nine_year["detail"] == "义务教育阶段在校生2600人，标准≤2500人，超100人"


def test_class_size_names_the_oversize_classes():
    checks = checks_for(
        [school("3404010001", "实验学校", school_type="nine_year", students_junior=150, teachers_junior=10)],
        classes_of("3404010001", "primary", [45, 46]) + classes_of("3404010001", "junior", [50, 51], grade=7),
    )
    g5 = row(checks, "3404010001", "G5")
    assert g5["value"] == 2 and not g5["passed"]
    assert g5["detail"] == "超标班级2个：2班（小学1年级）46人，限45人、2班（初中7年级）51人，限50人"


def test_teacher_shares_and_missing_counts():
    checks = checks_for([
        school("3404010001", "城关小学", trained_360h_teachers=27),
        school("3404010002", "李村小学", certified_teachers=None),
    ])
    g9 = row(checks, "3404010001", "G9")
    assert g9["value"] == pytest.approx(0.9) and not g9["passed"]
    assert pd.isna(row(checks, "3404010002", "G12")["passed"])


def test_catchment_share_per_stage_for_public_non_boarding_urban_and_town_schools():
    checks = checks_for([
        school("3404010001", "实验学校", school_type="nine_year", location="town", students_junior=200,
               teachers_junior=20, catchment_students_primary=480, catchment_students_junior=189),
        school("3404010002", "寄宿学校", boarding=True, catchment_students_primary=0),
        school("3404010003", "李村小学", location="rural", catchment_students_primary=0),
    ])
    g13 = checks[checks["item_id"] == "G13"]
    assert g13["school_code"].unique().tolist() == ["3404010001"]
    assert row(checks, "3404010001", "G13", "primary")["passed"]
    junior = row(checks, "3404010001", "G13", "junior")
    assert junior["value"] == pytest.approx(0.945) and not junior["passed"]


def test_training_budget_and_attestations():
    checks = checks_for([
        school("3404010001", "城关小学", public_funds_yuan=400000.0, training_funds_yuan=20000.0),
        school("3404010002", "李村小学", public_funds_yuan=400000.0, training_funds_yuan=19999.0,
               is_ict_managed=False, evidence_ref=" "),
    ])
    assert row(checks, "3404010001", "Q4")["passed"]  # exactly 5 %
    assert not row(checks, "3404010002", "Q4")["passed"]
    q3 = row(checks, "3404010002", "Q3")
    assert not q3["passed"]
    assert q3["detail"] == "学校有章程：是；实现信息化管理与教学：否；缺少佐证材料编号"
    assert row(checks, "3404010001", "Q6")["passed"]


def test_output_columns_and_version():
    checks = checks_for([school("3404010001", "城关小学")])
    assert list(checks.columns) == ["year", "county_code", "school_code", "campus_code", "school_name", "item_id",
                                    "stage", "value", "threshold", "comparison", "passed", "detail",
                                    "not_computed_reason_zh", "not_computed_reason_en", "standards_version"]
    assert set(checks["standards_version"]) == {"national-2017"}
