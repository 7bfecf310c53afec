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
CLASSES_PER_ROOM = 12
MUSIC_ROOM_AREA, ART_ROOM_AREA, SMALL_MUSIC_ROOM_AREA = (96, 130), (90, 120), (70, 95)
COMPULSORY = ("primary", "junior")
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
    part_campus, part_stage, part_students, part_first, part_grades, part_target = (
        np.concatenate(a) for a in (part_campus, part_stage, part_students, part_first, part_grades,
                                    part_target))

    grade_part, grade_offset = _expand(part_grades)
    grade_students = split_within_groups(part_students, grade_part,
                                         rng.uniform(*GRADE_SIZE_SPREAD, size=len(grade_part)))
    target = part_target[grade_part]
    class_count = -(-grade_students // target)  # ceil; a grade without students has no class
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
        "campus_row": campus,
    })
    return classes.sort_values(["campus_row", "grade", "class_name"], kind="stable").reset_index(drop=True)


def build_rooms(campuses: pd.DataFrame, classes: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """≥1 music and ≥1 art room per 12 compulsory classes; shortfall campuses miss a music room
    or, with a single one, have it undersized."""
    compulsory = classes["stage"].isin(COMPULSORY).to_numpy()
    class_count = np.bincount(classes["campus_row"].to_numpy()[compulsory], minlength=len(campuses))
    required = np.maximum(-(-class_count // CLASSES_PER_ROOM), 1)
    shortfall = campuses["room_shortfall"].to_numpy()
    music = required - (shortfall & (required >= 2))
    music_campus, _ = _expand(music)
    art_campus, _ = _expand(required)
    small = shortfall[music_campus] & (required[music_campus] < 2)
    music_area = np.where(small, rng.uniform(*SMALL_MUSIC_ROOM_AREA, len(music_campus)),
                          rng.uniform(*MUSIC_ROOM_AREA, len(music_campus)))
    art_area = rng.uniform(*ART_ROOM_AREA, len(art_campus))
    campus = np.concatenate([art_campus, music_campus])
    rooms = pd.DataFrame({
        "county_code": campuses["county_code"].to_numpy()[campus],
        "school_code": campuses["school_code"].to_numpy()[campus],
        "campus_code": campuses["campus_code"].to_numpy()[campus],
        "room_type": np.repeat(["art", "music"], [len(art_campus), len(music_campus)]),
        "area_m2": np.ceil(np.concatenate([art_area, music_area]) * 10) / 10,
        "campus_row": campus,
    })
    return rooms.sort_values(["campus_row", "room_type"], kind="stable").reset_index(drop=True)
