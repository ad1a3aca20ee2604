"""dbt-duckdb plugin: registers tousu's SQL functions on dbt's connections.

Named in `dbt_project/profiles.yml` under `plugins:`, so staging models can call
`tousu_local_ts()`, `tousu_amount()`, `tousu_nfkc()` exactly as ingestion does.
"""

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.warehouse import sql_functions


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        sql_functions.register(conn)

    def configure_cursor(self, cursor):
        # Temp macros and UDFs are per connection; dbt runs models on cursors.
        sql_functions.register(cursor)
        return cursor
