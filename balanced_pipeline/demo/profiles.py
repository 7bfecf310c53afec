"""The demo city: seven counties of 淮南市, each built to reach its verdict for a stated reason.

A profile says what its county is made to get wrong (or right), so a reader of the pipeline's
output can tell a correct failure from a bug. Every non-passing county fails only the dimensions
its profile names; everything else is generated as sound as the passing county.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY = "淮南市"
PROVINCE = "安徽省"

SOUND, UNEQUAL, BELOW_THRESHOLDS = "sound", "unequal", "below_thresholds"
LABELS, DIGITS = "labels", "digits"

# Guarantee and quality items a profile can break (the G/Q ids of the monitoring spec).
OVERSIZE_CLASSES = "G5"
SMALL_ARTS_ROOMS = "G3"
PAY_BELOW_CIVIL_SERVANTS = "G8"
LOW_ROTATION = "G11"
LOW_CONSOLIDATION = "Q1"
MONITORING_BELOW_LEVEL_III = "Q9"


@dataclass(frozen=True)
class CountyProfile:
    code: int
    name: str
    towns: tuple[str, ...]
    weight: float  # share of the city's campuses
    profile: str
    reasons: tuple[str, ...]
    resources: str = SOUND
    guarantee_failures: tuple[str, ...] = ()
    quality_failures: tuple[str, ...] = ()
    recognition_rate: float = 0.93
    answer_style: str = LABELS
    precondition_met: bool = True
    vetoed: bool = False
    target_year_offset: int = 0  # planned creation year = latest demo year + offset

    def expected(self) -> dict[str, bool]:
        """The verdicts the county is built to receive (latest year)."""
        verdicts = {
            "resource_allocation_schools": self.resources != BELOW_THRESHOLDS,
            "difference_coefficients": self.resources != UNEQUAL,
            "government_guarantee": not self.guarantee_failures,
            "education_quality": not self.quality_failures,
            "social_recognition": self.recognition_rate >= 0.85,
            "precondition_met": self.precondition_met,
            "vetoed": self.vetoed,
        }
        verdicts["ready"] = all(v for k, v in verdicts.items() if k != "vetoed") and not self.vetoed
        return verdicts

    def describe(self) -> dict:
        return {
            "county_name": self.name,
            "profile": self.profile,
            "reasons": list(self.reasons),
            "resources": self.resources,
            "guarantee_failures": list(self.guarantee_failures),
            "quality_failures": list(self.quality_failures),
            "recognition_rate_target": self.recognition_rate,
            "survey_answer_style": self.answer_style,
            "expected": self.expected(),
        }


COUNTIES: tuple[CountyProfile, ...] = (
    CountyProfile(
        340402, "大通区", ("洛河镇", "上窑镇", "九龙岗镇", "孔店乡"), 0.10, "unequal_schools",
        ("Every school meets the R1–R7 thresholds, but for each indicator 40 % of the schools are far "
         "richer than the rest (4–5.5× the threshold against 1.05–1.2×), so student-weighted "
         "difference coefficients exceed 0.50 primary / 0.45 junior.",
         "Survey answers are coded as digits 5…1 (5=满意 … 1=不了解)."),
        resources=UNEQUAL, answer_style=DIGITS, target_year_offset=1,
    ),
    CountyProfile(
        340403, "田家庵区", ("安成镇", "曹庵镇", "三和镇", "史院乡", "舜耕镇"), 0.20, "passes_everything",
        ("Every school part meets at least 6 of R1–R7 and the rest at ≥85 % (most meet all 7 with "
         "10–45 % to spare, so the earlier, slightly poorer year passes too); difference "
         "coefficients are small; all G and Q items hold; recognition ≈0.93; basic balance "
         "certified long ago; no veto incident.",),
        target_year_offset=0,
    ),
    CountyProfile(
        340404, "谢家集区", ("杨公镇", "孤堆回族乡", "孙庙乡", "望峰岗镇", "李郢孜镇", "唐山镇"), 0.13,
        "below_resource_thresholds",
        ("More than half of the schools have 2–3 of R1–R7 at 55–84 % of the threshold, so those "
         "school parts fail the 6-of-7 rule.",),
        resources=BELOW_THRESHOLDS, target_year_offset=3,
    ),
    CountyProfile(
        340405, "八公山区", ("八公山镇", "山王镇"), 0.07, "low_social_recognition",
        ("Survey recognition ≈0.78, below 0.85 (which the spec also lists as a veto ground).",),
        recognition_rate=0.78, target_year_offset=2,
    ),
    CountyProfile(
        340406, "潘集区", ("潘集镇", "平圩镇", "芦集镇", "高皇镇", "夹沟镇", "架河镇", "祁集镇", "贺疃镇"), 0.14,
        "quality_fails",
        ("Junior three-year consolidation rate ≈0.93 (< 0.95).",
         "National monitoring: 数学 at level Ⅱ and 科学 with a between-school difference rate of 0.17."),
        quality_failures=(LOW_CONSOLIDATION, MONITORING_BELOW_LEVEL_III), target_year_offset=2,
    ),
    CountyProfile(
        340421, "凤台县", ("城关镇", "刘集镇", "朱马店镇", "岳张集镇", "顾桥镇", "毛集镇", "夏集镇", "桂集镇",
                       "焦岗湖镇", "杨村镇"), 0.18, "guarantee_fails",
        ("About a third of the schools run oversize classes: every class of a grade with more than "
         "45 primary / 50 junior students is above that size.",
         "Some schools lack a music room per 12 classes or have music rooms under 96 m².",
         "Teachers' average pay is 6 % below local civil servants'.",
         "Only 7 % of eligible teachers rotated."),
        guarantee_failures=(OVERSIZE_CLASSES, SMALL_ARTS_ROOMS, PAY_BELOW_CIVIL_SERVANTS, LOW_ROTATION),
        target_year_offset=3,
    ),
    CountyProfile(
        340422, "寿县", ("寿春镇", "双桥镇", "涧沟镇", "丰庄镇", "正阳关镇", "迎河镇", "板桥镇", "安丰塘镇",
                      "众兴镇", "茶庵镇", "三觉镇", "炎刘镇"), 0.18, "vetoed_and_not_eligible",
        ("A veto incident (以考试方式招生) is reported.",
         "Basic balance was certified only the year before the latest demo year, so the 3-year "
         "precondition is not met."),
        precondition_met=False, vetoed=True, target_year_offset=4,
    ),
)

PASSING_COUNTY = next(c for c in COUNTIES if c.profile == "passes_everything")
