"""Dagster asset definitions, one module per stage of the flow: intake → validation → indicators → monitoring → reports."""
