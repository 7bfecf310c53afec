"""The input forms of the data contract: every field a school or county submits.

One place names each field in English (the bulk-file header), in Chinese (the template label,
also accepted as a bulk-file header), and says how its cells are parsed. The reader, the
workbook template and the quality suites all work from these definitions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Kind(str, Enum):
    CODE = "code"  # digits kept as text, fixed length when `digits` is set
    TEXT = "text"
    INTEGER = "integer"  # counts: people, classrooms
    NUMBER = "number"  # areas, money, rates
    BOOLEAN = "boolean"  # 是/否, yes/no, 1/0
    CHOICE = "choice"  # one of `choices` (English code → Chinese label)
    DATE = "date"


@dataclass(frozen=True)
class Field:
    name: str
    label_zh: str
    kind: Kind
    required: bool = False
    digits: int | None = None
    choices: dict[str, str] = field(default_factory=dict)
    unit: str = ""
    hint_zh: str = ""

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
                    hint_zh="6位行政区划代码")
SCHOOL_CODE = Field("school_code", "学校标识码", Kind.CODE, required=True, digits=10,
                    hint_zh="10位学校标识码")
CAMPUS_CODE = Field("campus_code", "校区代码", Kind.CODE, required=True,
                    hint_zh="物理独立校区编号，单校区填 01")
SCHOOL_NAME = Field("school_name", "学校（校区）名称", Kind.TEXT, required=True)
SCHOOL_TYPE = Field("school_type", "学校类型", Kind.CHOICE, required=True, choices=SCHOOL_TYPES)
CAMPUS_IDENTITY = (COUNTY_CODE, SCHOOL_CODE, CAMPUS_CODE)
CAMPUS_KEY = ("county_code", "school_code", "campus_code")


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
        Field("location_type", "城乡类型", Kind.CHOICE, required=True, choices=LOCATION_TYPES),
        Field("ownership", "办学性质", Kind.CHOICE, required=True, choices=OWNERSHIPS),
        _flag("boarding", "是否寄宿制学校"),
        _count("students_primary", "小学在校生数"),
        _count("students_junior", "初中在校生数"),
        _count("students_senior", "高中在校生数"),
        _count("teachers_primary", "小学专任教师数"),
        _count("teachers_junior", "初中专任教师数"),
        _count("above_required_degree_primary", "小学专科及以上学历专任教师数"),
        _count("above_required_degree_junior", "初中本科及以上学历专任教师数"),
        _count("backbone_primary", "小学县级及以上骨干教师数"),
        _count("backbone_junior", "初中县级及以上骨干教师数"),
        _count("pe_arts_teachers_primary", "小学体育、艺术专任教师数"),
        _count("pe_arts_teachers_junior", "初中体育、艺术专任教师数"),
        _count("certified_teachers", "持有教师资格证的专任教师数"),
        _count("trained_360h_teachers", "五年内完成360学时培训的专任教师数"),
        _number("land_area_m2", "占地面积", "㎡"),
        _number("teaching_aux_area_m2", "教学及辅助用房面积", "㎡"),
        _number("sports_area_m2", "体育运动场馆面积", "㎡"),
        _number("equipment_value_yuan", "教学仪器设备值", "元"),
        _count("multimedia_classrooms", "网络多媒体教室数", unit="间"),
        _number("public_funds_yuan", "年度公用经费预算", "元"),
        _number("training_funds_yuan", "教师培训经费预算", "元"),
        _count("catchment_students_primary", "小学就近划片入学学生数"),
        _count("catchment_students_junior", "初中就近划片入学学生数"),
        _count("migrant_children", "随迁子女在校生数"),
        _flag("has_charter", "学校有章程"),
        _flag("is_ict_managed", "实现信息化管理与教学"),
        _flag("moral_education_good", "德育与校园文化建设良好及以上"),
        Field("evidence_ref", "佐证材料编号", Kind.TEXT),
    ),
    key=CAMPUS_KEY,
)

CLASSES = Form(
    name="classes",
    label_zh="班级情况",
    fields=(
        *CAMPUS_IDENTITY,
        Field("stage", "学段", Kind.CHOICE, required=True, choices=STAGES),
        Field("grade", "年级", Kind.INTEGER, required=True, hint_zh="1–12，初一填7"),
        Field("class_name", "班级名称", Kind.TEXT, required=True),
        _count("students", "班级学生数", required=True),
    ),
    key=(*CAMPUS_KEY, "stage", "grade", "class_name"),
)

ROOMS = Form(
    name="rooms",
    label_zh="音乐美术专用教室",
    fields=(
        *CAMPUS_IDENTITY,
        Field("room_type", "教室类型", Kind.CHOICE, required=True, choices=ROOM_TYPES),
        _number("area_m2", "使用面积", "㎡", required=True),
    ),
    key=(),
)

COUNTIES = Form(
    name="counties",
    label_zh="县级基本情况",
    fields=(
        COUNTY_CODE,
        Field("county_name", "县（市、区）名称", Kind.TEXT, required=True),
        Field("city", "设区市", Kind.TEXT, required=True),
        Field("province", "省份", Kind.TEXT, required=True),
        Field("basic_balance_year", "通过基本均衡国家认定年份", Kind.INTEGER, required=True),
        Field("target_year", "计划创建优质均衡年份", Kind.INTEGER),
        _number("teacher_avg_pay", "教师平均工资收入", "元"),
        _number("civil_servant_avg_pay", "当地公务员平均工资收入", "元"),
        _flag("performance_pay_approved", "绩效工资总量足额核定"),
        _count("rotation_eligible", "应交流轮岗教师数"),
        _count("rotated", "实际交流轮岗教师数"),
        _count("rotated_backbone", "交流轮岗骨干教师数"),
        _count("hs_quota_total", "优质高中招生计划数"),
        _count("hs_quota_allocated", "分配到初中学校的招生名额数"),
        _flag("hs_quota_rural_tilt", "名额分配向农村学校倾斜"),
        _count("migrant_eligible", "随迁子女义务教育阶段人数"),
        _count("migrant_in_public", "在公办学校就读的随迁子女数"),
        _count("migrant_in_purchased", "在政府购买学位民办学校就读的随迁子女数"),
        _count("disabled_school_age", "适龄残疾儿童少年数"),
        _count("disabled_enrolled", "入学残疾儿童少年数"),
        _count("cohort_grade7", "本届初一入学人数"),
        _count("cohort_graduates", "本届初三毕业人数"),
        _count("cohort_transfers_in", "本届转入人数"),
        _count("cohort_transfers_out", "本届转出人数"),
        _count("cohort_deaths", "本届死亡人数"),
        _number("special_ed_funds_per_student", "特殊教育学校生均公用经费", "元"),
        _flag("layout_planned", "学校规划布局合理"),
        _flag("unified_standards", "城乡学校建设、编制、生均经费、装备四统一"),
        _flag("staffing_coordinated", "县域内统筹分配教职工编制和岗位"),
        _flag("ict_teaching", "教师能熟练运用信息化手段组织教学"),
        _flag("curriculum_complete", "开齐开足课程、教学秩序规范"),
        _flag("no_excess_homework", "无过重课业负担"),
        Field("evidence_ref", "佐证材料编号", Kind.TEXT),
    ),
    key=("county_code",),
)

QUALITY_MONITORING = Form(
    name="quality_monitoring",
    label_zh="国家义务教育质量监测结果",
    fields=(
        COUNTY_CODE,
        Field("subject", "监测学科", Kind.TEXT, required=True),
        Field("level", "达到水平（1–4或Ⅰ–Ⅳ）", Kind.TEXT, required=True),
        _number("between_school_diff_rate", "校际差异率", ""),
    ),
    key=("county_code", "subject"),
)

VETO_INCIDENTS = Form(
    name="veto_incidents",
    label_zh="一票否决事项",
    fields=(
        COUNTY_CODE,
        Field("kind", "事项类别", Kind.TEXT, required=True),
        Field("description", "情况说明", Kind.TEXT),
        Field("reported_on", "报告日期", Kind.DATE),
    ),
    key=(),
)

SURVEY_IDENTITY = (
    COUNTY_CODE,
    Field("respondent_id", "问卷编号", Kind.TEXT, required=True),
    Field("respondent_group", "调查对象类别", Kind.TEXT, required=True),
)
"""Survey files carry these, then any number of answer columns q01 … qNN."""

SCHOOL_FORMS = (REGISTRY, SCHOOLS, CLASSES, ROOMS)
COUNTY_FORMS = (COUNTIES, QUALITY_MONITORING, VETO_INCIDENTS)
FORMS = {form.name: form for form in (*SCHOOL_FORMS, *COUNTY_FORMS)}
