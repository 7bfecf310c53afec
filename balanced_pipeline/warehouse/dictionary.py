"""The table dictionary (数据字典) in Markdown, generated from the catalogue so it is never written twice."""

from __future__ import annotations

from balanced_pipeline.warehouse.catalogue import DTYPES, TABLES

HEADER = """# Table dictionary / 数据字典

Generated from `balanced_pipeline/tables.py` by `balanced-pipeline tables --out docs/TABLES.md`;
do not edit by hand. Every table is partitioned by `year`: re-running a year replaces that year's
rows only. Types are given as DuckDB / PostgreSQL column types.
"""


def table_dictionary() -> str:
    sections = [HEADER]
    sections.append("| table | grain | 粒度 | key |\n|---|---|---|---|")
    for table in TABLES.values():
        key = ", ".join(table.key) if table.key else "—"
        sections[-1] += f"\n| [`{table.name}`](#{table.name}) | {table.grain_en} | {table.grain_zh} | {key} |"
    for table in TABLES.values():
        rows = "\n".join(
            f"| `{c.name}` | {DTYPES[c.dtype][1]} / {DTYPES[c.dtype][2]} | {c.unit or ''} | {_cell(c.en)} | {_cell(c.zh)} |"
            for c in table.columns
        )
        sections.append(
            f"## {table.name}\n\n{table.grain_en} — {table.grain_zh}\n\n"
            f"Key: {', '.join(f'`{k}`' for k in table.key) if table.key else 'none (one row per event)'}\n\n"
            "| column | type | unit | meaning | 含义 |\n|---|---|---|---|---|\n" + rows
        )
    return "\n\n".join(sections) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
