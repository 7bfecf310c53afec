"""The warehouse tables BI tools read: grain, key and every column's meaning, in English and Chinese.

This catalogue is the one definition of each table: the warehouse writer creates and checks
tables from it, Dagster shows it as column metadata, and the table dictionary is generated from it.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from balanced_pipeline.contract.forms import FORMS, Form, Kind

DTYPES = {
    # catalogue type: (pandas dtype, DuckDB type, PostgreSQL type)
    "text": ("string", "VARCHAR", "TEXT"),
    "int": ("Int64", "BIGINT", "BIGINT"),
    "float": ("Float64", "DOUBLE", "DOUBLE PRECISION"),
    "bool": ("boolean", "BOOLEAN", "BOOLEAN"),
    "timestamp": ("datetime64[ns]", "TIMESTAMP", "TIMESTAMP"),
}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str
    en: str
    zh: str
    unit: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    grain_en: str
    grain_zh: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, dtype: str, en: str, zh: str, unit: str = "") -> Column:
    return Column(name, dtype, en, zh, unit)


YEAR = _c("year", "int", "Self-evaluation year (report due 15 December of this year)", "自评年度（当年12月15日前上报）")
COUNTY = _c("county_code", "text", "6-digit county administrative code", "县（市、区）6位行政区划代码")
SCHOOL = _c("school_code", "text", "10-digit school identification code", "10位学校标识码")
CAMPUS = _c("campus_code", "text", "Campus code (a physically independent campus)", "校区代码（物理独立校区）")
SCHOOL_NAME = _c("school_name", "text", "School (campus) name", "学校（校区）名称")
SCHOOL_TYPE = _c("school_type", "text", "School type code (primary, junior, nine_year, ...)", "学校类型代码")
LOCATION = _c("location_type", "text", "urban / town / rural", "城乡类型（城区/镇区/乡村）")
STAGE = _c("stage", "text", "Stage: primary or junior ('' when not judged by stage)", "学段：primary 小学 / junior 初中")
STANDARDS = _c("standards_version", "text", "Standards version that judged the row", "评判所依据的标准版本")
SOURCE_FILE = _c("source_file", "text", "Submitted file, relative to the year folder", "来源文件（相对年度目录）")
SHEET = _c("sheet", "text", "Workbook sheet ('' for CSV/Parquet)", "工作表名称（CSV/Parquet为空）")
ROW_NUMBER = _c("row_number", "int", "Row in the file as the clerk sees it (header = 1)", "文件中的行号（表头为第1行）")
SOURCE_SHA = _c("source_sha256", "text", "SHA-256 of the submitted file", "来源文件SHA-256摘要")
PROVENANCE_COLUMNS = (SOURCE_FILE, SHEET, ROW_NUMBER, SOURCE_SHA)
INDICATOR_ID = _c("indicator_id", "text", "Indicator id of the standards file (R1–R7, provincial extras)", "指标编号")
INDICATOR_ZH = _c("indicator_name_zh", "text", "Indicator name in Chinese", "指标名称")
NOT_COMPUTED_ZH = _c("not_computed_reason_zh", "text",
                     "Why the value is NULL, in Chinese: the input field (declared under `inputs` in the standards "
                     "file) that an error quarantined, with its rule, or that was left blank; '' when computed",
                     "未计算的原因（中文）：依赖的填报字段有误（及规则）或未填报；已计算时为空")
NOT_COMPUTED_EN = _c("not_computed_reason_en", "text", "The same reason in English", "未计算的原因（英文）")

_KIND_DTYPES = {
    Kind.CODE: "text",
    Kind.TEXT: "text",
    Kind.CHOICE: "text",
    Kind.DATE: "text",
    Kind.INTEGER: "int",
    Kind.NUMBER: "float",
    Kind.BOOLEAN: "bool",
}


def _form_columns(form: Form) -> tuple[Column, ...]:
    return tuple(
        _c(f.name, _KIND_DTYPES[f.kind], f.label_en, f.label_zh, f.unit) for f in form.fields
    )


def form_table(name: str, form: Form, grain_en: str, grain_zh: str, key: tuple[str, ...]) -> Table:
    """A table holding one form's records as submitted (normalised), with their provenance."""
    return Table(name, grain_en, grain_zh, key, (YEAR, *_form_columns(form), *PROVENANCE_COLUMNS))


TABLES: dict[str, Table] = {}


def _register(*tables: Table) -> None:
    for table in tables:
        unknown_key = set(table.key) - set(table.column_names)
        if unknown_key:
            raise ValueError(f"table {table.name}: key columns {unknown_key} are not columns")
        TABLES[table.name] = table


_register(
    form_table("school_registry", FORMS["registry"], "Expected campus (from the annual education statistics)",
               "应报学校（校区）名录", ("year", "county_code", "school_code", "campus_code", "source_file", "row_number")),
    form_table("school_submissions", FORMS["schools"], "Accepted campus submission, normalised",
               "通过校验的学校（校区）填报记录", ("year", "county_code", "school_code", "campus_code")),
    form_table("school_classes", FORMS["classes"], "Accepted class of a campus", "通过校验的班级记录",
               ("year", "source_file", "sheet", "row_number")),
    form_table("school_rooms", FORMS["rooms"], "Accepted music or art room of a campus", "通过校验的音乐美术专用教室记录",
               ("year", "source_file", "sheet", "row_number")),
    form_table("county_submissions", FORMS["counties"], "Accepted county form", "通过校验的县级填报记录",
               ("year", "county_code")),
    form_table("county_quality_monitoring", FORMS["quality_monitoring"],
               "Accepted national quality-monitoring result of a county and subject", "通过校验的国家义务教育质量监测结果",
               ("year", "county_code", "subject")),
    form_table("county_veto_incidents", FORMS["veto_incidents"], "Reported one-vote-veto incident", "一票否决事项",
               ("year", "source_file", "sheet", "row_number")),
)

_register(
    Table(
        "data_quality_issues",
        "One problem found in a submission or a computation",
        "数据质量问题（一行一个问题）",
        (),
        (
            YEAR, COUNTY, SCHOOL, CAMPUS,
            _c("form", "text", "Input form or table the problem is in (schools, classes, ...)", "所属表单"),
            SOURCE_FILE, SHEET, ROW_NUMBER,
            _c("field", "text", "Field (column) at fault; '' when the whole record or file is", "问题字段"),
            _c("value", "text", "The value as submitted", "填报值"),
            _c("rule", "text", "Rule id that found the problem (yoy_<field>: a warning that the value changed from "
               "last year's accepted one beyond the standards file's year_over_year tolerance)",
               "规则编号（yoy_<字段>：与上一年度通过校验的值相比变化超出标准文件 year_over_year 允许幅度的警告）"),
            _c("severity", "text", "error (quarantined: on a campus field, that value only, which the indicators "
               "reading it then report as not computed; on a campus's identity, type, location or ownership, or on "
               "another form, the whole record) or warning (reported only)",
               "严重程度：error 拦截（学校表字段仅拦截该值，依赖它的指标不计算；标识、类型、城乡、办学性质或其他表单拦截整条记录）"
               " / warning 仅提示"),
            _c("message_zh", "text", "What is wrong and what to do, in Chinese", "问题说明及整改提示（中文）"),
            _c("message_en", "text", "What is wrong and what to do, in English", "问题说明及整改提示（英文）"),
            _c("status", "text", "open; explained (a warning the county explained in explanations.csv or a workbook's "
               "警告说明 sheet; an error never is); fixed (an issue of the year's previous published run that no longer "
               "occurs, kept as history and counted nowhere)",
               "状态：open 待处理 / explained 已说明（仅警告）/ fixed 已更正（上次运行的问题本次不再出现）"),
            _c("explanation", "text", "The county's explanation of the warning ('' unless explained)", "情况说明"),
            _c("explained_by", "text", "Who explained it", "说明人"),
        ),
    ),
    Table(
        "submission_files",
        "One submitted file and its row accounting",
        "提交文件及其记录核算",
        ("year", "source_file"),
        (
            YEAR, SOURCE_FILE, SOURCE_SHA,
            _c("kind", "text", "bulk (CSV/Parquet export) or workbook (per-campus .xlsx)", "文件类别：bulk 批量导出 / workbook 学校填报表"),
            _c("forms", "text", "Forms read from the file", "文件包含的表单"),
            _c("modified_at", "timestamp", "File modification time (UTC)", "文件修改时间（UTC）"),
            _c("rows_read", "int", "Records read from the file", "读取记录数"),
            _c("rows_accepted", "int", "Records accepted", "通过记录数"),
            _c("rows_rejected", "int", "Records rejected (each has an error issue)", "被拦截记录数（均有error问题说明）"),
            _c("status", "text", "read, rejected (refused: unsupported format, link out of the folder, not a regular "
               "file, over a size/row/cell limit, duplicate of another file, unknown name, no known column), "
               "superseded (a newer file replaced it) or unreadable (corrupt, password-protected, old .xls)",
               "读取状态：已读取、拒收（格式不符、链接、非普通文件、超出限额、重复文件等）、被新文件替代或无法读取（损坏、加密等）"),
            _c("message", "text", "Why the file was refused, replaced or could not be read", "拒收、替代或无法读取的原因"),
        ),
    ),
    Table(
        "submission_completeness",
        "County: submission completeness against the registry",
        "县：学校填报完成情况（对照应报名录）",
        ("year", "county_code"),
        (
            YEAR, COUNTY,
            _c("expected", "int", "Campuses in the registry", "应报校区数"),
            _c("received", "int", "Campuses that sent a school form", "已报校区数"),
            _c("received_on_time", "int", "Campuses whose school form file is dated before the 15 December deadline",
               "按时（12月15日前）报送校区数"),
            _c("late", "int", "Campuses whose first school form came after the deadline (see submission_timeliness)",
               "逾期（12月15日及以后）首次报送的校区数"),
            _c("accepted", "int", "Campuses whose school form was accepted", "通过校验校区数"),
            _c("rejected", "int", "Campuses whose school form was rejected (see data_quality_issues)", "被拦截校区数"),
            _c("missing", "int", "Registry campuses that sent nothing", "未报校区数"),
            _c("unknown", "int", "Campuses that submitted but are not in the registry", "名录外校区数"),
            _c("completion_rate", "float", "accepted / expected", "完成率（通过数/应报数）"),
            _c("missing_campuses", "text", "Names of the missing campuses", "未报校区名单"),
            _c("unknown_campuses", "text", "Names of the unknown campuses", "名录外校区名单"),
            _c("rejected_campuses", "text", "Names of the rejected campuses", "被拦截校区名单"),
            _c("late_campuses", "text", "Names of the late campuses", "逾期报送校区名单"),
            _c("last_changed_at", "timestamp", "When a school form of the county last changed (newest file time, UTC)",
               "本县学校表最后一次变更时间（最新文件时间，UTC）"),
        ),
    ),
    Table(
        "submission_changes",
        "One changed field of a resubmitted campus or county form (nothing is overwritten without a trace)",
        "重新报送的学校或县级表中变更的一个字段（任何覆盖均留痕）",
        (),
        (
            YEAR, COUNTY, SCHOOL, CAMPUS,
            _c("form", "text", "schools (campus form) or counties (county form)", "表单：schools 学校表 / counties 县级表"),
            _c("field", "text", "Field that changed", "变更字段"),
            _c("old_value", "text", "Value before, as text ('' when empty)", "原值（文本，空为''）"),
            _c("new_value", "text", "Value after, as text ('' when empty)", "新值（文本，空为''）"),
            _c("old_file", "text", "File of the replaced record (last run's accepted one, or the superseded file)",
               "被替换记录的文件（上次运行通过的记录或被新文件替代的文件）"),
            _c("new_file", "text", "File of the new record", "新记录的文件"),
            _c("changed_at", "timestamp", "Modification time of the new file (UTC)", "新文件修改时间（UTC）"),
        ),
    ),
    Table(
        "submission_timeliness",
        "Campus (registry or submitting): on time, late or missing against the deadline, and its last change",
        "校区：是否按期报送（按时/逾期/未报）及最后变更时间",
        ("year", "county_code", "school_code", "campus_code"),
        (
            YEAR, COUNTY, SCHOOL, CAMPUS, SCHOOL_NAME,
            _c("in_registry", "bool", "The campus is in the registry (false: an unknown campus submitted)", "是否在应报名录内"),
            _c("timeliness", "text", "on_time (first school form before the deadline), late (after it) or missing "
               "(registry campus that sent none)", "报送时效：on_time 按时 / late 逾期 / missing 未报"),
            _c("first_submitted_at", "timestamp", "Modification time of the first file carrying its school form (UTC)",
               "首次报送文件时间（UTC）"),
            _c("last_changed_at", "timestamp", "Modification time of the newest file carrying its school form (UTC)",
               "最后一次变更（最新文件）时间（UTC）"),
            _c("last_file", "text", "The newest file carrying its school form", "最新报送文件"),
            _c("deadline", "timestamp", "The year's deadline: the first moment of 15 December, Asia/Shanghai (as UTC)",
               "报送截止时间（12月15日0时，北京时间，以UTC存储）"),
        ),
    ),
    Table(
        "school_parts",
        "School part (campus × stage) and its scope in the resource-allocation computation",
        "学校学段（校区×学段）及其参与资源配置计算的范围",
        ("year", "county_code", "school_code", "campus_code", "stage"),
        (
            YEAR, COUNTY, SCHOOL, CAMPUS, SCHOOL_NAME, SCHOOL_TYPE, LOCATION, STAGE,
            _c("students", "int", "Students of the part", "该学段在校生数", "人"),
            _c("split_share", "float", "Share of the campus's undivided areas, equipment and rooms (spec §3)", "按加权学生数分摊的面积、设备等份额"),
            _c("in_resource_allocation", "bool", "R1–R7 computed for this part", "是否计算资源配置指标"),
            _c("in_difference_coefficient", "bool", "Part counted in the county difference coefficients", "是否计入县域校际差异系数"),
            _c("scope_note", "text", "Why a part is left out", "未计入的原因"),
            STANDARDS,
        ),
    ),
    Table(
        "school_indicators",
        "School part × resource indicator",
        "学校学段×资源配置指标",
        ("year", "county_code", "school_code", "campus_code", "stage", "indicator_id"),
        (
            YEAR, COUNTY, SCHOOL, CAMPUS, STAGE, SCHOOL_NAME, SCHOOL_TYPE, LOCATION,
            _c("students", "int", "Students of the part", "该学段在校生数", "人"),
            INDICATOR_ID, INDICATOR_ZH,
            _c("indicator_name_en", "text", "Indicator name in English", "指标英文名称"),
            _c("unit", "text", "Unit of the value", "单位"),
            _c("quantity", "float", "Resource attributed to the part (split for combined schools)", "分摊到该学段的资源量"),
            _c("value", "float", "Indicator value (per student or per 100 students); NULL when not computed "
               "(see not_computed_reason_en)", "指标值（生均或每百名学生）；未计算时为空"),
            _c("threshold", "float", "Standard to meet", "达标标准"),
            _c("comparison", "text", "How value is compared with threshold (>=, <=, ...)", "比较方式"),
            _c("counts_toward_school_rule", "bool", "One of the indicators of the 6-of-7 school rule", "是否计入“6项达标、余项不低于85%”规则"),
            _c("ratio", "float", "Value relative to the standard (1 = exactly at it)", "达标比（1为恰好达标）"),
            _c("passed", "bool", "Standard met; NULL when the value is not computed", "是否达标（未计算时为空）"),
            NOT_COMPUTED_ZH, NOT_COMPUTED_EN,
            STANDARDS,
        ),
    ),
    Table(
        "school_resource_verdict",
        "School part: the resource-allocation school rule (≥6 of 7 met, the rest ≥85 %)",
        "学校学段资源配置达标判定（至少6项达标、余项不低于85%）",
        ("year", "county_code", "school_code", "campus_code", "stage"),
        (
            YEAR, COUNTY, SCHOOL, CAMPUS, STAGE, SCHOOL_NAME,
            _c("indicators_met", "int", "Indicators meeting their standard", "达标指标数"),
            _c("indicators_judged", "int", "Indicators with a value", "有数据的指标数"),
            _c("unmet_below_floor", "int", "Unmet indicators below the floor ratio (85 %)", "未达标且低于标准85%的指标数"),
            _c("weakest_indicator", "text", "Indicator with the lowest ratio (a missing one first)", "达标比最低的指标"),
            _c("weakest_ratio", "float", "Its ratio to the standard", "最低达标比"),
            _c("passed", "bool", "School part passes resource allocation; NULL (未判定 not judged) when any of "
               "its indicators is not computed, even if the known ones already fail", "该学段资源配置是否达标；"
               "有指标未计算时为空（未判定）"),
            _c("not_computed_reason_zh", "text", "Why not judged, in Chinese: each indicator not computed and its reason",
               "未判定的原因（中文）：未计算的指标及原因"),
            _c("not_computed_reason_en", "text", "The same in English", "未判定的原因（英文）"),
            STANDARDS,
        ),
    ),
    Table(
        "county_difference_coefficients",
        "County × stage × resource indicator: student-weighted between-school difference coefficient",
        "县×学段×指标：按学生数加权的校际差异系数",
        ("year", "county_code", "stage", "indicator_id"),
        (
            YEAR, COUNTY, STAGE, INDICATOR_ID, INDICATOR_ZH,
            _c("cv", "float", "Difference coefficient S / X̄ (unrounded); NULL when X̄ = 0", "差异系数（未取舍）"),
            _c("weighted_mean", "float", "Student-weighted mean X̄", "加权平均值"),
            _c("weighted_sd", "float", "Student-weighted standard deviation S", "加权标准差"),
            _c("schools_in_scope", "int", "School parts used: in scope and with a value", "参与计算的学校（学段）数"),
            _c("students_in_scope", "int", "Their students", "参与计算的学生数", "人"),
            _c("parts_expected", "int", "School parts of this county and stage the coefficient should stand on: accepted "
               "parts plus the parts of registry campuses missing or rejected (by their registry school type)",
               "应计入的学校（学段）数（通过校验的学段，加上名录中未报送或被拦截校区的学段）"),
            _c("parts_without_value", "int", "Parts in scope left out because this indicator could not be computed "
               "(reason not_computable)", "因该指标无法计算而未计入的学校（学段）数"),
            _c("parts_missing", "int", "Parts left out because their registry campus sent nothing (reason campus_missing)",
               "因校区未报送而未计入的学校（学段）数"),
            _c("parts_rejected", "int", "Parts left out because their campus's school form was rejected for errors "
               "(reason campus_rejected)", "因校区填报表被拦截而未计入的学校（学段）数"),
            _c("parts_out_of_scope", "int", "Parts left out by rule: no students in the stage, or a small teaching point "
               "(reason out_of_scope)", "按规则不计入的学校（学段）数（该学段无学生、小规模教学点）"),
            _c("parts_left_out", "text", "JSON array, one object per part left out: school_code, campus_code, school_name, "
               "reason (campus_missing, campus_rejected, not_computable, out_of_scope), note; parts_expected = "
               "schools_in_scope + the four counts", "未计入的学校（学段）明细（JSON数组：学校标识码、校区代码、名称、原因、说明）"),
            _c("evidence_complete", "bool", "No part expected is missing, rejected or without a value: the coefficient "
               "stands on the county's whole evidence (out-of-scope parts are left out by rule)",
               "证据完整（无未报送、被拦截或无法计算的学校学段）"),
            _c("threshold", "float", "Maximum coefficient allowed", "差异系数标准（不高于）"),
            _c("passed", "bool", "Coefficient within the standard", "是否达标"),
            _c("note", "text", "Why a coefficient is 0 or NULL, or parts were left out", "说明"),
            STANDARDS,
        ),
    ),
)


ITEM_ID = _c("item_id", "text", "Item id of the standards file (G1–G15, Q1–Q9, S1, P1, V1, R1–R7)", "指标（项目）编号")
ITEM_STAGE = _c("stage", "text", "Stage for items judged per stage (G13), else ''", "学段（仅分学段评价的项目）")
VALUE = _c("value", "float", "Value found (rate as a fraction, count, area, money ...)", "实际值")
THRESHOLD = _c("threshold", "float", "Standard to meet", "标准值")
COMPARISON = _c("comparison", "text", "How value is compared with threshold", "比较方式")
PASSED = _c("passed", "bool", "Standard met (NULL at school level when data are missing)", "是否达标")
DETAIL = _c("detail", "text", "Why, in Chinese: failing schools, classes, missing data", "说明（未达标学校、班级或缺失数据）")
SHORTFALL = _c("shortfall", "text", "存在不足情况: the value, the standard and the gap", "存在不足情况（实际值、标准、差距）")
MEASURE = _c("measure", "text", "整改提升措施, left blank for the county to fill", "整改提升措施（由县填写）")
DEADLINE_MONTH = _c("deadline_month", "text", "完成时限 (YYYY-MM), left blank for the county to fill", "完成时限（精确到月，由县填写）")
COUNTY_NAME = _c("county_name", "text", "County name", "县（市、区）名称")
CITY = _c("city", "text", "City (设区市)", "设区市")
PROVINCE = _c("province", "text", "Province", "省份")


def _county_items(name: str, grain_en: str, grain_zh: str) -> Table:
    return Table(
        name, grain_en, grain_zh, ("year", "county_code", "item_id", "stage"),
        (YEAR, COUNTY, ITEM_ID, ITEM_STAGE, _c("name_zh", "text", "Item name in Chinese", "项目名称"),
         VALUE, THRESHOLD, COMPARISON, COUNTY_PASSED, DETAIL, COUNTY_NOT_COMPUTED_ZH, NOT_COMPUTED_EN, STANDARDS),
    )


COUNTY_PASSED = _c("passed", "bool", "Standard met; NULL when not computed (see not_computed_reason_en)", "是否达标（未计算时为空）")
COUNTY_NOT_COMPUTED_ZH = _c(
    "not_computed_reason_zh", "text",
    "Why the item was not computed, in Chinese: no accepted county form, a county-form input quarantined by an error "
    "or left blank, campuses not judged, no monitoring result ('' when computed)", "未计算的原因（中文）")


def _count(name: str, en: str, zh: str) -> Column:
    return _c(name, "int", en, zh)


_register(
    Table(
        "school_guarantee_checks",
        "Campus × school-level item of government guarantee and quality (G3–G6, G9, G12, G13, Q3, Q4, Q6)",
        "校区×学校层面的政府保障与教育质量指标",
        ("year", "county_code", "school_code", "campus_code", "item_id", "stage"),
        (YEAR, COUNTY, SCHOOL, CAMPUS, SCHOOL_NAME, ITEM_ID, ITEM_STAGE, VALUE, THRESHOLD, COMPARISON, PASSED, DETAIL,
         NOT_COMPUTED_ZH, NOT_COMPUTED_EN, STANDARDS),
    ),
    _county_items("county_guarantee", "County × government-guarantee item G1–G15", "县×政府保障程度指标G1–G15"),
    _county_items("county_quality", "County × education-quality item Q1–Q9", "县×教育质量指标Q1–Q9"),
    Table(
        "county_social_recognition",
        "County × respondent group (and 'all'): social recognition rate",
        "县×调查对象类别（及全部）：社会认可度",
        ("year", "county_code", "respondent_group"),
        (
            YEAR, COUNTY,
            _c("respondent_group", "text", "Respondent group (学生, 家长, 教师, ...) or 全部 for all", "调查对象类别"),
            _count("respondents", "Respondents", "答卷人数"),
            _count("answers_counted", "Answers in the denominator (不了解 excluded)", "计入分母的回答数（不含“不了解”）"),
            _count("satisfied", "Answers 满意, 比较满意 or 基本满意", "满意、比较满意、基本满意的回答数"),
            _count("answers_excluded", "Answers left out of the denominator (不了解)", "未计入分母的回答数（不了解）"),
            _count("answers_unrecognised", "Answers that are not one of the allowed options", "无法识别的回答数"),
            _c("rate", "float", "Recognition rate satisfied / answers_counted", "认可度"),
            THRESHOLD, PASSED,
            _c("note", "text", "Why a rate is missing", "说明"),
            STANDARDS,
        ),
    ),
    Table(
        "county_readiness",
        "County: the headline — every dimension, precondition, vetoes, ready",
        "县：是否达到优质均衡（各维度、前提条件、一票否决）",
        ("year", "county_code"),
        (
            YEAR, COUNTY, COUNTY_NAME,
            _c("resource_allocation_passed", "bool", "Every school part passes and every difference coefficient is within "
               "its standard; NULL when the dimension cannot be judged (campuses missing or rejected, values not "
               "computed) and has no failure that stands without them", "资源配置达标（无法判定时为空）"),
            _c("government_guarantee_passed", "bool", "G1–G15 all pass; NULL when not judgeable (as above)", "政府保障程度达标"),
            _c("education_quality_passed", "bool", "Q1–Q9 all pass; NULL when not judgeable (as above)", "教育质量达标"),
            _c("social_recognition_passed", "bool", "Overall recognition ≥ 85 %; NULL when it could not be computed",
               "社会认可度达标"),
            _c("precondition_met", "bool", "Basic balance certified at least 3 years before", "通过基本均衡认定满3年"),
            _c("vetoed", "bool", "A one-vote-veto incident applies", "存在一票否决事项"),
            _c("veto_reasons", "text", "The veto incidents", "一票否决事项"),
            _c("status", "text", "ready; not_ready (a failure that stands whatever is missing); incomplete "
               "(数据不完整，不能作出结论: a registry campus missing or rejected, or an item not computed, and no "
               "failure that stands without it)", "评估结论：ready 达到；not_ready 未达到；incomplete 数据不完整，不能作出结论"),
            _c("ready", "bool", "Ready for high-quality balance this year: true only when status = ready", "是否达到优质均衡"),
            _count("campuses_missing", "Registry campuses that sent no school form", "名录中未报送的校区数"),
            _count("campuses_rejected", "Registry campuses whose school form was rejected for errors", "名录中填报表被拦截的校区数"),
            _c("campuses_not_judged", "text", "Those campuses by name and code, with why", "未能评估的校区名单"),
            _count("items_not_computed", "Blocking items, indicators or coefficients that could not be computed",
                   "无法计算的项目数"),
            _c("verdict_zh", "text", "The headline in Chinese, with the completeness gap when there is one",
               "评估结论（中文，含数据完整性说明）"),
            _c("verdict_en", "text", "The headline in English, e.g. 'incomplete: 5 campuses missing or rejected — not a verdict'",
               "评估结论（英文）"),
            _c("reasons", "text", "Every blocking failed or not-computed item by dimension, in Chinese (from "
               "county_shortfalls), then the campuses not judged", "未达标及未能评估原因汇总"),
            STANDARDS,
        ),
    ),
    Table(
        "county_shortfalls",
        "One failed or not-judged item of a county: the rows readiness, both rectification lists, the report and "
        "the CLI summary are built from",
        "县：每个未达标或未能评估的项目一行（评估结论、两张整改清单和报告均据此生成）",
        (),
        (
            YEAR, COUNTY,
            _c("dimension", "text", "resource_allocation, government_guarantee, education_quality, social_recognition, "
               "precondition or veto", "评估维度"),
            _c("item_id", "text", "Item: R1–R7 (a school part's indicator), RA (a school part's 6-of-7 verdict), G1–G15, "
               "Q1–Q9, S1, P1, V1; '' for a campus not judged at all", "项目编号（RA为学校资源配置综合判定；整校未评估为空）"),
            _c("stage", "text", "Stage of a per-stage item, school part or coefficient, else ''", "学段（不分学段为空）"),
            _c("school_code", "text", "School of a school-level row, '' for a county-level one", "学校标识码（县级项目为空）"),
            _c("campus_code", "text", "Its campus, '' for a county-level row", "校区代码（县级项目为空）"),
            _c("school_name", "text", "Its name, '' for a county-level row", "学校（校区）名称"),
            _c("value", "float", "Value found (NULL when not computed or not one number: school rule, veto)", "实际值"),
            _c("threshold", "float", "Standard it is held to (for P1: the latest certification year that passes)", "标准值"),
            _c("gap", "float", "How far from the standard, positive when short: threshold − value for an at-least "
               "standard, value − threshold for an at-most one (coefficients: cv − maximum)", "差距（正数为未达到的差额）"),
            _c("outcome", "text", "failed; campus_missing or campus_rejected (a registry campus sent nothing or was "
               "rejected, so this dimension could not judge it); not_computed (no value or no verdict)",
               "结果：failed 未达标；campus_missing 未报送；campus_rejected 被拦截；not_computed 无法计算"),
            _c("conclusive", "bool", "A failure that stands whatever the campuses not judged would send (false for rows "
               "that are not failures)", "该未达标结论不受未评估校区影响"),
            _c("blocks_readiness", "bool", "This row by itself keeps the county from ready (an R indicator or a "
               "school-level check is carried by its school part's RA row or the county item)", "该行本身使县不能达到要求"),
            _c("in_school_list", "bool", "A line of the school rectification list (attachment 1)", "列入学校整改清单（附件1）"),
            _c("in_county_list", "bool", "A line of the county-government rectification list (attachment 2)",
               "列入县级政府整改清单（附件2）"),
            _c("reason_zh", "text", "The shortfall in Chinese: value, standard and gap, or why it is not judged",
               "存在不足情况（中文）"),
            _c("reason_en", "text", "The same in English", "存在不足情况（英文）"),
            STANDARDS,
        ),
    ),
    Table(
        "school_rectification_list",
        "School shortfall (Zhejiang 附件1 整改清单): one failed item of one campus",
        "义务教育学校达到优质均衡目标整改清单（附件1）",
        ("year", "county_code", "school_code", "campus_code", "item_id", "stage"),
        (YEAR, COUNTY, SCHOOL, CAMPUS, SCHOOL_NAME, ITEM_ID, ITEM_STAGE, SHORTFALL, MEASURE, DEADLINE_MONTH, STANDARDS),
    ),
    Table(
        "county_rectification_list",
        "County-government shortfall (Zhejiang 附件2 整改清单)",
        "县级政府达到优质均衡目标整改清单（附件2）",
        (),
        (YEAR, COUNTY, ITEM_ID, ITEM_STAGE, SHORTFALL, MEASURE, DEADLINE_MONTH, STANDARDS),
    ),
    Table(
        "county_indicator_values",
        "County × indicator: this year's county-level value, the input of the trends",
        "县×指标：本年度县级指标值（动态监测的基础）",
        ("year", "county_code", "indicator_id", "stage"),
        (
            YEAR, COUNTY, INDICATOR_ID, ITEM_STAGE, INDICATOR_ZH, VALUE,
            _c("higher_is_better", "bool", "Whether a higher value is an improvement", "数值越高越好"),
        ),
    ),
    Table(
        "county_trends",
        "County × indicator: value and change since the previous year (动态监测)",
        "县×指标：与上年相比的变化（动态监测）",
        ("year", "county_code", "indicator_id", "stage"),
        (
            YEAR, COUNTY, INDICATOR_ID, ITEM_STAGE, INDICATOR_ZH, VALUE,
            _c("previous_value", "float", "Value of the previous year (NULL when there is none)", "上年值"),
            _c("change", "float", "value − previous_value", "变化量"),
            _c("direction", "text", "improved, worsened, unchanged, new (no previous year) or unknown", "变化方向"),
            STANDARDS,
        ),
    ),
    Table(
        "recommendation_form_summary",
        "County: summary figures of the national recommendation form (推荐表)",
        "县：国家认定推荐表汇总数据",
        ("year", "county_code"),
        (
            YEAR, COUNTY, COUNTY_NAME, CITY, PROVINCE,
            _c("basic_balance_year", "int", "Year basic balance was certified", "通过基本均衡认定年份"),
            _count("schools", "学校数: compulsory-education schools (campuses; teaching points not counted)", "学校数（所，不含教学点）"),
            _count("rural_schools", "乡村学校数: of which rural", "乡村学校数（所）"),
            _count("teaching_points", "Teaching points", "教学点数（个）"),
            _count("rural_teaching_points", "Rural teaching points", "乡村教学点数（个）"),
            _count("students", "学生数: primary and junior students (teaching points included)", "学生数（人）"),
            _count("rural_students", "乡村学生数", "乡村学生数（人）"),
            _count("teachers", "专任教师数: full-time teachers of the compulsory stages", "专任教师数（人）"),
            _count("rural_teachers", "乡村专任教师数", "乡村专任教师数（人）"),
        ),
    ),
    Table(
        "creation_timetable",
        "City × target year: counties planning to reach high-quality balance (附件3 时间表)",
        "设区市×计划创建年份：创建全国义务教育优质均衡发展县时间表（附件3）",
        ("year", "province", "city", "target_year_bucket"),
        (
            YEAR, PROVINCE, CITY,
            _c("target_year_bucket", "text", "Target year column (2019年 … 'YYYY年及以后', 合计)", "计划创建年份"),
            _c("bucket_order", "int", "Column order of the target year", "列顺序"),
            _count("counties", "Counties", "县（市、区）数"),
        ),
    ),
    Table(
        "deadline_status",
        "County: what is still missing or blocked before the 15 December deadline",
        "县：12月15日截止前仍未报送或被拦截的学校",
        ("year", "county_code"),
        (
            YEAR, COUNTY,
            _c("deadline", "timestamp", "Self-evaluation deadline (15 December, Asia/Shanghai date)", "自评上报截止日期"),
            _c("as_of", "timestamp", "When the status was computed (UTC)", "统计时间（UTC）"),
            _c("days_left", "int", "Calendar days left in Asia/Shanghai (negative after the deadline)", "距截止日剩余天数"),
            _count("expected", "Campuses expected", "应报校区数"),
            _count("missing_count", "Campuses still missing", "未报校区数"),
            _c("missing_campuses", "text", "Their names", "未报校区名单"),
            _count("blocked_count", "Campuses whose school form is blocked by errors", "被错误拦截的校区数"),
            _c("blocked_campuses", "text", "Their names", "被拦截校区名单"),
            _c("blocked_first_errors_zh", "text", "First error of each blocked campus, Chinese", "被拦截校区的首个错误（中文）"),
            _c("blocked_first_errors_en", "text", "First error of each blocked campus, English", "被拦截校区的首个错误（英文）"),
            _c("status", "text", "ok, action_needed or overdue", "状态"),
            _c("message_zh", "text", "What the county clerk must do, Chinese", "提示（中文）"),
            _c("message_en", "text", "What the county clerk must do, English", "提示（英文）"),
        ),
    ),
)


_register(
    Table(
        "county_reports",
        "County: its self-evaluation report files for the year",
        "县：本年度自评报告文件",
        ("year", "county_code"),
        (
            YEAR, COUNTY, COUNTY_NAME, CITY, PROVINCE,
            _c("ready", "bool", "Ready for high-quality balance this year", "是否达到优质均衡"),
            _c("status", "text", "county_readiness.status: ready, not_ready or incomplete", "评估结论"),
            _c("verdict_zh", "text", "The report headline in Chinese", "报告结论（中文）"),
            _c("verdict_en", "text", "The report headline in English", "报告结论（英文）"),
            _c("failed_dimensions", "text", "Dimensions with a failure that stands (the veto included), in Chinese, "
               "joined by 、", "未达标维度"),
            _c("dimensions_not_judged", "text", "Dimensions that cannot be judged, in Chinese, joined by 、", "无法判定的维度"),
            _c("campuses_not_judged", "text", "Registry campuses missing or rejected, each with why, joined by 、",
               "未能评估的校区"),
            _c("html_path", "text", "Absolute path of the HTML report in the published folder reports/<year>/",
               "HTML报告路径（已发布目录 reports/<year>/）"),
            _c("xlsx_path", "text", "Absolute path of the .xlsx workbook with the same tables (published folder)",
               "Excel报告路径（已发布目录）"),
            _c("rectification_path", "text", "Absolute path of the rectification lists laid out like Zhejiang "
               "attachments 1 and 2 (published folder)", "整改清单（附件1、2格式）路径（已发布目录）"),
        ),
    ),
)

_register(
    Table(
        "certifications",
        "One certification of a year: who signed which run's figures, judged by which standards, from which files",
        "年度数据认定记录：认定人、所认定的运行、标准版本及全部输入文件摘要",
        ("year", "certified_at"),
        (
            YEAR,
            _c("certified_at", "timestamp", "When the year was certified (UTC)", "认定时间（UTC）"),
            _c("certified_by", "text", "Who certified it (name given to `certify --by`)", "认定人"),
            _c("sequence", "int", "1 for the first certification of the year, 2 for the first re-certification, ...",
               "本年度第几次认定（1为首次，大于1为重新认定）"),
            _c("run_id", "text", "Dagster run that materialised the certified tables", "被认定数据所属的Dagster运行编号"),
            STANDARDS,
            _c("inputs_sha256", "text", "JSON map of every file of the year folder (relative path) to its SHA-256",
               "年度目录全部输入文件的SHA-256摘要（JSON：文件→摘要）"),
            _c("input_files", "int", "Files in inputs_sha256", "输入文件数"),
            _c("counties", "int", "Counties judged", "参评县（市、区）数"),
            _c("ready_counties", "int", "Counties ready for high-quality balance", "达到优质均衡的县（市、区）数"),
            _c("reason", "text", "Why the year was certified again ('' for the first certification)",
               "重新认定的原因（首次认定为空）"),
        ),
    ),
)

CERTIFIED_PREFIX = "certified_"
CERTIFIED_AT = _c("certified_at", "timestamp", "When these rows were certified (UTC); see table certifications",
                  "认定时间（UTC），详见 certifications 表")
NOT_CERTIFIED = frozenset({"certifications"})
"""Tables with no certified copy: the certification record is itself the frozen fact."""


def run_tables() -> dict[str, Table]:
    """The tables a run of the yearly job builds (and publishes together): every catalogue table but
    the certification record, which only `certify` writes."""
    return {name: table for name, table in TABLES.items() if name not in NOT_CERTIFIED}


def certified_copy(table: Table) -> Table:
    """The certified copy of a table: its rows of each certified year as they stood when certified,
    which later (preliminary) runs of that year never change."""
    return Table(
        CERTIFIED_PREFIX + table.name,
        f"Certified copy of {table.name}: {table.grain_en}",
        f"{table.name} 的认定版本：{table.grain_zh}",
        table.key,
        (*table.columns, CERTIFIED_AT),
    )


def certified_tables() -> dict[str, Table]:
    """Live table name → its certified copy, for every catalogue table that has one (computed on
    call, so a table registered anywhere in the catalogue is covered)."""
    return {name: certified_copy(table) for name, table in TABLES.items() if name not in NOT_CERTIFIED}


def pandas_dtypes(table_name: str) -> dict[str, str]:
    """Column → pandas dtype of a catalogue table, for domain functions that build its frame."""
    return {c.name: DTYPES[c.dtype][0] for c in TABLES[table_name].columns}


def conform(frame: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """A domain function's output: the `columns` (from pandas_dtypes) in order, a column it did not
    build all missing, in their declared nullable types. (conform_to_table is the stricter check
    at the warehouse boundary, where a missing or undocumented column is an error.)"""
    return frame.reindex(columns=list(columns)).astype(columns).reset_index(drop=True)


class TableMismatch(ValueError):
    pass


def conform_to_table(frame, table: Table):
    """The frame with exactly the table's columns, in order and in the catalogue's types.

    A missing or undocumented column is an error: every column BI tools see is documented here.
    """
    missing = [c for c in table.column_names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in table.column_names]
    if missing or extra:
        raise TableMismatch(
            f"table {table.name}: frame does not match the catalogue (missing {missing}, undocumented {extra})"
        )
    conformed = frame[table.column_names].copy()
    for column in table.columns:
        if column.dtype == "timestamp":
            # Warehouse timestamps are naive UTC: DuckDB and PostgreSQL TIMESTAMP columns store no zone.
            conformed[column.name] = pd.to_datetime(conformed[column.name], utc=True).dt.tz_localize(None)
        else:
            conformed[column.name] = conformed[column.name].astype(DTYPES[column.dtype][0])
    return conformed.reset_index(drop=True)
