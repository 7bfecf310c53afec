"""Write–audit–publish for the folders of files people read, the reports and the validation results
(data docs): a run writes a year's files into `<root>/.building/<year>/`, and publishing makes
`<root>/<year>` show all of them at once.

`<root>/<year>` is a symbolic link to `<root>/.published/<year>.<version>/`, a copy of the
building folder. Publishing copies (stage_folder), then replaces the link in one rename
(switch_folder), so a reader sees the old index and county files or the new ones, never a mix; a
run killed or failed before that leaves the link as it was. The building folder stays (a later run of the publish step alone publishes it again).
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


def building_folder(root: Path, year: int) -> Path:
    return Path(root) / BUILDING / str(year)


def published_folder(root: Path, year: int) -> Path:
    return Path(root) / str(year)


def missing_report_files(building: Path, index: pd.DataFrame) -> list[str]:
    """The audit before publishing: the overview and every file the county_reports index lists that
    the building folder lacks."""
    names = [OVERVIEW_NAME, *(Path(path).name for column in REPORT_PATH_COLUMNS for path in index[column])]
    return [name for name in names if not (Path(building) / name).is_file()]


def stage_folder(root: Path, year: int, version: str) -> Path:
    """Copy the building folder to a new version folder readers do not see yet; returns it."""
    root = Path(root)
    version_dir = root / PUBLISHED / f"{year}.{version}"
    version_dir.parent.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(version_dir, ignore_errors=True)
    shutil.copytree(building_folder(root, year), version_dir)
    return version_dir


def switch_folder(root: Path, year: int, version_dir: Path) -> None:
    """Point `<root>/<year>` at a staged version folder in one rename, then drop the year's older versions."""
    root = Path(root)
    link = published_folder(root, year)
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
