"""How Dagster shows and guards where an asset's rows live: storage kinds, owners, the warehouse pool,
and the decorator arguments the yearly assets share."""

from __future__ import annotations

import dagster as dg

from balanced_pipeline import settings
from balanced_pipeline.warehouse.store import normalise_url
from balanced_pipeline.wiring.partitions import yearly_partitions
from balanced_pipeline.wiring.resources import table_column_schema

OWNERS = ["team:supervision-office"]
"""The county supervision office (县教育督导办) answers for every table the pipeline writes."""

WAREHOUSE_POOL = "warehouse"
"""Every step that opens the warehouse claims a slot of this concurrency pool. A DuckDB file takes one
writer at a time, so the local instance (.dagster_home/dagster.yaml) limits the pool to one slot;
a PostgreSQL warehouse may allow more (deploy/dagster.yaml)."""

_KIND_OF_BACKEND = {"duckdb": "duckdb", "postgresql": "postgres"}


def warehouse_kind() -> str:
    """The storage kind the UI shows for warehouse tables; only the URL's scheme is read, never its password."""
    return _KIND_OF_BACKEND[normalise_url(settings.warehouse_url()).get_backend_name()]


WAREHOUSE_KINDS = {"pandas", warehouse_kind()}
"""Kinds of an asset the warehouse IO manager stores: computed as pandas frames, kept in DuckDB or PostgreSQL."""


def yearly_step(group: str, *, warehouse: bool = True) -> dict:
    """The decorator arguments of a yearly step in `group`: its partitions, its group and, when it
    opens the warehouse, the warehouse pool."""
    return {"partitions_def": yearly_partitions, "group_name": group, **({"pool": WAREHOUSE_POOL} if warehouse else {})}


def column_schema(table: str) -> dict:
    """Asset metadata naming the catalogue's columns of `table` (the UI's column schema)."""
    return {"dagster/column_schema": table_column_schema(table)}


def warehouse_asset(group: str, table: str) -> dict:
    """The decorator arguments of a yearly asset of `group` that the warehouse IO manager stores as `table`."""
    return {**yearly_step(group), "kinds": WAREHOUSE_KINDS, "owners": OWNERS, "metadata": column_schema(table)}


def warehouse_out(table: str, description: str) -> dg.AssetOut:
    """One output of a multi-asset that the warehouse IO manager stores as `table`."""
    return dg.AssetOut(kinds=WAREHOUSE_KINDS, owners=OWNERS, description=description, metadata=column_schema(table))
