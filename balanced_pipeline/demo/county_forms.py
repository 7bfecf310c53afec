"""The county forms of one year: counties.csv, quality_monitoring.csv, veto_incidents.csv and the
survey (raw answers, and one county's per-group totals), consistent with the year's school rows
and each county's profile."""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.contract.forms import COUNTIES as COUNTY_FORM
from balanced_pipeline.contract.forms import SURVEY_GROUPS, Kind
from balanced_pipeline.standards.loader import Standards

from .profiles import (CITY, CONSOLIDATION_GAP_MULTIPLE, COUNTIES, DIGITS, CountyProfile, LOW_CONSOLIDATION, LOW_ROTATION,
                       MONITORING_BELOW_LEVEL_III, MONITORING_DIFF_RATE_EXCESS, MONITORING_LEVELS_BELOW,
                       PAY_BELOW_CIVIL_SERVANTS, PAY_SHARE_OF_THRESHOLD, PROVINCE, ROTATION_SHARE_OF_THRESHOLD,
                       standard_item)
from .random import stream

PAY_DECLINE_PER_YEAR, RECOGNITION_DECLINE_PER_YEAR, CONSOLIDATION_DECLINE_PER_YEAR = 0.03, 0.02, 0.005
# Sound counties clear each item by a margin: a ratio item is its threshold × a margin; a rate
# whose ideal is 1 falls short of 1 by a share of the gap its threshold allows, (1 − threshold).
PAY_MARGIN, ROTATION_MARGIN, BACKBONE_MARGIN, HS_QUOTA_MARGIN = (1.01, 1.06), (1.1, 1.6), (1.1, 1.5), (1.1, 1.3)
MIGRANT_PURCHASED_MARGIN = (1.04, 1.15)
CONSOLIDATION_GAP_SHARE, DISABLED_GAP_SHARE = (0.2, 0.6), (0.2, 0.8)
MONITORING_DIFF_RATE_SHARE = (0.25, 0.85)  # of Q9's limit
HS_QUOTA, MIGRANT_COVERAGE, DISABLED_ENROLMENT = "G14", "G15", "Q2"
SUBJECTS = ("语文", "数学", "科学", "体育与健康", "艺术", "德育")
FAILING_LEVEL_SUBJECT, FAILING_DIFF_RATE_SUBJECT = "数学", "科学"
ANSWERS = ("满意", "比较满意", "基本满意", "不满意", "不了解")  # digit = 5 − position
SATISFIED_MIX = (0.5, 0.3, 0.2)
UNINFORMED_SHARE = 0.05
RESPONDENTS_PER_COUNTY = (600, 1500)  # the demo city's seven counties
# National-shaped data (more counties than the city's): about 2,800 answers a county, 8 M nationally.
NATIONAL_RESPONDENTS_PER_COUNTY = (2_400, 3_200)
QUESTIONS = 10
RESPONDENT_GROUPS = {"学生": 0.30, "家长": 0.35, "教师": 0.15, "校长": 0.03, "人大代表": 0.04,
                     "政协委员": 0.04, "其他群众": 0.09}
# This county sends its survey as totals per respondent group (survey_groups.csv), not raw answers.
SURVEY_TOTALS_PROFILE = "below_resource_thresholds"
VETO = ("以考试方式招生", "一所民办初级中学组织入学考试选拔新生，经督导检查核实。", "06-18")


def _per_county(schools: pd.DataFrame, grade9_students: pd.Series,
                counties: tuple[CountyProfile, ...]) -> pd.DataFrame:
    codes = [c.code for c in counties]
    public = schools["ownership"].eq("public")
    special = schools["school_type"].eq("special_education")
    totals = pd.DataFrame({
        "teachers": schools["teachers_primary"] + schools["teachers_junior"],
        "compulsory": schools["students_primary"] + schools["students_junior"],
        "migrant_public": schools["migrant_children"].where(public, 0),
        "migrant_private": schools["migrant_children"].where(~public, 0),
        "special_students": (schools["students_primary"] + schools["students_junior"]).where(special, 0),
        "special_funds": schools["public_funds_yuan"].where(special, 0),
    }).groupby(schools["county_code"]).sum().reindex(codes, fill_value=0)
    totals["grade9"] = grade9_students.reindex(codes, fill_value=0)
    return totals


def county_rows(schools: pd.DataFrame, grade9_students: pd.Series, seed: int, year: int,
                years: list[int], standards: Standards,
                counties: tuple[CountyProfile, ...] = COUNTIES) -> pd.DataFrame:
    """`grade9_students`: grade-9 class students per county code (the cohort about to graduate)."""
    rng = stream(seed, "counties")  # same draws every year: a county keeps its character
    years_back = max(years) - year
    totals = _per_county(schools, grade9_students, counties)
    n = len(counties)
    fails = {item: np.array([item in c.guarantee_failures + c.quality_failures for c in counties])
             for item in (PAY_BELOW_CIVIL_SERVANTS, LOW_ROTATION, LOW_CONSOLIDATION)}
    pay, rotation = standard_item(standards, PAY_BELOW_CIVIL_SERVANTS), standard_item(standards, LOW_ROTATION)
    consolidation_min = standard_item(standards, LOW_CONSOLIDATION)["threshold"]
    hs_quota_min = standard_item(standards, HS_QUOTA)["threshold"]
    migrant_min = standard_item(standards, MIGRANT_COVERAGE)["threshold"]
    disabled_min = standard_item(standards, DISABLED_ENROLMENT)["threshold"]
    min_years = standards.section("readiness")["precondition"]["min_years_since_basic_balance"]

    civil = np.round(rng.uniform(92_000, 108_000, n) * (1 - PAY_DECLINE_PER_YEAR * years_back), -2)
    pay_ratio = pay["threshold"] * np.where(fails[PAY_BELOW_CIVIL_SERVANTS], PAY_SHARE_OF_THRESHOLD,
                                            rng.uniform(*PAY_MARGIN, n))
    teacher = np.round(civil * pay_ratio, -2)
    eligible = np.rint(totals["teachers"].to_numpy() * rng.uniform(0.15, 0.25, n))
    rotation_rate = rotation["threshold"] * rng.uniform(*ROTATION_MARGIN, n)
    rotated = np.where(fails[LOW_ROTATION], np.floor(eligible * rotation["threshold"] * ROTATION_SHARE_OF_THRESHOLD),
                       np.ceil(eligible * rotation_rate))
    grade9 = totals["grade9"].to_numpy()
    hs_quota = np.rint(grade9 * 0.6)
    disabled = np.maximum(10, np.rint(totals["compulsory"].to_numpy() * 0.004))
    cohort = np.rint(grade9 * rng.uniform(1.0, 1.04, n))
    transfers_in, transfers_out = np.rint(cohort * rng.uniform(0.01, 0.03, n)), np.rint(cohort * rng.uniform(0.01, 0.03, n))
    deaths = rng.integers(0, 4, n)
    consolidation_gap = np.where(fails[LOW_CONSOLIDATION], CONSOLIDATION_GAP_MULTIPLE,
                                 rng.uniform(*CONSOLIDATION_GAP_SHARE, n))
    consolidation = 1 - (1 - consolidation_min) * consolidation_gap - CONSOLIDATION_DECLINE_PER_YEAR * years_back
    with np.errstate(invalid="ignore", divide="ignore"):
        special_per_student = np.round(totals["special_funds"] / totals["special_students"], 2)
    rows = pd.DataFrame({
        "county_code": [c.code for c in counties],
        "county_name": [c.name for c in counties],
        "city": CITY,
        "province": PROVINCE,
        "basic_balance_year": [min(years) - min_years - i % 3 if c.precondition_met else max(years) - 1
                               for i, c in enumerate(counties)],
        "target_year": [max(years) + c.target_year_offset for c in counties],
        "teacher_avg_pay": teacher,
        "civil_servant_avg_pay": civil,
        "performance_pay_approved": 1,
        "rotation_eligible": eligible,
        "rotated": rotated,
        "rotated_backbone": np.ceil(rotated * rotation["min_backbone_share_of_rotated"]
                                    * rng.uniform(*BACKBONE_MARGIN, n)),
        "hs_quota_total": hs_quota,
        "hs_quota_allocated": np.ceil(hs_quota * hs_quota_min * rng.uniform(*HS_QUOTA_MARGIN, n)),
        "hs_quota_rural_tilt": 1,
        "migrant_eligible": totals["migrant_public"].to_numpy() + totals["migrant_private"].to_numpy(),
        "migrant_in_public": totals["migrant_public"].to_numpy(),
        "migrant_in_purchased": np.ceil(totals["migrant_private"].to_numpy()
                                        * np.minimum(migrant_min * rng.uniform(*MIGRANT_PURCHASED_MARGIN, n), 1)),
        "disabled_school_age": disabled,
        "disabled_enrolled": np.minimum(disabled, np.ceil(disabled * (1 - (1 - disabled_min)
                                                                      * rng.uniform(*DISABLED_GAP_SHARE, n)))),
        "cohort_grade7": cohort,
        "cohort_graduates": np.floor((cohort - deaths + transfers_in - transfers_out) * consolidation),
        "cohort_transfers_in": transfers_in,
        "cohort_transfers_out": transfers_out,
        "cohort_deaths": deaths,
        "special_ed_funds_per_student": special_per_student.to_numpy(),
        **{flag: 1 for flag in ("layout_planned", "unified_standards", "staffing_coordinated",
                                "ict_teaching", "curriculum_complete", "no_excess_homework")},
        "evidence_ref": [f"{c.code}-{year}-县级佐证" for c in counties],
    })
    whole_numbers = [f.name for f in COUNTY_FORM.fields if f.kind in (Kind.INTEGER, Kind.BOOLEAN)]
    rows[whole_numbers + ["teacher_avg_pay", "civil_servant_avg_pay"]] = (
        rows[whole_numbers + ["teacher_avg_pay", "civil_servant_avg_pay"]].astype(np.int64))
    return rows[COUNTY_FORM.field_names]


def quality_monitoring_rows(seed: int, year: int, roman_levels: bool, standards: Standards,
                            counties: tuple[CountyProfile, ...] = COUNTIES) -> pd.DataFrame:
    """Sound subjects at Q9's level or one above, with difference rates well under its limit."""
    rng = stream(seed, "quality_monitoring", year)
    monitoring = standard_item(standards, MONITORING_BELOW_LEVEL_III)
    lowest, highest = monitoring["threshold"], max(monitoring["level_labels"])
    diff_rate_max = monitoring["max_between_school_diff_rate"]
    n = len(counties) * len(SUBJECTS)
    frame = pd.DataFrame({
        "county_code": np.repeat([c.code for c in counties], len(SUBJECTS)),
        "subject": np.tile(SUBJECTS, len(counties)),
        "level": np.minimum(rng.choice([lowest, lowest + 1], size=n, p=[0.4, 0.6]), highest),
        "between_school_diff_rate": np.round(diff_rate_max * rng.uniform(*MONITORING_DIFF_RATE_SHARE, n), 3),
    })
    failing = np.repeat([MONITORING_BELOW_LEVEL_III in c.quality_failures for c in counties], len(SUBJECTS))
    frame.loc[failing & frame["subject"].eq(FAILING_LEVEL_SUBJECT), "level"] = lowest - MONITORING_LEVELS_BELOW
    frame.loc[failing & frame["subject"].eq(FAILING_DIFF_RATE_SUBJECT),
              "between_school_diff_rate"] = round(diff_rate_max + MONITORING_DIFF_RATE_EXCESS, 3)
    labels = monitoring["level_labels"] if roman_levels else {level: str(level) for level in monitoring["level_labels"]}
    frame["level"] = frame["level"].map(labels)
    return frame


def veto_rows(year: int, counties: tuple[CountyProfile, ...] = COUNTIES) -> pd.DataFrame:
    kind, description, month_day = VETO
    return pd.DataFrame(
        [{"county_code": c.code, "kind": kind, "description": c.name + description,
          "reported_on": f"{year}-{month_day}"} for c in counties if c.veto_incident],
        columns=["county_code", "kind", "description", "reported_on"])


def survey_rows(seed: int, year: int, years: list[int], standards: Standards,
                counties: tuple[CountyProfile, ...] = COUNTIES) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The raw responses (one row per respondent) of every county but the one that sends totals,
    and that county's per-group totals, made from its own respondents' answers.
    Recognition = (满意+比较满意+基本满意) / answers other than 不了解."""
    rng = stream(seed, "survey", year)
    years_back = max(years) - year
    low, high = RESPONDENTS_PER_COUNTY if counties == COUNTIES else NATIONAL_RESPONDENTS_PER_COUNTY
    sizes = rng.integers(low, high + 1, size=len(counties))
    targets = np.array([c.recognition_rate(standards) for c in counties])
    recognised = np.array([c.recognition_margin >= 0 for c in counties])
    jitter = np.where(recognised, rng.uniform(-0.02, 0.02, len(counties)), 0.0)
    rate = np.repeat(targets + jitter - RECOGNITION_DECLINE_PER_YEAR * years_back, sizes)
    county = np.repeat(np.arange(len(counties)), sizes)
    total = int(sizes.sum())
    groups = np.array(list(RESPONDENT_GROUPS), dtype=object)
    answer = np.where(rng.random((total, QUESTIONS)) < rate[:, None],
                      rng.choice(3, size=(total, QUESTIONS), p=SATISFIED_MIX), 3)
    answer = np.where(rng.random((total, QUESTIONS)) < UNINFORMED_SHARE, 4, answer)
    labels = np.array(ANSWERS, dtype=object)
    digit_labels = np.array([str(5 - i) for i in range(len(ANSWERS))], dtype=object)
    uses_digits = np.array([c.answer_style == DIGITS for c in counties])[county]
    answer_text = np.where(uses_digits[:, None], digit_labels[answer], labels[answer])
    codes = np.array([str(c.code) for c in counties], dtype=object)[county]
    number = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes) + 1
    survey = pd.DataFrame({
        "county_code": codes,
        "respondent_id": codes + f"-{year}-" + pd.Series(number).astype(str).str.zfill(5).to_numpy(object),
        "respondent_group": groups[rng.choice(len(groups), size=total, p=list(RESPONDENT_GROUPS.values()))],
    })
    for q in range(QUESTIONS):
        survey[f"q{q + 1:02d}"] = answer_text[:, q]
    sends_totals = np.isin(codes, [str(c.code) for c in counties if c.profile == SURVEY_TOTALS_PROFILE])
    totals = _group_totals(survey[sends_totals], answer[sends_totals])
    return survey[~sends_totals].reset_index(drop=True), totals


def _group_totals(respondents: pd.DataFrame, answer: np.ndarray) -> pd.DataFrame:
    """Per county and respondent group: respondents, answers other than 不了解, satisfied answers
    and 不了解 answers. `answer` holds each respondent's answers as positions in ANSWERS."""
    uninformed = answer == ANSWERS.index("不了解")
    per_respondent = pd.DataFrame({
        "county_code": respondents["county_code"].to_numpy(),
        "respondent_group": pd.Categorical(respondents["respondent_group"], categories=list(RESPONDENT_GROUPS)),
        "respondents": 1,
        "answers_counted": (~uninformed).sum(axis=1),
        "satisfied": (answer < len(SATISFIED_MIX)).sum(axis=1),
        "answers_excluded": uninformed.sum(axis=1),
    })
    totals = per_respondent.groupby(["county_code", "respondent_group"], observed=True, as_index=False).sum()
    return totals.astype({"respondent_group": str})[SURVEY_GROUPS.field_names]
