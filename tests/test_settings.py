"""Where the data and the Dagster home default to: the checkout when running from one, else the folder
the command runs in (an installed wheel must never write into site-packages)."""

from pathlib import Path

import pytest

from balanced_pipeline import settings

CHECKOUT = Path(__file__).resolve().parents[1]


@pytest.mark.checkout
def test_a_checkout_keeps_its_data_in_the_checkout(monkeypatch):
    monkeypatch.delenv("BALANCED_DATA_DIR", raising=False)
    assert settings.PROJECT_ROOT == CHECKOUT
    assert settings.data_dir() == CHECKOUT / "data"


def test_an_installed_package_uses_the_current_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("BALANCED_DATA_DIR", raising=False)
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(settings, "PROJECT_ROOT", None)
    monkeypatch.chdir(tmp_path)
    assert settings.data_dir() == tmp_path / "data"
    assert settings.dagster_home() == tmp_path / ".dagster_home"
    assert settings.default_warehouse_url() == f"duckdb:///{tmp_path / 'data' / 'warehouse.duckdb'}"


def test_balanced_data_dir_wins(monkeypatch, tmp_path):
    monkeypatch.setenv("BALANCED_DATA_DIR", str(tmp_path / "elsewhere"))
    assert settings.data_dir() == tmp_path / "elsewhere"


def test_county_reports_use_one_process_per_core_only_for_enough_counties(monkeypatch):
    monkeypatch.setenv("BALANCED_REPORT_WORKERS", "2")
    per_worker = settings.COUNTIES_PER_REPORT_WORKER
    assert settings.report_workers(7) == 1
    assert settings.report_workers(2 * per_worker - 1) == 1
    assert settings.report_workers(2 * per_worker) == 2
    assert settings.report_workers(2_850) == 2
    monkeypatch.setenv("BALANCED_REPORT_WORKERS", "1")
    assert settings.report_workers(2_850) == 1
