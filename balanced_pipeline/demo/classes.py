"""classes.csv and rooms.csv: every class of every campus, and its music and art rooms.

Vectorised over all campuses at once (millions of class rows at national scale): a stage's
students are split over its grades, each grade into as few classes as keep every class within
the campus's target size, so the classes of a stage always sum to the stage's students.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .names import class_names

GRADES = {"primary": (1, 6), "junior": (7, 3), "senior": (10, 3)}  # first grade, number of grades
TEACHING_POINT_GRADES = 4
GRADE_SIZE_SPREAD = (0.85, 1.15)
# Room areas as multiples of G3's minimum area of their kind; an undersized music room (room
# shortfall campuses of the G3 profile) stays below it.
ROOM_AREA_MARGIN, UNDERSIZED_ROOM_AREA_MARGIN = (1.0, 1.35), (0.73, 0.99)
STAGE_CATEGORIES = pd.CategoricalDtype(list(GRADES))


def split_within_groups(totals: np.ndarray, group_of: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Integer parts of each group's total, proportional to weights (largest remainder).

    `group_of` must be sorted (items of a group contiguous); the parts of group g sum to totals[g].
    """
    weight_sums = np.bincount(group_of, weights, minlength=len(totals))
    raw = totals[group_of] * weights / weight_sums[group_of]
    parts = np.floor(raw).astype(np.int64)
    shortfall = totals - np.bincount(group_of, parts, minlength=len(totals))
    order = np.lexsort((-(raw - parts), group_of))
    group_start = np.searchsorted(group_of, np.arange(len(totals)))
    rank = np.arange(len(order)) - group_start[group_of[order]]
    parts[order[rank < shortfall[group_of[order]]]] += 1
    return parts


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For items with `counts` children: each child's parent index and its 0-based number."""
    parent = np.repeat(np.arange(len(counts)), counts)
    first_child = np.cumsum(counts) - counts
    return parent, np.arange(len(parent)) - first_child[parent]


def build_classes(campuses: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    part_campus, part_stage, part_students, part_first, part_grades, part_target = [], [], [], [], [], []
    part_oversize = []
    teaching_point = campuses["school_type"].eq("teaching_point").to_numpy()
    for stage_code, (stage, (first_grade, grade_count)) in enumerate(GRADES.items()):
        students = campuses[f"students_{stage}"].to_numpy()
        has = np.nonzero(students > 0)[0]
        part_campus.append(has)
        part_stage.append(np.full(len(has), stage_code))
        part_students.append(students[has])
        part_first.append(np.full(len(has), first_grade))
        grades = np.where(teaching_point & (stage == "primary"), TEACHING_POINT_GRADES, grade_count)
        part_grades.append(grades[has])
        part_target.append(campuses[f"class_target_{stage}"].to_numpy()[has])
        part_oversize.append(campuses["oversize_classes"].to_numpy()[has])
    part_oversize = np.concatenate(part_oversize)
    part_campus, part_stage, part_students, part_first, part_grades, part_target = (
        np.concatenate(a) for a in (part_campus, part_stage, part_students, part_first, part_grades,
                                    part_target))
    # Campus by campus, stage by stage: the class rows come out in file order, no sort needed.
    order = np.lexsort((part_stage, part_campus))
    part_campus, part_stage, part_students, part_first, part_grades, part_target, part_oversize = (
        a[order] for a in (part_campus, part_stage, part_students, part_first, part_grades, part_target,
                           part_oversize))

    grade_part, grade_offset = _expand(part_grades)
    grade_students = split_within_groups(part_students, grade_part,
                                         rng.uniform(*GRADE_SIZE_SPREAD, size=len(grade_part)))
    target = part_target[grade_part]
    # As few classes as keep each within the target; an oversize campus packs every class of a
    # grade beyond it. A grade without students has no class.
    class_count = np.where(part_oversize[grade_part], np.maximum(grade_students // (target + 1), 1),
                           -(-grade_students // target))
    class_count = np.where(grade_students > 0, class_count, 0)
    class_grade, class_offset = _expand(class_count)
    size = grade_students[class_grade] // class_count[class_grade]
    extra = grade_students[class_grade] % class_count[class_grade]
    students = size + (class_offset < extra)

    campus = part_campus[grade_part[class_grade]]
    grade = (part_first[grade_part] + grade_offset)[class_grade]
    classes = pd.DataFrame({
        "county_code": campuses["county_code"].to_numpy()[campus],
        "school_code": campuses["school_code"].to_numpy()[campus],
        "campus_code": campuses["campus_code"].to_numpy()[campus],
        "stage": pd.Categorical.from_codes(part_stage[grade_part[class_grade]], dtype=STAGE_CATEGORIES),
        "grade": grade,
        "class_name": class_names(grade, class_offset + 1),
        "students": students,
        "campus_row": campuses.index.to_numpy()[campus],
    })
    return classes


def build_rooms(campuses: pd.DataFrame, classes: pd.DataFrame, rng: np.random.Generator,
                room_item: dict) -> pd.DataFrame:
    """The music and art rooms G3 (`room_item`) asks for, at least one set per campus;
    shortfall campuses miss a music room or, with a single one, have it undersized."""
    counted = classes["stage"].isin(room_item["class_stages"]).to_numpy()
    position = np.searchsorted(campuses.index.to_numpy(), classes["campus_row"].to_numpy()[counted])
    class_count = np.bincount(position, minlength=len(campuses))
    required = np.maximum(-(-class_count // room_item["classes_per_room_set"]), 1) * room_item["rooms_per_set"]
    shortfall = campuses["room_shortfall"].to_numpy()
    music = required - (shortfall & (required >= 2))
    pair, _ = _expand(np.column_stack([required, music]).ravel())  # art rooms, then music rooms
    campus, is_music = pair // 2, (pair % 2).astype(bool)
    small = is_music & shortfall[campus] & (required[campus] < 2)
    min_area = np.where(is_music, room_item["room_min_area_m2"]["music"], room_item["room_min_area_m2"]["art"])
    margin = np.where(small, rng.uniform(*UNDERSIZED_ROOM_AREA_MARGIN, len(pair)),
                      rng.uniform(*ROOM_AREA_MARGIN, len(pair)))
    return pd.DataFrame({
        "county_code": campuses["county_code"].to_numpy()[campus],
        "school_code": campuses["school_code"].to_numpy()[campus],
        "campus_code": campuses["campus_code"].to_numpy()[campus],
        "room_type": np.where(is_music, "music", "art"),
        # to 0.1 m², rounded away from the minimum so rounding never moves a room across it
        "area_m2": np.where(small, np.floor(min_area * margin * 10), np.ceil(min_area * margin * 10)) / 10,
        "campus_row": campuses.index.to_numpy()[campus],
    })
