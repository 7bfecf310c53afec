"""Dagster-only wiring the assets import: resources, partitions, schedules and sensors. Nothing else imports Dagster."""
