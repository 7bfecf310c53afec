"""The warehouse BI tools read: embedded DuckDB by default, PostgreSQL in production.

Each table holds one partition per year. Writing a year replaces that year's rows and nothing
else, in one transaction, so a failed write leaves the previous content intact.
"""

from __future__ import annotations

import io
import time
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

import duckdb
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url

from balanced_pipeline import settings
from balanced_pipeline.warehouse.catalogue import DTYPES, Table, conform_to_table

LOCK_POLL_S = (0.05, 2.0)
"""First and longest pause between attempts to take the DuckDB lock: quick for a short write, then
gentle on a long one."""


class WarehouseError(RuntimeError):
    pass


_HELD: list[dict[Path, duckdb.DuckDBPyConnection]] = []
"""The open scopes of `reusing_connections`, innermost last: DuckDB file → its held connection."""


@contextmanager
def reusing_connections() -> Iterator[None]:
    """Within the block, each DuckDB file this process writes is opened once and kept open (until
    `release` or the block's end), instead of once per read and write: opening and closing a file
    (its checkpoint) cost 40-120 ms, a run opened its building copy ~150 times. While held, the
    file's single-writer lock stays with this process: the IO manager holds it for one run (or,
    with a process per step, one step)."""
    _HELD.append({})
    try:
        yield
    finally:
        for con in _HELD.pop().values():
            con.close()


def release(path: Path) -> None:
    """Close the held connection of a DuckDB file, if any (before another database attaches it)."""
    if _HELD:
        con = _HELD[-1].pop(path.resolve(), None)
        if con is not None:
            con.close()


def normalise_url(url: str) -> URL:
    """A SQLAlchemy URL with the driver we ship (psycopg 3 for PostgreSQL)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("duckdb", "postgresql"):
        raise WarehouseError(f"unsupported warehouse URL {url!r}: use duckdb:///path or postgresql+psycopg://...")
    return parsed


class Warehouse:
    """One DuckDB file, or one schema of a PostgreSQL database (`schema=None`: the connection's
    current schema, where BI tools look)."""

    def __init__(self, url: str, schema: str | None = None):
        self.url = normalise_url(url)
        self.backend = self.url.get_backend_name()
        if schema is not None and self.backend != "postgresql":
            raise WarehouseError("a schema other than the default is for PostgreSQL warehouses only")
        self.schema = schema

    def __repr__(self) -> str:
        if self.backend == "duckdb":
            return f"DuckDB file {self.duckdb_path}"
        where = f" schema {self.schema}" if self.schema else ""
        return f"PostgreSQL {self.url.render_as_string(hide_password=True)}{where}"

    def qualified(self, table_name: str) -> str:
        """The table's name in SQL, with this warehouse's schema when it has one."""
        return f'"{self.schema}"."{table_name}"' if self.schema else f'"{table_name}"'

    @property
    def duckdb_path(self) -> Path:
        return Path(self.url.database or ":memory:")

    # -- writing ---------------------------------------------------------------------------

    def replace_partition(self, table: Table, year: int, frame: pd.DataFrame) -> int:
        """Replace `year`'s rows of `table` with `frame`; returns the rows written."""
        rows = conform_to_table(frame.assign(year=year), table)
        if self.backend == "duckdb":
            self._replace_duckdb(table, year, rows)
        else:
            self._replace_postgres(table, year, rows)
        return len(rows)

    def _replace_duckdb(self, table: Table, year: int, rows: pd.DataFrame) -> None:
        with self._duckdb() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                self.ensure_table(con.execute, table, "duckdb")
                con.execute(f'DELETE FROM "{table.name}" WHERE year = ?', [year])
                con.register("incoming_rows", rows)
                columns = ", ".join(f'"{c}"' for c in table.column_names)
                con.execute(f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM incoming_rows')
                con.unregister("incoming_rows")
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise

    def _replace_postgres(self, table: Table, year: int, rows: pd.DataFrame) -> None:
        with self._postgres_engine().begin() as connection:
            # DDL goes straight to psycopg: SQLAlchemy would read the "%" of a comment as a placeholder.
            execute = connection.connection.driver_connection.execute
            if self.schema:
                execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            self.ensure_table(execute, table, "postgresql")
            connection.exec_driver_sql(f"DELETE FROM {self.qualified(table.name)} WHERE year = %s", (year,))
            buffer = io.StringIO()
            rows.to_csv(buffer, index=False, header=False, na_rep="\\N")
            columns = ", ".join(f'"{c}"' for c in table.column_names)
            cursor = connection.connection.driver_connection.cursor()
            with cursor.copy(f'COPY {self.qualified(table.name)} ({columns}) FROM STDIN WITH (FORMAT csv, NULL \'\\N\')') as copy:
                copy.write(buffer.getvalue())

    def ensure_table(self, execute, table: Table, dialect: str) -> None:
        """Create the table with comments, key and indexes if absent; add catalogue columns it lacks."""
        type_index = 1 if dialect == "duckdb" else 2
        name = self.qualified(table.name)
        existing = self._existing_columns(execute, table.name)
        if not existing:
            definitions = [f'"{c.name}" {DTYPES[c.dtype][type_index]}' for c in table.columns]
            if table.key:
                definitions.append(f"PRIMARY KEY ({', '.join(chr(34) + k + chr(34) for k in table.key)})")
            execute(f'CREATE TABLE {name} ({", ".join(definitions)})')
            if dialect == "postgresql":
                execute(f'CREATE INDEX "{table.name}_year_idx" ON {name} (year)')
                if "county_code" in table.column_names:
                    execute(f'CREATE INDEX "{table.name}_county_idx" ON {name} (year, county_code)')
            execute(f"COMMENT ON TABLE {name} IS '{_quote(table.grain_en + ' / ' + table.grain_zh)}'")
            for column in table.columns:
                comment = _quote(f"{column.en} / {column.zh}" + (f" ({column.unit})" if column.unit else ""))
                execute(f"COMMENT ON COLUMN {name}.\"{column.name}\" IS '{comment}'")
            return
        for column in table.columns:
            if column.name not in existing:
                execute(f'ALTER TABLE {name} ADD COLUMN "{column.name}" {DTYPES[column.dtype][type_index]}')

    def _existing_columns(self, execute, table_name: str) -> set[str]:
        # Only this warehouse's own catalog and schema: a DuckDB file may have another attached (publishing),
        # a PostgreSQL database holds the building schemas beside the published one. Table and schema names
        # come from the catalogue and the code, never from input, so inlining is safe here.
        schema = f"'{self.schema}'" if self.schema else "current_schema()"
        result = execute(
            "SELECT column_name FROM information_schema.columns WHERE table_catalog = current_database() "
            f"AND table_schema = {schema} AND table_name = '{table_name}'"
        )
        return {row[0] for row in result.fetchall()}

    # -- reading ---------------------------------------------------------------------------

    def read_partition(self, table: Table, year: int) -> pd.DataFrame:
        """`year`'s rows of `table` in the catalogue's column types (empty if never written)."""
        frame = self.read_built_partition(table, year)
        return conform_to_table(pd.DataFrame(columns=table.column_names), table) if frame is None else frame

    def read_built_partition(self, table: Table, year: int) -> pd.DataFrame | None:
        """`year`'s rows of `table` in the catalogue's column types, or None when this warehouse has
        no such table. One DuckDB connection for the check and the read: opening the file is most of
        a small read's cost."""
        if self.backend == "duckdb":
            if not self.duckdb_path.exists():
                return None
            with self._duckdb(read_only=True) as con:
                if not _duckdb_has_table(con, table.name):
                    return None
                frame = con.execute(f'SELECT * FROM "{table.name}" WHERE year = ?', [year]).df()
        else:
            if not self.has_table(table.name):
                return None
            with self._postgres_engine().connect() as connection:
                frame = pd.read_sql(sa.text(f"SELECT * FROM {self.qualified(table.name)} WHERE year = :year"), connection,
                                    params={"year": year})
        return conform_to_table(frame[[c for c in table.column_names if c in frame.columns]].reindex(columns=table.column_names), table)

    def query(self, sql: str) -> pd.DataFrame:
        """Run a read-only SQL query (for tests, the summary and ad-hoc checks)."""
        if self.backend == "duckdb":
            with self._duckdb(read_only=True) as con:
                return con.execute(sql).df()
        with self._postgres_engine().connect() as connection:
            return pd.read_sql(sa.text(sql), connection)

    def has_table(self, name: str) -> bool:
        return not self.missing_tables([name])

    def missing_tables(self, names: Iterable[str]) -> list[str]:
        """Those of `names` this warehouse has no table of (in one connection)."""
        names = list(names)
        if self.backend == "duckdb":
            if not self.duckdb_path.exists():
                return names
            with self._duckdb(read_only=True) as con:
                return [name for name in names if not _duckdb_has_table(con, name)]
        inspector = sa.inspect(self._postgres_engine())
        return [name for name in names if not inspector.has_table(name, schema=self.schema)]

    # -- connections -----------------------------------------------------------------------

    @contextmanager
    def _duckdb(self, read_only: bool = False, hold: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
        """A DuckDB connection; waits while another process holds the file's single-writer lock.
        Inside `reusing_connections`, a file opened for writing (`hold`) stays open, and later opens of
        it in this process, reading or writing, get a cursor of that connection."""
        path = self.duckdb_path
        held = _HELD[-1].get(path.resolve()) if _HELD and path.exists() else None
        if held is not None:
            cursor = held.cursor()  # its own transactions, on the same open database
            try:
                yield cursor
            finally:
                cursor.close()
            return
        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        con = self._connect_duckdb(path, read_only)
        if hold and not read_only and _HELD:
            _HELD[-1][path.resolve()] = con
            cursor = con.cursor()
            try:
                yield cursor
            finally:
                cursor.close()
            return
        try:
            yield con
        finally:
            con.close()

    @staticmethod
    def _connect_duckdb(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
        deadline = time.monotonic() + settings.warehouse_lock_wait_s()
        pause = LOCK_POLL_S[0]
        while True:
            try:
                return duckdb.connect(str(path), read_only=read_only)
            except duckdb.IOException as error:
                if "lock" not in str(error).lower() or time.monotonic() + pause > deadline:
                    raise WarehouseError(
                        f"DuckDB 数据仓库 {path} 被其他进程占用或无法打开 / cannot open DuckDB warehouse "
                        f"{path}: {error}") from error
                time.sleep(pause)
                pause = min(pause * 2, LOCK_POLL_S[1])

    def _postgres_engine(self) -> sa.Engine:
        return _engine_for(self.url.render_as_string(hide_password=False))


@lru_cache(maxsize=None)
def _engine_for(url: str) -> sa.Engine:
    """One engine (and connection pool) per URL for the process: every asset's IO opens a
    Warehouse, and a pool per Warehouse would leave connections open until garbage collection."""
    return sa.create_engine(url, pool_pre_ping=True)


def _duckdb_has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    # duckdb_tables(), not information_schema.tables (a view over it and the views): a third of the time
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0])


def _quote(text: str) -> str:
    return text.replace("'", "''")
