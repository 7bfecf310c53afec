"""The warehouse: the table catalogue (catalogue.py), the DuckDB/PostgreSQL store (store.py) and the table dictionary."""
