"""`tousu-dbt`: dbt's command line, connected to the data directory's engine.

Dagster's dbt resource runs this instead of `dbt`. On DuckDB it is `dbt`
itself. On Spark it first opens the Spark Connect session that dbt-spark's
`session` method then finds (`SparkSession.builder.getOrCreate()` returns the
active session) and registers on it what the metastore cannot hold: NFKC, a
Python UDF. dbt then runs in this process, every model on that one session.
"""

from __future__ import annotations

import os
import sys

from orchestration.warehouse import spark

# Commands that never touch the warehouse: no session for them (dagster-dbt
# asks `--version` before every invocation).
_OFFLINE = {"--version", "--help", "-h", "parse", "deps", "clean", "debug"}


def main() -> None:
    from dbt.cli.main import cli

    if os.environ.get(spark.REMOTE_ENV) and not _OFFLINE.intersection(sys.argv[1:2]):
        spark.register_session_functions(spark.connect(os.environ[spark.REMOTE_ENV]))
    cli()


if __name__ == "__main__":
    main()
