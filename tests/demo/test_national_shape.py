"""National-shaped demo data: many counties repeating the city's profiles, survey answers per county."""

from __future__ import annotations

import pandas as pd

from balanced_pipeline import cli
from balanced_pipeline.demo.county_forms import NATIONAL_RESPONDENTS_PER_COUNTY
from balanced_pipeline.demo.generate import generate_demo_submissions, national_counties
from balanced_pipeline.demo.profiles import COUNTIES

SCHOOLS, COUNTY_COUNT = 700, 10


def read(root, name) -> pd.DataFrame:
    path = root / "2026" / name
    return pd.read_parquet(path) if name.endswith(".parquet") else pd.read_csv(path, dtype=str, keep_default_na=False)


def test_realistic_default_is_seventy_campuses_a_county():
    assert national_counties(203_014) == 2_900 and national_counties(20_000) == 286
    assert national_counties(300) == len(COUNTIES)  # never fewer than the city's seven


def test_many_counties_keep_every_profile_and_every_broken_row(tmp_path):
    city = generate_demo_submissions(tmp_path / "city", (2026,), schools=SCHOOLS, seed=3)
    nation = generate_demo_submissions(tmp_path / "nation", (2026,), schools=SCHOOLS, seed=3, counties=COUNTY_COUNT)
    counties = read(tmp_path / "nation", "counties.csv")
    assert len(counties) == COUNTY_COUNT and counties["county_code"].is_unique
    profiles = [p["profile"] for p in nation["county_profiles"].values()]
    assert set(profiles) == {c.profile for c in COUNTIES} and len(profiles) == COUNTY_COUNT
    assert ([(b["file"], b["kind"]) for b in nation["broken_rows"]]
            == [(b["file"], b["kind"]) for b in city["broken_rows"]])
    schools = read(tmp_path / "nation", "schools.csv")
    assert set(schools["county_code"]) == set(counties["county_code"])
    # school codes embed the county code: only the deliberately repeated row is a duplicate
    assert (schools.duplicated(["school_code", "campus_code"]).sum()
            == read(tmp_path / "city", "schools.csv").duplicated(["school_code", "campus_code"]).sum() == 1)

    survey = read(tmp_path / "nation", "survey_responses.parquet")
    totals = read(tmp_path / "nation", "survey_groups.csv")
    per_county = pd.concat([survey.groupby("county_code").size(),
                            totals.astype({"respondents": int}).groupby("county_code")["respondents"].sum()])
    low, high = NATIONAL_RESPONDENTS_PER_COUNTY
    assert len(per_county) == COUNTY_COUNT and per_county.between(low, high).all()


def test_command_line_counties_national(tmp_path, capsys):
    cli.main(["demo-data", "--root", str(tmp_path), "--years", "2026", "--schools", "1400", "--counties", "national"])
    assert len(read(tmp_path, "counties.csv")) == 20
