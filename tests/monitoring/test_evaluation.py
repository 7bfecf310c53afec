"""Two counties through every evaluation function: 340401 passes everything; 340402 fails each
dimension for one stated reason, and the readiness reasons and rectification lists say exactly
why."""

import openpyxl
import pandas as pd
import pytest

from balanced_pipeline.indicators.government_guarantee import county_guarantee
from balanced_pipeline.monitoring.trends import county_indicator_values, county_trends
from balanced_pipeline.indicators.education_quality import county_quality
from balanced_pipeline.monitoring.readiness import county_readiness
from balanced_pipeline.monitoring.rectification import county_rectification_list, school_rectification_list
from balanced_pipeline.report.rectification_workbook import export_rectification_workbook, split_long_list
from balanced_pipeline.monitoring.shortfalls import county_shortfalls
from balanced_pipeline.indicators.social_recognition import county_social_recognition
from balanced_pipeline.monitoring.national_forms import creation_timetable, recommendation_form_summary
from balanced_pipeline.indicators.school_checks import school_guarantee_checks
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.validation.completeness import campus_gaps
from tests.forms import typed

STANDARDS = load_standards("national")
PASSING, FAILING = "340401", "340402"


def campus(county_code, number, name, school_type, location):
    stage = "primary" if school_type == "primary" else "junior"
    return dict(county_code=county_code, school_code=f"{county_code}{number:04d}", campus_code="01", school_name=name,
                school_type=school_type, location_type=location, ownership="public", boarding=False,
                students_primary=480 if stage == "primary" else 0, students_junior=600 if stage == "junior" else 0,
                teachers_primary=30 if stage == "primary" else 0, teachers_junior=45 if stage == "junior" else 0,
                certified_teachers=30 if stage == "primary" else 45, trained_360h_teachers=30 if stage == "primary" else 45,
                public_funds_yuan=500000.0, training_funds_yuan=30000.0,
                catchment_students_primary=480 if stage == "primary" else 0,
                catchment_students_junior=600 if stage == "junior" else 0,
                has_charter=True, is_ict_managed=True, moral_education_good=True, evidence_ref="J-01")


SCHOOL_ROWS = [
    campus(PASSING, 1, "甲区第一小学", "primary", "urban"),
    campus(PASSING, 2, "甲区第一中学", "junior", "urban"),
    campus(FAILING, 1, "乙县实验小学", "primary", "town"),
    campus(FAILING, 2, "乙县第一中学", "junior", "rural"),
]


def class_rows():
    rows = []
    for school in SCHOOL_ROWS:
        primary = school["school_type"] == "primary"
        sizes = [40] * 12 if primary else [50] * 12
        if school["school_name"] == "乙县实验小学":
            sizes[5] = 48  # the one oversize class of the failing county
        for number, size in enumerate(sizes):
            grade = (1 if primary else 7) + number // 2
            rows.append(dict(county_code=school["county_code"], school_code=school["school_code"], campus_code="01",
                             stage="primary" if primary else "junior", grade=grade, class_name=f"{grade}年级{number % 2 + 1}班",
                             students=size))
    return rows


def room_rows():
    return [dict(county_code=s["county_code"], school_code=s["school_code"], campus_code="01", room_type=kind, area_m2=area)
            for s in SCHOOL_ROWS for kind, area in (("music", 100.0), ("art", 95.0))]


def county_row(code, name, city, basic_balance_year, target_year, graduates):
    return dict(county_code=code, county_name=name, city=city, province="安徽省", basic_balance_year=basic_balance_year,
                target_year=target_year, teacher_avg_pay=98000.0, civil_servant_avg_pay=96000.0,
                performance_pay_approved=True, rotation_eligible=200, rotated=25, rotated_backbone=5,
                hs_quota_total=1000, hs_quota_allocated=520, hs_quota_rural_tilt=True, migrant_eligible=400,
                migrant_in_public=330, migrant_in_purchased=10, disabled_school_age=40, disabled_enrolled=39,
                cohort_grade7=1000, cohort_graduates=graduates, cohort_transfers_in=0, cohort_transfers_out=0,
                cohort_deaths=0, special_ed_funds_per_student=6500.0, layout_planned=True, unified_standards=True,
                staffing_coordinated=True, ict_teaching=True, curriculum_complete=True, no_excess_homework=True,
                evidence_ref="DD-2026-01")


COUNTY_ROWS = [
    county_row(PASSING, "甲区", "淮南市", 2013, 2021, 980),
    county_row(FAILING, "乙县", "淮南市", 2024, 2026, 900),  # certified 2 years ago; consolidation 90 %
]


def resource_outputs():
    """The colleague's resource-allocation tables: every part passes except 乙县实验小学's R5."""
    indicator_rows, verdict_rows, cv_rows = [], [], []
    for school in SCHOOL_ROWS:
        stage = "primary" if school["school_type"] == "primary" else "junior"
        failing_school = school["school_name"] == "乙县实验小学"
        for indicator in STANDARDS.resource_indicators:
            threshold = indicator.thresholds[stage]
            value = 6.1 if failing_school and indicator.id == "R5" else threshold * 1.2
            indicator_rows.append(dict(
                year=2026, county_code=school["county_code"], school_code=school["school_code"], campus_code="01",
                school_name=school["school_name"], school_type=school["school_type"],
                location_type=school["location_type"], stage=stage, indicator_id=indicator.id,
                indicator_name_zh=indicator.name_zh, indicator_name_en=indicator.name_en, unit=indicator.unit,
                value=value, threshold=threshold, comparison=">=", ratio=value / threshold,
                passed=value >= threshold, counts_toward_school_rule=True, not_computed_reason_zh="",
                not_computed_reason_en="", standards_version=STANDARDS.version))
        verdict_rows.append(dict(
            year=2026, county_code=school["county_code"], school_code=school["school_code"], campus_code="01",
            school_name=school["school_name"], stage=stage, indicators_met=6 if failing_school else 7,
            indicators_judged=7, weakest_indicator="R5" if failing_school else "R1",
            weakest_ratio=6.1 / 7.5 if failing_school else 1.2, passed=not failing_school,
            not_computed_reason_zh="", not_computed_reason_en="", standards_version=STANDARDS.version))
    for county_code in (PASSING, FAILING):
        for stage in ("primary", "junior"):
            for indicator in STANDARDS.resource_indicators:
                cv = 0.62 if (county_code, stage, indicator.id) == (FAILING, "primary", "R5") else 0.2
                limit = STANDARDS.difference_coefficient_max(stage)
                cv_rows.append(dict(
                    year=2026, county_code=county_code, stage=stage, indicator_id=indicator.id,
                    indicator_name_zh=indicator.name_zh, cv=cv, weighted_mean=1.0, weighted_sd=cv,
                    schools_in_scope=1, students_in_scope=480, parts_expected=1, parts_without_value=0, parts_missing=0,
                    parts_rejected=0, parts_out_of_scope=0, parts_left_out="[]", evidence_complete=True,
                    threshold=limit, passed=cv <= limit, note="",
                    standards_version=STANDARDS.version))
    indicators = pd.DataFrame(indicator_rows).astype({"passed": "boolean", "value": "Float64"})
    verdicts = pd.DataFrame(verdict_rows).astype({"passed": "boolean"})
    cvs = pd.DataFrame(cv_rows).astype({"passed": "boolean", "cv": "Float64"})
    return indicators, verdicts, cvs


def survey_rows():
    rows = [[PASSING, f"A{n}", group, "满意", "比较满意"] for n, group in enumerate(["学生", "家长", "教师", "校长"])]
    rows += [[FAILING, "B1", "家长", "满意", "不满意"], [FAILING, "B2", "家长", "满意", "不满意"],
             [FAILING, "B3", "教师", "满意", "不了解"], [FAILING, "B4", "人大代表", "5", "4"]]
    frame = pd.DataFrame(rows, columns=["county_code", "respondent_id", "respondent_group", "q01", "q02"])
    frame.insert(0, "year", 2026)
    return frame


@pytest.fixture(scope="module")
def evaluated():
    schools, classes, rooms = typed("schools", SCHOOL_ROWS), typed("classes", class_rows()), typed("rooms", room_rows())
    counties = typed("counties", COUNTY_ROWS)
    monitoring = typed("quality_monitoring", [
        dict(county_code=code, subject=subject, level=level, between_school_diff_rate=0.1)
        for code in (PASSING, FAILING) for subject, level in (("数学", "Ⅲ"), ("语文", "4"))])
    vetoes = typed("veto_incidents", [dict(county_code=FAILING, kind="重点班", description="乙县第一中学设重点班。")])
    indicators, verdicts, cvs = resource_outputs()
    checks = school_guarantee_checks(schools, classes, rooms, STANDARDS)
    guarantee = county_guarantee(counties, schools, checks, STANDARDS)
    quality = county_quality(counties, schools, checks, monitoring, STANDARDS)
    recognition = county_social_recognition(survey_rows(), counties, STANDARDS)
    every_campus_accepted = campus_gaps(schools, schools, schools)
    shortfalls = county_shortfalls(counties, every_campus_accepted, indicators, verdicts, cvs, checks, guarantee, quality,
                                   recognition, vetoes, STANDARDS)
    readiness = county_readiness(shortfalls, counties, verdicts, guarantee, quality, recognition, vetoes, STANDARDS)
    return dict(
        schools=schools, counties=counties, checks=checks, guarantee=guarantee, quality=quality,
        recognition=recognition, indicators=indicators, verdicts=verdicts, cvs=cvs,
        readiness=readiness.set_index("county_code"), shortfalls=shortfalls,
        school_list=school_rectification_list(shortfalls, STANDARDS),
        county_list=county_rectification_list(shortfalls, STANDARDS),
    )


def test_passing_county_is_ready(evaluated):
    ready = evaluated["readiness"].loc[PASSING]
    assert ready["ready"] and not ready["vetoed"]
    assert ready[["resource_allocation_passed", "government_guarantee_passed", "education_quality_passed",
                  "social_recognition_passed", "precondition_met"]].tolist() == [True] * 5
    assert ready["reasons"] == "各项指标均达到县域义务教育优质均衡发展要求，满足基本条件，无一票否决事项"
    assert ready["status"] == "ready"
    assert evaluated["guarantee"].query("county_code == @PASSING")["passed"].all()
    assert evaluated["quality"].query("county_code == @PASSING")["passed"].all()
    assert (evaluated["school_list"]["county_code"] != PASSING).all()
    assert (evaluated["county_list"]["county_code"] != PASSING).all()


def test_failing_county_fails_every_dimension_for_its_reason(evaluated):
    failing = evaluated["readiness"].loc[FAILING]
    assert not failing["ready"]
    assert failing[["resource_allocation_passed", "government_guarantee_passed", "education_quality_passed",
                    "social_recognition_passed", "precondition_met"]].tolist() == [False] * 5
    assert failing["vetoed"]
    assert failing["veto_reasons"] == "设置重点学校或重点班：乙县第一中学设重点班；社会认可度71.4%，低于85%"
    assert failing["status"] == "not_ready" and failing["campuses_not_judged"] == ""
    # Issue 10: the reasons are the blocking rows of county_shortfalls — one per failing school part
    # (it was one summary sentence for all), and G/Q items state their standard as in the county list.
    assert failing["reasons"] == (
        "【资源配置】乙县实验小学（小学）未达到校级资源配置要求（至少6项达标、其余不低于标准的85%）：达标6/7项，"
        "最弱R5 达标比81.3%；小学 R5（生均体育运动场馆面积）差异系数 0.620，标准 ≤0.50。"
        "【政府保障程度】G5 班额：超标班级1个，涉及1所学校（校区）：乙县实验小学（1个）"
        "（标准：小学、初中所有班级学生数分别不超过45人、50人）。"
        "【教育质量】Q1 初中三年巩固率：毕业900人 ÷（初一入学1000 − 死亡0 + 转入0 − 转出0）= 90%，标准≥95%"
        "（标准：全县初中三年巩固率达到95%以上）。"
        "【社会认可度】社会认可度71.4%，标准≥85%（有效作答7个，其中满意5个）。"
        "【基本条件】通过基本均衡国家认定年份2024，至评估年度不满3年（通过国家义务教育基本均衡发展认定3年以上）。"
        "【一票否决】一票否决：设置重点学校或重点班：乙县第一中学设重点班；社会认可度71.4%，低于85%。"
    )


def test_school_rectification_list_says_which_school_and_why(evaluated):
    school_list = evaluated["school_list"]
    assert school_list[["school_name", "item_id", "shortfall"]].values.tolist() == [
        ["乙县实验小学", "R5", "生均体育运动场馆面积 6.1㎡，标准 7.5㎡，差 1.4㎡"],
        ["乙县实验小学", "G5", "班额：超标班级1个：3年级2班（小学3年级）48人，限45人"],
    ]
    assert (school_list["measure"] == "").all() and (school_list["deadline_month"] == "").all()


def test_county_rectification_list_has_one_row_per_failed_county_item(evaluated):
    county_list = evaluated["county_list"]
    assert county_list["item_id"].tolist() == ["R5", "G5", "Q1", "S1", "P1", "V1"]
    assert county_list["shortfall"].iloc[0] == "小学 R5（生均体育运动场馆面积）差异系数 0.620，标准 ≤0.50"
    assert county_list["shortfall"].iloc[1] == (
        "G5 班额：超标班级1个，涉及1所学校（校区）：乙县实验小学（1个）（标准：小学、初中所有班级学生数分别不超过45人、50人）")


def test_rectification_workbook_follows_the_attachments(evaluated, tmp_path):
    path = export_rectification_workbook(FAILING, evaluated["school_list"], evaluated["county_list"],
                                         tmp_path / "乙县整改清单.xlsx", county_name="乙县")
    book = openpyxl.load_workbook(path)
    schools_sheet, county_sheet = book.worksheets
    assert schools_sheet["A1"].value == "义务教育学校达到优质均衡目标整改清单"
    assert schools_sheet["A2"].value.startswith("县（市、区）名称：乙县")
    assert [c.value for c in schools_sheet[3]] == ["学校名称", "存在不足情况", "整改提升措施", "完成时限"]
    assert schools_sheet["A4"].value == "1.乙县实验小学"
    assert schools_sheet["B4"].value == "1.生均体育运动场馆面积 6.1㎡，标准 7.5㎡，差 1.4㎡"
    assert schools_sheet["B5"].value.startswith("2.班额：")
    assert "A4:A5" in {str(r) for r in schools_sheet.merged_cells.ranges}
    assert schools_sheet["A7"].value == "注："
    assert schools_sheet["A10"].value == "3.完成时限精确到月份。"
    assert [c.value for c in county_sheet[3]] == ["存在不足情况", "整改提升措施", "完成时限"]
    assert county_sheet["A4"].value.startswith("1.小学 R5")
    assert county_sheet["A9"].value.startswith("6.一票否决")


def test_trends_compare_with_last_year(evaluated):
    current = county_indicator_values(evaluated["cvs"], evaluated["guarantee"], evaluated["quality"],
                                      evaluated["recognition"], evaluated["verdicts"], STANDARDS)
    previous = current.copy()
    previous["year"] = 2025
    key = (previous["county_code"] == FAILING) & (previous["indicator_id"] == "R5_CV") & (previous["stage"] == "primary")
    previous.loc[key, "value"] = 0.70  # the coefficient fell from 0.70 to 0.62: improved
    previous.loc[(previous["county_code"] == FAILING) & (previous["indicator_id"] == "Q1"), "value"] = 0.92
    previous = previous[~((previous["county_code"] == PASSING) & (previous["indicator_id"] == "S1"))]
    trends = county_trends(current, previous, STANDARDS).set_index(["county_code", "indicator_id", "stage"])
    r5 = trends.loc[(FAILING, "R5_CV", "primary")]
    assert r5["change"] == pytest.approx(-0.08) and r5["direction"] == "improved"
    assert trends.loc[(FAILING, "Q1", ""), "direction"] == "worsened"
    assert trends.loc[(PASSING, "G1", ""), "direction"] == "unchanged"
    new = trends.loc[(PASSING, "S1", "")]
    assert new["direction"] == "new" and pd.isna(new["previous_value"])
    assert trends.loc[(FAILING, "RA_PASS_SHARE", "primary"), "value"] == 0


def test_recommendation_form_summary(evaluated):
    schools = pd.concat([evaluated["schools"], typed("schools", [
        dict(campus(FAILING, 3, "乙县李村教学点", "primary", "rural"), school_type="teaching_point", students_primary=20,
             teachers_primary=2)])], ignore_index=True)
    summary = recommendation_form_summary(schools, evaluated["counties"], STANDARDS).set_index("county_code")
    row = summary.loc[FAILING]
    assert row[["schools", "rural_schools", "teaching_points", "rural_teaching_points"]].tolist() == [2, 1, 1, 1]
    assert row[["students", "rural_students", "teachers", "rural_teachers"]].tolist() == [1100, 620, 77, 47]
    assert summary.loc[PASSING, "rural_schools"] == 0 and summary.loc[PASSING, "basic_balance_year"] == 2013


def test_creation_timetable_per_city_and_target_year(evaluated):
    counties = pd.concat([evaluated["counties"], typed("counties", [
        county_row("340403", "丙县", "淮南市", 2014, 2028, 980), county_row("340404", "戊县", "淮南市", 2014, 2033, 980),
        county_row("341101", "丁县", "滁州市", 2014, None, 980)])], ignore_index=True)
    assert counties["year"].eq(2026).all() and counties["target_year"].tolist()[:2] == [2021, 2026]
    table = creation_timetable(counties, STANDARDS)
    # The columns follow the evaluated year (2026): 2026 … 2029, 2030年及以后, earlier targets before them.
    huainan = table[table["city"] == "淮南市"].set_index("target_year_bucket")["counties"]
    assert huainan.to_dict() == {"2026年以前": 1, "2026年": 1, "2027年": 0, "2028年": 1, "2029年": 0, "2030年及以后": 1,
                                 "合计": 4}
    chuzhou = table[table["city"] == "滁州市"].set_index("target_year_bucket")["counties"]
    assert chuzhou["未定"] == 1 and chuzhou["合计"] == 1
    total = table[table["city"] == "合计"].set_index("target_year_bucket")["counties"]
    assert total["2030年及以后"] == 1 and total["合计"] == 5


def test_a_long_list_continues_on_further_rows():
    classes = "、".join(f"{n}班（小学1年级）56人，限45人" for n in range(1, 24))
    rows = split_long_list(f"2.班额：超标班级23个：{classes}", per_row=10)
    assert len(rows) == 3 and rows[0].startswith("2.班额：超标班级23个：1班") and rows[1].startswith("（续）11班")
    assert rows[2] == "（续）" + "、".join(f"{n}班（小学1年级）56人，限45人" for n in range(21, 24))
    assert split_long_list("1.生均体育运动场馆面积 6.1㎡，标准 7.5㎡，差 1.4㎡") == ["1.生均体育运动场馆面积 6.1㎡，标准 7.5㎡，差 1.4㎡"]
