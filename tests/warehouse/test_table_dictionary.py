"""The committed table dictionary is the one the catalogue generates, and documents every column."""

from pathlib import Path

from balanced_pipeline.warehouse.dictionary import table_dictionary
from balanced_pipeline.warehouse.catalogue import TABLES

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "TABLES.md"


def test_committed_dictionary_is_up_to_date():
    assert COMMITTED.read_text(encoding="utf-8") == table_dictionary(), (
        "docs/TABLES.md is stale: run `balanced-pipeline tables --out docs/TABLES.md`"
    )


def test_every_column_has_an_english_and_a_chinese_meaning():
    for table in TABLES.values():
        assert table.grain_en and table.grain_zh, table.name
        for column in table.columns:
            assert column.en.strip() and column.zh.strip(), f"{table.name}.{column.name}"
        assert "year" in table.column_names, table.name
