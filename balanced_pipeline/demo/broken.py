"""A handful of deliberately broken rows per year, each recorded for the manifest.

The pipeline must catch every one of them; the manifest says where (file, 1-based row with the
header as row 1, field) so a test can check that it did. Victims are campuses of counties other
than the passing one, each broken once, so the passing county's verdict stays clean.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .profiles import COUNTIES, PASSING_COUNTY, CountyProfile, SMALL_ARTS_ROOMS

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
# A broken row can cost its campus a guarantee item: the room whose area is not a number is kept
# with its area unknown, so the campus's G3 is not judged. Such a row goes to a county whose profile
# already fails that item, so no other county's verdict changes.
COSTS_ITEM = {"non_numeric_room_area": SMALL_ARTS_ROOMS}
# An error quarantines its value, not the campus: a nine-year school whose junior count is in error
# keeps its campus, but its size (G4), junior catchment (G13) and teacher checks cannot be judged, so
# it goes to a county whose profile already fails government guarantee.
COSTS_GUARANTEE = {"nine_year_without_junior"}


class Breakage:
    """Breaks one year's rows. Class and room rows arrive in blocks (they are written block by
    block to bound memory); `first_row_number` is the file row of the block's first record."""

    def __init__(self, year: int, campuses: pd.DataFrame, victims: dict[str, int]):
        self.year, self.campuses, self.victims = year, campuses, victims
        self.rows: list[dict] = []
        self.missing = [_identity(year, campuses, victims["missing_campus"])]
        self.unknown = [_identity(year, campuses, victims["unknown_campus"])]
        self._marked: list[tuple[object, int]] = []

    def schools(self, schools: pd.DataFrame) -> pd.DataFrame:
        """`schools` is aligned with the campus table (same index)."""
        schools = schools.copy()
        campus = self.victims["nine_year_without_junior"]
        schools.loc[campus, list(JUNIOR_FIELDS)] = 0
        self._mark(schools, campus, "schools.csv", "students_junior", "nine_year_without_junior",
                   "九年一贯制学校没有初中学生 / a nine-year school reports no junior students (and no junior classes)")

        campus = self.victims["pe_arts_above_teachers"]
        schools.loc[campus, "pe_arts_teachers_junior"] = schools.loc[campus, "teachers_junior"] + PE_ARTS_EXCESS
        self._mark(schools, campus, "schools.csv", "pe_arts_teachers_junior", "pe_arts_above_teachers",
                   "初中体育艺术教师数多于初中专任教师数 / junior PE/arts teachers exceed the junior full-time teachers")

        campus = self.victims["short_school_code"]
        schools.loc[campus, "school_code"] = schools.loc[campus, "school_code"][:-1]
        self._mark(schools, campus, "schools.csv", "school_code", "short_school_code",
                   "学校标识码只有9位 / the school code has 9 digits; the campus's class and room rows keep "
                   "the correct 10-digit code")

        campus = self.victims["negative_area"]
        schools.loc[campus, "sports_area_m2"] = -schools.loc[campus, "sports_area_m2"]
        self._mark(schools, campus, "schools.csv", "sports_area_m2", "negative_area",
                   "体育运动场馆面积为负数 / negative sports ground area")

        campus = self.victims["unknown_school_type"]
        schools.loc[campus, "school_type"] = UNKNOWN_SCHOOL_TYPE
        self._mark(schools, campus, "schools.csv", "school_type", "unknown_school_type",
                   f"学校类型'{UNKNOWN_SCHOOL_TYPE}'不在代码表中 / school type is not one of the contract's codes")

        schools, copy = _insert_after(schools, self.victims["duplicate_campus"])
        self._mark(schools, copy, "schools.csv", "campus_code", "duplicate_campus",
                   "同一学校校区重复报送 / the same (school_code, campus_code) is submitted twice; this is the second row")
        return self._number(schools.drop(index=self.victims["missing_campus"]), first_row_number=2)

    def classes(self, classes: pd.DataFrame, first_row_number: int) -> pd.DataFrame:
        campus_row = classes["campus_row"]
        without_junior = campus_row.eq(self.victims["nine_year_without_junior"]) & classes["stage"].eq("junior")
        classes = classes.loc[~without_junior & campus_row.ne(self.victims["missing_campus"])]
        of_victim = classes.index[classes["campus_row"].eq(self.victims["class_of_unsubmitted_campus"]).to_numpy()]
        if len(of_victim):
            classes, orphan = _insert_after(classes, of_victim[0], campus_code=ORPHAN_CAMPUS_CODE)
            self._mark(classes, orphan, "classes.csv", "campus_code", "class_of_unsubmitted_campus",
                       f"班级所属校区{ORPHAN_CAMPUS_CODE}未报送学校基本情况 / the class belongs to a campus with no school row")
        return self._number(classes, first_row_number).drop(columns="campus_row")

    def rooms(self, rooms: pd.DataFrame, first_row_number: int) -> pd.DataFrame:
        rooms = rooms.loc[rooms["campus_row"].ne(self.victims["missing_campus"])]
        of_victim = rooms.index[rooms["campus_row"].eq(self.victims["non_numeric_room_area"]).to_numpy()]
        if len(of_victim):
            rooms = rooms.astype({"area_m2": object})
            rooms.loc[of_victim[0], "area_m2"] = NON_NUMERIC_AREA
            self._mark(rooms, of_victim[0], "rooms.csv", "area_m2", "non_numeric_room_area",
                       f"教室面积填写为'{NON_NUMERIC_AREA}' / the room area is not a number")
        return self._number(rooms, first_row_number).drop(columns="campus_row")

    def _mark(self, frame: pd.DataFrame, label, file: str, field_name: str, kind: str, description: str) -> None:
        record = frame.loc[label]
        self._marked.append((label, len(self.rows)))
        self.rows.append({
            "year": self.year, "file": file, "row_number": None, "field": field_name, "kind": kind,
            "description": description, "county_code": str(record["county_code"]),
            "school_code": str(record["school_code"]), "campus_code": str(record["campus_code"]),
            "value": str(record[field_name]),
        })

    def _number(self, frame: pd.DataFrame, first_row_number: int) -> pd.DataFrame:
        """Records the file row of every row marked in `frame` (header = row 1)."""
        positions = frame.index.get_indexer([label for label, _ in self._marked])
        for (_, record), position in zip(self._marked, positions):
            if position >= 0:
                self.rows[record]["row_number"] = first_row_number + int(position)
        self._marked = []
        return frame.reset_index(drop=True)


def choose_victims(campuses: pd.DataFrame, rng: np.random.Generator,
                   counties_of_demo: tuple[CountyProfile, ...] = COUNTIES) -> dict[str, int]:
    """Distinct single-campus schools outside the passing county (row labels of `campuses`)."""
    single_campus = ~campuses["second_campus"] & ~campuses["second_campus"].shift(-1, fill_value=False)
    eligible = (single_campus & campuses["county_code"].ne(PASSING_COUNTY.code)
                & campuses["school_type"].ne("special_education"))
    candidates = rng.permutation(np.nonzero(eligible.to_numpy())[0])
    school_type = campuses["school_type"].to_numpy()
    county_code = campuses["county_code"].to_numpy()
    taken, victims = set(), {}
    for wanted_type, kind in VICTIMS:
        counties = {c.code for c in counties_of_demo if COSTS_ITEM.get(kind) in (None, *c.guarantee_failures)
                    and (kind not in COSTS_GUARANTEE or c.guarantee_failures)}
        pick = next((c for c in candidates if c not in taken and wanted_type in (None, school_type[c])
                     and county_code[c] in counties), None)
        if pick is None:
            raise ValueError(f"too few schools to place the broken row '{kind}'; use more schools")
        taken.add(pick)
        victims[kind] = int(pick)
    return victims


def _insert_after(frame: pd.DataFrame, label, **changes) -> tuple[pd.DataFrame, int]:
    """A copy of row `label` (with `changes`) placed right after it; keeps the column types."""
    position = frame.index.get_loc(label)
    new_label = int(frame.index.max()) + 1
    copy = frame.iloc[[position]].assign(**changes).set_axis([new_label])
    return pd.concat([frame.iloc[: position + 1], copy, frame.iloc[position + 1:]]), new_label


def _identity(year: int, campuses: pd.DataFrame, campus: int) -> dict:
    row = campuses.loc[campus]
    return {"year": year, "county_code": str(row["county_code"]), "school_code": row["school_code"],
            "campus_code": row["campus_code"], "school_name": row["school_name"],
            "school_type": row["school_type"]}
