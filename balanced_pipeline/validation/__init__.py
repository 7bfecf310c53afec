"""Data quality of the submitted forms: GX Core suites (expectations/*.json) and their runner.

Nothing is re-exported here: Great Expectations takes seconds to import, and only the validation
step needs it (`validate`, `docs`, `suites`), not every module that reads a completeness constant.
"""
