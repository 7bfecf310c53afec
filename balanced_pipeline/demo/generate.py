"""Deterministic demo submissions: a city of seven counties, each built to pass or fail for a
stated reason, written as the bulk files of the data contract, one folder per year.

    balanced-pipeline demo-data --root DIR --years 2025 2026 --schools 300 --seed 2026

Same arguments, byte-identical files. `<root>/demo_manifest.json` records the county profiles
(what each county should get and why), the deliberately broken rows (file, row, field), the
missing and unknown campuses, and every file's SHA-256.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import pandas as pd

from balanced_pipeline.demo.broken import Breakage, choose_victims
from balanced_pipeline.demo.campuses import build_campuses
from balanced_pipeline.demo.classes import build_classes, build_rooms
from balanced_pipeline.demo.county_forms import (SURVEY_TOTALS_PROFILE, county_rows, quality_monitoring_rows,
                                                 survey_rows, veto_rows)
from balanced_pipeline.demo.profiles import CITY, PROVINCE, SMALL_ARTS_ROOMS, CountyProfile, demo_counties, standard_item
from balanced_pipeline.demo.random import stream
from balanced_pipeline.demo.school_rows import school_rows
from balanced_pipeline.intake.readers import file_sha256
from balanced_pipeline.contract.forms import REGISTRY
from balanced_pipeline.standards.loader import Indicator, Standards, load_standards

MANIFEST_NAME = "demo_manifest.json"
# The county profiles' expected verdicts are those of the pipeline's default standards.
EXPECTED_UNDER = "national"
# The demo city is in Anhui: schools also report the land area its overlay adds to the national
# seven (the overlay changes no national threshold, so the expectations hold under it too).
QUANTITIES_OF = "anhui"
MIN_SCHOOLS = 100  # enough for every type in every county plus one victim per broken row
MIN_SCHOOLS_PER_COUNTY = 14  # every school type in every county, with room for the second campuses
CAMPUSES_PER_COUNTY = 70  # national shape: 203,014 campuses in 2,856 counties


def national_counties(schools: int) -> int:
    """The realistic number of counties for `schools` campuses (never fewer than the city's seven)."""
    return max(len(demo_counties()), round(schools / CAMPUSES_PER_COUNTY))
CAMPUSES_PER_BLOCK = 10_000  # class and room rows are generated and written this many campuses at a time
FILE_NAMES = ("registry.csv", "schools.csv", "classes.csv", "rooms.csv", "counties.csv",
              "quality_monitoring.csv", "veto_incidents.csv", "survey_responses.parquet", "survey_groups.csv")


def generate_demo_submissions(root: Path, years: Sequence[int] = (2025, 2026), schools: int = 300,
                              seed: int = 2026, counties: int | None = None) -> dict:
    """Writes `<root>/<year>/` bulk files for every year and returns the manifest.

    `counties`: None (the demo city's seven) or more, for national-shaped data (the city's
    profiles repeated; `national_counties(schools)` gives the realistic ~70 campuses a county)."""
    if schools < MIN_SCHOOLS:
        raise ValueError(f"schools must be at least {MIN_SCHOOLS}, got {schools}")
    years = sorted({int(y) for y in years})
    if not years:
        raise ValueError("give at least one year")
    root = Path(root)
    standards, provincial = load_standards(EXPECTED_UNDER), load_standards(QUANTITIES_OF)
    profiles = demo_counties(counties)
    if schools < MIN_SCHOOLS_PER_COUNTY * len(profiles):
        raise ValueError(f"{len(profiles)} counties need at least {MIN_SCHOOLS_PER_COUNTY * len(profiles)} schools")
    campuses = build_campuses(schools, seed, standards, profiles)

    manifest = {
        "generator": "balanced_pipeline.demo.generate",
        "arguments": {"years": years, "schools": schools, "seed": seed,
                      **({"counties": len(profiles)} if counties is not None else {})},
        "standards_version": standards.version,
        "quantities_reported_for": provincial.version,
        "city": CITY,
        "province": PROVINCE,
        "encoding": {"booleans": "1/0", "school_type": "English codes of the data contract",
                     "text": "UTF-8 without BOM"},
        "county_profiles": {str(c.code): c.describe(standards) for c in profiles},
        "counties_sending_survey_totals": [str(c.code) for c in profiles if c.profile == SURVEY_TOTALS_PROFILE],
        "years": {},
        "broken_rows": [],
        "missing_campuses": [],
        "unknown_campuses": [],
    }
    for year in years:
        year_manifest, breakage = _write_year(root / str(year), year, years, seed, standards,
                                              provincial.resource_indicators, campuses, profiles)
        manifest["years"][str(year)] = year_manifest
        manifest["broken_rows"] += breakage.rows
        manifest["missing_campuses"] += breakage.missing
        manifest["unknown_campuses"] += breakage.unknown
    root.mkdir(parents=True, exist_ok=True)
    (root / MANIFEST_NAME).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                                      encoding="utf-8")
    return manifest


def _write_year(folder: Path, year: int, years: list[int], seed: int, standards: Standards,
                indicators: list[Indicator], campuses: pd.DataFrame, counties: tuple[CountyProfile, ...]):
    schools = school_rows(campuses, standards, year, years_back=max(years) - year, indicators=indicators)
    victims = choose_victims(campuses, stream(seed, "broken", year), counties)
    breakage = Breakage(year, campuses, victims)
    folder.mkdir(parents=True, exist_ok=True)
    files = _write_classes_and_rooms(folder, campuses, breakage, seed, standard_item(standards, SMALL_ARTS_ROOMS))
    roman_levels = len(years) > 1 and year == years[0]
    survey_responses, survey_groups = survey_rows(seed, year, years, standards, counties)
    tables = {
        "registry.csv": campuses.drop(index=victims["unknown_campus"])[REGISTRY.field_names],
        "schools.csv": breakage.schools(schools),
        "counties.csv": county_rows(schools, files.pop("grade9_students"), seed, year, years, standards,
                                   counties),
        "quality_monitoring.csv": quality_monitoring_rows(seed, year, roman_levels, standards, counties),
        "veto_incidents.csv": veto_rows(year, counties),
        "survey_responses.parquet": survey_responses,
        "survey_groups.csv": survey_groups,
    }
    for name, frame in tables.items():
        path = folder / name
        if name.endswith(".parquet"):
            frame.to_parquet(path, index=False, engine="pyarrow", compression="zstd")
        else:
            frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        files[name] = {"rows": len(frame), "sha256": file_sha256(path)}
    ordered = {name: files[name] for name in FILE_NAMES}
    return {"files": ordered, "quality_monitoring_levels": "Ⅰ–Ⅳ" if roman_levels else "1–4"}, breakage


def _write_classes_and_rooms(folder: Path, campuses: pd.DataFrame, breakage: Breakage, seed: int,
                             room_item: dict) -> dict:
    """Writes class and room rows block by block, so memory stays bounded at any scale.

    Each block has its own random stream, so every year gets the same classes and rooms.
    """
    rows = {"classes.csv": 0, "rooms.csv": 0}
    grade9 = []
    with (folder / "classes.csv").open("w", encoding="utf-8", newline="") as classes_file, \
            (folder / "rooms.csv").open("w", encoding="utf-8", newline="") as rooms_file:
        for start in range(0, len(campuses), CAMPUSES_PER_BLOCK):
            block = campuses.iloc[start:start + CAMPUSES_PER_BLOCK]
            classes = build_classes(block, stream(seed, "classes", start))
            rooms = build_rooms(block, classes, stream(seed, "rooms", start), room_item)
            grade9.append(classes.loc[classes["grade"].eq(9)].groupby("county_code")["students"].sum())
            for name, frame, handle in (
                    ("classes.csv", breakage.classes(classes, rows["classes.csv"] + 2), classes_file),
                    ("rooms.csv", breakage.rooms(rooms, rows["rooms.csv"] + 2), rooms_file)):
                frame.to_csv(handle, index=False, header=start == 0, lineterminator="\n")
                rows[name] += len(frame)
    files = {name: {"rows": count, "sha256": file_sha256(folder / name)} for name, count in rows.items()}
    files["grade9_students"] = pd.concat(grade9).groupby(level=0).sum()
    return files
