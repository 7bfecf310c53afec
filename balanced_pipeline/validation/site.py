"""Names of a year's data quality pages, shared by their writer (`docs`) and by publishing the year,
which must not import Great Expectations to find them."""

SITE_NAME = "data_quality"
"""The GX Data Docs site."""
SUMMARY_NAME = "summary.html"
"""The page listing every form's results, the one publishing requires."""
