"""Write–audit–publish for the report folder: a run writes a year's reports into
`reports/.building/<year>/`, and publishing makes `reports/<year>` show all of them at once.

`reports/<year>` is a symbolic link to `reports/.published/<year>.<version>/`, a copy of the
building folder. Publishing copies (stage_reports), then replaces the link in one rename
(switch_reports), so a reader sees the old index and county files or the new ones, never a mix; a
run killed before that leaves the link as it was. The building folder stays (a later run of the publish step alone publishes it again).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd

from balanced_pipeline.report.build import REPORT_PATH_COLUMNS
from balanced_pipeline.report.overview import OVERVIEW_NAME

BUILDING = ".building"
PUBLISHED = ".published"


def building_reports(reports_root: Path, year: int) -> Path:
    return Path(reports_root) / BUILDING / str(year)


def published_reports(reports_root: Path, year: int) -> Path:
    return Path(reports_root) / str(year)


def missing_report_files(building: Path, index: pd.DataFrame) -> list[str]:
    """The audit before publishing: the overview and every file the county_reports index lists that
    the building folder lacks."""
    names = [OVERVIEW_NAME, *(Path(path).name for column in REPORT_PATH_COLUMNS for path in index[column])]
    return [name for name in names if not (Path(building) / name).is_file()]


def stage_reports(reports_root: Path, year: int, version: str) -> Path:
    """Copy the building folder to a new version folder readers do not see yet; returns it."""
    root = Path(reports_root)
    version_dir = root / PUBLISHED / f"{year}.{version}"
    version_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(version_dir, ignore_errors=True)
    shutil.copytree(building_reports(root, year), version_dir)
    return version_dir


def switch_reports(reports_root: Path, year: int, version_dir: Path) -> None:
    """Point `reports/<year>` at a staged version folder in one rename, then drop the year's older versions."""
    root = Path(reports_root)
    link = published_reports(root, year)
    if link.is_dir() and not link.is_symlink():
        # A folder written in place by a version before publishing: moved aside once, then linked.
        os.replace(link, root / PUBLISHED / f"{year}.unpublished")
    staged_link = root / f".{year}.link"
    staged_link.unlink(missing_ok=True)
    staged_link.symlink_to(Path(PUBLISHED) / version_dir.name, target_is_directory=True)
    os.replace(staged_link, link)
    for old in (root / PUBLISHED).glob(f"{year}.*"):
        if old != version_dir:
            # A reader with a file of an old version open keeps it (Linux); new readers follow the link.
            shutil.rmtree(old, ignore_errors=True)
