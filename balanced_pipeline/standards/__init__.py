"""The standards: national.yaml, provincial overlays and their loader (spec §6)."""
