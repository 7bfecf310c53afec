"""County reports and the overview page from small hand-made tables.

340401 甲区 fails resource allocation (primary R5 coefficient 0.62 > 0.50; 甲五小 misses R1 and
R2) and class size (G5), and 甲三小 sent nothing: not ready, with the gap; it has last year's
values. 340402 乙区 is ready and is evaluated for the first time, so its report says there is no
previous year. 340403 丙区 would pass but 丙一小's form was rejected: incomplete, not a verdict.
"""

import os
import re
from xml.etree import ElementTree
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from balanced_pipeline.monitoring.readiness import READINESS_COLUMNS, READY_TEXT
from balanced_pipeline.monitoring.shortfalls import SHORTFALL_COLUMNS
from balanced_pipeline.monitoring.rectification import COUNTY_LIST_COLUMNS, SCHOOL_LIST_COLUMNS
from balanced_pipeline.indicators.common import COUNTY_ITEM_COLUMNS, SCHOOL_CHECK_COLUMNS
from balanced_pipeline.monitoring.national_forms import SUMMARY_COLUMNS, TIMETABLE_COLUMNS
from balanced_pipeline.indicators.social_recognition import SOCIAL_RECOGNITION_COLUMNS
from balanced_pipeline.monitoring.trends import TREND_COLUMNS
from balanced_pipeline.report import INDEX_COLUMNS, render_county_report, render_overview, write_year_reports
from balanced_pipeline import settings
from balanced_pipeline.report import fonts, svg
from balanced_pipeline.standards.loader import load_standards
from balanced_pipeline.warehouse.catalogue import TABLES

STANDARDS = load_standards("national")
YEAR = 2026
JIA, YI, BING = "340401", "340402", "340403"
INDICATORS = [i for i in STANDARDS.resource_indicators]
SECTION_IDS = ["conclusion", "resource_allocation", "government_guarantee", "education_quality",
               "social_recognition", "conditions", "rectification", "data", "timeliness", "changes", "trends"]


def typed(columns: dict, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=list(columns)).astype(columns)


def catalogued(name: str, rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=TABLES[name].column_names)


SCHOOLS = [  # county, school code, name, stage, {indicator: ratio to the standard}
    (JIA, "3404010001", "甲五小", "primary", {"R1": 0.8, "R2": 0.9}),
    (JIA, "3404010002", "甲二小", "primary", {"R3": None}),
    (JIA, "3404010003", "甲一中", "junior", {}),
    (YI, "3404020001", "乙一小", "primary", {}),
    (YI, "3404020002", "乙一中", "junior", {}),
]


def school_tables():
    indicators, verdicts, parts = [], [], []
    for county, code, name, stage, ratios in SCHOOLS:
        base = dict(year=YEAR, county_code=county, school_code=code, campus_code="01", school_name=name, stage=stage)
        met = 0
        for indicator in INDICATORS:
            threshold = indicator.thresholds[stage]
            ratio = ratios.get(indicator.id, 1.2)
            value = None if ratio is None else ratio * threshold
            met += ratio is not None and ratio >= 1
            indicators.append(dict(base, school_type=stage, location_type="urban", students=500,
                                   indicator_id=indicator.id, indicator_name_zh=indicator.name_zh,
                                   indicator_name_en=indicator.name_en, unit=indicator.unit, value=value,
                                   threshold=threshold, comparison=">=", counts_toward_school_rule=True, ratio=ratio,
                                   passed=None if ratio is None else ratio >= 1, standards_version=STANDARDS.version))
        weakest = min((r for r in ratios.values() if r is not None), default=1.2)
        verdicts.append(dict(base, indicators_met=met, indicators_judged=7 - list(ratios.values()).count(None),
                             unmet_below_floor=int(weakest < 0.85), weakest_indicator="R1", weakest_ratio=weakest,
                             passed=met == 7 or (met == 6 and weakest >= 0.85), standards_version=STANDARDS.version))
        parts.append(dict(base, school_type=stage, location_type="urban", students=500, split_share=1.0,
                          in_resource_allocation=True, in_difference_coefficient=True, scope_note="",
                          standards_version=STANDARDS.version))
    return (catalogued("school_indicators", indicators), catalogued("school_resource_verdict", verdicts),
            catalogued("school_parts", parts))


def coefficients():
    rows = []
    for county in (JIA, YI):
        for stage in ("primary", "junior"):
            for indicator in INDICATORS:
                cv = 0.62 if (county, stage, indicator.id) == (JIA, "primary", "R5") else 0.2
                limit = STANDARDS.difference_coefficient_max(stage)
                rows.append(dict(year=YEAR, county_code=county, stage=stage, indicator_id=indicator.id,
                                 indicator_name_zh=indicator.name_zh, cv=cv, weighted_mean=1.0, weighted_sd=cv,
                                 schools_in_scope=2, students_in_scope=1000, parts_without_value=0, threshold=limit,
                                 passed=cv <= limit, note="", standards_version=STANDARDS.version))
    return catalogued("county_difference_coefficients", rows)


def hand_made_tables() -> dict[str, pd.DataFrame]:
    indicators, verdicts, parts = school_tables()
    jia_gap = "1个校区未能评估：甲三小（3404010004-01，未报送）"
    bing_gap = "1个校区未能评估：丙一小（3404030001-01，被拦截）"
    base = dict(year=YEAR, education_quality_passed=True, social_recognition_passed=True, precondition_met=True,
                vetoed=False, veto_reasons="", items_not_computed=0, standards_version=STANDARDS.version)
    readiness = typed(READINESS_COLUMNS, [
        dict(base, county_code=JIA, county_name="甲区", resource_allocation_passed=False,
             government_guarantee_passed=False, status="not_ready", ready=False, campuses_missing=1,
             campuses_rejected=0, campuses_not_judged=jia_gap,
             verdict_zh="尚未达到优质均衡要求（另：数据不完整，1个校区未报送或被拦截）",
             verdict_en="not ready (data also incomplete: 1 campus missing or rejected)",
             reasons="【资源配置】…。【数据完整性】" + jia_gap + "。"),
        dict(base, county_code=YI, county_name="乙区", resource_allocation_passed=True,
             government_guarantee_passed=True, status="ready", ready=True, campuses_missing=0, campuses_rejected=0,
             campuses_not_judged="", verdict_zh="达到优质均衡要求", verdict_en="ready", reasons=READY_TEXT),
        dict(base, county_code=BING, county_name="丙区", resource_allocation_passed=None,
             government_guarantee_passed=None, education_quality_passed=None, status="incomplete", ready=False,
             campuses_missing=0, campuses_rejected=1, campuses_not_judged=bing_gap,
             verdict_zh="数据不完整：1个校区未报送或被拦截——不能作出结论",
             verdict_en="incomplete: 1 campus missing or rejected — not a verdict",
             reasons="【数据完整性】" + bing_gap + "。")])
    row = dict(year=YEAR, stage="", school_code="", campus_code="", school_name="", outcome="failed", conclusive=True,
               blocks_readiness=True, in_school_list=False, in_county_list=True, reason_en="",
               standards_version=STANDARDS.version)
    gap = dict(row, item_id="", conclusive=False, in_county_list=False)
    shortfalls = typed(SHORTFALL_COLUMNS, [
        dict(row, county_code=JIA, dimension="resource_allocation", item_id="RA", stage="primary",
             school_code="3404010001", campus_code="01", school_name="甲五小", in_county_list=False,
             reason_zh="甲五小（小学）未达到校级资源配置要求（至少6项达标、其余不低于标准的85%）：达标5/7项，最弱R1 达标比80%"),
        dict(row, county_code=JIA, dimension="resource_allocation", item_id="R1", stage="primary",
             school_code="3404010001", campus_code="01", school_name="甲五小", blocks_readiness=False,
             in_school_list=True, in_county_list=False, value=3.36, threshold=4.2, gap=0.84,
             reason_zh="每百名学生拥有高于规定学历教师数 3.36人，标准 4.2人，差 0.84人"),
        dict(row, county_code=JIA, dimension="resource_allocation", item_id="R5", stage="primary", value=0.62,
             threshold=0.5, gap=0.12, reason_zh="小学 R5（生均体育运动场馆面积）差异系数 0.620，标准 ≤0.50"),
        dict(row, county_code=JIA, dimension="government_guarantee", item_id="G8",
             reason_zh="G8 教师工资：教师年平均工资90000元，公务员96000元，比例94%，标准≥100%；绩效工资总量足额核定：是"),
        *[dict(gap, county_code=JIA, dimension=dimension, school_code="3404010004", campus_code="01",
               school_name="甲三小", outcome="campus_missing", reason_zh="甲三小（3404010004-01）未报送")
          for dimension in ("resource_allocation", "government_guarantee", "education_quality")],
        *[dict(gap, county_code=BING, dimension=dimension, school_code="3404030001", campus_code="01",
               school_name="丙一小", outcome="campus_rejected", reason_zh="丙一小（3404030001-01）填报表有错误被拦截")
          for dimension in ("resource_allocation", "government_guarantee", "education_quality")],
    ])
    item = dict(year=YEAR, stage="", comparison=">=", threshold=1.0, standards_version=STANDARDS.version)
    guarantee = typed(COUNTY_ITEM_COLUMNS, [
        dict(item, county_code=county, item_id=item_id, name_zh=name, value=1.0, passed=passed, detail=detail)
        for county in (JIA, YI) for item_id, name, passed, detail in (
            ("G1", "学校规划布局合理", True, "已确认达到要求"),
            ("G5", "班额", county == YI, "全部班级未超过班额标准" if county == YI else "超标班级1个：3年级2班48人，限45人"))])
    quality = typed(COUNTY_ITEM_COLUMNS, [
        dict(item, county_code=county, item_id="Q1", name_zh="初中三年巩固率", value=0.97, passed=True,
             detail="巩固率97%，标准≥95%") for county in (JIA, YI)])
    recognition = typed(SOCIAL_RECOGNITION_COLUMNS, [
        dict(year=YEAR, county_code=county, respondent_group=group, respondents=10, answers_counted=100, satisfied=90,
             answers_excluded=0, answers_unrecognised=0, rate=0.9, threshold=0.85, passed=True, note="",
             standards_version=STANDARDS.version) for county in (JIA, YI) for group in ("家长", "all")])
    checks = typed(SCHOOL_CHECK_COLUMNS, [
        dict(year=YEAR, county_code=JIA, school_code="3404010001", campus_code="01", school_name="甲五小",
             item_id="G5", stage="", value=1, threshold=0, comparison="<=", passed=False,
             detail="超标班级1个：3年级2班48人，限45人", standards_version=STANDARDS.version)])
    school_list = typed(SCHOOL_LIST_COLUMNS, [
        dict(year=YEAR, county_code=JIA, school_code="3404010001", campus_code="01", school_name="甲五小",
             item_id=item_id, stage="primary", shortfall=shortfall, measure="", deadline_month="",
             standards_version=STANDARDS.version)
        for item_id, shortfall in (("R1", "每百名学生拥有高于规定学历教师数 3.36人，标准 4.2人，差 0.84人"),
                                   ("G5", "班额：超标班级1个：3年级2班48人，限45人"))])
    county_list = typed(COUNTY_LIST_COLUMNS, [
        dict(year=YEAR, county_code=JIA, item_id="R5", stage="primary", measure="", deadline_month="",
             shortfall="小学 R5（生均体育运动场馆面积）差异系数 0.620，标准 ≤0.50", standards_version=STANDARDS.version)])
    trend = dict(year=YEAR, stage="primary", indicator_name_zh="生均体育运动场馆面积差异系数", standards_version=STANDARDS.version)
    trends = typed(TREND_COLUMNS, [
        dict(trend, county_code=JIA, indicator_id="R5_CV", value=0.62, previous_value=0.70, change=-0.08, direction="improved"),
        dict(trend, county_code=YI, indicator_id="R5_CV", value=0.2, previous_value=None, change=None, direction="new")])
    summary = typed(SUMMARY_COLUMNS, [
        dict(year=YEAR, county_code=county, county_name=name, city="淮南市", province="安徽省", basic_balance_year=2015,
             schools=2, rural_schools=0, teaching_points=0, rural_teaching_points=0, students=1500, rural_students=0,
             teachers=100, rural_teachers=0) for county, name in ((JIA, "甲区"), (YI, "乙区"))])
    counties = catalogued("county_submissions", [
        dict(year=YEAR, county_code=county, county_name=name, city="淮南市", province="安徽省", basic_balance_year=2015,
             target_year=2026) for county, name in ((JIA, "甲区"), (YI, "乙区"), (BING, "丙区"))])
    completeness = catalogued("submission_completeness", [
        dict(year=YEAR, county_code=JIA, expected=4, received=3, accepted=3, rejected=0, missing=1, unknown=0,
             completion_rate=0.75, missing_campuses="甲三小（3404010004-01）", unknown_campuses="", rejected_campuses=""),
        dict(year=YEAR, county_code=YI, expected=2, received=2, accepted=2, rejected=0, missing=0, unknown=0,
             completion_rate=1.0, missing_campuses="", unknown_campuses="", rejected_campuses=""),
        dict(year=YEAR, county_code=BING, expected=1, received=1, accepted=0, rejected=1, missing=0, unknown=0,
             completion_rate=0.0, missing_campuses="", unknown_campuses="", rejected_campuses="丙一小（3404030001-01）")])
    issue = dict(year=YEAR, school_code="3404010001", campus_code="01", form="schools", source_file="schools.csv",
                 sheet="", row_number=5, field="students_primary", value="约500", rule="unparsable_number",
                 severity="warning", message_zh="字段「小学在校生数」的值「约500」无法识别为数字", message_en="not a number")
    issues = catalogued("data_quality_issues", [dict(issue, county_code=JIA),
                                                dict(issue, county_code="", rule="unreadable_file", severity="error")])
    utc = lambda text: pd.Timestamp(text, tz="UTC")  # noqa: E731
    campus = dict(year=YEAR, campus_code="01", in_registry=True, deadline=utc("2026-12-14 16:00"))
    timeliness = catalogued("submission_timeliness", [
        dict(campus, county_code=JIA, school_code="3404010001", school_name="甲五小", timeliness="on_time",
             first_submitted_at=utc("2026-11-30 02:00"), last_changed_at=utc("2026-12-16 01:30"), last_file="甲五小.xlsx"),
        dict(campus, county_code=JIA, school_code="3404010002", school_name="甲二小", timeliness="late",
             first_submitted_at=utc("2026-12-14 16:30"), last_changed_at=utc("2026-12-14 16:30"), last_file="schools.csv"),
        dict(campus, county_code=JIA, school_code="3404010004", school_name="甲三小", timeliness="missing"),
        dict(campus, county_code=YI, school_code="3404020001", school_name="乙一小", timeliness="on_time",
             first_submitted_at=utc("2026-11-30 02:00"), last_changed_at=utc("2026-11-30 02:00"), last_file="schools.csv")])
    changes = catalogued("submission_changes", [
        dict(year=YEAR, county_code=JIA, school_code="3404010001", campus_code="01", form="schools",
             field="students_primary", old_value="480", new_value="500", old_file="schools.csv", new_file="甲五小.xlsx",
             changed_at=utc("2026-12-16 01:30")),
        dict(year=YEAR, county_code=JIA, school_code="", campus_code="", form="counties", field="teacher_avg_pay",
             old_value="90000.0", new_value="", old_file="counties.csv", new_file="counties_v2.csv",
             changed_at=utc("2026-12-03 00:00"))])
    timetable = typed(TIMETABLE_COLUMNS, [
        dict(year=YEAR, province="安徽省", city="淮南市", target_year_bucket=bucket, bucket_order=order, counties=n)
        for bucket, order, n in (("2023年及以后", 5, 2), ("合计", 7, 2))])
    return dict(county_readiness=readiness, county_guarantee=guarantee, county_quality=quality,
                county_social_recognition=recognition, school_guarantee_checks=checks,
                school_rectification_list=school_list, county_rectification_list=county_list, county_trends=trends,
                recommendation_form_summary=summary, creation_timetable=timetable, school_indicators=indicators,
                school_resource_verdict=verdicts, county_difference_coefficients=coefficients(),
                submission_completeness=completeness, data_quality_issues=issues, county_submissions=counties,
                school_parts=parts, county_shortfalls=shortfalls, submission_timeliness=timeliness,
                submission_changes=changes)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out_dir = tmp_path_factory.mktemp("reports")
    index = write_year_reports(hand_made_tables(), YEAR, out_dir, STANDARDS)
    return out_dir, index.set_index("county_code")


def page(written, county) -> str:
    return Path(written[1].loc[county, "html_path"]).read_text(encoding="utf-8")


def grid_cells(html: str, school: str) -> list[tuple[str, str]]:
    """(class, text) of each cell of the grid row of `school`."""
    row = re.search(rf"<tr><td>{school}</td>(.*?)</tr>", html).group(1)
    return re.findall(r'<td(?: class="([^"]*)")?>([^<]*)</td>', row)


def test_index_has_one_row_per_county_with_its_files(written):
    out_dir, index = written
    assert [index.index.name, *index.columns] == ["county_code", *[c for c in INDEX_COLUMNS if c != "county_code"]]
    assert index.loc[JIA, "ready"] == False and index.loc[YI, "ready"] == True  # noqa: E712
    assert index["status"].to_dict() == {JIA: "not_ready", YI: "ready", BING: "incomplete"}
    assert index.loc[JIA, "failed_dimensions"] == "资源配置、政府保障程度"
    assert index.loc[BING, "failed_dimensions"] == "" and index.loc[BING, "dimensions_not_judged"] == "资源配置、政府保障程度、教育质量"
    assert index.loc[BING, "campuses_not_judged"] == "丙一小（3404030001-01，填报表有错误被拦截）"
    assert index.loc[JIA, "county_name"] == "甲区" and index.loc[JIA, "city"] == "淮南市"
    for column in ("html_path", "xlsx_path"):
        assert all(Path(p).is_file() and Path(p).parent == out_dir for p in index[column])


def test_headline_comes_first_and_names_the_reasons(written):
    html = page(written, JIA)
    body = html[html.index("<body>"):]
    headline = body.index('class="headline not-ready"')
    assert headline < body.index('<section id="conclusion"')
    assert "尚未达到优质均衡要求" in body[headline:headline + 200]
    assert "小学 R5（生均体育运动场馆面积）差异系数 0.620，标准 ≤0.50" in body[headline:body.index("<nav>")]
    assert "G5 班额：超标班级1个" not in body[headline:body.index("<nav>")]  # a school-level line, not a county reason
    # One bullet per shortfall row: the passing sub-clause after ；stays inside its item's bullet.
    assert "<li>绩效工资总量足额核定：是</li>" not in body
    assert "<b>【政府保障程度】</b>G8 教师工资：" in body
    # The gap is said near the headline even though the county already fails.
    assert "另：数据不完整，1个校区未报送或被拦截" in body[headline:headline + 300]
    assert "甲三小（3404010004-01，未报送）" in body[headline:body.index("<nav>")]
    assert 'class="headline ready"' in page(written, YI)


def test_incomplete_county_says_it_is_not_a_verdict_and_lists_the_campuses(written):
    html = page(written, BING)
    body = html[html.index("<body>"):]
    headline = body[body.index('class="headline incomplete"'):body.index("<nav>")]
    assert "数据不完整：1个校区未报送或被拦截——不能作出结论" in headline
    assert "incomplete: 1 campus missing or rejected — not a verdict" in headline
    assert "丙一小（3404030001-01，填报表有错误被拦截）" in headline
    resource = body[body.index('<section id="resource_allocation"'):body.index('<section id="government_guarantee"')]
    assert "数据不完整，无法判定 not judged" in resource and "达标 pass</span>" not in resource


def test_every_section_is_present_in_order(written):
    html = page(written, JIA)
    positions = [html.index(f'<section id="{key}"') for key in SECTION_IDS]
    assert positions == sorted(positions)
    for heading in ("资源配置", "政府保障程度", "教育质量", "社会认可度", "基本条件与一票否决", "整改清单",
                    "数据报送与数据质量", "动态监测"):
        assert re.search(rf"<h2>{heading}[^<]*<span class=\"en\">", html), heading


def test_page_is_self_contained(written):
    html = page(written, JIA)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert "<script" not in html and "<link" not in html


def test_both_stage_charts_are_inline_svg_with_failing_bar_red(written):
    html = page(written, JIA)
    section = html[html.index('<section id="resource_allocation"'):html.index('<section id="government_guarantee"')]
    svgs = re.findall(r"<svg.*?</svg>", section, flags=re.S)
    assert len(svgs) == 2
    red = f"fill: {svg.FAIL_COLOUR.lower()}"
    assert red in svgs[0]  # primary: R5 above 0.50
    assert red not in svgs[1] and f"fill: {svg.PASS_COLOUR.lower()}" in svgs[1]  # junior: all within 0.45


def test_grid_colours_cells_by_ratio(written):
    html = page(written, JIA)
    cells = grid_cells(html, "甲五小")
    # students, R1 … R7, met, verdict
    assert cells[1] == ("tone-fail", "3.36")  # R1 at 0.8 of 4.2: below 85 %
    assert cells[2] == ("tone-warn", "0.90")  # R2 at 0.9 of 1.0: below the standard
    assert cells[3] == ("tone-pass", "1.08")  # R3 at 1.2 of 0.9
    assert cells[-2:] == [("", "5/7"), ("tone-fail", "未达标 fail")]
    assert grid_cells(html, "甲二小")[3] == ("tone-missing", "—")
    assert html.index("<tr><td>甲五小</td>") < html.index("<tr><td>甲二小</td>")  # failing schools first


def test_rectification_lists_follow_the_zhejiang_columns(written):
    html = page(written, JIA)
    section = html[html.index('<section id="rectification"'):html.index('<section id="data"')]
    assert "附件1 义务教育学校达到优质均衡目标整改清单" in section
    assert "<td>1.甲五小</td><td>1.每百名学生拥有高于规定学历教师数" in section
    assert "<td></td><td>2.班额：超标班级1个" in section
    assert "<td>1.小学 R5（生均体育运动场馆面积）差异系数 0.620，标准 ≤0.50</td>" in section


def test_data_section_lists_this_countys_issues_and_missing_campuses(written):
    html = page(written, JIA)
    section = html[html.index('<section id="data"'):html.index('<section id="trends"')]
    assert "甲三小（3404010004-01）" in section
    assert "unparsable_number" in section and "约500" in section
    assert "unreadable_file" not in section  # not this county's …
    assert "另有 1 个问题无法归属到具体县区" in section  # … but counted


def test_trend_since_last_year_and_first_year_says_so(written):
    jia = page(written, JIA)
    trends = jia[jia.index('<section id="trends"'):]
    assert "<svg" in trends and "改善 improved" in trends and "−0.080" in trends
    yi = page(written, YI)
    trends = yi[yi.index('<section id="trends"'):]
    assert "无上一年度（2025年）数据" in trends and "<svg" not in trends


def test_workbook_has_the_same_tables(written):
    book = openpyxl.load_workbook(written[1].loc[JIA, "xlsx_path"])
    assert book.sheetnames == ["评估结论", "资源配置", "政府保障程度", "教育质量", "社会认可度", "基本条件与一票否决",
                               "整改清单", "数据报送与数据质量", "报送时效", "预评估以来的变更", "动态监测（与上一年度比较）"]
    conclusion = [c.value for c in book["评估结论"]["A"] if c.value]
    assert conclusion[1] == ("结论 Verdict：尚未达到优质均衡要求（另：数据不完整，1个校区未报送或被拦截） "
                             "not ready (data also incomplete: 1 campus missing or rejected)")
    resource = [[c.value for c in row] for row in book["资源配置"].iter_rows()]
    jia_one = next(row for row in resource if row[0] == "甲五小")
    assert jia_one[2:4] == [3.36, 0.9]  # numbers, shown as on the page by their format
    jia_cells = next(row for row in book["资源配置"].iter_rows() if row[0].value == "甲五小")
    assert [c.number_format for c in jia_cells[2:4]] == ["0.00", "0.00"]
    fill = next(row for row in book["资源配置"].iter_rows() if row[0].value == "甲五小")[2].fill
    assert fill.start_color.rgb.endswith("F8CFCF")  # red, as on the page
    rectification = [c.value for c in book["整改清单"]["B"] if c.value]
    assert "1.每百名学生拥有高于规定学历教师数 3.36人，标准 4.2人，差 0.84人" in rectification


def test_overview_links_every_county_by_relative_path(written):
    out_dir, index = written
    html = (out_dir / "index.html").read_text(encoding="utf-8")
    for county in (JIA, YI):
        assert f'href="{Path(index.loc[county, "html_path"]).name}"' in html
        assert f'href="{Path(index.loc[county, "xlsx_path"]).name}"' in html
    assert "<h2>安徽省淮南市" in html
    assert '<td class="tone-pass">达到优质均衡要求<br><span class="en">ready</span></td>' in html
    assert ('<td class="tone-missing">数据不完整：1个校区未报送或被拦截——不能作出结论<br>'
            '<span class="en">incomplete: 1 campus missing or rejected — not a verdict</span></td>') in html
    assert "<td>丙一小（3404030001-01，填报表有错误被拦截）</td>" in html
    assert "3 counties: 1 ready, 1 not ready, 1 incomplete — not a verdict." in html
    assert "创建工作时间表" in html


def test_overview_links_reports_in_another_folder(tmp_path, written):
    index = written[1].reset_index().assign(html_path=str(tmp_path / "2026" / "a.html"),
                                            xlsx_path=str(tmp_path / "2026" / "a.xlsx"))
    html = render_overview(index, YEAR, tmp_path / "city").read_text(encoding="utf-8")
    assert 'href="../2026/a.html"' in html and 'href="../2026/a.xlsx"' in html


def test_render_county_report_for_one_county(tmp_path):
    html_path, xlsx_path, rectification_path = render_county_report(hand_made_tables(), YI, YEAR, tmp_path, STANDARDS)
    assert html_path.name == f"county_{YI}_{YEAR}.html" and xlsx_path.is_file()
    assert "乙区2026年县域义务教育优质均衡发展自评报告" in html_path.read_text(encoding="utf-8")
    with pytest.raises(ValueError, match="340499"):
        render_county_report(hand_made_tables(), "340499", YEAR, tmp_path, STANDARDS)


def test_report_chart_is_svg_whose_text_the_browser_draws_and_names_stay_text():
    rows = coefficients().query("county_code == @JIA and stage == 'primary'").copy()
    rows.loc[rows.index[0], "indicator_name_zh"] = "<b>资源</b>&$\\foo{$"  # typed text must not become markup
    root = ElementTree.fromstring(svg.coefficient_chart(rows, "小学", "Primary"))
    words = ["".join(t.itertext()) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "小学 / Primary" in words and "差异系数 CV" in words
    assert any("<b>资源" in w for w in words)  # the name as typed, as text (the XML parsed, so it was escaped)
    assert "Noto Sans CJK SC" in root.get("style") and "sans-serif" in root.get("style")
    assert not list(root.iter("{http://www.w3.org/2000/svg}path"))  # no glyph outlines: the browser's font draws them


def test_bars_stand_at_their_value_against_the_axis():
    """Hand-worked geometry: ticks 0, 0.2 … 0.8 for a peak of 0.62 (× 1.15 = 0.713, step 0.2);
    a bar of 0.62 on a 220 px panel from y = 55 reaches 55 + 220 × (1 − 0.62 / 0.8) = 104.5."""
    assert svg.nice_ticks(0.62 * 1.15) == [0.0, 0.2, 0.4, 0.6, 0.8]
    rows = coefficients().query("county_code == @JIA and stage == 'primary'")
    root = ElementTree.fromstring(svg.coefficient_chart(rows, "小学", "Primary"))
    bars = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if float(r.get("height")) > 20]
    tallest = min(bars, key=lambda r: float(r.get("y")))
    peak = float(rows["cv"].max())
    top = svg.nice_ticks(peak * 1.15)[-1]
    assert float(tallest.get("y")) == pytest.approx(55 + 220 * (1 - peak / top), abs=0.06)
    assert float(tallest.get("y")) + float(tallest.get("height")) == pytest.approx(275, abs=0.06)


def test_a_cjk_font_installed_after_matplotlib_cached_its_fonts_is_found():
    """matplotlib's font cache is written once; a font installed later must still be used."""
    from matplotlib import font_manager

    system_cjk = [p for p in font_manager.findSystemFonts() if fonts.CJK_FONT_FILES.search(Path(p).name)]
    if not system_cjk:
        assert os.environ.get("CI") != "true", ".ci/run installs fonts-noto-cjk"
        pytest.skip("no CJK font file on this machine (apt-get install fonts-noto-cjk)")
    cached = list(font_manager.fontManager.ttflist)
    try:  # the cache as it was written before the font was installed
        font_manager.fontManager.ttflist = [f for f in cached if f.name not in fonts.PREFERRED_CJK_FONTS]
        fonts.cjk_font_name.cache_clear()
        assert fonts.cjk_font_name() in fonts.PREFERRED_CJK_FONTS
    finally:
        font_manager.fontManager.ttflist = cached
        fonts.cjk_font_name.cache_clear()


def test_changes_show_their_sign_and_never_a_misleading_zero():
    from balanced_pipeline.report.model import signed_change

    assert signed_change(pd.Series([-0.08, 0.0, 0.0004, -0.0002, None]), 3).tolist() == [
        "−0.080", "0.000", "+<0.001", "−<0.001", "—"]


def test_workbooks_store_numbers_as_numbers_and_print_on_a4_landscape(written):
    out_dir, index = written
    book = openpyxl.load_workbook(index.loc[JIA, "xlsx_path"])
    cells = [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row if c.value is not None]
    numeric = [c for c in cells if isinstance(c.value, (int, float))]
    codes = {c.column for sheet in book.worksheets for row in sheet.iter_rows() for c in row
             if isinstance(c.value, str) and re.search(r"(标识码|代码|Code|School$)", c.value)}
    numeric_text = [c for c in cells if isinstance(c.value, str) and re.fullmatch(r"[−+-]?[\d,]+(\.\d+)?%?", c.value)
                    and not (c.column in codes and len(c.value) >= 6)]  # a school code stays text
    assert len(numeric) > 50 and numeric_text == []
    coefficient = next(c for c in numeric if c.number_format == "0.000")
    assert 0 < coefficient.value < 1
    percent = next(c for c in numeric if c.number_format.endswith("%"))
    assert 0 <= percent.value <= 1
    for path in (index.loc[JIA, "xlsx_path"], index.loc[JIA, "rectification_path"]):
        for sheet in openpyxl.load_workbook(path).worksheets:
            setup = sheet.page_setup
            assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
            assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.print_title_rows and sheet.freeze_panes
    rectification = openpyxl.load_workbook(index.loc[JIA, "rectification_path"])["附件1 学校整改清单"]
    assert rectification.print_title_rows == "$1:$3" and rectification.freeze_panes == "A4"


def test_the_page_links_its_workbook_and_its_rectification_workbook(written):
    out_dir, index = written
    html, overview = page(written, JIA), (out_dir / "index.html").read_text(encoding="utf-8")
    for column in ("xlsx_path", "rectification_path"):
        name = Path(index.loc[JIA, column]).name
        assert f'href="{name}"' in html and f'href="{name}"' in overview


def test_reports_rendered_in_two_processes_equal_those_rendered_in_one(tmp_path, written, monkeypatch):
    """A national year renders its ~2,850 county reports on both cores; the files must not depend on it."""
    monkeypatch.setenv("BALANCED_REPORT_WORKERS", "2")
    monkeypatch.setattr(settings, "COUNTIES_PER_REPORT_WORKER", 1)
    assert settings.report_workers(3) == 2
    index = write_year_reports(hand_made_tables(), YEAR, tmp_path, STANDARDS).set_index("county_code")
    serial_dir, serial = written
    paths = ["html_path", "xlsx_path", "rectification_path"]
    pd.testing.assert_frame_equal(index.drop(columns=paths), serial.drop(columns=paths))
    for county in serial.index:
        assert Path(index.loc[county, "html_path"]).read_text(encoding="utf-8") == page(written, county)
