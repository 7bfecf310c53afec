"""Stage 4, monitoring: shortfalls, readiness, rectification lists, trends, the national forms and the deadline."""
