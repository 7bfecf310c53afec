"""Watching the landing folder: which files count, what is a change, when a burst is over, and the sensor
that turns it into runs, tick by tick with its cursor carried over."""

import os
import time
from pathlib import Path, PurePosixPath

import dagster as dg
import pytest

import balanced_pipeline.intake.watch as watch
from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.wiring.resources import SubmissionsFolder
from balanced_pipeline.wiring.schedules import RUN_KIND_TAG
from balanced_pipeline.wiring.sensors import CHANGED_FILES_TAG, DEFAULT_QUIET_SECONDS, build_submissions_sensor
from balanced_pipeline.intake.watch import WatchCursor, is_submission_file, run_key, watch_submissions

QUIET = 60.0
YEARS = [str(year) for year in range(2020, 2027)]


def write(root: Path, relative: str, content: str = "county_code\n340403\n") -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return path


def later() -> float:
    """A moment when everything written so far has been quiet long enough."""
    return time.time() + QUIET + 1


def look(root: Path, cursor: WatchCursor, now: float | None = None):
    return watch_submissions(root, cursor, YEARS, now if now is not None else later(), QUIET)


@pytest.fixture
def landing(tmp_path):
    write(tmp_path, "2026/schools.csv")
    write(tmp_path, "2026/淮南/田家庵/学校01.xlsx", "workbook 1")
    write(tmp_path, "2025/schools.parquet", "parquet bytes")
    return tmp_path


@pytest.mark.parametrize(
    ("path", "counts"),
    [
        ("2026/schools.csv", True),
        ("2026/淮南/学校.XLSX", True),
        ("2026/survey_responses.parquet", True),
        ("2026/淮南/~$学校.xlsx", False),
        ("2026/.学校.xlsx", False),
        ("2026/.sync/schools.csv", False),
        ("2026/说明.txt", False),
        ("2026/学校.xls", False),
    ],
)
def test_which_files_are_submissions(path, counts):
    assert is_submission_file(PurePosixPath(path)) is counts


def test_first_look_requests_one_run_per_year_and_skips_other_folders(landing):
    write(landing, "2026/淮南/~$学校01.xlsx", "lock")
    write(landing, "2026/.hidden.csv")
    write(landing, "2026/readme.txt")
    write(landing, "templates/学校.xlsx")
    write(landing, "2019/schools.csv")

    tick = look(landing, WatchCursor())

    assert [(run.year, run.change.added) for run in tick.runs] == [
        ("2025", ("2025/schools.parquet",)),
        ("2026", ("2026/schools.csv", "2026/淮南/田家庵/学校01.xlsx")),
    ]
    assert [run.run_key.split("-")[:2] for run in tick.runs] == [["2025", "1"], ["2026", "1"]]
    assert sorted(tick.skipped) == ["2019", "templates"]
    assert "not an evaluation year (2020–2026)" in tick.skipped["2019"]
    assert sorted(tick.cursor.files) == ["2025/schools.parquet", "2026/schools.csv", "2026/淮南/田家庵/学校01.xlsx"]
    assert tick.cursor.files["2026/schools.csv"].sha256 == watch.file_sha256(landing / "2026/schools.csv")


def test_a_fifo_named_like_a_submission_is_never_opened(landing):
    from tests.intake.test_hostile_files import fails_after

    os.mkfifo(landing / "2026/classes.csv")  # opening it would block the sensor until a writer came

    with fails_after(30):
        tick = look(landing, WatchCursor())

    assert "2026/classes.csv" not in tick.cursor.files
    assert [run.year for run in tick.runs] == ["2025", "2026"]


def test_an_unchanged_folder_requests_nothing_and_reads_no_file_again(landing, monkeypatch):
    cursor = look(landing, WatchCursor()).cursor
    monkeypatch.setattr(watch, "file_sha256", lambda path: pytest.fail(f"{path} was hashed again"))
    tick = look(landing, cursor)
    assert tick.runs == ()
    assert tick.cursor == cursor


def test_touching_a_file_rehashes_it_but_starts_no_run(landing):
    cursor = look(landing, WatchCursor()).cursor
    path = landing / "2026/schools.csv"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 5_000_000_000))

    tick = look(landing, cursor)

    assert tick.runs == ()
    assert tick.cursor.files["2026/schools.csv"].mtime_ns == path.stat().st_mtime_ns  # not hashed again next time
    assert tick.cursor.files["2026/schools.csv"].sha256 == cursor.files["2026/schools.csv"].sha256


def test_changed_content_starts_one_run_for_its_year_only(landing):
    first = look(landing, WatchCursor())
    write(landing, "2026/淮南/田家庵/学校01.xlsx", "workbook 1, corrected")

    tick = look(landing, first.cursor)

    (run,) = tick.runs
    assert (run.year, run.change.modified, run.change.added, run.change.deleted) == (
        "2026", ("2026/淮南/田家庵/学校01.xlsx",), (), ()
    )
    assert run.run_key.startswith("2026-2-")
    assert tick.cursor.runs == {"2025": 1, "2026": 2}


def test_a_deleted_file_is_a_change(landing):
    cursor = look(landing, WatchCursor()).cursor
    (landing / "2026/schools.csv").unlink()

    (run,) = look(landing, cursor).runs

    assert run.change.deleted == ("2026/schools.csv",)
    assert run.change.changed_files == 1


def test_a_burst_waits_for_the_quiet_period_then_gets_one_run(landing):
    cursor = look(landing, WatchCursor()).cursor
    write(landing, "2026/淮南/田家庵/学校02.xlsx", "workbook 2")
    write(landing, "2025/schools.parquet", "parquet bytes, corrected")

    during = look(landing, cursor, now=time.time())
    assert during.runs == ()
    assert sorted(during.waiting) == ["2025", "2026"]
    assert during.cursor == cursor  # neither year's part moved

    write(landing, "2026/淮南/田家庵/学校03.xlsx", "workbook 3")
    after = look(landing, during.cursor)
    assert [(run.year, run.change.added) for run in after.runs] == [
        ("2025", ()),
        ("2026", ("2026/淮南/田家庵/学校02.xlsx", "2026/淮南/田家庵/学校03.xlsx")),
    ]
    assert after.waiting == {}


def test_a_copy_that_keeps_an_old_mtime_still_counts_as_just_arrived(landing):
    cursor = look(landing, WatchCursor()).cursor
    copied = write(landing, "2026/淮南/田家庵/学校02.xlsx", "workbook 2")
    last_week = time.time() - 7 * 86400
    os.utime(copied, (last_week, last_week))  # what Explorer, unzip or cp -p do; ctime stays fresh
    assert look(landing, cursor, now=time.time()).waiting.keys() == {"2026"}


def test_a_recent_deletion_also_waits(landing):
    cursor = look(landing, WatchCursor()).cursor
    (landing / "2026/淮南/田家庵/学校01.xlsx").unlink()
    assert look(landing, cursor, now=time.time()).waiting.keys() == {"2026"}


def test_content_that_returns_to_an_earlier_state_gets_a_fresh_run_key(landing):
    first = look(landing, WatchCursor())
    original = landing / "2026/schools.csv"
    write(landing, "2026/schools.csv", "county_code\n340404\n")
    second = look(landing, first.cursor)
    write(landing, "2026/schools.csv", "county_code\n340403\n")
    third = look(landing, second.cursor)

    keys = [tick.runs[-1].run_key for tick in (first, second, third)]
    assert len(set(keys)) == 3
    assert third.cursor.files["2026/schools.csv"].sha256 == watch.file_sha256(original)


def test_the_run_key_depends_on_year_content_and_request_number():
    files = {"2026/a.csv": watch.FileState(1, 2, "aa")}
    assert run_key("2026", files, 1) == run_key("2026", {"2026/a.csv": watch.FileState(9, 9, "aa")}, 1)
    assert run_key("2026", files, 1) != run_key("2026", files, 2)
    assert run_key("2026", files, 1) != run_key("2026", {"2026/a.csv": watch.FileState(1, 2, "bb")}, 1)


def test_the_cursor_survives_json(landing):
    cursor = look(landing, WatchCursor()).cursor
    assert WatchCursor.from_json(cursor.to_json()) == cursor
    assert WatchCursor.from_json(None) == WatchCursor()


def test_a_removed_year_folder_is_forgotten_without_a_run(landing):
    cursor = look(landing, WatchCursor()).cursor
    (landing / "2025/schools.parquet").unlink()
    (landing / "2025").rmdir()

    tick = look(landing, cursor)

    assert tick.runs == ()
    assert "2025" in tick.skipped
    assert sorted(tick.cursor.files) == ["2026/schools.csv", "2026/淮南/田家庵/学校01.xlsx"]


def test_a_missing_landing_folder_changes_nothing(tmp_path, landing):
    cursor = look(landing, WatchCursor()).cursor
    tick = look(tmp_path / "unmounted", cursor)
    assert (tick.runs, tick.cursor) == ((), cursor)
    assert "does not exist" in next(iter(tick.skipped.values()))


def test_an_unreadable_file_waits_while_fresh_then_is_left_out_and_reported(landing, monkeypatch):
    write(landing, "2026/淮南/田家庵/学校02.xlsx", "being copied")
    real_sha256 = watch.file_sha256

    def locked(path):
        if path.name == "学校02.xlsx":
            raise PermissionError("locked by another process")
        return real_sha256(path)

    monkeypatch.setattr(watch, "file_sha256", locked)
    assert look(landing, WatchCursor(), now=time.time()).waiting.keys() == {"2025", "2026"}

    tick = look(landing, WatchCursor())
    assert [run.change.added for run in tick.runs if run.year == "2026"] == [
        ("2026/schools.csv", "2026/淮南/田家庵/学校01.xlsx")
    ]
    assert "locked by another process" in tick.unreadable["2026/淮南/田家庵/学校02.xlsx"]
    assert "2026/淮南/田家庵/学校02.xlsx" not in tick.cursor.files


def test_a_known_file_locked_while_rewritten_is_not_taken_for_deleted(landing, monkeypatch):
    cursor = look(landing, WatchCursor()).cursor
    write(landing, "2026/schools.csv", "county_code\n340403\n340404\n")
    monkeypatch.setattr(watch, "file_sha256", lambda path: (_ for _ in ()).throw(PermissionError("locked")))

    tick = look(landing, cursor)

    assert tick.runs == ()
    assert tick.cursor.files["2026/schools.csv"] == cursor.files["2026/schools.csv"]  # hashed again next tick


# The sensor, evaluated like the daemon does.


@dg.asset(partitions_def=yearly_partitions)
def evaluated_year() -> int:
    return 1


annual_evaluation = dg.define_asset_job("annual_evaluation", selection=[evaluated_year])


class Clock:
    """Real time plus a settable lead, because file times come from the real clock."""

    def __init__(self):
        self.ahead = 0.0

    def __call__(self) -> float:
        return time.time() + self.ahead


class Ticks:
    """Evaluates the sensor like the daemon does: each tick starts from the cursor the previous one saved."""

    def __init__(self, root, is_closed=lambda year, now: False):
        self.clock = Clock()
        self.sensor = build_submissions_sensor(annual_evaluation, clock=self.clock, is_closed=is_closed)
        self.resources = {"submissions": SubmissionsFolder(path=str(root))}
        self.cursor = None

    def tick(self, settled: bool = True) -> dg.SensorResult:
        self.clock.ahead = DEFAULT_QUIET_SECONDS + 1 if settled else 0.0
        context = dg.build_sensor_context(cursor=self.cursor, resources=self.resources)
        result = self.sensor(context)
        self.cursor = result.cursor
        return result


def requested(result: dg.SensorResult) -> list[tuple[str, str]]:
    return [(r.partition_key, r.tags[CHANGED_FILES_TAG]) for r in result.run_requests]


def test_the_sensor_runs_each_year_once_per_content_change(tmp_path):
    write(tmp_path, "2025/schools.csv")
    write(tmp_path, "2026/schools.csv")
    write(tmp_path, "2026/淮南/学校01.xlsx", "workbook")
    ticks = Ticks(tmp_path)

    first = ticks.tick()
    assert requested(first) == [("2025", "1"), ("2026", "2")]
    assert {r.tags[RUN_KIND_TAG] for r in first.run_requests} == {"new_submissions"}
    assert len({r.run_key for r in first.run_requests}) == 2

    unchanged = ticks.tick()
    assert unchanged.run_requests == []
    assert "no new submission content" in unchanged.skip_reason.skip_message

    touched = tmp_path / "2026/schools.csv"
    os.utime(touched, (time.time() + 5, time.time() + 5))
    assert ticks.tick().run_requests == []

    write(tmp_path, "2026/淮南/学校01.xlsx", "workbook, corrected")
    changed = ticks.tick()
    assert requested(changed) == [("2026", "1")]
    assert changed.run_requests[0].tags["balanced/modified_files"] == "1"
    assert changed.run_requests[0].run_key not in {r.run_key for r in first.run_requests}


def test_a_burst_is_skipped_while_files_keep_arriving_then_gets_one_run(tmp_path):
    write(tmp_path, "2026/schools.csv")
    ticks = Ticks(tmp_path)
    ticks.tick()

    write(tmp_path, "2026/淮南/学校01.xlsx", "1")
    write(tmp_path, "2026/淮南/学校02.xlsx", "2")
    during = ticks.tick(settled=False)
    assert during.run_requests == []
    assert "waiting for the copy to finish" in during.skip_reason.skip_message

    write(tmp_path, "2026/淮南/学校03.xlsx", "3")
    assert requested(ticks.tick()) == [("2026", "3")]
    assert ticks.tick().run_requests == []


def test_a_folder_that_is_not_a_year_is_skipped_with_its_reason(tmp_path):
    write(tmp_path, "templates/学校.xlsx")
    result = Ticks(tmp_path).tick()
    assert result.run_requests == []
    assert "folder templates is not an evaluation year" in result.skip_reason.skip_message


def test_the_sensor_loads_and_its_requests_carry_the_partition(tmp_path):
    write(tmp_path, "2026/schools.csv")
    ticks = Ticks(tmp_path)
    defs = dg.Definitions(
        assets=[evaluated_year], jobs=[annual_evaluation], sensors=[ticks.sensor], resources=ticks.resources
    )
    dg.Definitions.validate_loadable(defs)
    ticks.clock.ahead = DEFAULT_QUIET_SECONDS + 1
    context = dg.build_sensor_context(resources=ticks.resources, repository_def=defs.get_repository_def())
    (request,) = ticks.sensor.evaluate_tick(context).run_requests
    assert request.tags["dagster/partition"] == "2026"


def test_a_year_past_its_deadline_is_frozen(tmp_path):
    write(tmp_path, "2025/schools.csv")
    write(tmp_path, "2026/schools.csv")
    ticks = Ticks(tmp_path, is_closed=lambda year, now: year == "2025")
    first = ticks.tick()
    assert requested(first) == [("2026", "1")]
    write(tmp_path, "2025/schools.csv", "county_code\n340404\n")
    later_tick = ticks.tick()
    assert later_tick.run_requests == []
    assert "2025 is past its deadline and frozen" in later_tick.skip_reason.skip_message
