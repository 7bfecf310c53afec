"""The table dictionary (数据字典) in Markdown, generated from the catalogue so it is never written twice."""

from __future__ import annotations

from balanced_pipeline.warehouse.catalogue import CERTIFIED_AT, DTYPES, TABLES, certified_tables

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
    sections.append(_certified_section())
    return "\n\n".join(sections) + "\n"


def _certified_section() -> str:
    copies = certified_tables()
    names = ", ".join(f"`{copy.name}`" for copy in copies.values())
    return (
        "## Certified copies / 认定版本\n\n"
        "`balanced-pipeline certify YEAR` (or the `certify_year` job) copies the year's rows of every table above "
        "except `certifications` into a table of the same name prefixed `certified_`, with the same columns and key "
        f"plus `{CERTIFIED_AT.name}` ({CERTIFIED_AT.en}). Later runs of the year change only the live (preliminary) "
        "tables; the copies change only when the year is re-certified with a reason. "
        "认定时将当年各表数据复制到同名加 `certified_` 前缀的表（列相同，另加认定时间）；此后的运行只改变初步数据，"
        f"重新认定（须说明原因）时才更新认定版本。\n\n{names}"
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
