"""Partitions start at the first year that has data, so the UI does not list empty years."""

from balanced_pipeline import settings


def test_first_year_is_the_earliest_year_folder_of_the_landing_folder(tmp_path, monkeypatch):
    for name in ("2026", "2023", "notes", "20245"):
        (tmp_path / name).mkdir()
    monkeypatch.delenv("BALANCED_FIRST_YEAR", raising=False)
    monkeypatch.setenv("BALANCED_SUBMISSIONS_DIR", str(tmp_path))
    assert settings.first_year(2026) == 2023


def test_without_year_folders_it_is_last_year_and_the_setting_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("BALANCED_FIRST_YEAR", raising=False)
    monkeypatch.setenv("BALANCED_SUBMISSIONS_DIR", str(tmp_path / "not-yet-created"))
    assert settings.first_year(2026) == 2025
    monkeypatch.setenv("BALANCED_FIRST_YEAR", "2021")
    assert settings.first_year(2026) == 2021
