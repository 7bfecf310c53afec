"""A handful of deliberately broken rows per year, each recorded for the manifest.

The pipeline must catch every one of them; the manifest says where (file, 1-based row with the
header as row 1, field) so a test can check that it did. Victims are campuses of counties other
than the passing one, each broken once, so the passing county's verdict stays clean.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .profiles import PASSING_COUNTY

MARK = "_broken"  # index into Breakage.rows; NaN for sound rows
POSITION = "_position"  # sort key: an inserted row sits right after the row it copies
UNKNOWN_SCHOOL_TYPE = "vocational_high"
NON_NUMERIC_AREA = "约100"
ORPHAN_CAMPUS_CODE = "03"
PE_ARTS_EXCESS = 3
JUNIOR_FIELDS = ("students_junior", "teachers_junior", "above_required_degree_junior", "backbone_junior",
                 "pe_arts_teachers_junior", "catchment_students_junior")

# (victim's school type or None for any, what is broken); the order is the order victims are drawn.
VICTIMS = (
    ("nine_year", "nine_year_without_junior"),
    ("junior", "pe_arts_above_teachers"),
    ("primary", "short_school_code"),
    (None, "negative_area"),
    ("primary", "unknown_school_type"),
    (None, "duplicate_campus"),
    (None, "class_of_unsubmitted_campus"),
    (None, "non_numeric_room_area"),
    ("primary", "missing_campus"),
    (None, "unknown_campus"),
)


@dataclass
class Breakage:
    year: int
    rows: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    unknown: list[dict] = field(default_factory=list)

    def mark(self, frame: pd.DataFrame, label, file: str, field_name: str, kind: str,
             description: str) -> None:
        record = frame.loc[label]
        frame.loc[label, MARK] = len(self.rows)
        self.rows.append({
            "year": self.year, "file": file, "row_number": None, "field": field_name, "kind": kind,
            "description": description, "county_code": str(record["county_code"]),
            "school_code": str(record["school_code"]), "campus_code": str(record["campus_code"]),
            "value": str(record[field_name]),
        })

    def number_rows(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Puts inserted rows in place and records each marked row's final row number."""
        frame = frame.sort_values(POSITION, kind="stable").reset_index(drop=True)
        for position in np.nonzero(frame[MARK].notna().to_numpy())[0]:
            self.rows[int(frame[MARK].iat[position])]["row_number"] = int(position) + 2
        return frame.drop(columns=[MARK, POSITION])


def choose_victims(campuses: pd.DataFrame, rng: np.random.Generator) -> dict[str, int]:
    """Distinct single-campus schools outside the passing county (row labels of `campuses`)."""
    single_campus = ~campuses["second_campus"] & ~campuses["second_campus"].shift(-1, fill_value=False)
    eligible = (single_campus & campuses["county_code"].ne(PASSING_COUNTY.code)
                & campuses["school_type"].ne("special_education"))
    candidates = rng.permutation(np.nonzero(eligible.to_numpy())[0])
    school_type = campuses["school_type"].to_numpy()
    taken, victims = set(), {}
    for wanted_type, kind in VICTIMS:
        pick = next((c for c in candidates if c not in taken and wanted_type in (None, school_type[c])), None)
        if pick is None:
            raise ValueError(f"too few schools to place the broken row '{kind}'; use more schools")
        taken.add(pick)
        victims[kind] = int(pick)
    return victims


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame[MARK] = np.nan
    frame[POSITION] = np.arange(len(frame), dtype=float)
    return frame


def _insert_after(frame: pd.DataFrame, label, **changes) -> tuple[pd.DataFrame, int]:
    """A copy of row `label` (with `changes`) placed right after it; keeps the column types."""
    new_label = int(frame.index.max()) + 1
    copy = frame.loc[[label]].assign(**changes, **{POSITION: frame.loc[label, POSITION] + 0.5})
    return pd.concat([frame, copy.set_axis([new_label])]), new_label


def break_year(year: int, campuses: pd.DataFrame, schools: pd.DataFrame, classes: pd.DataFrame,
               rooms: pd.DataFrame, victims: dict[str, int]) -> tuple[dict[str, pd.DataFrame], Breakage]:
    """`schools` rows align with `campuses`; `classes` and `rooms` carry `campus_row`."""
    broken = Breakage(year)
    schools, classes, rooms = _prepare(schools), _prepare(classes), _prepare(rooms)

    campus = victims["nine_year_without_junior"]
    schools.loc[campus, list(JUNIOR_FIELDS)] = 0
    classes = classes.loc[~(classes["campus_row"].eq(campus) & classes["stage"].eq("junior"))]
    broken.mark(schools, campus, "schools.csv", "students_junior", "nine_year_without_junior",
                "九年一贯制学校没有初中学生 / a nine-year school reports no junior students (and no junior classes)")

    campus = victims["pe_arts_above_teachers"]
    schools.loc[campus, "pe_arts_teachers_junior"] = schools.loc[campus, "teachers_junior"] + PE_ARTS_EXCESS
    broken.mark(schools, campus, "schools.csv", "pe_arts_teachers_junior", "pe_arts_above_teachers",
                "初中体育艺术教师数多于初中专任教师数 / junior PE/arts teachers exceed the junior full-time teachers")

    campus = victims["short_school_code"]
    schools.loc[campus, "school_code"] = schools.loc[campus, "school_code"][:-1]
    broken.mark(schools, campus, "schools.csv", "school_code", "short_school_code",
                "学校标识码只有9位 / the school code has 9 digits; the campus's class and room rows keep "
                "the correct 10-digit code")

    campus = victims["negative_area"]
    schools.loc[campus, "sports_area_m2"] = -schools.loc[campus, "sports_area_m2"]
    broken.mark(schools, campus, "schools.csv", "sports_area_m2", "negative_area",
                "体育运动场馆面积为负数 / negative sports ground area")

    campus = victims["unknown_school_type"]
    schools.loc[campus, "school_type"] = UNKNOWN_SCHOOL_TYPE
    broken.mark(schools, campus, "schools.csv", "school_type", "unknown_school_type",
                f"学校类型'{UNKNOWN_SCHOOL_TYPE}'不在代码表中 / school type is not one of the contract's codes")

    campus = victims["duplicate_campus"]
    schools, copy = _insert_after(schools, campus)
    broken.mark(schools, copy, "schools.csv", "campus_code", "duplicate_campus",
                "同一学校校区重复报送 / the same (school_code, campus_code) is submitted twice; this is the second row")

    campus = victims["class_of_unsubmitted_campus"]
    first_class = classes.index[classes["campus_row"].eq(campus).to_numpy()][0]
    classes, orphan = _insert_after(classes, first_class, campus_code=ORPHAN_CAMPUS_CODE)
    broken.mark(classes, orphan, "classes.csv", "campus_code", "class_of_unsubmitted_campus",
                f"班级所属校区{ORPHAN_CAMPUS_CODE}未报送学校基本情况 / the class belongs to a campus with no school row")

    campus = victims["non_numeric_room_area"]
    room = rooms.index[rooms["campus_row"].eq(campus).to_numpy()][0]
    rooms["area_m2"] = rooms["area_m2"].astype(object)
    rooms.loc[room, "area_m2"] = NON_NUMERIC_AREA
    broken.mark(rooms, room, "rooms.csv", "area_m2", "non_numeric_room_area",
                f"教室面积填写为'{NON_NUMERIC_AREA}' / the room area is not a number")

    campus = victims["missing_campus"]
    broken.missing.append(_identity(year, campuses, campus))
    schools = schools.drop(index=campus)
    classes = classes.loc[classes["campus_row"].ne(campus)]
    rooms = rooms.loc[rooms["campus_row"].ne(campus)]
    broken.unknown.append(_identity(year, campuses, victims["unknown_campus"]))

    frames = {
        "schools": broken.number_rows(schools),
        "classes": broken.number_rows(classes).drop(columns="campus_row"),
        "rooms": broken.number_rows(rooms).drop(columns="campus_row"),
    }
    return frames, broken


def _identity(year: int, campuses: pd.DataFrame, campus: int) -> dict:
    row = campuses.loc[campus]
    return {"year": year, "county_code": str(row["county_code"]), "school_code": row["school_code"],
            "campus_code": row["campus_code"], "school_name": row["school_name"],
            "school_type": row["school_type"]}
