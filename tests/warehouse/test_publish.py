"""Write–audit–publish through the real job: a killed or failed run leaves the published year exactly
as it was (warehouse file byte for byte, every report and data docs file; on PostgreSQL every table), a reader holding the published DuckDB
file open never blocks a run nor gets an error, and a re-run publishes the same result.

One small generated year (2026) is published first; the submissions are then regenerated with
another seed, so every later run would change the published year if it leaked anything.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from balanced_pipeline.definitions import defs
from balanced_pipeline.demo.generate import generate_demo_submissions
from balanced_pipeline.warehouse.catalogue import TABLES
from balanced_pipeline.warehouse.store import Warehouse
from balanced_pipeline.wiring.resources import pipeline_resources

YEAR = 2026
SCHOOLS = 100
KILL_AFTER_TABLES = 8  # building tables written before the kill: the run is well under way
RUN_TIMEOUT = 600
# Columns that depend on when the run happened, not on the data.
RUN_DEPENDENT = {"deadline_status": ["as_of", "days_left", "status", "message_zh", "message_en"]}


class Site:
    def __init__(self, root: Path, url: str | None = None):
        """A landing folder and data folder under `root`; the warehouse is the DuckDB default unless `url`."""
        self.root = root
        self.submissions = root / "submissions"
        self.data = root / "data"
        self.published = self.data / "warehouse.duckdb"
        self.building = self.data / f"warehouse.building.{YEAR}.duckdb"
        self.reports = self.data / "reports" / str(YEAR)
        self.data_docs = self.data / "data_docs" / str(YEAR)
        self.url = url or f"duckdb:///{self.published}"

    def materialize(self) -> dg.ExecuteInProcessResult:
        return dg.materialize(
            list(defs.assets),
            partition_key=str(YEAR),
            raise_on_error=False,
            resources=pipeline_resources(self.submissions, self.data, self.url),
        )

    def start_cli_run(self) -> subprocess.Popen:
        """`balanced-pipeline run YEAR` in its own process group, as an operator would start it."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("BALANCED_", "DAGSTER_"))}
        env.update(BALANCED_DATA_DIR=str(self.data), BALANCED_SUBMISSIONS_DIR=str(self.submissions),
                   DAGSTER_HOME=str(self.root / "dagster_home"), BALANCED_WAREHOUSE_URL=self.url)
        # Output to a file: a pipe nobody reads while the run goes on would fill and stall it.
        with open(self.root / "run.log", "wb") as log:
            return subprocess.Popen([sys.executable, "-m", "balanced_pipeline", "run", str(YEAR)], env=env,
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    def run_log(self) -> str:
        return (self.root / "run.log").read_text(encoding="utf-8", errors="replace")[-5000:]

    def snapshot(self) -> dict[str, str]:
        """SHA-256 of the published warehouse file, of every published report file and of every file of
        the published validation results (data docs)."""
        files = {"warehouse.duckdb": _sha256(self.published)} if self.url.startswith("duckdb") else {}
        files.update({f"reports/{p.name}": _sha256(p) for p in sorted(self.reports.iterdir())})
        files.update({f"data_docs/{p.relative_to(self.data_docs).as_posix()}": _sha256(p)
                      for p in sorted(self.data_docs.rglob("*")) if p.is_file()})
        return files

    def tables(self) -> dict[str, pd.DataFrame]:
        warehouse = Warehouse(self.url)
        return {name: _comparable(warehouse.read_partition(table, YEAR), name) for name, table in TABLES.items()}


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _comparable(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    frame = frame.drop(columns=RUN_DEPENDENT.get(name, [])).astype(object)
    frame = frame.where(frame.notna(), None)
    return frame.sort_values(list(frame.columns), key=lambda s: s.astype(str)).reset_index(drop=True)


def _building_tables(path: Path) -> int:
    """Tables in the building file so far; 0 while the run holds its write lock or has not started."""
    if not path.exists():
        return 0
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("SELECT count(*) FROM information_schema.tables").fetchone()[0]
    except duckdb.Error:
        return 0


def _published_once(site: Site) -> Site:
    """Publish the year from seed 7, remember it, then change every submission (seed 8)."""
    generate_demo_submissions(site.submissions, years=(YEAR,), schools=SCHOOLS, seed=7)
    assert site.materialize().success
    site.first = site.snapshot()
    site.first_tables = site.tables()
    generate_demo_submissions(site.submissions, years=(YEAR,), schools=SCHOOLS, seed=8)
    return site


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    return _published_once(Site(tmp_path_factory.mktemp("publish")))


def _kill_mid_run(site: Site, tables_built) -> None:
    """Start `balanced-pipeline run`, SIGKILL its process group once `tables_built()` reaches
    KILL_AFTER_TABLES building tables, and check it was killed there."""
    run = site.start_cli_run()
    deadline = time.monotonic() + RUN_TIMEOUT
    try:
        while tables_built() < KILL_AFTER_TABLES:
            assert run.poll() is None, site.run_log()
            assert time.monotonic() < deadline, "the run never wrote its first tables"
            time.sleep(0.2)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait(timeout=60)
    assert run.returncode == -signal.SIGKILL
    assert tables_built() >= KILL_AFTER_TABLES  # new tables were written, aside


def test_the_first_run_published_every_table_and_report(site):
    assert site.reports.is_symlink() and (site.reports / "index.html").is_file()
    assert site.data_docs.is_symlink() and (site.data_docs / "summary.html").is_file()
    assert any(key.startswith("data_docs/validations/") for key in site.first)  # the GX pages too
    assert len(site.first) > 1 + 7  # the warehouse, the index and every county's files
    assert not site.published.with_name(site.published.name + ".wal").exists()
    assert all(len(site.first_tables[name]) for name in ("school_submissions", "county_readiness", "county_reports"))


def test_a_killed_run_leaves_the_published_year_exactly_as_it_was(site):
    _kill_mid_run(site, lambda: _building_tables(site.building))
    assert site.snapshot() == site.first
    for name, frame in site.tables().items():
        pd.testing.assert_frame_equal(frame, site.first_tables[name], obj=name)


def test_a_failed_run_publishes_nothing(site):
    # The reports step cannot create its folder (a file is in the way): every table before it is built,
    # then the run fails and the publish step never runs.
    blocker = site.data / "reports" / ".building"
    blocker.mkdir(parents=True, exist_ok=True)
    blocked = blocker / str(YEAR)
    shutil.rmtree(blocked, ignore_errors=True)
    blocked.write_text("not a folder")
    try:
        result = site.materialize()
    finally:
        blocked.unlink()
    assert not result.success
    failed = {event.step_key for event in result.all_events if event.event_type_value == "STEP_FAILURE"}
    assert failed == {"county_reports"}
    materialized = {event.asset_key.to_user_string() for event in result.get_asset_materialization_events()}
    assert "county_readiness" in materialized and "published_year" not in materialized  # built aside only
    built_docs = site.data / "data_docs" / ".building" / str(YEAR)
    built = {p.relative_to(built_docs).as_posix() for p in built_docs.rglob("*.html")}
    assert built and built != {k.removeprefix("data_docs/") for k in site.first if k.endswith(".html")
                               and k.startswith("data_docs/")}  # this run's validation results, aside
    assert site.snapshot() == site.first


def test_a_reader_holding_the_published_file_never_blocks_a_run(site):
    reader = duckdb.connect(str(site.published), read_only=True)
    count = f"SELECT count(*) FROM school_submissions WHERE year = {YEAR}"
    try:
        before = reader.execute(count).fetchone()[0]
        run = site.start_cli_run()
        deadline = time.monotonic() + RUN_TIMEOUT
        while run.poll() is None and time.monotonic() < deadline:
            assert reader.execute(count).fetchone()[0] == before  # never an error, never a half-new year
            time.sleep(0.2)
        assert run.wait(timeout=RUN_TIMEOUT) == 0, site.run_log()
        assert reader.execute(count).fetchone()[0] == before  # the file it opened, unchanged
    finally:
        reader.close()
    site.second = site.snapshot()
    site.second_tables = site.tables()  # a new connection: the newly published year
    assert site.second["warehouse.duckdb"] != site.first["warehouse.duckdb"]
    changed = [name for name in TABLES if not site.second_tables[name].equals(site.first_tables[name])]
    assert {"school_submissions", "school_indicators"} <= set(changed)


def test_a_re_run_publishes_the_same_result(site):
    assert site.materialize().success
    for name, frame in site.tables().items():
        pd.testing.assert_frame_equal(frame, site.second_tables[name], obj=name)
    again = site.snapshot()
    # GX names a validation page after its run's time, so only the report and warehouse names repeat.
    assert {k for k in again if not k.startswith("data_docs/")} == {k for k in site.second if not k.startswith("data_docs/")}
    for folder, link in (("reports", site.reports), ("data_docs", site.data_docs)):
        published_versions = list((site.data / folder / ".published").iterdir())
        assert len(published_versions) == 1 and link.resolve() == published_versions[0]


def test_a_killed_run_on_postgresql_leaves_the_published_year_exactly_as_it_was(tmp_path_factory):
    """The same kill on a PostgreSQL warehouse (a private server): the run builds in the schema
    building_<year>, so the published tables, reports and data docs are those of the first run."""
    import sqlalchemy as sa

    from tests.postgres_server import postgres_url

    with postgres_url() as url:
        site = _published_once(Site(tmp_path_factory.mktemp("publish_pg"), url))
        engine = sa.create_engine(url)

        def building_tables() -> int:
            with engine.connect() as connection:
                return connection.execute(sa.text(
                    "SELECT count(*) FROM information_schema.tables WHERE table_schema = :schema"),
                    {"schema": f"building_{YEAR}"}).scalar_one()

        try:
            assert site.first_tables["school_submissions"].shape[0] > 0
            _kill_mid_run(site, building_tables)
            assert site.snapshot() == site.first
            for name, frame in site.tables().items():
                pd.testing.assert_frame_equal(frame, site.first_tables[name], obj=name)
        finally:
            engine.dispose()
