"""Settings of the data contract, read from the environment, each with a working default."""

from __future__ import annotations

import os
from pathlib import Path

WAREHOUSE_URL_VAR = "BALANCED_WAREHOUSE_URL"


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


def standards_name() -> str:
    return os.environ.get("BALANCED_STANDARDS", "national")


def dagster_home() -> Path:
    """DAGSTER_HOME, defaulting to .dagster_home in the checkout (its dagster.yaml is committed) or in
    the current folder."""
    home = Path(os.environ.get("DAGSTER_HOME", _working_root() / ".dagster_home")).resolve()
    home.mkdir(parents=True, exist_ok=True)
    return home
