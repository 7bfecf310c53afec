"""How Dagster shows and guards where an asset's rows live: storage kinds, owners, the warehouse pool."""

from __future__ import annotations

from balanced_pipeline import settings
from balanced_pipeline.warehouse.store import normalise_url

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
