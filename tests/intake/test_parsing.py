import pandas as pd
import pytest

from balanced_pipeline.contract.issues import split_accepted
from balanced_pipeline.intake.parsing import clean_text, normalise_form, parse_field
from balanced_pipeline.contract.forms import CLASSES, COUNTIES, QUALITY_MONITORING, SCHOOLS


def parsed(form, field_name, raw):
    values, problems = parse_field(form.field(field_name), pd.Series([raw], dtype="object"))
    value = values.iloc[0]
    return (None if pd.isna(value) else value), problems.iloc[0]


@pytest.mark.parametrize(
    ("field_name", "raw", "expected"),
    [
        ("land_area_m2", "2,345.5㎡", 2345.5),
        ("land_area_m2", "２，３４５．５", 2345.5),
        ("land_area_m2", "1 234", 1234.0),
        ("land_area_m2", "96 m2", 96.0),
        ("land_area_m2", "96平方米", 96.0),
        ("land_area_m2", " 96\u00a0", 96.0),
        ("students_primary", "120人", 120),
        ("students_primary", "１２０", 120),
        ("students_primary", "12.0", 12),
        ("multimedia_classrooms", "3间", 3),
        ("equipment_value_yuan", "2000元", 2000.0),
        ("equipment_value_yuan", "1.2万元", 12000.0),
        ("equipment_value_yuan", "1.2万", 12000.0),
    ],
)
def test_numbers_typed_with_units_and_separators(field_name, raw, expected):
    assert parsed(SCHOOLS, field_name, raw) == (expected, "")


@pytest.mark.parametrize(
    ("field_name", "raw", "problem"),
    [
        ("land_area_m2", "约100", "unparsable_number"),
        ("land_area_m2", "100-120", "unparsable_number"),
        ("land_area_m2", "两百", "unparsable_number"),
        ("land_area_m2", "12 34", "unparsable_number"),
        ("land_area_m2", "1,5", "unparsable_number"),
        ("land_area_m2", "120人", "unit_mismatch"),
        ("students_primary", "96㎡", "unit_mismatch"),
        ("students_primary", "12.5", "fractional_count"),
        ("students_primary", "50%", "unit_mismatch"),
    ],
)
def test_unclear_numbers_become_missing_with_a_problem(field_name, raw, problem):
    assert parsed(SCHOOLS, field_name, raw) == (None, problem)


def test_rates_take_percentages_and_years_take_a_suffix():
    assert parsed(QUALITY_MONITORING, "between_school_diff_rate", "12％") == (0.12, "")
    assert parsed(QUALITY_MONITORING, "between_school_diff_rate", "0.12") == (0.12, "")
    assert parsed(COUNTIES, "basic_balance_year", "2019年") == (2019, "")
    assert parsed(CLASSES, "grade", "初一") == (7, "")
    assert parsed(CLASSES, "grade", "7年级") == (7, "")


@pytest.mark.parametrize("raw", [None, "", "  ", "\u3000", "/", "—", "nan"])
def test_missing_stays_missing_never_zero(raw):
    assert parsed(SCHOOLS, "students_primary", raw) == (None, "")
    assert parsed(SCHOOLS, "boarding", raw) == (None, "")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("是", True), ("有", True), ("Y", True), ("yes", True), ("TRUE", True), ("1", True), ("√", True),
     ("否", False), ("无", False), ("N", False), ("no", False), ("false", False), ("0", False), ("×", False)],
)
def test_booleans(raw, expected):
    assert parsed(SCHOOLS, "boarding", raw) == (expected, "")


def test_unreadable_boolean_is_a_problem():
    assert parsed(SCHOOLS, "boarding", "大概") == (None, "unparsable_boolean")


@pytest.mark.parametrize(
    ("field_name", "raw", "expected"),
    [
        ("school_type", "nine_year", "nine_year"),
        ("school_type", "九年一贯制学校", "nine_year"),
        ("school_type", "九年一贯制", "nine_year"),
        ("school_type", " 小 学 ", "primary"),
        ("location_type", "乡村", "rural"),
        ("location_type", "农村", "rural"),
        ("location_type", "Urban", "urban"),
        ("ownership", "公办", "public"),
    ],
)
def test_choices_from_codes_labels_and_synonyms(field_name, raw, expected):
    assert parsed(SCHOOLS, field_name, raw) == (expected, "")


def test_stage_labels():
    assert [parsed(CLASSES, "stage", label)[0] for label in ("小学", "初中", "高中")] == ["primary", "junior", "senior"]


def test_ambiguous_and_unknown_choices():
    assert parsed(SCHOOLS, "location_type", "城镇") == (None, "ambiguous_choice")
    assert parsed(SCHOOLS, "location_type", "山区") == (None, "unknown_choice")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("3404030001", ("3404030001", "")), ("3404030001.0", ("3404030001", "")),
     ("０３４０４０３００１", ("0340403001", "")), ("'0340403001", ("0340403001", "")),
     ("34040", ("34040", "")),  # wrong length is the quality suite's business
     ("3.40403E+09", (None, "code_in_scientific_notation")), ("34O403", (None, "invalid_code"))],
)
def test_codes_keep_leading_zeros(raw, expected):
    assert parsed(SCHOOLS, "school_code", raw) == expected


def test_text_is_half_width_and_trimmed():
    assert clean_text(pd.Series(["  ＡＢＣ\u3000１２３ ", "\u00a0", None])).tolist() == ["ABC 123", pd.NA, pd.NA]


def raw_schools(overrides=()):
    rows = [
        {"county_code": "340403", "school_code": f"340403000{i}", "campus_code": "01", "school_name": f"第{i}小学",
         "school_type": "小学", "location_type": "城区", "ownership": "公办", "land_area_m2": "2,345.5㎡",
         "students_primary": "120人", "boarding": "否"}
        for i in range(1, 4)
    ]
    for (index, field), value in dict(overrides).items():
        rows[index][field] = value
    frame = pd.DataFrame(rows)
    frame["source_file"] = "a.csv"
    frame["sheet"] = ""
    frame["row_number"] = [2, 3, 5]
    frame["source_sha256"] = "abc"
    return frame


def test_unparsable_number_yields_one_located_issue_and_keeps_the_rest():
    typed, issues, _ = normalise_form(SCHOOLS, raw_schools({(2, "land_area_m2"): "约100"}))

    assert list(typed.columns[: len(SCHOOLS.fields)]) == SCHOOLS.field_names
    assert issues[["source_file", "sheet", "row_number", "field", "rule", "severity", "school_code"]].to_dict(
        "records") == [{"source_file": "a.csv", "sheet": "", "row_number": 5, "field": "land_area_m2",
                        "rule": "unparsable_number", "severity": "error", "school_code": "3404030003"}]
    assert issues.at[0, "message_zh"] == "文件 a.csv 第5行 字段「占地面积」的值「约100」无法识别为数字，请填写纯数字"
    assert issues.at[0, "message_en"].startswith("File a.csv, row 5: field land_area_m2 (Land area): value '约100'")
    bad = typed[typed["row_number"] == 5].iloc[0]
    assert pd.isna(bad["land_area_m2"])
    assert bad["students_primary"] == 120 and bad["school_type"] == "primary" and not bad["boarding"]
    accepted, rejected = split_accepted(typed, issues, "schools")
    assert accepted["row_number"].tolist() == [2, 3, 5]  # the error quarantines the value, not the campus
    assert accepted["land_area_m2"].isna().tolist() == [False, False, True]
    assert rejected.empty


def test_typed_dtypes_and_provenance():
    typed, issues, _ = normalise_form(SCHOOLS, raw_schools())
    assert issues.empty
    assert typed["students_primary"].dtype == "Int64"
    assert typed["land_area_m2"].dtype == "Float64"
    assert typed["boarding"].dtype == "boolean"
    assert typed["school_code"].dtype == "string"
    assert pd.isna(typed["students_junior"]).all()  # absent column: missing, not 0
    assert typed[["source_file", "sheet", "row_number", "source_sha256"]].iloc[2].tolist() == ["a.csv", "", 5, "abc"]


def test_optional_flag_problem_is_a_warning_that_does_not_reject():
    typed, issues, _ = normalise_form(SCHOOLS, raw_schools({(0, "boarding"): "看情况"}))
    assert issues[["row_number", "field", "rule", "severity"]].to_dict("records") == [
        {"row_number": 2, "field": "boarding", "rule": "unparsable_boolean", "severity": "warning"}]
    accepted, _ = split_accepted(typed, issues, "schools")
    assert len(accepted) == 3


def test_sheet_and_cell_are_named_when_known():
    raw = raw_schools({(0, "students_primary"): "12.5"}).iloc[[0]].assign(
        source_file="校/a.xlsx", sheet="学校基本情况", row_number=3)
    raw["cell:students_primary"] = "B12"
    _, issues, _ = normalise_form(SCHOOLS, raw)
    assert issues.at[0, "rule"] == "fractional_count"
    assert issues.at[0, "row_number"] == 3
    assert issues.at[0, "message_zh"].startswith("文件 校/a.xlsx 工作表 学校基本情况 单元格B12 字段「小学在校生数」的值「12.5」")


@pytest.mark.parametrize(
    ("field_name", "raw"),
    [
        ("equipment_value_yuan", "3124\x008800"),  # a NUL must not leave "3124" behind
        ("students_primary", "12\x01"),
        ("school_name", "第一\x01小学"),  # openpyxl cannot write it into the report
        ("school_name", "小学\x7f"),
    ],
)
def test_control_characters_are_refused_with_a_reason_not_cut(field_name, raw):
    assert parsed(SCHOOLS, field_name, raw) == (None, "control_character")


def test_tab_and_newline_are_ordinary_spacing():
    assert parsed(SCHOOLS, "school_name", "第一\t小学\n") == ("第一 小学", "")
