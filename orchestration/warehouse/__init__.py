"""The DuckDB warehouse: shared SQL functions, connections and the serving export."""
