"""Dagster asset definitions, one module per stage of the flow: ingest → quality → indicators → monitoring."""
