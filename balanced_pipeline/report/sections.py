"""The sections of a county report, each from the county's slice of the warehouse tables."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from balanced_pipeline.monitoring.dimensions import DIMENSION_FLAGS, DIMENSIONS, DIMENSIONS_EN
from balanced_pipeline.validation.completeness import CAMPUS_GAP_TEXT
from balanced_pipeline.monitoring.trends import SCHOOL_PASS_SHARE
from balanced_pipeline.contract.issues import ERROR, EXPLAINED, WARNING
from balanced_pipeline.report.svg import coefficient_chart, coefficient_trend_chart
from balanced_pipeline.report.model import (
    FAIL,
    Number,
    MISSING,
    NOTHING,
    PASS,
    STAGE_EN,
    Chart,
    ReportSection,
    ReportTable,
    display,
    fixed,
    fixed_cell,
    percent_cell,
    grid_cell,
    flag_tone,
    number_cell,
    ratio_tone_of,
    VERDICT_TEXT,
    numbers,
    WARN,
    signed_change,
    text,
    text_cells,
    tones_for,
    verdict_text,
    verdict_tone,
)
from balanced_pipeline.contract.forms import FORMS, STAGES
from balanced_pipeline.monitoring.deadline import CALENDAR
from balanced_pipeline.validation import timeliness
from balanced_pipeline.standards.loader import Standards

ISSUE_ROWS_SHOWN = 200
"""The page lists this many issue rows of a county; the workbook lists them all."""
CHANGE_ROWS_SHOWN = 50
"""The changes section lists the newest this many changes of a county (page and workbook): a short
summary; the submission_changes table holds every one."""
TIMELINESS_TEXT = {timeliness.ON_TIME: "按时 on time", timeliness.LATE: "逾期 late", timeliness.MISSING: "未报 missing"}
TIMELINESS_TONE = {timeliness.ON_TIME: PASS, timeliness.LATE: WARN, timeliness.MISSING: FAIL}
TIMELINESS_ORDER = {timeliness.MISSING: 0, timeliness.LATE: 1, timeliness.ON_TIME: 2}
"""Missing and late campuses first: the ones the office chases."""
FORM_TEXT = {"schools": "学校表 school form", "counties": "县级表 county form"}
DIRECTION_TEXT = {"improved": "改善 improved", "worsened": "退步 worsened", "unchanged": "持平 unchanged",
                  "new": "新增 new", "unknown": "本年无数据 no value"}
DIRECTION_TONE = {"improved": PASS, "worsened": FAIL, "unchanged": "", "new": "", "unknown": MISSING}
SEVERITY_TEXT = {ERROR: "错误（该值或记录被拦截） error", WARNING: "警告（仅提示） warning"}


def stage_label(stage: pd.Series) -> pd.Series:
    return pd.Series(stage).astype("string").map(lambda s: STAGES.get(s, "") if isinstance(s, str) else "").astype(object)


def stage_cells(stages: list) -> list:
    """`stage_label` of a column already read as a list."""
    if all(isinstance(s, str) or s is pd.NA or s is None for s in stages):
        return [STAGES.get(s, "") if isinstance(s, str) else "" for s in stages]
    return stage_label(pd.Series(stages, dtype=object)).tolist()


def _lists(frame: pd.DataFrame, *columns: str) -> list[list]:
    return [frame[column].tolist() for column in columns]


def evaluated_stages(standards: Standards) -> dict[str, tuple[str, str]]:
    return {stage: (STAGES[stage], STAGE_EN.get(stage, stage)) for stage in standards.evaluated_stages}


def _gap_rows(shortfalls: pd.DataFrame) -> list[bool]:
    return [isinstance(outcome, str) and outcome in CAMPUS_GAP_TEXT for outcome in shortfalls["outcome"].tolist()]


def _by_dimension(dimensions: list, values: list) -> dict[str, list]:
    """dimension → its values in row order, dimensions in DIMENSIONS order (those with a value only)."""
    found: dict[str, list] = {}
    for dimension, value in zip(dimensions, values):
        if isinstance(dimension, str) and dimension in DIMENSIONS:
            found.setdefault(dimension, []).append(value)
    return {dimension: found[dimension] for dimension in DIMENSIONS if dimension in found}


def dimension_reasons(shortfalls: pd.DataFrame) -> dict[str, list[str]]:
    """dimension → the reason of each of its blocking rows (campus gaps apart), in dimension order:
    one bullet per row of county_shortfalls, so a sub-clause that passes is never a bullet."""
    blocking = [bool(blocks) and not gap for blocks, gap in zip(shortfalls["blocks_readiness"].tolist(), _gap_rows(shortfalls))]
    rows = [(dimension, reason) for dimension, reason, keep in
            zip(shortfalls["dimension"].tolist(), shortfalls["reason_zh"].tolist(), blocking) if keep]
    return _by_dimension(*zip(*rows)) if rows else {}


def campuses_not_judged(shortfalls: pd.DataFrame) -> dict[str, list[str]]:
    """dimension → the campuses it could not judge, '名称（代码-校区，未报送）'; key '' for all of them."""
    outcome_zh = {kind: zh for kind, (zh, _) in CAMPUS_GAP_TEXT.items()}
    columns = (shortfalls[column].tolist() for column in ("school_name", "school_code", "campus_code", "outcome", "dimension"))
    rows = [(dimension, f"{name}（{code}-{campus}，{outcome_zh[outcome]}）")
            for name, code, campus, outcome, dimension, gap in zip(*columns, _gap_rows(shortfalls)) if gap]
    if not rows:
        return {}
    dimensions, labels = zip(*rows)
    return {"": list(dict.fromkeys(labels)), **_by_dimension(dimensions, labels)}


# ——— conclusion ————————————————————————————————————————————————————————————————————————

def conclusion_section(readiness: pd.DataFrame, shortfalls: pd.DataFrame, counties: pd.DataFrame,
                       summary: pd.DataFrame) -> ReportSection:
    why, unjudged = dimension_reasons(shortfalls), campuses_not_judged(shortfalls)
    rows = []
    row = readiness.iloc[0] if len(readiness) else None
    for dimension, flag in [*DIMENSION_FLAGS.items(), ("veto", "vetoed")]:
        value = pd.NA if row is None else row[flag]
        passed = (not value) if (flag == "vetoed" and not pd.isna(value)) else value
        rows.append((f"{DIMENSIONS[dimension]} {DIMENSIONS_EN[dimension]}", passed, "；".join(why.get(dimension, [])),
                     "、".join(unjudged.get(dimension, []))))
    frame = pd.DataFrame(rows, columns=["dimension", "passed", "reason", "not_judged"])
    table = display({"维度 Dimension": frame["dimension"], "结果 Result": verdict_text(frame["passed"]),
                     "未达标或无法计算 Failed or not computed": frame["reason"],
                     "未能评估的校区 Campuses not judged": frame["not_judged"]})
    dimensions = ReportTable("各维度结论", "Verdict per dimension", table,
                             tones_for(table, {"结果 Result": verdict_tone(frame["passed"])}),
                             note="无法判定：该维度有校区未报送或被拦截、或有指标无法计算，且没有不受其影响的未达标项。"
                                  "Not judged: campuses are missing or rejected, or items could not be computed, and no "
                                  "failure stands without them.")
    return ReportSection("conclusion", "评估结论", "Conclusion", items=[dimensions, basic_figures(counties, summary)])


def basic_figures(counties: pd.DataFrame, summary: pd.DataFrame) -> ReportTable:
    """The national recommendation form's figures and the basic-balance certification year."""
    figures = summary.iloc[0] if len(summary) else pd.Series(dtype=object)
    county = counties.iloc[0] if len(counties) else pd.Series(dtype=object)
    items = [
        ("学校数 Schools (campuses)", figures.get("schools")),
        ("其中乡村学校 of which rural", figures.get("rural_schools")),
        ("教学点 Teaching points", figures.get("teaching_points")),
        ("其中乡村教学点 of which rural", figures.get("rural_teaching_points")),
        ("学生数 Students", figures.get("students")),
        ("其中乡村学生 of which rural", figures.get("rural_students")),
        ("专任教师数 Full-time teachers", figures.get("teachers")),
        ("其中乡村专任教师 of which rural", figures.get("rural_teachers")),
        ("通过基本均衡认定年份 Basic-balance certification year", county.get("basic_balance_year")),
        ("计划达到优质均衡年份 Target year", county.get("target_year")),
    ]
    labels, values = zip(*items)
    table = display({"项目 Item": pd.Series(labels), "数值 Value": numbers(pd.Series(values, dtype="Float64"), 0)})
    return ReportTable("基本情况", "Basic figures", table)


# ——— resource allocation ————————————————————————————————————————————————————————————————

def rows_of_stage(frame: pd.DataFrame, stage: str) -> pd.DataFrame:
    """The rows of one stage (a row of no stage belongs to none)."""
    return frame.take([position for position, of in enumerate(frame["stage"].tolist()) if isinstance(of, str) and of == stage])


def _stage_columns(frame: pd.DataFrame, stage: str, columns: tuple[str, ...]) -> dict[str, list]:
    """The given columns of one stage's rows, as lists."""
    keep = [isinstance(of, str) and of == stage for of in frame["stage"].tolist()]
    return {column: [value for value, kept in zip(frame[column].tolist(), keep) if kept] for column in columns}


def resource_section(verdict: bool | None, verdicts: pd.DataFrame, coefficients: pd.DataFrame,
                     indicators: pd.DataFrame, parts: pd.DataFrame, standards: Standards) -> ReportSection:
    section = ReportSection("resource_allocation", "资源配置", "Resource allocation", verdict)
    section.items.append(school_rule_summary(verdicts, standards))
    for stage, (stage_zh, stage_en) in evaluated_stages(standards).items():
        of_stage = rows_of_stage(coefficients, stage)
        if len(of_stage):
            section.items.append(Chart(coefficient_chart(of_stage, stage_zh, stage_en),
                                       f"{stage_zh}各项指标校际差异系数 / {stage_en}: difference coefficient per indicator"))
        section.items.append(coefficient_table(of_stage, stage_zh, stage_en))
    for stage, (stage_zh, stage_en) in evaluated_stages(standards).items():
        section.items.append(school_grid(indicators, verdicts, stage, stage_zh, stage_en, standards))
    section.items.append(parts_left_out(parts))
    return section


def school_rule_summary(verdicts: pd.DataFrame, standards: Standards) -> ReportTable:
    stages = list(evaluated_stages(standards))
    counts = {stage: [0, 0] for stage in stages}  # stage → [meeting, not meeting]; no verdict counts as not meeting
    for stage, passed in zip(*_lists(verdicts, "stage", "passed")):
        if stage in counts:
            counts[stage][0 if passed is True else 1] += 1
    meeting, failing = ([counts[stage][k] for stage in stages] for k in (0, 1))
    table = display({"学段 Stage": stage_cells(stages),
                     "学校（学段）数 School parts": [number_cell(float(m + f), 0) for m, f in zip(meeting, failing)],
                     "达标 Meeting": [number_cell(float(m), 0) for m in meeting],
                     "未达标 Not meeting": [number_cell(float(f), 0) for f in failing]})
    rule = standards.school_rule
    return ReportTable("学校资源配置达标情况", "Schools meeting the school rule", table,
                       tones_for(table, {"未达标 Not meeting": [FAIL if f > 0 else PASS for f in failing]}),
                       note=f"校级标准：{rule['min_indicators_met']}项及以上达标、"
                            f"其余不低于标准的{rule['floor_ratio']:.0%}。School rule: at least {rule['min_indicators_met']} "
                            f"indicators met and the rest at least {rule['floor_ratio']:.0%} of the standard.")


def coefficient_table(coefficients: pd.DataFrame, stage_zh: str, stage_en: str) -> ReportTable:
    ids, names, cvs, thresholds, schools, students, notes = _lists(
        coefficients, "indicator_id", "indicator_name_zh", "cv", "threshold", "schools_in_scope", "students_in_scope", "note")
    table = display({
        "指标 Indicator": [f"{i} {name}" for i, name in zip(ids, text_cells(names))],
        "差异系数 CV": [fixed_cell(_float(cv), 3) for cv in cvs],
        "标准（不高于） Maximum": [f"≤{fixed_cell(_float(threshold), 2)}" for threshold in thresholds],
        "结果 Result": verdict_text(coefficients["passed"]),
        "学校数 Schools": [number_cell(_float(n), 0) for n in schools],
        "学生数 Students": [number_cell(_float(n), 0) for n in students],
        "说明 Note": text_cells(notes),
    })
    return ReportTable(f"{stage_zh}校际差异系数", f"{stage_en}: difference coefficients", table,
                       tones_for(table, {"结果 Result": verdict_tone(coefficients["passed"])}),
                       note="" if len(ids) else "本学段无学校参与计算 / no school of this stage in scope")


def _first_present(keys: list, values: list) -> dict:
    """key → its first present value (a pivot's 'first'): a later row fills only a missing one."""
    first: dict = {}
    for key, value in zip(keys, values):
        if value is not pd.NA and first.get(key, pd.NA) is pd.NA:
            first[key] = value
    return first


def _float(value) -> float:
    """A nullable number as a float, NaN when missing."""
    return np.nan if value is pd.NA or value is None else float(value)


def school_grid(indicators: pd.DataFrame, verdicts: pd.DataFrame, stage: str, stage_zh: str, stage_en: str,
                standards: Standards) -> ReportTable:
    """School × indicator of one stage, value in the cell, coloured by the value's ratio to the standard.

    Built from plain lists: at a county's few dozen schools a pivot and an outer join per grid cost
    ten times the grid itself."""
    indicators = _stage_columns(indicators, stage, ("indicator_id", "school_code", "campus_code", "indicator_name_zh",
                                                    "threshold", "unit", "value", "ratio", "students", "school_name"))
    verdicts = _stage_columns(verdicts, stage, ("school_code", "campus_code", "school_name", "passed", "indicators_met",
                                                "indicators_judged"))
    order = [i.id for i in standards.resource_indicators]
    school_rule = {i.id: i.school_rule for i in standards.resource_indicators}
    ids = indicators["indicator_id"]
    keys = list(zip(indicators["school_code"], indicators["campus_code"]))
    present = [i for i in order if i in set(ids)]
    first_of: dict = {}
    for position, indicator in enumerate(ids):
        first_of.setdefault(indicator, position)
    names_zh, thresholds, units = (indicators[column] for column in ("indicator_name_zh", "threshold", "unit"))
    labels = {i: (f"{i} {names_zh[first_of[i]]}（≥{thresholds[first_of[i]]:g}{units[first_of[i]] or ''}）"
                  + ("" if school_rule.get(i, True) else "〔省定，不计入6项规则〕")) for i in present}
    cells = list(zip(keys, ids))
    values = _first_present(cells, indicators["value"])
    ratios = _first_present(cells, indicators["ratio"])
    verdict_keys = list(zip(verdicts["school_code"], verdicts["campus_code"]))
    verdict_of = dict(zip(verdict_keys, zip(*(verdicts[column] for column in
                                              ("school_name", "passed", "indicators_met", "indicators_judged")))))
    first_row: dict = {}
    for position, key in enumerate(keys):
        first_row.setdefault(key, position)
    students, school_names = indicators["students"], indicators["school_name"]
    schools = []
    for key in sorted(set(verdict_keys) | set(first_row)):  # an outer join's order: school, then campus code
        name, passed, met, judged = verdict_of.get(key, (pd.NA,) * 4)
        first = first_row.get(key)
        if name is pd.NA and first is not None:
            name = school_names[first]
        schools.append((key, name, passed, met, judged, pd.NA if first is None else students[first]))
    # Schools not meeting the rule first (no verdict sorts with those meeting it), then by name, none last.
    schools.sort(key=lambda school: (school[2] is pd.NA or bool(school[2]), school[1] is pd.NA,
                                     "" if school[1] is pd.NA else school[1]))
    grid_keys, names, passed, met, judged, students = (list(column) for column in zip(*schools)) if schools else ([],) * 6
    counted = Counter(names)
    shown = [f"{name}（{code}-{campus}）" if counted[raw] > 1 else name
             for raw, name, (code, campus) in zip(names, text(pd.Series(names, dtype=object)).tolist(), grid_keys)]
    columns = {"学校 School": shown, "学生数 Students": [number_cell(_float(n), 0) for n in students]}
    columns |= {labels[i]: [grid_cell(values.get((key, i), np.nan)) for key in grid_keys] for i in present}
    columns |= {"达标项数 Met": [f"{number_cell(_float(m), 0)}/{number_cell(_float(j), 0)}" for m, j in zip(met, judged)],
                "学校判定 School verdict": [VERDICT_TEXT[flag_tone(flag)] for flag in passed]}
    table = display(columns)
    floor = float(standards.school_rule["floor_ratio"])
    tones = tones_for(table, {labels[i]: [ratio_tone_of(ratios.get((key, i), np.nan), floor) for key in grid_keys]
                              for i in present} | {"学校判定 School verdict": [flag_tone(flag) for flag in passed]})
    return ReportTable(f"{stage_zh}学校资源配置指标", f"{stage_en}: resource indicators per school", table, tones, grid=True,
                       note=f"颜色按指标值与标准之比：红色低于{floor:.0%}，黄色达到{floor:.0%}但未达标，绿色达标，灰色缺数据；"
                            f"未达标学校排在前面。Colour by ratio to the standard: red below {floor:.0%}, amber below "
                            "the standard, green met, grey missing; schools not meeting the rule first.")


def parts_left_out(parts: pd.DataFrame) -> ReportTable:
    rows = [row for row in zip(*_lists(parts, "in_difference_coefficient", "school_name", "stage", "students", "scope_note"))
            if row[0] is not True]
    _, names, stages, students, notes = (list(column) for column in zip(*rows)) if rows else ([],) * 5
    table = display({"学校 School": text_cells(names), "学段 Stage": stage_cells(stages),
                     "学生数 Students": [number_cell(_float(n), 0) for n in students], "原因 Why": text_cells(notes)})
    return ReportTable("未计入差异系数的学校", "School parts left out of the coefficients", table,
                       note="" if len(table) else "所有学校（学段）均计入 / every school part is counted")


# ——— government guarantee, education quality ————————————————————————————————————————

def items_section(key: str, title_zh: str, title_en: str, verdict: bool | None, items: pd.DataFrame,
                  school_checks: pd.DataFrame) -> ReportSection:
    item_ids, names, stages, details = _lists(items, "item_id", "name_zh", "stage", "detail")
    flags = items["passed"]
    table = display({"编号 ID": text_cells(item_ids), "指标 Indicator": text_cells(names),
                     "学段 Stage": stage_cells(stages), "结果 Result": verdict_text(flags),
                     "情况说明 Details": text_cells(details)})
    item_table = ReportTable(f"{title_zh}指标", f"{title_en} indicators", table,
                             tones_for(table, {"结果 Result": verdict_tone(flags)}),
                             note="" if len(item_ids) else "无评估结果（县级表未报送？） / no results (county form missing?)")
    ids = {item for item in item_ids if item is not pd.NA and item is not None}
    checks = zip(*_lists(school_checks, "item_id", "passed", "school_name", "stage", "detail"))
    failing = [(name, item, stage, detail) for item, passed, name, stage, detail in checks
               if passed is False and isinstance(item, str) and item in ids]
    name, item, stage, detail = (list(column) for column in zip(*failing)) if failing else ([],) * 4
    schools = display({"学校 School": text_cells(name), "编号 ID": text_cells(item),
                       "学段 Stage": stage_cells(stage), "情况说明 Details": text_cells(detail)})
    school_table = ReportTable("未达标学校明细", "Schools not meeting a school-level item", schools,
                               note="" if len(schools) else "所有学校均达标 / every school meets these items")
    return ReportSection(key, title_zh, title_en, verdict, [item_table, school_table])


def social_section(verdict: bool | None, recognition: pd.DataFrame) -> ReportSection:
    groups, people, counted, satisfied, rates, thresholds, notes = _lists(
        recognition, "respondent_group", "respondents", "answers_counted", "satisfied", "rate", "threshold", "note")
    table = display({"调查对象 Respondents": ["合计 all" if group == "all" else group for group in text_cells(groups)],
                     "人数 People": [number_cell(_float(n), 0) for n in people],
                     "有效作答 Answers counted": [number_cell(_float(n), 0) for n in counted],
                     "满意 Satisfied": [number_cell(_float(n), 0) for n in satisfied],
                     "认可度 Rate": [percent_cell(_float(rate)) for rate in rates],
                     "标准 Standard": [f"≥{percent_cell(_float(threshold), 0)}" for threshold in thresholds],
                     "结果 Result": verdict_text(recognition["passed"]), "说明 Note": text_cells(notes)})
    return ReportSection("social_recognition", "社会认可度", "Social recognition", verdict, [
        ReportTable("社会认可度调查", "Satisfaction survey", table,
                    tones_for(table, {"结果 Result": verdict_tone(recognition["passed"])}),
                    note="认可度 = 满意、比较满意、基本满意的答案 ÷ 有效答案（不含“不了解”）。"
                         "Rate = satisfied answers ÷ answers counted (\"don't know\" left out).")])


def conditions_section(readiness: pd.DataFrame, shortfalls: pd.DataFrame, counties: pd.DataFrame) -> ReportSection:
    why = dimension_reasons(shortfalls)
    row = readiness.iloc[0] if len(readiness) else pd.Series(dtype=object)
    county = counties.iloc[0] if len(counties) else pd.Series(dtype=object)
    precondition = row.get("precondition_met", pd.NA)
    vetoed = row.get("vetoed", pd.NA)
    certified = county.get("basic_balance_year", pd.NA)
    veto_reasons = "" if pd.isna(row.get("veto_reasons", pd.NA)) else str(row.get("veto_reasons"))
    frame = pd.DataFrame({
        "item": ["基本条件：通过国家基本均衡认定3年以上 Precondition: basic balance certified ≥3 years before",
                 "一票否决事项 One-vote veto incidents"],
        "passed": pd.array([precondition, pd.NA if pd.isna(vetoed) else not vetoed], dtype="boolean"),
        "detail": ["；".join(why.get("precondition", [])) or f"通过基本均衡认定年份：{'未填报' if pd.isna(certified) else int(certified)}",
                   veto_reasons or NOTHING],
    })
    table = display({"项目 Item": frame["item"], "结果 Result": verdict_text(frame["passed"]), "说明 Details": frame["detail"]})
    verdict = None if frame["passed"].isna().any() else bool(frame["passed"].all())
    return ReportSection("conditions", "基本条件与一票否决", "Precondition and vetoes", verdict, [
        ReportTable("基本条件与一票否决", "Precondition and vetoes", table,
                    tones_for(table, {"结果 Result": verdict_tone(frame["passed"])}))])


# ——— rectification lists (Zhejiang attachments 1 and 2) ————————————————————————————————

def rectification_section(school_list: pd.DataFrame, county_list: pd.DataFrame) -> ReportSection:
    codes, campus_codes, names, shortfalls, measures, deadlines = _lists(
        school_list, "school_code", "campus_code", "school_name", "shortfall", "measure", "deadline_month")
    campuses = [f"{code}-{campus}" for code, campus in zip(codes, campus_codes)]
    schools_so_far, shortfalls_of = 0, Counter()
    school_cells, shortfall_cells = [], []
    for campus, name, shortfall in zip(campuses, text_cells(names), shortfalls):
        if campus not in shortfalls_of:
            schools_so_far += 1
        shortfalls_of[campus] += 1
        school_cells.append(f"{schools_so_far}.{name}" if shortfalls_of[campus] == 1 else "")
        shortfall_cells.append(f"{shortfalls_of[campus]}.{shortfall}")
    school_table = display({
        "学校名称 School": school_cells, "存在不足情况 Shortfall": shortfall_cells,
        "整改提升措施 Measure": text_cells(measures), "完成时限 Deadline (month)": text_cells(deadlines)})
    shortfalls, measures, deadlines = _lists(county_list, "shortfall", "measure", "deadline_month")
    county_table = display({"存在不足情况 Shortfall": [f"{n}.{shortfall}" for n, shortfall in enumerate(shortfalls, start=1)],
                            "整改提升措施 Measure": text_cells(measures),
                            "完成时限 Deadline (month)": text_cells(deadlines)})
    blank_note = "整改措施和完成时限（精确到月份）由县里填写。Measures and deadlines (to the month) are for the county to fill in."
    return ReportSection("rectification", "整改清单", "Rectification lists", None, [
        ReportTable("附件1 义务教育学校达到优质均衡目标整改清单", "Attachment 1: school rectification list", school_table,
                    note=blank_note if len(school_table) else "无需整改的学校项目 / no school shortfall"),
        ReportTable("附件2 县级政府达到优质均衡目标整改清单", "Attachment 2: county government rectification list",
                    county_table, note=blank_note if len(county_table) else "无需整改的县级项目 / no county shortfall"),
    ])


# ——— data quality and completeness ——————————————————————————————————————————————————————

def data_section(issues: pd.DataFrame, unattributed_issues: int, completeness: pd.DataFrame) -> ReportSection:
    section = ReportSection("data", "数据报送与数据质量", "Submissions and data quality")
    section.items += [completeness_table(completeness), campus_lists(completeness), issues_by_rule(issues),
                      issue_rows(issues)]
    if unattributed_issues:
        section.items.append(f"另有 {unattributed_issues} 个问题无法归属到具体县区（例如整份文件无法读取），见数据质量问题表。"
                             f" {unattributed_issues} further issue(s) belong to no county (e.g. an unreadable file): "
                             "see the data_quality_issues table.")
    return section


def completeness_table(completeness: pd.DataFrame) -> ReportTable:
    expected, received, accepted, rejected, missing, unknown, rates = _lists(
        completeness, "expected", "received", "accepted", "rejected", "missing", "unknown", "completion_rate")
    table = display({"应报 Expected": [number_cell(_float(n), 0) for n in expected],
                     "已报 Received": [number_cell(_float(n), 0) for n in received],
                     "通过校验 Accepted": [number_cell(_float(n), 0) for n in accepted],
                     "被拦截 Rejected": [number_cell(_float(n), 0) for n in rejected],
                     "未报 Missing": [number_cell(_float(n), 0) for n in missing],
                     "名录外 Unknown": [number_cell(_float(n), 0) for n in unknown],
                     "完成率 Completion": [percent_cell(_float(rate)) for rate in rates]})
    # Complete: no campus rejected, missing or unknown (a count not given counts as none).
    tone = [PASS if sum(0 if n is pd.NA or n is None else n for n in counts) == 0 else FAIL
            for counts in zip(rejected, missing, unknown)]
    return ReportTable("学校报送完成情况", "School submissions against the registry", table,
                       tones_for(table, {"完成率 Completion": tone}),
                       note="" if expected else "无报送记录 / nothing submitted")


def campus_lists(completeness: pd.DataFrame) -> ReportTable:
    row = completeness.iloc[0] if len(completeness) else pd.Series(dtype=object)
    kinds = [("未报校区 Missing (in the registry, sent nothing)", "missing_campuses"),
             ("名录外校区 Unknown (not in the registry)", "unknown_campuses"),
             ("被拦截校区 Rejected (school form has errors)", "rejected_campuses")]
    names = [row.get(column) if isinstance(row.get(column), str) and row.get(column) else NOTHING for _, column in kinds]
    table = display({"类别 Kind": pd.Series([label for label, _ in kinds]), "校区 Campuses": pd.Series(names)})
    tones = tones_for(table, {"校区 Campuses": [PASS if n == NOTHING else FAIL for n in names]})
    return ReportTable("未报、名录外和被拦截的校区", "Missing, unknown and rejected campuses", table, tones)


def issues_by_rule(issues: pd.DataFrame) -> ReportTable:
    """Issues counted per severity and rule (rows of no severity or rule apart), with the first message
    as the example; errors first, then the commonest rule."""
    severities, rules = issues["severity"].tolist(), issues["rule"].tolist()
    groups: dict[tuple, list] = {}  # (severity, rule) → [issues, example], in order of first appearance
    for severity, rule, message in zip(severities, rules, issues["message_zh"].tolist()):
        if severity is pd.NA or rule is pd.NA:
            continue
        group = groups.setdefault((severity, rule), [0, pd.NA])
        group[0] += 1
        if group[1] is pd.NA:
            group[1] = message
    counts = sorted(((severity, rule, n, example) for (severity, rule), (n, example) in groups.items()),
                    key=lambda group: (group[0], -group[2]))
    severity, rule, n, example = (list(column) for column in zip(*counts)) if counts else ([],) * 4
    table = display({"严重程度 Severity": [SEVERITY_TEXT.get(s, s) for s in severity],
                     "规则 Rule": pd.Series(rule, dtype="string"), "问题数 Issues": [number_cell(float(c), 0) for c in n],
                     "示例 Example": text(pd.Series(example, dtype=object))})
    tones = tones_for(table, {"严重程度 Severity": [FAIL if s == ERROR else "warn" for s in severity]})
    errors, warnings = severities.count(ERROR), severities.count(WARNING)
    return ReportTable("数据质量问题汇总", "Data-quality issues by rule", table, tones,
                       note=f"错误 {errors} 个、警告 {warnings} 个。Errors {errors}, warnings {warnings}.")


def _explained(rows: pd.DataFrame) -> list[str]:
    """'情况说明（说明人）' for a warning the county explained (explanations.csv), else ''."""
    if "status" not in rows.columns:
        return [""] * len(rows)
    explanations, names = (text_cells(column) for column in _lists(rows, "explanation", "explained_by"))
    return [f"{explanation}（{name}）" if isinstance(status, str) and status == EXPLAINED else ""
            for status, explanation, name in zip(rows["status"].tolist(), explanations, names)]


def issue_rows(issues: pd.DataFrame) -> ReportTable:
    files, sheets, rows, schools, fields, values, severities, zh, en = _lists(
        issues, "source_file", "sheet", "row_number", "school_code", "field", "value", "severity", "message_zh", "message_en")
    table = display({"文件 File": text_cells(files), "工作表 Sheet": text_cells(sheets),
                     "行号 Row": [number_cell(_float(row), 0) for row in rows], "学校标识码 School": text_cells(schools),
                     "字段 Field": text_cells(fields), "填报值 Value": text_cells(values),
                     "严重程度 Severity": [SEVERITY_TEXT.get(severity, severity) for severity in severities],
                     "问题及整改提示 What to fix": text_cells(zh), "Message": text_cells(en),
                     "说明 Explained": _explained(issues)})
    tones = tones_for(table, {"严重程度 Severity": [FAIL if isinstance(severity, str) and severity == ERROR else "warn"
                                                          for severity in severities]})
    return ReportTable("本县数据质量问题明细", "This county's data-quality issues", table, tones,
                       note="" if len(files) else "无 / none", page_rows=ISSUE_ROWS_SHOWN)


def local_times(values: pd.Series) -> pd.Series:
    """UTC instants as Beijing time, to the minute ('—' when unknown): the time the deadline is set in."""
    instants = pd.to_datetime(pd.Series(values), utc=True).dt.tz_convert(CALENDAR.timezone)
    # numpy writes the local wall time as 2026-12-15T17:00: a strftime per value costs more than the page row.
    minutes = np.datetime_as_string(instants.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]"), unit="m").tolist()
    return pd.Series(["—" if minute == "NaT" else minute.replace("T", " ") for minute in minutes], index=instants.index,
                     dtype=object)


def _missing_last(value) -> tuple:
    """A sort key putting a missing value last, as sort_values does."""
    missing = value is pd.NA or value is None or (isinstance(value, float) and value != value)
    return (True, "") if missing else (False, value)


def timeliness_section(campuses: pd.DataFrame, year: int) -> ReportSection:
    """Per campus: on time, late or missing against the deadline, first submission and last change."""
    section = ReportSection("timeliness", "报送时效", "Timeliness of submissions")
    kinds, codes, campus_codes, names, files = _lists(campuses, "timeliness", "school_code", "campus_code", "school_name",
                                                      "last_file")
    order = sorted(range(len(kinds)), key=lambda row: (_missing_last(TIMELINESS_ORDER.get(kinds[row])),
                                                       _missing_last(codes[row]), _missing_last(campus_codes[row])))
    kinds, codes, campus_codes, names, files = ([column[row] for row in order]
                                                for column in (kinds, codes, campus_codes, names, files))
    first, last = ([column[row] for row in order] for column in
                   (local_times(campuses["first_submitted_at"]).tolist(), local_times(campuses["last_changed_at"]).tolist()))
    deadline = CALENDAR.deadline(year)
    counts = Counter(kind for kind in kinds if kind is not pd.NA)
    table = display({"学校（校区） School (campus)": text_cells(names),
                     "学校标识码-校区 Code": [f"{code}-{campus}" for code, campus in zip(text_cells(codes), text_cells(campus_codes))],
                     "时效 Timeliness": [TIMELINESS_TEXT.get(kind, kind) for kind in kinds],
                     "首次报送 First submitted": first, "最后变更 Last changed": last,
                     "最新文件 Newest file": text_cells(files, "—")})
    tones = tones_for(table, {"时效 Timeliness": [TIMELINESS_TONE.get(kind, "") for kind in kinds]})
    on_time, late, missing = (counts.get(kind, 0) for kind in (timeliness.ON_TIME, timeliness.LATE, timeliness.MISSING))
    section.items.append(ReportTable(
        "各校区报送时效", "Timeliness per campus", table, tones, page_rows=ISSUE_ROWS_SHOWN,
        note=(f"截止时间 {deadline:%Y年%m月%d日 %H:%M}（北京时间）前首次报送为按时：按时 {on_time} 个、逾期 {late} 个、"
              f"未报 {missing} 个；截止后的更正不改变按时，显示在最后变更时间。Deadline {deadline:%Y-%m-%d %H:%M} Beijing "
              f"time: {on_time} on time, {late} late, {missing} missing; a correction after the deadline shows as the "
              "last change." if kinds else "无校区记录 / no campus")))
    return section


def field_label(form: str, field: str) -> str:
    """'体育运动场馆面积 sports_area_m2': the label the clerk knows and the name the tables use."""
    known = FORMS.get(form)
    names = known.field_names if known is not None else []
    return f"{known.field(field).label_zh} {field}" if field in names else field


def recorded_values(values: pd.Series) -> pd.Series:
    """A change's value exactly as recorded ('（空）' when empty); one that reads as a number is also
    that number, so the workbook stores a number (the page shows the recorded text either way)."""
    recorded = text(values, "（空）")
    parsed = pd.to_numeric(recorded, errors="coerce")
    return pd.Series([Number(t, v, "General") if np.isfinite(v) else t for t, v in zip(recorded, parsed)], dtype=object)


def changes_section(changes: pd.DataFrame) -> ReportSection:
    """The county's changed fields since the preliminary run, newest first, the first CHANGE_ROWS_SHOWN
    of them and how many more."""
    section = ReportSection("changes", "预评估以来的变更", "Changed since the preliminary run")
    changed_at = changes["changed_at"]
    instants = pd.to_datetime(changed_at, utc=True)
    nanoseconds = [None if pd.isna(instant) else instant.value for instant in instants]
    columns = _lists(changes, "school_code", "campus_code", "form", "field", "old_value", "new_value", "old_file", "new_file")
    codes, campus_codes, forms, fields = columns[:4]
    # Newest first, then by campus and field; a change of no time last (sort_values' stable lexsort).
    order = sorted(range(len(nanoseconds)), key=lambda row: (
        (True, 0) if nanoseconds[row] is None else (False, -nanoseconds[row]),
        _missing_last(codes[row]), _missing_last(campus_codes[row]), _missing_last(fields[row])))
    more = max(len(order) - CHANGE_ROWS_SHOWN, 0)
    order = order[:CHANGE_ROWS_SHOWN]
    codes, campus_codes, forms, fields, old, new, old_files, new_files = ([column[row] for row in order] for column in columns)
    times = local_times(changed_at).tolist()
    codes, campus_codes = text_cells(codes), text_cells(campus_codes)
    table = display({"学校标识码-校区 School": [f"{code}-{campus}" if code != "" else "—" for code, campus in zip(codes, campus_codes)],
                     "表 Form": [FORM_TEXT.get(form, form) for form in forms],
                     "字段 Field": [field_label(form, field) for form, field in zip(forms, fields)],
                     "原值 Old": recorded_values(pd.Series(old, dtype=object)),
                     "新值 New": recorded_values(pd.Series(new, dtype=object)),
                     "原文件 Old file": text_cells(old_files), "新文件 New file": text_cells(new_files),
                     "变更时间 Changed at": [times[row] for row in order]})
    if not order:
        note = "预评估以来没有变更。No change since the preliminary run."
    elif more:
        note = (f"另有 {more} 项变更未列出，完整记录见 submission_changes 表。"
                f"And {more} more: every change is in the submission_changes table.")
    else:
        note = f"共 {len(order)} 项变更。{len(order)} change(s)."
    section.items.append(ReportTable("重新报送后变更的字段", "Fields changed by a resubmission", table, note=note))
    return section


# ——— trends ———————————————————————————————————————————————————————————————————————————

def trend_values(values: pd.Series, is_cv: pd.Series) -> pd.Series:
    """Coefficients to exactly 3 decimals, other indicators as a clerk writes them."""
    return fixed(values, 3).where(is_cv.to_numpy(), numbers(values, 3))


def trend_section(trends: pd.DataFrame, coefficients: pd.DataFrame, year: int, standards: Standards) -> ReportSection:
    section = ReportSection("trends", "动态监测（与上一年度比较）", "Change since the previous year")
    rows = trends.reset_index(drop=True)
    if not rows["previous_value"].notna().any():
        section.items.append(f"无上一年度（{year - 1}年）数据，本年度为首次评估，暂无变化可比。"
                             f"No data for the previous year ({year - 1}): this is the first evaluation, nothing to compare.")
        return section
    is_cv = rows["indicator_id"].str.endswith("_CV").fillna(False).astype(bool)
    stage_order = {stage: position for position, stage in enumerate(["", *standards.evaluated_stages])}
    rows = (rows.assign(_group=(~is_cv).astype(int) * 2 + rows["indicator_id"].eq(SCHOOL_PASS_SHARE).astype(int),
                        _stage=rows["stage"].map(stage_order).fillna(len(stage_order)))
            .sort_values(["_group", "_stage"], kind="stable").reset_index(drop=True))
    is_cv = rows["indicator_id"].str.endswith("_CV").fillna(False).astype(bool)
    cv_rows = rows[is_cv]
    limits = coefficients.drop_duplicates("stage").set_index("stage")["threshold"]
    cv_rows = cv_rows.assign(threshold=cv_rows["stage"].map(limits))
    if cv_rows["previous_value"].notna().any():
        section.items.append(Chart(coefficient_trend_chart(cv_rows, evaluated_stages(standards)),
                                   "校际差异系数：上一年度与本年度 / Difference coefficients, previous year and this year"))
    shown_id = rows["indicator_id"].str.replace("_CV", "", regex=False).mask(rows["indicator_id"] == SCHOOL_PASS_SHARE, "")
    table = display({"指标 Indicator": (shown_id + " " + text(rows["indicator_name_zh"])).str.strip(),
                     "学段 Stage": stage_label(rows["stage"]), f"{year - 1}年 Previous": trend_values(rows["previous_value"], is_cv),
                     f"{year}年 This year": trend_values(rows["value"], is_cv), "变化 Change": signed_change(rows["change"], 3),
                     "趋势 Direction": rows["direction"].map(DIRECTION_TEXT).fillna(rows["direction"])})
    tones = tones_for(table, {"趋势 Direction": rows["direction"].map(DIRECTION_TONE).fillna("")})
    section.items.append(ReportTable("各项指标变化", "Change per indicator", table, tones,
                                     note="差异系数越低越好，其余指标越高越好。Lower is better for difference coefficients, "
                                          "higher for the other indicators."))
    return section
