"""Hand-worked cases for the county items: consolidation rate, G11's two-part rule, Q9, pooled
teacher rates, attestations and missing data."""

import math

import pandas as pd
import pytest

from balanced_pipeline.indicators.education_quality import consolidation_rate, county_quality
from balanced_pipeline.indicators.government_guarantee import county_guarantee, teacher_rotation_met
from balanced_pipeline.indicators.school_checks import school_guarantee_checks
from balanced_pipeline.indicators.education_quality import monitoring_level
from balanced_pipeline.standards.loader import load_standards
from tests.forms import typed

STANDARDS = load_standards("national")


def county(code="340401", **fields):
    base = dict(county_code=code, county_name="田家庵区", city="淮南市", province="安徽省", basic_balance_year=2013,
                teacher_avg_pay=98000.0, civil_servant_avg_pay=96000.0, performance_pay_approved=True,
                rotation_eligible=200, rotated=25, rotated_backbone=5, hs_quota_total=1000, hs_quota_allocated=520,
                hs_quota_rural_tilt=True, migrant_eligible=400, migrant_in_public=330, migrant_in_purchased=10,
                disabled_school_age=40, disabled_enrolled=39, cohort_grade7=1000, cohort_graduates=960,
                cohort_transfers_in=20, cohort_transfers_out=10, cohort_deaths=2, special_ed_funds_per_student=6500.0,
                layout_planned=True, unified_standards=True, staffing_coordinated=True, ict_teaching=True,
                curriculum_complete=True, no_excess_homework=True, evidence_ref="DD-2026-01")
    return {**base, **fields}


def school(code, county_code="340401", **fields):
    base = dict(county_code=county_code, school_code=code, campus_code="01", school_name=f"学校{code[-2:]}",
                school_type="primary", location_type="rural", ownership="public", boarding=False,
                students_primary=300, students_junior=0, teachers_primary=20, teachers_junior=0, certified_teachers=20,
                trained_360h_teachers=20, public_funds_yuan=300000.0, training_funds_yuan=15000.0,
                has_charter=True, is_ict_managed=True, moral_education_good=True, evidence_ref="J-01")
    return {**base, **fields}


def evaluate(counties, schools, monitoring=()):
    counties, schools = typed("counties", counties), typed("schools", schools)
    checks = school_guarantee_checks(schools, typed("classes", []), typed("rooms", []), STANDARDS)
    guarantee = county_guarantee(counties, schools, checks, STANDARDS)
    quality = county_quality(counties, schools, checks, typed("quality_monitoring", list(monitoring)), STANDARDS)
    return guarantee, quality


def item(table, item_id, county_code="340401", stage=""):
    found = table[(table["item_id"] == item_id) & (table["county_code"] == county_code) & (table["stage"] == stage)]
    assert len(found) == 1
    return found.iloc[0]


def test_consolidation_rate_hand_worked():
    # 960 graduates of a cohort of 1000 with 2 deaths, 20 in, 10 out: 960 / 1008.
    assert consolidation_rate(960, 1000, 2, 20, 10) == pytest.approx(0.952381, abs=1e-6)
    series = consolidation_rate(*(pd.Series([v, v], dtype="Int64") for v in (900, 1000, 0, 0, 0)))
    assert series.tolist() == [0.9, 0.9]
    assert math.isnan(consolidation_rate(10, 0, 0, 0, 0))


def test_consolidation_item_fails_below_95_percent():
    _, quality = evaluate([county(cohort_graduates=900, cohort_transfers_in=0, cohort_transfers_out=0,
                                  cohort_deaths=0)], [school("3404010001")])
    q1 = item(quality, "Q1")
    assert q1["value"] == pytest.approx(0.9) and not q1["passed"]
    assert q1["detail"] == "毕业900人 ÷（初一入学1000 − 死亡0 + 转入0 − 转出0）= 90%，标准≥95%"


def test_teacher_rotation_two_part_rule():
    shares = teacher_rotation_met(
        pd.Series([200, 200, 200, 200, 0], dtype="Int64"),  # eligible
        pd.Series([25, 25, 19, 20, 0], dtype="Int64"),  # rotated: 12.5 %, 12.5 %, 9.5 %, 10 %
        pd.Series([5, 4, 19, 4, 0], dtype="Int64"),  # backbone: 20 %, 16 %, 100 %, 20 %
        0.10, 0.20,
    )
    assert shares["rotation_share"].tolist()[:4] == pytest.approx([0.125, 0.125, 0.095, 0.10])
    assert shares["backbone_share"].tolist()[:4] == pytest.approx([0.2, 0.16, 1.0, 0.2])
    assert shares["passed"].tolist()[:4] == [True, False, False, True]
    assert pd.isna(shares["passed"].iloc[4])


def test_g11_in_the_county_table_states_both_shares():
    guarantee, _ = evaluate([county(rotated_backbone=4)], [school("3404010001")])
    g11 = item(guarantee, "G11")
    assert not g11["passed"] and g11["value"] == pytest.approx(0.125)
    assert g11["detail"] == ("交流轮岗教师25人，占符合交流条件教师200人的12.5%（标准≥10%）；"
                             "其中骨干教师4人，占交流轮岗教师的16%（标准≥20%）")


def test_quality_monitoring_levels_and_difference_rate():
    assert monitoring_level(pd.Series(["3", "Ⅲ", "III", "Ⅳ级", "2", "五", None]),
                            STANDARDS.section("education_quality")["items"][8]["levels"]).tolist() == \
        [3, 3, 3, 4, 2, pd.NA, pd.NA]
    passing = [dict(county_code="340401", subject="数学", level="Ⅲ", between_school_diff_rate=0.149),
               dict(county_code="340401", subject="语文", level="4", between_school_diff_rate=0.10)]
    _, quality = evaluate([county()], [school("3404010001")], passing)
    assert item(quality, "Q9")["passed"] and item(quality, "Q9")["value"] == 3
    failing = [dict(county_code="340401", subject="数学", level="Ⅱ", between_school_diff_rate=0.10),
               dict(county_code="340401", subject="科学", level="Ⅲ", between_school_diff_rate=0.15)]
    _, quality = evaluate([county()], [school("3404010001")], failing)
    q9 = item(quality, "Q9")
    assert not q9["passed"]
    assert q9["detail"] == "数学：Ⅱ级（标准Ⅲ级以上）；科学：校际差异率0.15（标准低于0.15）"
    _, quality = evaluate([county()], [school("3404010001")])
    # no monitoring result: not computed (issue 10 item 2), never a pass
    q9 = item(quality, "Q9")
    assert pd.isna(q9["passed"]) and pd.isna(q9["value"])
    assert q9["detail"] == "数据缺失：未报送国家义务教育质量监测结果"
    assert q9["not_computed_reason_en"] == "not computed: no accepted national quality-monitoring result"


def test_pooled_training_rate_names_the_failing_school():
    guarantee, _ = evaluate([county()], [school("3404010001"), school("3404010002", trained_360h_teachers=18)])
    g9 = item(guarantee, "G9")
    assert g9["value"] == pytest.approx(38 / 40) and not g9["passed"]
    assert g9["detail"] == ("全县专任教师40人，其中5年内完成360学时培训38人，比例95%，标准≥100%；"
                            "未达标1所学校（校区）：学校02")


def test_all_schools_item_value_is_the_passing_share():
    _, quality = evaluate([county()], [school("3404010001"), school("3404010002", has_charter=False),
                                       school("3404010003"), school("3404010004")])
    q3 = item(quality, "Q3")
    assert q3["value"] == 0.75 and not q3["passed"]
    assert q3["detail"] == "未达标1所学校（校区）：学校02"


def test_attestation_needs_yes_and_evidence():
    guarantee, _ = evaluate([county(layout_planned=False), county("340402", evidence_ref=None)],
                            [school("3404010001"), school("3404020001", county_code="340402")])
    assert not item(guarantee, "G1")["passed"]
    assert item(guarantee, "G1")["detail"] == "县级报表确认未达到要求"
    assert item(guarantee, "G2")["passed"]
    assert not item(guarantee, "G2", "340402")["passed"]
    assert item(guarantee, "G2", "340402")["detail"] == "已确认达到要求，但缺少佐证材料编号"


def test_missing_county_form_and_missing_fields_are_not_computed_with_reason():
    # issue 10 item 2: missing county-form data makes the item not computed (NULL), never a pass
    # nor a failure; the form's other items are judged.
    guarantee, quality = evaluate([county(teacher_avg_pay=None)],
                                  [school("3404010001"), school("3404990001", county_code="340499")])
    g8 = item(guarantee, "G8")
    assert pd.isna(g8["passed"]) and pd.isna(g8["value"]) and g8["detail"] == "数据缺失：教师平均工资收入"
    assert g8["not_computed_reason_zh"] == "县级报表字段「教师平均工资收入」（teacher_avg_pay）未填报，该项未计算"
    assert g8["not_computed_reason_en"] == "not computed: county-form field teacher_avg_pay (Teachers' average pay) is blank"
    assert item(guarantee, "G11")["passed"] and item(guarantee, "G11")["not_computed_reason_zh"] == ""
    orphan = guarantee[guarantee["county_code"] == "340499"]
    assert len(orphan) == 16  # G1–G15, G13 per stage
    attested_or_form = orphan[orphan["item_id"].isin(["G1", "G7", "G8", "G11", "G14", "G15"])]
    assert attested_or_form["passed"].isna().all() and attested_or_form["value"].isna().all()
    assert set(attested_or_form["detail"]) == {"数据缺失：未报送县级基本情况表"}
    assert set(attested_or_form["not_computed_reason_en"]) == {"not computed: no accepted county form (not sent or rejected)"}
    assert pd.isna(item(quality, "Q1", "340499")["passed"])


def test_not_applicable_items_pass_and_say_so():
    guarantee, _ = evaluate([county(special_ed_funds_per_student=None, migrant_eligible=0, migrant_in_public=0,
                                    migrant_in_purchased=0)], [school("3404010001")])
    assert item(guarantee, "G7")["passed"] and item(guarantee, "G7")["detail"] == "本县无特殊教育学校（不适用）"
    assert item(guarantee, "G15")["passed"] and item(guarantee, "G15")["detail"] == "本县无随迁子女（不适用）"
    assert item(guarantee, "G6")["detail"] == "本县无适用学校（不适用）"
    g13 = item(guarantee, "G13", stage="primary")  # only a rural school: catchment rule does not apply
    assert g13["passed"] and g13["detail"] == "本县无适用学校（不适用）"


def test_special_education_funding_is_required_when_the_county_has_such_a_school():
    guarantee, _ = evaluate([county(special_ed_funds_per_student=5800.0)],
                            [school("3404010001"), school("3404010002", school_type="special_education")])
    g7 = item(guarantee, "G7")
    assert not g7["passed"] and g7["detail"] == "特殊教育学校生均公用经费5800元，标准≥6000元"
    guarantee, _ = evaluate([county(special_ed_funds_per_student=None)],
                            [school("3404010002", school_type="special_education")])
    assert pd.isna(item(guarantee, "G7")["passed"])  # required but blank: not computed
    assert item(guarantee, "G7")["detail"] == "数据缺失：特殊教育学校生均公用经费"


def test_trend_direction_ignores_changes_within_the_relative_tolerance():
    from balanced_pipeline.monitoring.trends import county_trends

    def values(year, cv):
        return pd.DataFrame({"year": year, "county_code": "340401", "indicator_id": ["R1_CV", "R2_CV", "RA_PASS_SHARE"],
                             "stage": "primary", "indicator_name_zh": "x", "value": cv,
                             "higher_is_better": [False, False, True]})

    trends = county_trends(values(2026, [0.20015, 0.21, 0.95]), values(2025, [0.2, 0.2, 0.90]), STANDARDS)
    # 0.00015 is under 0.1 % of 0.2 (0.0002): unchanged; +0.01 on a coefficient is worse; a higher pass share is better.
    assert trends["direction"].tolist() == ["unchanged", "worsened", "improved"]


def test_a_failure_the_county_form_states_stands_beside_an_unknown_figure():
    """G8 with the teacher pay blank but performance pay not approved fails on what the county
    itself reports; with performance pay approved it is not computed."""
    guarantee, _ = evaluate([county(teacher_avg_pay=None, performance_pay_approved=False),
                             county("340402", teacher_avg_pay=None)],
                            [school("3404010001"), school("3404020001", county_code="340402")])
    stated = item(guarantee, "G8")
    assert stated["passed"] == False and stated["not_computed_reason_zh"] == ""  # noqa: E712
    assert pd.isna(item(guarantee, "G8", "340402")["passed"])


def test_quality_monitoring_with_a_rejected_subject_is_not_computed_unless_another_fails():
    from balanced_pipeline.contract.issues import issues_frame

    rejected = issues_frame([dict(county_code="340401", form="quality_monitoring", source_file="quality_monitoring.csv",
                                  sheet="", row_number=3, field="level", value="x", rule="level_required",
                                  severity="error", message_zh="x", message_en="x")])
    counties, schools = typed("counties", [county()]), typed("schools", [school("3404010001")])
    checks = school_guarantee_checks(schools, typed("classes", []), typed("rooms", []), STANDARDS)

    def q9(levels):
        monitoring = typed("quality_monitoring", [dict(county_code="340401", subject=f"科目{n}", level=level,
                                                       between_school_diff_rate=0.1) for n, level in enumerate(levels)])
        return item(county_quality(counties, schools, checks, monitoring, STANDARDS, rejected), "Q9")

    passing = q9(["Ⅲ"])
    assert pd.isna(passing["passed"])
    assert passing["not_computed_reason_en"] == "not computed: 1 quality-monitoring record(s) rejected for errors"
    assert passing["detail"] == "1个监测学科均达到Ⅲ级以上且校际差异率低于0.15"
    failing = q9(["Ⅲ", "Ⅱ"])  # a subject below Ⅲ fails Q9 whatever the rejected one says
    assert failing["passed"] == False and failing["not_computed_reason_zh"] == ""  # noqa: E712
