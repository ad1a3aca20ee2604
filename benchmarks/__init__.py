"""`make bench`: tousu against a hand-written DuckDB floor and a pandas script."""
