"""deploy/dagster.yaml puts Dagster's own run and event storage in a real PostgreSQL server."""

import shutil
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "dagster.yaml"


@dg.asset
def probe() -> int:
    return 1


def test_example_instance_stores_runs_and_events_in_postgres(tmp_path, monkeypatch, postgres_warehouse_url):
    # dagster-postgres is built on psycopg2 (its NOTIFY needs it); SQLAlchemy 2.1 defaults to psycopg 3.
    url = postgres_warehouse_url.replace("postgresql+psycopg://", "postgresql+psycopg2://")
    monkeypatch.setenv("DAGSTER_POSTGRES_URL", url)
    shutil.copy(EXAMPLE, tmp_path / "dagster.yaml")
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        result = dg.materialize([probe], instance=instance)
        assert result.success
        assert instance.get_run_by_id(result.run_id) is not None
    engine = sa.create_engine(postgres_warehouse_url)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT count(*) FROM runs WHERE run_id = :id"), {"id": result.run_id}).scalar()
        events = connection.execute(sa.text("SELECT count(*) FROM event_logs WHERE run_id = :id"), {"id": result.run_id}).scalar()
    assert stored == 1 and events > 0
