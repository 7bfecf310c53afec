"""Write–audit–publish for the warehouse: a run builds its year aside, and only a run that got to the
end replaces the published year, all tables at once.

BI tools read only the published warehouse. A run writes its year into a building copy: for DuckDB
the file `<published stem>.building.<year>.duckdb` beside the published file, for PostgreSQL the
schema `building_<year>` beside the published (current) schema. The building copy of a year persists
between runs (it holds each table as last materialised, which is what Dagster shows), so a run of
a few assets reads the rest of its year from there.

Publishing a year copies every table's rows of that year from the building copy into the published
warehouse in one step a reader sees whole or not at all:
- DuckDB: the published file is copied to `<published>.next`, the year replaced in the copy, and the
  copy renamed over the published file (`os.replace`). The published file is never written in place,
  so a reader holding it open read-only neither blocks the run nor is blocked; it keeps the file it
  opened (on Linux the old inode lives on until it closes) and sees the new year when it reconnects.
  An exclusive lock on `<published>.publish.lock` makes publishes of two years take turns, so neither
  loses the other's year; the lock dies with its process, so a killed publish leaves no stale lock.
- PostgreSQL: one transaction deletes the year from every published table and inserts the building
  rows; readers see the old year until it commits.

A certification publishes its certified copies the same way, from a certifying copy of its own.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

from balanced_pipeline.warehouse.catalogue import Table
from balanced_pipeline.warehouse.store import Warehouse, WarehouseError, release

POSTGRES_PUBLISH_LOCK = 7_141_226  # pg_advisory_xact_lock key: publishes take turns, even on first CREATE TABLE


def building_warehouse(published: Warehouse, year: int) -> Warehouse:
    """Where a run writes `year` before it is published."""
    if published.backend == "duckdb":
        path = published.duckdb_path
        return Warehouse(f"duckdb:///{path.with_name(f'{path.stem}.building.{year}{path.suffix}')}")
    return Warehouse(published.url.render_as_string(hide_password=False), schema=f"building_{year}")


def certifying_warehouse(published: Warehouse, year: int) -> Warehouse:
    """Where a certification writes `year`'s certified copies before publishing them (`certify_year`):
    `<published stem>.certifying.<year>.duckdb`, or the PostgreSQL schema `certifying_<year>`."""
    if published.backend == "duckdb":
        path = published.duckdb_path
        return Warehouse(f"duckdb:///{path.with_name(f'{path.stem}.certifying.{year}{path.suffix}')}")
    return Warehouse(published.url.render_as_string(hide_password=False), schema=f"certifying_{year}")


def unbuilt_tables(building: Warehouse, tables: Iterable[Table]) -> list[str]:
    """The audit before publishing: tables the building copy never received for this year. Publishing
    then would mix a new year with old tables, so the publish step refuses."""
    return building.missing_tables(table.name for table in tables)


def publish_year(published: Warehouse, building: Warehouse, year: int, tables: Iterable[Table]) -> dict[str, int]:
    """Replace `year` in every table of `published` with the building rows, all or nothing; returns
    the rows published per table."""
    tables = list(tables)
    missing = unbuilt_tables(building, tables)
    if missing:
        raise WarehouseError(
            f"{year} 年以下表尚未生成，未发布 / not published: tables never built for {year}: {', '.join(missing)}"
        )
    if published.backend == "duckdb":
        return _publish_duckdb(published, building, year, tables)
    return _publish_postgres(published, building, year, tables)


def _publish_duckdb(published: Warehouse, building: Warehouse, year: int, tables: list[Table]) -> dict[str, int]:
    target = published.duckdb_path
    target.parent.mkdir(parents=True, exist_ok=True)
    staged_path = target.with_name(target.name + ".next")
    release(building.duckdb_path)  # checkpointed and closed: attached below from its file alone
    with _exclusive_lock(target.with_name(target.name + ".publish.lock")):
        for leftover in (staged_path, _wal(staged_path)):
            leftover.unlink(missing_ok=True)  # from a publish killed before its rename
        if target.exists():
            shutil.copyfile(target, staged_path)
        if _wal(target).exists():  # left by a writer of the file in place (a version before publishing)
            shutil.copyfile(_wal(target), _wal(staged_path))
        staged = Warehouse(f"duckdb:///{staged_path}")
        counts = {}
        with staged._duckdb(hold=False) as con:  # renamed over the published file below
            con.execute(f"ATTACH '{_sql_text(building.duckdb_path)}' AS building (READ_ONLY)")
            con.execute("BEGIN TRANSACTION")
            for table in tables:
                staged.ensure_table(con.execute, table, "duckdb")
                columns = ", ".join(f'"{c}"' for c in table.column_names)
                con.execute(f'DELETE FROM main."{table.name}" WHERE year = ?', [year])
                con.execute(f'INSERT INTO main."{table.name}" ({columns}) '
                            f'SELECT {columns} FROM building.main."{table.name}" WHERE year = ?', [year])
                counts[table.name] = con.execute(f'SELECT count(*) FROM main."{table.name}" WHERE year = ?',
                                                 [year]).fetchone()[0]
            con.execute("COMMIT")
            con.execute("DETACH building")
            con.execute("CHECKPOINT")  # everything in the file itself: no .wal may be left behind the rename
        _fsync(staged_path)
        os.replace(staged_path, target)
        _wal(target).unlink(missing_ok=True)  # already inside the new file; replayed again it would corrupt it
        _fsync(target.parent)
    return counts


def _publish_postgres(published: Warehouse, building: Warehouse, year: int, tables: list[Table]) -> dict[str, int]:
    counts = {}
    with published._postgres_engine().begin() as connection:
        execute = connection.connection.driver_connection.execute
        execute("SELECT pg_advisory_xact_lock(%s)", (POSTGRES_PUBLISH_LOCK,))
        for table in tables:
            published.ensure_table(execute, table, "postgresql")
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            target = published.qualified(table.name)
            execute(f"DELETE FROM {target} WHERE year = %s", (year,))
            inserted = execute(f"INSERT INTO {target} ({columns}) SELECT {columns} "
                               f"FROM {building.qualified(table.name)} WHERE year = %s", (year,))
            counts[table.name] = inserted.rowcount
    return counts


@contextmanager
def _exclusive_lock(path: Path) -> Iterator[None]:
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")
