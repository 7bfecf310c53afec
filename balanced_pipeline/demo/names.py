"""Chinese school and class names the way county statistics spell them."""

from __future__ import annotations

import numpy as np
import pandas as pd

_DIGITS = "零一二三四五六七八九"
_UNITS = ("", "十", "百", "千", "万")
_SURNAMES = list("张王李刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕")
_PLACE_WORDS = list("庄圩集湾岗店桥楼营寨郢塘湖台岭洼坝沟铺庙")
_PRIVATE_BRANDS = ["育才", "博文", "明德", "启航", "新华", "培英", "英才", "弘毅", "致远", "求实"]
_CAMPUS_SUFFIXES = ["东校区", "西校区", "南校区", "北校区", "新校区"]

GRADE_LABELS = {
    1: "一年级", 2: "二年级", 3: "三年级", 4: "四年级", 5: "五年级", 6: "六年级",
    7: "七年级", 8: "八年级", 9: "九年级", 10: "高一", 11: "高二", 12: "高三",
}

# Suffix of a public school's name by type; urban public schools are numbered (第一小学 …).
_PUBLIC_SUFFIX = {
    "primary": "小学",
    "junior": "初级中学",
    "nine_year": "九年一贯制学校",
    "twelve_year": "十二年一贯制学校",
    "complete_secondary": "中学",
    "teaching_point": "村教学点",
    "special_education": "特殊教育学校",
}
_PRIVATE_SUFFIX = {**_PUBLIC_SUFFIX, "nine_year": "学校", "twelve_year": "外国语学校"}
_URBAN_PUBLIC_SUFFIX = {**_PUBLIC_SUFFIX, "nine_year": "实验学校"}
_NUMBERED_WHEN_URBAN_PUBLIC = ("primary", "junior", "complete_secondary")


def chinese_numeral(number: int) -> str:
    """1 → 一, 12 → 十二, 105 → 一百零五 (up to 99,999)."""
    if not 0 < number < 100_000:
        raise ValueError(f"no Chinese numeral for {number}")
    if number < 20:
        return ("十" if number >= 10 else "") + (_DIGITS[number % 10] if number % 10 or number < 10 else "")
    text, pending_zero = "", False
    digits = str(number)
    for position, char in zip(range(len(digits) - 1, -1, -1), digits):
        if char == "0":
            pending_zero = True
            continue
        text += ("零" if pending_zero else "") + _DIGITS[int(char)] + _UNITS[position]
        pending_zero = False
    return text


def _numerals(counts: np.ndarray) -> np.ndarray:
    table = np.array([""] + [chinese_numeral(n) for n in range(1, int(counts.max(initial=0)) + 2)],
                     dtype=object)
    return table[counts]


def school_names(campuses: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """Names for campuses with county_name, town, school_type, location_type, ownership.

    Urban public schools are numbered within their county (田家庵区第一小学); town schools are
    named after their town (安成镇中心小学, then 安成镇第二小学); village schools and teaching
    points after a village (安成镇张庄小学, 安成镇李圩村教学点); private schools carry a brand.
    """
    n = len(campuses)
    private = campuses["ownership"].eq("private").to_numpy()
    urban = campuses["location_type"].eq("urban").to_numpy()
    rural = campuses["location_type"].eq("rural").to_numpy()
    school_type = campuses["school_type"]
    county, town = campuses["county_name"].to_numpy(object), campuses["town"].to_numpy(object)
    village = (np.array(_SURNAMES, dtype=object)[rng.integers(len(_SURNAMES), size=n)]
               + np.array(_PLACE_WORDS, dtype=object)[rng.integers(len(_PLACE_WORDS), size=n)])
    brand = np.array(_PRIVATE_BRANDS, dtype=object)[rng.integers(len(_PRIVATE_BRANDS), size=n)]

    is_special = school_type.eq("special_education").to_numpy()
    in_village = rural | school_type.eq("teaching_point").to_numpy()
    stem = np.where(private, county + brand,
                    np.where(urban | is_special, county, np.where(in_village, town + village, town)))
    suffix = np.where(private, school_type.map(_PRIVATE_SUFFIX),
                      np.where(urban, school_type.map(_URBAN_PUBLIC_SUFFIX), school_type.map(_PUBLIC_SUFFIX)))
    town_primary = ~private & ~urban & ~rural & school_type.eq("primary").to_numpy()
    suffix = np.where(town_primary, "中心小学", suffix).astype(object)

    rank = pd.DataFrame({"c": campuses["county_code"].to_numpy(), "stem": stem, "suffix": suffix}
                        ).groupby(["c", "stem", "suffix"], sort=False).cumcount().to_numpy()
    always_numbered = urban & ~private & school_type.isin(_NUMBERED_WHEN_URBAN_PUBLIC).to_numpy()
    numbered = always_numbered | (rank > 0)
    number = np.where(numbered, "第" + _numerals(rank + 1), "")
    plain_suffix = np.char.replace(suffix.astype(str), "中心", "").astype(object)
    return pd.Series(stem + number + np.where(numbered, plain_suffix, suffix),
                     index=campuses.index, dtype=object)


def campus_suffixes(count: int, rng: np.random.Generator) -> np.ndarray:
    return np.array(_CAMPUS_SUFFIXES, dtype=object)[rng.integers(len(_CAMPUS_SUFFIXES), size=count)]


def class_names(grades: np.ndarray, numbers: np.ndarray) -> pd.Categorical:
    """一年级（1）班 …, built as a categorical so millions of class rows stay small."""
    max_number = int(numbers.max(initial=1))
    codes = (grades - 1) * max_number + (numbers - 1)
    categories = [f"{GRADE_LABELS[g]}（{k}）班" for g in range(1, 13) for k in range(1, max_number + 1)]
    return pd.Categorical.from_codes(codes, categories=categories)
