"""Issue 13 item 5: a county's numbers do not depend on the size of the year it is computed in.

National-shaped demo data (several counties repeating the city's profiles) goes through the whole
graph; then, for a few counties, a copy of the submissions cut down to that one county goes
through the graph again. The county's coefficients, indicators, verdicts and readiness must be
the same in both runs: nothing a county gets may be computed over, or thresholded against, the
rest of the year.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from balanced_pipeline.demo.generate import generate_demo_submissions
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.store import Warehouse
from tests.test_end_to_end import _comparable, materialize_year, table

YEAR = 2026
SCHOOLS, COUNTY_COUNT = 700, 10
# The ready county; a county failing government guarantee whose broken rows leave values
# quarantined (items not computed); and a county beyond the city's seven, failing resources, whose
# duplicate campus and unknown school type cost it rejected campuses.
COUNTIES = {"340403": "ready", "340421": "not_ready", "345009": "not_ready"}
# The tables the issue names: they must have rows for each county tried.
HEADLINE = ("county_difference_coefficients", "school_indicators", "school_resource_verdict", "county_guarantee",
            "county_quality", "county_social_recognition", "county_readiness")
# Every table of a county's rows is compared, all columns but those saying where and when a row was
# read: cutting the files renumbers their rows (messages quote the row number, so it is masked in
# text) and writes them anew (new hashes and times).
WHERE_READ = {"row_number", "source_sha256", "first_submitted_at", "last_changed_at"}
ROW_NUMBER_IN_TEXT = r"第\d+行|\brow \d+"
COUNTY_TABLES = sorted(name for name, t in TABLES.items() if "county_code" in t.column_names)


def cut_to_county(source: Path, target: Path, county_code: str) -> None:
    """Copies a year folder of bulk files keeping only `county_code`'s rows in every file.

    Values are read and written as text, so every cell (broken ones too) reaches the pipeline as
    it was; only the rows of other counties, and so the row numbers, change."""
    target.mkdir(parents=True)
    for path in sorted(source.iterdir()):
        if path.suffix == ".parquet":
            frame = pd.read_parquet(path)
            frame[frame["county_code"] == county_code].to_parquet(target / path.name, index=False)
        elif path.suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            frame[frame["county_code"] == county_code].to_csv(target / path.name, index=False, lineterminator="\n")
        else:
            raise AssertionError(f"the generator wrote {path.name}, which this cut does not know how to filter")


def run_year(submissions: Path, root: Path) -> Warehouse:
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    assert materialize_year(YEAR, submissions, root, url).success
    return Warehouse(url)


@pytest.fixture(scope="module")
def nation(tmp_path_factory) -> tuple[Path, Warehouse]:
    root = tmp_path_factory.mktemp("nation")
    manifest = generate_demo_submissions(root / "submissions", years=(YEAR,), schools=SCHOOLS, seed=5,
                                         counties=COUNTY_COUNT)
    assert set(COUNTIES) <= set(manifest["county_profiles"])
    return root / "submissions" / str(YEAR), run_year(root / "submissions", root)


@pytest.fixture(scope="module", params=sorted(COUNTIES))
def county(request, nation, tmp_path_factory) -> tuple[str, Warehouse, Warehouse]:
    year_dir, national = nation
    root = tmp_path_factory.mktemp(f"county{request.param}")
    cut_to_county(year_dir, root / "submissions" / str(YEAR), request.param)
    return request.param, national, run_year(root / "submissions", root)


def of_county(warehouse: Warehouse, name: str, county_code: str) -> pd.DataFrame:
    frame = table(warehouse, name, YEAR)
    frame = frame[frame["county_code"] == county_code].drop(columns=list(WHERE_READ.intersection(frame.columns)))
    masked = frame.apply(lambda column: column.map(lambda v: re.sub(ROW_NUMBER_IN_TEXT, "#", v) if isinstance(v, str) else v))
    return _comparable(masked, name)


def test_the_cut_keeps_only_the_county(county):
    code, _, alone = county
    assert table(alone, "county_readiness", YEAR)["county_code"].tolist() == [code]
    assert set(table(alone, "school_indicators", YEAR)["county_code"]) == {code}


@pytest.mark.parametrize("name", COUNTY_TABLES)
def test_a_county_alone_gets_what_it_gets_in_the_nation(county, name):
    code, national, alone = county
    left, right = of_county(national, name, code), of_county(alone, name, code)
    assert len(left) or name not in HEADLINE, (code, name)
    pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=f"{name} of {code}")


def test_the_counties_cover_each_status(county):
    code, national, _ = county
    readiness = table(national, "county_readiness", YEAR).set_index("county_code")
    assert readiness.loc[code, "status"] == COUNTIES[code]


def test_the_counties_cover_quarantined_values_and_rejected_campuses(nation):
    readiness = table(nation[1], "county_readiness", YEAR).set_index("county_code")
    assert readiness.loc["340421", "items_not_computed"] > 0 and readiness.loc["345009", "campuses_rejected"] > 0
