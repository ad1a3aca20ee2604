"""dbt-duckdb plugin: registers tousu's SQL functions on dbt's connections and
applies the DuckDB settings ingestion uses (TOUSU_DUCKDB_*, with tousu's defaults).

Named in `dbt_project/profiles.yml` under `plugins:`, so staging models can call
`tousu_local_ts()`, `tousu_amount()`, `tousu_nfkc()` exactly as ingestion does.
"""

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.warehouse import sql_functions
from orchestration.warehouse.connection import duckdb_settings


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        # Database-wide settings: set once on the connection dbt opens first.
        for key, value in duckdb_settings().items():
            conn.execute(f"SET {key} = $value", {"value": value})
        # Stored in the warehouse, so that the cursor dbt opens for each node
        # sees the macros without defining them again; the Python UDF belongs
        # to the database instance, which the cursors share.
        sql_functions.register(conn, stored=True)
