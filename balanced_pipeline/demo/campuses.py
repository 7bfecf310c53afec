"""The city's campuses: identity, type, location, students, and how well each is resourced.

Built once per demo run; every year's school rows are derived from this table, so the years
describe the same schools. Resource levels are stored as multipliers of the standards' R1–R7
thresholds (1.2 = 20 % above), which keeps the county profiles meaningful under any standards.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from balanced_pipeline.standards.loader import Standards

from .names import campus_suffixes, school_names
from .profiles import BELOW_THRESHOLDS, COUNTIES, CountyProfile, OVERSIZE_CLASSES, SMALL_ARTS_ROOMS, UNEQUAL, standard_item
from .random import stream

SCHOOL_TYPE_SHARES = {
    "primary": 0.42, "junior": 0.14, "nine_year": 0.10, "twelve_year": 0.03,
    "complete_secondary": 0.05, "teaching_point": 0.255, "special_education": 0.005,
}
LOCATIONS = ("urban", "town", "rural")
LOCATION_SHARES = {
    "primary": (0.30, 0.30, 0.40), "junior": (0.35, 0.40, 0.25), "nine_year": (0.20, 0.40, 0.40),
    "twelve_year": (0.70, 0.30, 0.0), "complete_secondary": (0.60, 0.40, 0.0),
    "teaching_point": (0.0, 0.10, 0.90), "special_education": (1.0, 0.0, 0.0),
}
# Students per stage before the location scale (urban 1, town 0.7, rural 0.4); every range keeps
# primary and junior schools under 2000 and combined schools under 2500 compulsory students.
STUDENT_RANGES = {
    "primary": {"primary": (650, 1900)},
    "junior": {"junior": (600, 1900)},
    "nine_year": {"primary": (350, 1100), "junior": (300, 900)},
    "twelve_year": {"primary": (300, 900), "junior": (300, 800), "senior": (400, 1500)},
    "complete_secondary": {"junior": (400, 1200), "senior": (600, 1800)},
    "special_education": {"primary": (30, 120), "junior": (15, 60)},
}
LOCATION_SCALE = {"urban": 1.0, "town": 0.7, "rural": 0.4}
# Of teaching points, those too small for the difference coefficients (scope of the standards).
SMALL_TEACHING_POINT_SHARE = 0.6
LARGEST_TEACHING_POINT = 140
SECOND_CAMPUS_SHARE = 0.04
MULTI_CAMPUS_TYPES = ("primary", "junior", "nine_year", "complete_secondary")

# Resource multipliers (value / threshold) by county resource profile.
SOUND_RANGE = (1.10, 1.45)
WEAK_BUT_PASSING_RANGE = (0.90, 0.98)  # one indicator of some sound schools: still 6 of 7
WEAK_SHARE = 0.12
# Unequal county: for each indicator its own 40 % of campuses are rich, so some stage ×
# indicator coefficient exceeds its limit whatever the schools' sizes.
RICH_RANGE, MODEST_RANGE, RICH_SHARE = (4.0, 5.5), (1.05, 1.20), 0.40
FAILING_RANGE, FAILING_SHARE = (0.55, 0.84), 0.55
# The class split aims at G5's class-size limit (never exceeded, except by oversize campuses of
# the G5 profile, whose every class of a grade above the limit is larger than it). Senior classes
# have no limit in the standards; the demo packs them like the largest compulsory classes.
SMALL_CLASS_TARGETS = {"teaching_point": 30, "special_education": 10}
OVERSIZE_SHARE = 0.35
# Public funds = G6's per-student benchmark × this (× students, or × G6's floor for a small
# school); it stays above 1 after FUNDS_DECLINE_PER_YEAR for a few years back.
FUNDS_MARGIN = (1.15, 1.45)
TRAINING_MARGIN = (1.1, 1.6)  # training budget share = Q4's minimum share × this
# Share of the gap G13 allows (1 − threshold) a public catchment school uses.
CATCHMENT_SLACK = (0.0, 0.8)
ROOM_SHORTFALL_SHARE = 0.30


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split `total` into integer parts proportional to `weights` (largest remainder)."""
    raw = total * np.asarray(weights, float) / np.sum(weights)
    parts = np.floor(raw).astype(int)
    parts[np.argsort(-(raw - parts), kind="stable")[: total - parts.sum()]] += 1
    return parts


def build_campuses(schools: int, seed: int, standards: Standards,
                   counties: tuple[CountyProfile, ...] = COUNTIES) -> pd.DataFrame:
    rng = stream(seed, "campuses")
    counts = allocate(schools, np.array([c.weight for c in counties]))
    county_index = np.repeat(np.arange(len(counties)), counts)
    types = np.array(list(SCHOOL_TYPE_SHARES))
    drawn = rng.choice(len(types), size=schools, p=list(SCHOOL_TYPE_SHARES.values()))
    # The first campuses of every county cover every school type.
    position = np.arange(schools) - np.repeat(np.cumsum(counts) - counts, counts)
    anchor = position < len(types)
    drawn = np.where(anchor, position % len(types), drawn)
    frame = pd.DataFrame({
        "county_index": county_index,
        "county_code": np.array([c.code for c in counties])[county_index],
        "county_name": np.array([c.name for c in counties], dtype=object)[county_index],
        "school_type": types[drawn],
        "type_anchor": anchor,  # the county's guaranteed campus of its type
    })
    frame["location_type"] = _locations(frame["school_type"], rng)
    _add_students(frame, rng, standards.scope["teaching_point_min_students_for_difference_coefficient"])
    frame = frame.sort_values(
        ["county_index", "school_type", "location_type", "students_total"],
        ascending=[True, True, True, False], kind="stable").reset_index(drop=True)
    _add_ownership_and_boarding(frame, rng)
    _add_identity(frame, rng, counties)
    _add_resource_levels(frame, rng, [i.id for i in standards.resource_indicators if i.school_rule], counties)
    _add_habits(frame, rng, class_targets(standards), counties)
    return frame


def _share_per_county(county_index: np.ndarray, share: float, rng: np.random.Generator) -> np.ndarray:
    """Exactly ceil(share × campuses) random campuses of every county: profiles hold at any size."""
    rank = pd.Series(rng.random(len(county_index))).groupby(county_index).rank(method="first").to_numpy()
    return rank <= np.ceil(share * np.bincount(county_index)[county_index])


def _locations(school_type: pd.Series, rng: np.random.Generator) -> np.ndarray:
    shares = np.array([LOCATION_SHARES[t] for t in school_type])
    cumulative = shares.cumsum(axis=1)
    pick = (rng.random(len(school_type))[:, None] >= cumulative).sum(axis=1)
    return np.array(LOCATIONS)[np.minimum(pick, 2)]


def _add_students(frame: pd.DataFrame, rng: np.random.Generator, counted_teaching_point: int) -> None:
    n = len(frame)
    scale = frame["location_type"].map(LOCATION_SCALE).to_numpy()
    fixed_size = frame["school_type"].isin(["special_education"]).to_numpy()
    scale = np.where(fixed_size, 1.0, scale)
    for stage in ("primary", "junior", "senior"):
        ranges = {t: r[stage] for t, r in STUDENT_RANGES.items() if stage in r}
        low = frame["school_type"].map({t: r[0] for t, r in ranges.items()}).fillna(0).to_numpy()
        high = frame["school_type"].map({t: r[1] for t, r in ranges.items()}).fillna(0).to_numpy()
        drawn = low + rng.random(n) * (high - low)
        frame[f"students_{stage}"] = np.rint(drawn * scale).astype(np.int64)
    teaching_point = frame["school_type"].eq("teaching_point").to_numpy()
    small = (rng.random(n) < SMALL_TEACHING_POINT_SHARE) | frame["type_anchor"].to_numpy()
    tp_students = np.where(small, rng.integers(8, counted_teaching_point, size=n),
                           rng.integers(counted_teaching_point, LARGEST_TEACHING_POINT + 1, size=n))
    frame.loc[teaching_point, "students_primary"] = tp_students[teaching_point]
    frame["students_total"] = frame[["students_primary", "students_junior", "students_senior"]].sum(axis=1)


def _add_ownership_and_boarding(frame: pd.DataFrame, rng: np.random.Generator) -> None:
    n = len(frame)
    school_type, location = frame["school_type"], frame["location_type"]
    private_share = np.where(school_type.eq("twelve_year"), 0.5,
                             np.where(school_type.isin(["teaching_point", "special_education"])
                                      | location.eq("rural"), 0.0, 0.08))
    private = (rng.random(n) < private_share) | (frame["type_anchor"] & school_type.eq("twelve_year")).to_numpy()
    frame["ownership"] = np.where(private, "private", "public")
    boarding_share = np.where(school_type.isin(["junior", "nine_year", "complete_secondary", "twelve_year"])
                              & ~location.eq("urban"), 0.5,
                              np.where(school_type.eq("special_education"), 1.0,
                                       np.where(location.eq("rural") & school_type.eq("primary"), 0.05, 0.0)))
    frame["boarding"] = (rng.random(n) < boarding_share).astype(np.int8)


def _add_identity(frame: pd.DataFrame, rng: np.random.Generator, counties: tuple[CountyProfile, ...]) -> None:
    """School codes, campus codes and names; a few schools run a second campus."""
    n = len(frame)
    same_as_previous = (frame["county_index"].eq(frame["county_index"].shift())
                        & frame["school_type"].eq(frame["school_type"].shift())).to_numpy()
    second = (same_as_previous & frame["school_type"].isin(MULTI_CAMPUS_TYPES).to_numpy()
              & (rng.random(n) < SECOND_CAMPUS_SHARE))
    if not second.any():  # every demo has a two-campus school
        second = np.zeros(n, bool)
        second[np.argmax(same_as_previous & frame["school_type"].isin(MULTI_CAMPUS_TYPES).to_numpy())] = True
    second &= ~np.roll(second, 1)  # a school has at most two campuses
    serial = pd.Series(~second).groupby(frame["county_index"]).cumsum().to_numpy()
    frame["school_code"] = (2_000_000_000 + (frame["county_code"].to_numpy() % 10_000) * 100_000
                            + serial).astype(str)
    frame["campus_code"] = np.where(second, "02", "01")
    frame["second_campus"] = second

    widest = max(len(c.towns) for c in counties)
    town_table = np.array([list(c.towns) + [""] * (widest - len(c.towns)) for c in counties], dtype=object)
    town_count = np.array([len(c.towns) for c in counties])[frame["county_index"].to_numpy()]
    frame["town"] = town_table[frame["county_index"].to_numpy(),
                               (rng.random(n) * town_count).astype(int)]
    names = school_names(frame, rng).to_numpy(object)
    parent = np.maximum(np.arange(n) - 1, 0)
    names[second] = names[parent[second]] + "（" + campus_suffixes(int(second.sum()), rng) + "）"
    frame["school_name"] = names
    for column in ("school_type", "location_type", "ownership"):
        frame.loc[second, column] = frame[column].to_numpy()[parent[second]]


def _add_resource_levels(frame: pd.DataFrame, rng: np.random.Generator, indicator_ids: list[str],
                         counties: tuple[CountyProfile, ...]) -> None:
    n, k = len(frame), len(indicator_ids)
    resources = np.array([c.resources for c in counties])[frame["county_index"].to_numpy()]
    levels = rng.uniform(*SOUND_RANGE, size=(n, k))
    weak = rng.random(n) < WEAK_SHARE
    weak_column = rng.integers(k, size=n)
    levels[weak, weak_column[weak]] = rng.uniform(*WEAK_BUT_PASSING_RANGE, size=int(weak.sum()))

    county_index = frame["county_index"].to_numpy()
    unequal = (resources == UNEQUAL)[:, None]
    rich = np.column_stack([_share_per_county(county_index, RICH_SHARE, rng) for _ in range(k)])
    levels = np.where(unequal & rich, rng.uniform(*RICH_RANGE, size=(n, k)), levels)
    levels = np.where(unequal & ~rich, rng.uniform(*MODEST_RANGE, size=(n, k)), levels)

    failing = (resources == BELOW_THRESHOLDS) & _share_per_county(county_index, FAILING_SHARE, rng)
    order = np.argsort(rng.random((n, k)), axis=1)
    how_many = rng.integers(2, 4, size=n)
    failed_cells = (np.arange(k)[None, :] < how_many[:, None]) & failing[:, None]
    rows, ranks = np.nonzero(failed_cells)
    levels[rows, order[rows, ranks]] = rng.uniform(*FAILING_RANGE, size=len(rows))
    for j, indicator_id in enumerate(indicator_ids):
        frame[f"level_{indicator_id}"] = levels[:, j]
    urban_land_scarce = frame["location_type"].eq("urban").to_numpy() & (rng.random(n) < 0.4)
    frame["level_land"] = np.where(urban_land_scarce, rng.uniform(0.6, 0.95, n), rng.uniform(1.0, 1.6, n))
    frame["teachers_per_100_primary"] = rng.uniform(6.5, 8.5, n)
    frame["teachers_per_100_junior"] = rng.uniform(8.0, 10.0, n)
    special = frame["school_type"].eq("special_education").to_numpy()
    for stage in ("primary", "junior"):
        frame.loc[special, f"teachers_per_100_{stage}"] = rng.uniform(22, 30, int(special.sum()))


def class_targets(standards: Standards) -> dict[str, int]:
    limits = standard_item(standards, OVERSIZE_CLASSES)["max_class_size"]
    return {**limits, "senior": max(limits.values())}


def _add_habits(frame: pd.DataFrame, rng: np.random.Generator, targets: dict[str, int],
                counties: tuple[CountyProfile, ...]) -> None:
    """Per-campus margins that stay the same from year to year (funding, admission, classes)."""
    n = len(frame)
    county_index = frame["county_index"].to_numpy()
    fails = {item: np.array([item in c.guarantee_failures for c in counties])[county_index]
             for item in (OVERSIZE_CLASSES, SMALL_ARTS_ROOMS)}
    frame["oversize_classes"] = fails[OVERSIZE_CLASSES] & (
        (rng.random(n) < OVERSIZE_SHARE) | frame["type_anchor"].to_numpy())
    for stage, target in targets.items():
        small = frame["school_type"].map(SMALL_CLASS_TARGETS).fillna(target)
        frame[f"class_target_{stage}"] = np.minimum(small, target).astype(int)
    frame["room_shortfall"] = fails[SMALL_ARTS_ROOMS] & (rng.random(n) < ROOM_SHORTFALL_SHARE)
    frame["funds_margin"] = rng.uniform(*FUNDS_MARGIN, n)
    frame["training_margin"] = rng.uniform(*TRAINING_MARGIN, n)
    frame["catchment_slack"] = rng.uniform(*CATCHMENT_SLACK, n)
    frame["private_catchment_share"] = rng.uniform(0.3, 0.7, n)
    location = frame["location_type"].to_numpy()
    frame["migrant_share"] = np.where(location == "urban", rng.uniform(0.05, 0.20, n),
                                      np.where(location == "town", rng.uniform(0.02, 0.08, n),
                                               rng.uniform(0.0, 0.03, n)))
