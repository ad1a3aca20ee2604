"""dbt-duckdb plugin: registers tousu's SQL functions on dbt's connections and
applies the DuckDB settings ingestion uses (TOUSU_DUCKDB_*, with tousu's defaults).

Named in `dbt_project/profiles.yml` under `plugins:`, so staging models can call
`tousu_local_ts()`, `tousu_amount()`, `tousu_nfkc()` exactly as ingestion does.
"""

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.warehouse import row_group_merges, sql_functions
from orchestration.warehouse.connection import DEFAULT_SETTINGS, duckdb_settings

# dbt commits every node on its own, and DuckDB checkpoints after whichever
# commit takes its write-ahead log past 16 MB: in the middle of a day's build,
# on a node's clock, and once more when dbt closes the warehouse. Above what a
# build writes to the log, the one checkpoint at the close writes each changed
# table once (a day of 1M complaints 0.6 s shorter, its file 5% smaller:
# docs/benchmarks.md). Bulk writes bypass the log, so it stays small.
CHECKPOINT_THRESHOLD = "4GB"


class Plugin(BasePlugin):
    def configure_connection(self, conn):
        # Database-wide settings: set once on the connection dbt opens first.
        # Row-group merges on the build's schedule, as ingestion's (this
        # build's ingestion run is recorded by now)
        merge = row_group_merges.merges_due(row_group_merges.ingestion_runs(conn))
        settings = duckdb_settings(
            {
                **DEFAULT_SETTINGS,
                "checkpoint_threshold": CHECKPOINT_THRESHOLD,
                "max_vacuum_tasks": row_group_merges.vacuum_tasks(merge),
            }
        )
        for key, value in settings.items():
            conn.execute(f"SET {key} = $value", {"value": value})
        # Stored in the warehouse, so that the cursor dbt opens for each node
        # sees the macros without defining them again; the Python UDF belongs
        # to the database instance, which the cursors share.
        sql_functions.register(conn, stored=True)
