"""The input forms of the data contract: every field a school or county submits.

One place names each field in English (the bulk-file header), in Chinese (the template label,
also accepted as a bulk-file header), and says how its cells are parsed. The reader, the
workbook template and the quality suites all work from these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


class Kind(str, Enum):
    CODE = "code"  # digits kept as text, fixed length when `digits` is set
    TEXT = "text"
    INTEGER = "integer"  # counts: people, classrooms
    NUMBER = "number"  # areas, money, rates
    BOOLEAN = "boolean"  # 是/否, yes/no, 1/0
    CHOICE = "choice"  # one of `choices` (English code → Chinese label)
    DATE = "date"


PANDAS_DTYPES = {
    Kind.CODE: "string",
    Kind.TEXT: "string",
    Kind.CHOICE: "string",
    Kind.DATE: "string",
    Kind.INTEGER: "Int64",
    Kind.NUMBER: "Float64",
    Kind.BOOLEAN: "boolean",
}
"""The pandas dtype a typed column of each kind has (nullable, so a missing cell stays missing)."""


@dataclass(frozen=True)
class Field:
    name: str
    label_zh: str
    kind: Kind
    label_en: str = ""
    required: bool = False
    digits: int | None = None
    choices: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    hint_zh: str = ""

    @property
    def pandas_dtype(self) -> str:
        return PANDAS_DTYPES[self.kind]

    @property
    def header_zh(self) -> str:
        return f"{self.label_zh}（{self.unit}）" if self.unit else self.label_zh


@dataclass(frozen=True)
class Form:
    """One input of the data contract (a bulk file stem, and a sheet of the school workbook)."""

    name: str
    label_zh: str
    fields: tuple[Field, ...]
    key: tuple[str, ...]

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(name)


SCHOOL_TYPES = {
    "primary": "小学",
    "junior": "初中",
    "nine_year": "九年一贯制学校",
    "twelve_year": "十二年一贯制学校",
    "complete_secondary": "完全中学",
    "teaching_point": "教学点",
    "special_education": "特殊教育学校",
}
LOCATION_TYPES = {"urban": "城区", "town": "镇区", "rural": "乡村"}
OWNERSHIPS = {"public": "公办", "private": "民办"}
STAGES = {"primary": "小学", "junior": "初中", "senior": "高中"}
ROOM_TYPES = {"music": "音乐教室", "art": "美术教室"}

COUNTY_CODE = Field("county_code", "县（市、区）代码", Kind.CODE, required=True, digits=6,
                    hint_zh="6位行政区划代码", label_en="6-digit county administrative code")
SCHOOL_CODE = Field("school_code", "学校标识码", Kind.CODE, required=True, digits=10,
                    hint_zh="10位学校标识码", label_en="10-digit school identification code")
CAMPUS_CODE = Field("campus_code", "校区代码", Kind.CODE, required=True,
                    hint_zh="物理独立校区编号，单校区填 01", label_en="Campus code (01 for a single campus)")
SCHOOL_NAME = Field("school_name", "学校（校区）名称", Kind.TEXT, required=True, label_en="School (campus) name")
SCHOOL_TYPE = Field("school_type", "学校类型", Kind.CHOICE, required=True, choices=SCHOOL_TYPES, label_en="School type")
CAMPUS_IDENTITY = (COUNTY_CODE, SCHOOL_CODE, CAMPUS_CODE)
CAMPUS_KEY = ("county_code", "school_code", "campus_code")
YEAR_COUNTY_KEY = ["year", "county_code"]
"""A county in one year: the key of every county-level table."""
YEAR_CAMPUS_KEY = ["year", *CAMPUS_KEY]
"""A campus in one year: the key of every campus-level table (a list, so it selects columns)."""
KEY_DTYPES = {"year": "Int64", **{column: "string" for column in CAMPUS_KEY}}
"""The types of the key columns in every table of the catalogue: the year a nullable integer, codes text."""


def conform_keys(frame: pd.DataFrame, keys=YEAR_CAMPUS_KEY) -> pd.DataFrame:
    """The frame with those of `keys` it has in KEY_DTYPES. Ingest applies it once, where data
    enters the graph; the warehouse reads in catalogue types; a step trusts its inputs."""
    return frame.astype({key: KEY_DTYPES[key] for key in keys if key in frame.columns})


def _count(name: str, label: str, **kwargs) -> Field:
    return Field(name, label, Kind.INTEGER, unit=kwargs.pop("unit", "人"), **kwargs)


def _number(name: str, label: str, unit: str, **kwargs) -> Field:
    return Field(name, label, Kind.NUMBER, unit=unit, **kwargs)


def _flag(name: str, label: str, **kwargs) -> Field:
    return Field(name, label, Kind.BOOLEAN, **kwargs)


REGISTRY = Form(
    name="registry",
    label_zh="应报学校名录",
    fields=(*CAMPUS_IDENTITY, SCHOOL_NAME, SCHOOL_TYPE),
    key=CAMPUS_KEY,
)

SCHOOLS = Form(
    name="schools",
    label_zh="学校基本情况",
    fields=(
        *CAMPUS_IDENTITY,
        SCHOOL_NAME,
        SCHOOL_TYPE,
        Field("location_type", "城乡类型", Kind.CHOICE, required=True, choices=LOCATION_TYPES, label_en="Urban / town / rural"),
        Field("ownership", "办学性质", Kind.CHOICE, required=True, choices=OWNERSHIPS, label_en="Public or private"),
        _flag("boarding", "是否寄宿制学校", label_en="Boarding school"),
        _count("students_primary", "小学在校生数", label_en="Primary students"),
        _count("students_junior", "初中在校生数", label_en="Junior secondary students"),
        _count("students_senior", "高中在校生数", label_en="Senior secondary students"),
        _count("teachers_primary", "小学专任教师数", label_en="Full-time primary teachers"),
        _count("teachers_junior", "初中专任教师数", label_en="Full-time junior teachers"),
        _count("above_required_degree_primary", "小学专科及以上学历专任教师数", label_en="Primary teachers with associate degree or above"),
        _count("above_required_degree_junior", "初中本科及以上学历专任教师数", label_en="Junior teachers with bachelor degree or above"),
        _count("backbone_primary", "小学县级及以上骨干教师数", label_en="Primary county-level-or-above backbone teachers"),
        _count("backbone_junior", "初中县级及以上骨干教师数", label_en="Junior county-level-or-above backbone teachers"),
        _count("pe_arts_teachers_primary", "小学体育、艺术专任教师数", label_en="Primary PE and arts full-time teachers"),
        _count("pe_arts_teachers_junior", "初中体育、艺术专任教师数", label_en="Junior PE and arts full-time teachers"),
        # G9 and G12 are about compulsory education: like teachers_primary/_junior, these two
        # count the primary and junior full-time teachers only, also in schools with a senior section.
        _count("certified_teachers", "持有教师资格证的专任教师数",
               label_en="Primary and junior full-time teachers holding a teacher certificate",
               hint_zh="仅统计小学、初中学段专任教师"),
        _count("trained_360h_teachers", "五年内完成360学时培训的专任教师数",
               label_en="Primary and junior full-time teachers with 360 training hours in 5 years",
               hint_zh="仅统计小学、初中学段专任教师"),
        _number("land_area_m2", "占地面积", "㎡", label_en="Land area"),
        _number("teaching_aux_area_m2", "教学及辅助用房面积", "㎡", label_en="Teaching and auxiliary room area"),
        _number("sports_area_m2", "体育运动场馆面积", "㎡", label_en="Sports ground and hall area"),
        _number("equipment_value_yuan", "教学仪器设备值", "元", label_en="Teaching equipment value"),
        _count("multimedia_classrooms", "网络多媒体教室数", unit="间", label_en="Networked multimedia classrooms"),
        _number("public_funds_yuan", "年度公用经费预算", "元", label_en="Annual public-funds budget"),
        _number("training_funds_yuan", "教师培训经费预算", "元", label_en="Teacher-training budget"),
        _count("catchment_students_primary", "小学就近划片入学学生数", label_en="Primary students admitted from the catchment area"),
        _count("catchment_students_junior", "初中就近划片入学学生数", label_en="Junior students admitted from the catchment area"),
        _count("migrant_children", "随迁子女在校生数", label_en="Migrant workers' children enrolled"),
        _flag("has_charter", "学校有章程", label_en="School has a charter"),
        _flag("is_ict_managed", "实现信息化管理与教学", label_en="Information-based management and teaching"),
        _flag("moral_education_good", "德育与校园文化建设良好及以上", label_en="Moral education and campus culture rated good or better"),
        Field("evidence_ref", "佐证材料编号", Kind.TEXT, label_en="Evidence document reference"),
    ),
    key=CAMPUS_KEY,
)

CLASSES = Form(
    name="classes",
    label_zh="班级情况",
    fields=(
        *CAMPUS_IDENTITY,
        Field("stage", "学段", Kind.CHOICE, required=True, choices=STAGES, label_en="Stage"),
        Field("grade", "年级", Kind.INTEGER, required=True, hint_zh="1–12，初一填7", label_en="Grade (1–12; junior year 1 = 7)"),
        Field("class_name", "班级名称", Kind.TEXT, required=True, label_en="Class name"),
        _count("students", "班级学生数", required=True, label_en="Students in the class"),
    ),
    key=(*CAMPUS_KEY, "stage", "grade", "class_name"),
)

ROOMS = Form(
    name="rooms",
    label_zh="音乐美术专用教室",
    fields=(
        *CAMPUS_IDENTITY,
        Field("room_type", "教室类型", Kind.CHOICE, required=True, choices=ROOM_TYPES, label_en="Room type (music / art)"),
        _number("area_m2", "使用面积", "㎡", required=True, label_en="Usable area"),
    ),
    key=(),
)

COUNTIES = Form(
    name="counties",
    label_zh="县级基本情况",
    fields=(
        COUNTY_CODE,
        Field("county_name", "县（市、区）名称", Kind.TEXT, required=True, label_en="County name"),
        Field("city", "设区市", Kind.TEXT, required=True, label_en="City"),
        Field("province", "省份", Kind.TEXT, required=True, label_en="Province"),
        Field("basic_balance_year", "通过基本均衡国家认定年份", Kind.INTEGER, required=True, label_en="Year basic balance was certified"),
        Field("target_year", "计划创建优质均衡年份", Kind.INTEGER, label_en="Planned year of high-quality balance"),
        _number("teacher_avg_pay", "教师平均工资收入", "元", label_en="Teachers' average pay"),
        _number("civil_servant_avg_pay", "当地公务员平均工资收入", "元", label_en="Local civil servants' average pay"),
        _flag("performance_pay_approved", "绩效工资总量足额核定", label_en="Performance-pay total fully approved"),
        _count("rotation_eligible", "应交流轮岗教师数", label_en="Teachers eligible for rotation"),
        _count("rotated", "实际交流轮岗教师数", label_en="Teachers rotated"),
        _count("rotated_backbone", "交流轮岗骨干教师数", label_en="Backbone teachers rotated"),
        _count("hs_quota_total", "优质高中招生计划数", label_en="Quality senior-high enrolment plan"),
        _count("hs_quota_allocated", "分配到初中学校的招生名额数", label_en="Places allocated to junior schools"),
        _flag("hs_quota_rural_tilt", "名额分配向农村学校倾斜", label_en="Allocation tilted to rural schools"),
        _count("migrant_eligible", "随迁子女义务教育阶段人数", label_en="Migrant children of compulsory age"),
        _count("migrant_in_public", "在公办学校就读的随迁子女数", label_en="Migrant children in public schools"),
        _count("migrant_in_purchased", "在政府购买学位民办学校就读的随迁子女数", label_en="Migrant children in government-purchased private places"),
        _count("disabled_school_age", "适龄残疾儿童少年数", label_en="School-age disabled children"),
        _count("disabled_enrolled", "入学残疾儿童少年数", label_en="Disabled children enrolled"),
        _count("cohort_grade7", "本届初一入学人数", label_en="Cohort grade-7 enrolment"),
        _count("cohort_graduates", "本届初三毕业人数", label_en="Cohort graduates"),
        _count("cohort_transfers_in", "本届转入人数", label_en="Cohort transfers in"),
        _count("cohort_transfers_out", "本届转出人数", label_en="Cohort transfers out"),
        _count("cohort_deaths", "本届死亡人数", label_en="Cohort deaths"),
        _number("special_ed_funds_per_student", "特殊教育学校生均公用经费", "元", label_en="Special-education public funds per student"),
        _flag("layout_planned", "学校规划布局合理", label_en="School layout planned reasonably"),
        _flag("unified_standards", "城乡学校建设、编制、生均经费、装备四统一", label_en="Unified urban-rural building, staffing, funding and equipment standards"),
        _flag("staffing_coordinated", "县域内统筹分配教职工编制和岗位", label_en="Staffing quotas and posts allocated county-wide"),
        _flag("ict_teaching", "教师能熟练运用信息化手段组织教学", label_en="Teachers teach fluently with ICT"),
        _flag("curriculum_complete", "开齐开足课程、教学秩序规范", label_en="Full curriculum and orderly teaching"),
        _flag("no_excess_homework", "无过重课业负担", label_en="No excessive homework burden"),
        Field("evidence_ref", "佐证材料编号", Kind.TEXT, label_en="Evidence document reference"),
    ),
    key=("county_code",),
)

QUALITY_MONITORING = Form(
    name="quality_monitoring",
    label_zh="国家义务教育质量监测结果",
    fields=(
        COUNTY_CODE,
        Field("subject", "监测学科", Kind.TEXT, required=True, label_en="Monitored subject"),
        Field("level", "达到水平（1–4或Ⅰ–Ⅳ）", Kind.TEXT, required=True, label_en="Level reached (1–4 or Ⅰ–Ⅳ)"),
        _number("between_school_diff_rate", "校际差异率", "", label_en="Between-school difference rate"),
    ),
    key=("county_code", "subject"),
)

VETO_INCIDENTS = Form(
    name="veto_incidents",
    label_zh="一票否决事项",
    fields=(
        COUNTY_CODE,
        Field("kind", "事项类别", Kind.TEXT, required=True, label_en="Incident kind"),
        Field("description", "情况说明", Kind.TEXT, label_en="Description"),
        Field("reported_on", "报告日期", Kind.DATE, label_en="Reported on"),
    ),
    key=(),
)

RESPONDENT_GROUP = Field("respondent_group", "调查对象类别", Kind.TEXT, required=True, label_en="Respondent group")
SURVEY_IDENTITY = (
    COUNTY_CODE,
    Field("respondent_id", "问卷编号", Kind.TEXT, required=True, label_en="Respondent id"),
    RESPONDENT_GROUP,
)
SURVEY_RESPONSES = Form(
    name="survey_responses",
    label_zh="社会认可度调查问卷",
    fields=SURVEY_IDENTITY,
    key=("county_code", "respondent_id"),
)
"""One row per respondent: these fields, then any number of answer columns q01 … qNN."""

SURVEY_GROUPS = Form(
    name="survey_groups",
    label_zh="社会认可度调查分类汇总",
    fields=(
        COUNTY_CODE,
        RESPONDENT_GROUP,
        _count("respondents", "调查人数", required=True, label_en="Respondents in the group"),
        _count("answers_counted", "计入分母的作答数", unit="个", required=True,
               hint_zh="全部题目的作答数，不含“不了解”和空白",
               label_en="Answers in the denominator (all questions; 'don't know' and blanks excluded)"),
        _count("satisfied", "满意作答数", unit="个", required=True, hint_zh="满意、比较满意、基本满意之和",
               label_en="Satisfied answers (very satisfied + fairly satisfied + basically satisfied)"),
        _count("answers_excluded", "不了解作答数", unit="个", label_en="'Don't know' answers (left out of the rate)"),
    ),
    key=("county_code", "respondent_group"),
)
"""Per-group survey totals, for a county that sends these instead of raw responses (spec §2.4)."""

EXPLANATIONS = Form(
    name="explanations",
    label_zh="警告说明",
    fields=(
        COUNTY_CODE,
        Field("school_code", "学校标识码", Kind.CODE, digits=10, label_en="10-digit school identification code",
              hint_zh="县级表的警告留空"),
        Field("campus_code", "校区代码", Kind.CODE, label_en="Campus code", hint_zh="县级表的警告留空"),
        Field("rule", "规则编号", Kind.TEXT, required=True, label_en="Rule id of the warning (data_quality_issues.rule)",
              hint_zh="照抄问题清单中的规则编号"),
        Field("field", "问题字段", Kind.TEXT, label_en="Field of the warning (data_quality_issues.field)",
              hint_zh="照抄问题清单中的字段，无字段的警告留空"),
        Field("explanation", "情况说明", Kind.TEXT, required=True, label_en="Why the value is right as submitted"),
        Field("explained_by", "说明人", Kind.TEXT, required=True, label_en="Who explains it (name, post)"),
    ),
    key=("county_code", "school_code", "campus_code", "rule", "field"),
)
"""Fix or explain: a county's (or a campus workbook's) explanation of a warning it stands by. The
five key fields name the warning as data_quality_issues does; a county-form warning has no school."""

SCHOOL_FORMS = (REGISTRY, SCHOOLS, CLASSES, ROOMS)
COUNTY_FORMS = (COUNTIES, QUALITY_MONITORING, VETO_INCIDENTS, SURVEY_GROUPS)
FORMS = {form.name: form for form in (*SCHOOL_FORMS, *COUNTY_FORMS)}
