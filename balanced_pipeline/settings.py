"""Settings of the data contract, read from the environment, each with a working default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

WAREHOUSE_URL_VAR = "BALANCED_WAREHOUSE_URL"

# The procedure's clock: a self-evaluation year, its deadline and its schedules are Shanghai time.
TIMEZONE = "Asia/Shanghai"


def _checkout_root() -> Path | None:
    """The source checkout the package is imported from (an editable install), or None when it is
    installed from a wheel: then nothing is written next to the code in site-packages."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "pyproject.toml").is_file() and (root / "assets").is_dir() else None


PROJECT_ROOT = _checkout_root()


def _working_root() -> Path:
    """The checkout when running from one, else the folder the command runs in."""
    return PROJECT_ROOT or Path.cwd()


def data_dir() -> Path:
    """Where the embedded warehouse, staging files, reports and demo data live."""
    return Path(os.environ.get("BALANCED_DATA_DIR", _working_root() / "data")).resolve()


def demo_submissions_dir() -> Path:
    return data_dir() / "demo_submissions"


def submissions_dir() -> Path:
    configured = os.environ.get("BALANCED_SUBMISSIONS_DIR")
    return Path(configured).resolve() if configured else demo_submissions_dir()


def uses_demo_submissions() -> bool:
    return "BALANCED_SUBMISSIONS_DIR" not in os.environ


def default_warehouse_url() -> str:
    """The embedded DuckDB file, used when BALANCED_WAREHOUSE_URL is not set."""
    return f"duckdb:///{data_dir() / 'warehouse.duckdb'}"


def warehouse_url() -> str:
    return os.environ.get(WAREHOUSE_URL_VAR) or default_warehouse_url()


def warehouse_lock_wait_s() -> float:
    """How long a step waits for the DuckDB file's single-writer lock that another step or a BI tool
    writing to it holds. The instance's `warehouse` pool already runs one warehouse step at a time;
    this wait is what keeps a run correct on an instance without that setting (a `dagster dev` in a
    fresh DAGSTER_HOME), where parallel steps would otherwise fail on the lock."""
    return float(os.environ.get("BALANCED_WAREHOUSE_LOCK_WAIT_S", 600))


COUNTIES_PER_REPORT_WORKER = 10
"""A year of fewer counties a process renders its reports in one: a worker process costs about two
seconds to start (it imports pandas), a county report a fraction of a second."""


def report_workers(counties: int) -> int:
    """Processes rendering the county reports: BALANCED_REPORT_WORKERS, else one per core, never more than
    one per COUNTIES_PER_REPORT_WORKER counties."""
    configured = int(os.environ.get("BALANCED_REPORT_WORKERS") or os.cpu_count() or 1)
    return max(1, min(configured, counties // COUNTIES_PER_REPORT_WORKER))


def standards_name() -> str:
    return os.environ.get("BALANCED_STANDARDS", "national")


def dagster_home() -> Path:
    """DAGSTER_HOME, defaulting to .dagster_home in the checkout (its dagster.yaml is committed) or in
    the current folder."""
    home = Path(os.environ.get("DAGSTER_HOME", _working_root() / ".dagster_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home


def first_year(current_year: int) -> int:
    """The first self-evaluation year the pipeline offers: BALANCED_FIRST_YEAR, else the earliest year
    folder of the landing folder, else last year — so the UI shows the years that have data, not a
    row of never-materialised partitions."""
    configured = os.environ.get("BALANCED_FIRST_YEAR")
    if configured:
        return int(configured)
    folder = submissions_dir()
    years = [int(p.name) for p in folder.iterdir() if p.is_dir() and p.name.isdigit() and len(p.name) == 4] \
        if folder.is_dir() else []
    return min(years, default=current_year - 1)


@dataclass(frozen=True)
class IntakeLimits:
    """How much one submitted file may hold. Past a limit the file is refused with the reason (or, for
    issue rows, its issues are summarised), so whatever a county uploads, memory and the issue table
    stay bounded and the other files are still read."""

    file_bytes: int = 4 * 1024**3
    """A national year's survey answers as one CSV is about 1 GB."""
    inflated_bytes: int = 200 * 1024**2
    """A workbook's parts unpacked, from its zip directory before anything is read; a filled template
    with 500 classes unpacks to well under 1 MB, a zip bomb to gigabytes."""
    cells_per_sheet: int = 200_000
    """Cells of one workbook sheet, A1 to the last cell holding something (calamine builds that whole
    grid); a campus has at most a few hundred classes, 200,000 cells is 20,000 rows of ten columns."""
    rows_per_file: int = 20_000_000
    """Records of one bulk file; the national class list is about 4 million."""
    issue_rows_per_rule: int = 100
    """Issue rows kept per file, sheet, field and rule; the rest become one summary row."""
