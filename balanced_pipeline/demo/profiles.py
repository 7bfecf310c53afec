"""The demo city: seven counties of 淮南市, each built to reach its verdict for a stated reason.

A profile says what its county is made to get wrong (or right), and by how much relative to the
standards' thresholds, so a reader of the pipeline's output can tell a correct failure from a
bug. Every non-passing county fails only the dimensions its profile names; everything else is
generated as sound as the passing county.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from balanced_pipeline.standards.loader import Standards

CITY = "淮南市"
PROVINCE = "安徽省"

SOUND, UNEQUAL, BELOW_THRESHOLDS = "sound", "unequal", "below_thresholds"
LABELS, DIGITS = "labels", "digits"

# Guarantee and quality items a profile can break (the G/Q ids of the monitoring spec).
SMALL_ARTS_ROOMS = "G3"
OVERSIZE_CLASSES = "G5"
PAY_BELOW_CIVIL_SERVANTS = "G8"
LOW_ROTATION = "G11"
LOW_CONSOLIDATION = "Q1"
MONITORING_BELOW_LEVEL_III = "Q9"

# How far a failing county misses its item, relative to the item's threshold.
PAY_SHARE_OF_THRESHOLD = 0.94  # teachers' pay / civil servants' pay = G8 threshold × this
ROTATION_SHARE_OF_THRESHOLD = 0.70  # rotated share = G11 threshold × this
CONSOLIDATION_GAP_MULTIPLE = 1.4  # 1 − rate = (1 − Q1 threshold) × this
MONITORING_LEVELS_BELOW = 1  # the failing subject's level is this far under Q9's level
MONITORING_DIFF_RATE_EXCESS = 0.02  # the failing subject's difference rate is this above Q9's limit
SOUND_RECOGNITION_MARGIN, LOW_RECOGNITION_MARGIN = 0.08, -0.07  # survey recognition − S1 threshold


@dataclass(frozen=True)
class CountyProfile:
    code: int
    name: str
    towns: tuple[str, ...]
    weight: float  # share of the city's campuses
    profile: str
    reasons: tuple[str, ...]  # str.format templates over `reason_figures`
    resources: str = SOUND
    guarantee_failures: tuple[str, ...] = ()
    quality_failures: tuple[str, ...] = ()
    recognition_margin: float = SOUND_RECOGNITION_MARGIN
    answer_style: str = LABELS
    precondition_met: bool = True
    veto_incident: bool = False  # the county reports a one-vote-veto incident
    target_year_offset: int = 0  # planned creation year = latest demo year + offset

    def recognition_rate(self, standards: Standards) -> float:
        return round(standards.section("social_recognition")["threshold"] + self.recognition_margin, 4)

    def expected(self, standards: Standards) -> dict[str, bool]:
        """The verdicts the county is built to receive (latest year) under `standards`."""
        recognised = self.recognition_margin >= 0
        recognition_vetoes = standards.section("readiness")["vetoes"]["recognition_below_threshold"]
        verdicts = {
            "resource_allocation_schools": self.resources != BELOW_THRESHOLDS,
            "difference_coefficients": self.resources != UNEQUAL,
            "government_guarantee": not self.guarantee_failures,
            "education_quality": not self.quality_failures,
            "social_recognition": recognised,
            "precondition_met": self.precondition_met,
            "vetoed": self.veto_incident or (recognition_vetoes and not recognised),
        }
        verdicts["ready"] = all(v for k, v in verdicts.items() if k != "vetoed") and not verdicts["vetoed"]
        return verdicts

    def describe(self, standards: Standards) -> dict:
        figures = reason_figures(standards)
        return {
            "county_name": self.name,
            "profile": self.profile,
            "reasons": [reason.format_map(figures) for reason in self.reasons],
            "resources": self.resources,
            "guarantee_failures": list(self.guarantee_failures),
            "quality_failures": list(self.quality_failures),
            "recognition_rate_target": self.recognition_rate(standards),
            "survey_answer_style": self.answer_style,
            "veto_incident": self.veto_incident,
            "expected": self.expected(standards),
        }


def standard_item(standards: Standards, item_id: str) -> dict:
    """A government-guarantee (G…) or education-quality (Q…) item of the standards."""
    section = "government_guarantee" if item_id.startswith("G") else "education_quality"
    return next(item for item in standards.section(section)["items"] if item["id"] == item_id)


def reason_figures(standards: Standards) -> dict[str, str]:
    """The thresholds (and the profiles' misses) the reason texts quote."""
    recognition = standards.section("social_recognition")["threshold"]
    class_max = standard_item(standards, OVERSIZE_CLASSES)["max_class_size"]
    rooms = standard_item(standards, SMALL_ARTS_ROOMS)
    rotation_min = standard_item(standards, LOW_ROTATION)["threshold"]
    consolidation = standard_item(standards, LOW_CONSOLIDATION)["threshold"]
    monitoring = standard_item(standards, MONITORING_BELOW_LEVEL_III)
    rule = standards.school_rule
    return {
        "min_indicators_met": f"{rule['min_indicators_met']}",
        "floor_percent": f"{rule['floor_ratio']:.0%}",
        "cv_primary": f"{standards.difference_coefficient_max('primary'):.2f}",
        "cv_junior": f"{standards.difference_coefficient_max('junior'):.2f}",
        "class_max_primary": f"{class_max['primary']}",
        "class_max_junior": f"{class_max['junior']}",
        "classes_per_room_set": f"{rooms['classes_per_room_set']}",
        "music_min_area": f"{rooms['room_min_area_m2']['music']}",
        "pay_below_percent": f"{1 - PAY_SHARE_OF_THRESHOLD:.0%}",
        "rotation_min": f"{rotation_min:.0%}",
        "rotation_failing": f"{rotation_min * ROTATION_SHARE_OF_THRESHOLD:.0%}",
        "consolidation_min": f"{consolidation:.2f}",
        "consolidation_failing": f"{failing_consolidation(consolidation):.2f}",
        "monitoring_failing_level": monitoring["level_labels"][monitoring["threshold"] - MONITORING_LEVELS_BELOW],
        "diff_rate_failing": f"{monitoring['max_between_school_diff_rate'] + MONITORING_DIFF_RATE_EXCESS:.2f}",
        "recognition_min": f"{recognition:.2f}",
        "recognition_passing": f"{recognition + SOUND_RECOGNITION_MARGIN:.2f}",
        "recognition_failing": f"{recognition + LOW_RECOGNITION_MARGIN:.2f}",
        "basic_balance_years": f"{standards.section('readiness')['precondition']['min_years_since_basic_balance']}",
    }


def failing_consolidation(threshold: float) -> float:
    return 1 - (1 - threshold) * CONSOLIDATION_GAP_MULTIPLE


COUNTIES: tuple[CountyProfile, ...] = (
    CountyProfile(
        340402, "大通区", ("洛河镇", "上窑镇", "九龙岗镇", "孔店乡"), 0.10, "unequal_schools",
        ("Every school meets the R1–R7 thresholds, but for each indicator 40 % of the schools are far "
         "richer than the rest (4–5.5× the threshold against 1.05–1.2×), so student-weighted "
         "difference coefficients exceed {cv_primary} primary / {cv_junior} junior.",
         "Survey answers are coded as digits 5…1 (5=满意 … 1=不了解)."),
        resources=UNEQUAL, answer_style=DIGITS, target_year_offset=1,
    ),
    CountyProfile(
        340403, "田家庵区", ("安成镇", "曹庵镇", "三和镇", "史院乡", "舜耕镇"), 0.20, "passes_everything",
        ("Every school part meets at least {min_indicators_met} of R1–R7 and the rest at ≥{floor_percent} "
         "(most meet all 7 with 10–45 % to spare, so the earlier, slightly poorer year passes too); "
         "difference coefficients are small; all G and Q items hold; recognition ≈{recognition_passing}; "
         "basic balance certified long ago; no veto incident.",),
        target_year_offset=0,
    ),
    CountyProfile(
        340404, "谢家集区", ("杨公镇", "孤堆回族乡", "孙庙乡", "望峰岗镇", "李郢孜镇", "唐山镇"), 0.13,
        "below_resource_thresholds",
        ("More than half of the schools have 2–3 of R1–R7 at 55–84 % of the threshold, so those "
         "school parts fail the {min_indicators_met}-of-7 rule.",),
        resources=BELOW_THRESHOLDS, target_year_offset=3,
    ),
    CountyProfile(
        340405, "八公山区", ("八公山镇", "山王镇"), 0.07, "low_social_recognition",
        ("Survey recognition ≈{recognition_failing}, below {recognition_min}; low recognition is also a "
         "one-vote veto ground, so the county is vetoed too.",),
        recognition_margin=LOW_RECOGNITION_MARGIN, target_year_offset=2,
    ),
    CountyProfile(
        340406, "潘集区", ("潘集镇", "平圩镇", "芦集镇", "高皇镇", "夹沟镇", "架河镇", "祁集镇", "贺疃镇"), 0.14,
        "quality_fails",
        ("Junior three-year consolidation rate ≈{consolidation_failing} (< {consolidation_min}).",
         "National monitoring: 数学 at level {monitoring_failing_level} and 科学 with a between-school "
         "difference rate of {diff_rate_failing}."),
        quality_failures=(LOW_CONSOLIDATION, MONITORING_BELOW_LEVEL_III), target_year_offset=2,
    ),
    CountyProfile(
        340421, "凤台县", ("城关镇", "刘集镇", "朱马店镇", "岳张集镇", "顾桥镇", "毛集镇", "夏集镇", "桂集镇",
                       "焦岗湖镇", "杨村镇"), 0.18, "guarantee_fails",
        ("About a third of the schools run oversize classes: every class of a grade with more than "
         "{class_max_primary} primary / {class_max_junior} junior students is above that size.",
         "Some schools lack a music room per {classes_per_room_set} classes or have music rooms under "
         "{music_min_area} m²; the deliberately non-numeric room area is in this county too.",
         "Teachers' average pay is {pay_below_percent} below local civil servants'.",
         "Only {rotation_failing} of eligible teachers rotated (< {rotation_min})."),
        guarantee_failures=(OVERSIZE_CLASSES, SMALL_ARTS_ROOMS, PAY_BELOW_CIVIL_SERVANTS, LOW_ROTATION),
        target_year_offset=3,
    ),
    CountyProfile(
        340422, "寿县", ("寿春镇", "双桥镇", "涧沟镇", "丰庄镇", "正阳关镇", "迎河镇", "板桥镇", "安丰塘镇",
                      "众兴镇", "茶庵镇", "三觉镇", "炎刘镇"), 0.18, "vetoed_and_not_eligible",
        ("A veto incident (以考试方式招生) is reported.",
         "Basic balance was certified only the year before the latest demo year, so the "
         "{basic_balance_years}-year precondition is not met."),
        precondition_met=False, veto_incident=True, target_year_offset=4,
    ),
)

PASSING_COUNTY = next(c for c in COUNTIES if c.profile == "passes_everything")

# Counties beyond the city's seven (national-shaped data) repeat its profiles in turn. Their codes
# end in 5007… so that the last four digits (which school codes embed) never meet the city's.
EXTRA_COUNTY_CODE_BASE = 345_000
MAX_COUNTIES = 10_000 - 5_000


def demo_counties(count: int | None = None) -> tuple[CountyProfile, ...]:
    """The city's seven counties, then copies of their profiles up to `count` counties.

    Each copy keeps its profile's weight, reasons and expected verdicts; only code and name differ
    (大通区 → 大通8区), so every profile is present in the same proportion at any size."""
    if count is None or count == len(COUNTIES):
        return COUNTIES
    if not len(COUNTIES) <= count <= MAX_COUNTIES:
        raise ValueError(f"counties must be between {len(COUNTIES)} and {MAX_COUNTIES}, got {count}")
    extra = []
    for number in range(len(COUNTIES), count):
        model = COUNTIES[number % len(COUNTIES)]
        extra.append(replace(model, code=EXTRA_COUNTY_CODE_BASE + number,
                             name=f"{model.name[:-1]}{number + 1}{model.name[-1]}"))
    return COUNTIES + tuple(extra)
