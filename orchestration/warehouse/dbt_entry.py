"""`tousu-dbt`: dbt's command line, connected to the data directory's engine.

Dagster's dbt resource runs this instead of `dbt`. On DuckDB it is `dbt`
itself. On Spark it first opens the Spark Connect session that dbt-spark's
`session` method then finds (`SparkSession.builder.getOrCreate()` returns the
active session) and registers on it what the metastore cannot hold: NFKC, a
Python UDF. dbt then runs in this process, every model on that one session.

`tousu-dbt --version` answers from the installed packages' metadata. dagster-dbt
asks it before every dbt invocation, and dbt's own `--version` imports dbt and
asks PyPI for the latest release: over 2 s of every build, and a network call
from a warehouse that needs none.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata

from orchestration.engine import DBT_DUCKDB_PATH, DBT_DUCKDB_PATH_ENV, DBT_TARGET_ENV, DBT_TARGETS, SPARK
from orchestration.paths import DATA_DIR_ENV

# Commands that never touch the warehouse: no session for them (dagster-dbt
# asks `--version` before every invocation).
_OFFLINE = {"--version", "--help", "-h", "parse", "deps", "clean", "debug"}


# dbt's own setting for its log file's level (dbt's default: debug).
LOG_LEVEL_FILE_ENV = "DBT_LOG_LEVEL_FILE"

# The installed dbt adapters, as dbt's `--version` lists its plugins.
_ADAPTERS = ("dbt-duckdb", "dbt-spark")


def installed_versions() -> str:
    """What `dbt --version` prints, without the check for newer releases."""
    plugins = [f"  - {name.removeprefix('dbt-')}: {metadata.version(name)}" for name in _ADAPTERS if _installed(name)]
    return "\n".join(["Core:", f"  - installed: {metadata.version('dbt-core')}", "", "Plugins:", *plugins])


def _installed(distribution: str) -> bool:
    try:
        metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return False
    return True


def _run_in_data_directory(data_dir: str) -> None:
    """Run dbt in the data directory, naming the DuckDB file relative to it
    (orchestration/engine.py, DBT_DUCKDB_PATH), and the project, which
    dagster-dbt finds by starting dbt in it, explicitly."""
    if "--project-dir" not in sys.argv:
        sys.argv += ["--project-dir", os.getcwd()]
    os.chdir(data_dir)
    os.environ[DBT_DUCKDB_PATH_ENV] = DBT_DUCKDB_PATH


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        print(installed_versions())
        return
    # The invocation's dbt.log at info level (each node's start and result, and
    # why a parse was not partial) unless the caller asks for more: at debug,
    # dbt writes every statement and connection event there, a tenth of its
    # time per node (docs/benchmarks.md). DBT_LOG_LEVEL_FILE=debug brings it back.
    os.environ.setdefault(LOG_LEVEL_FILE_ENV, "info")
    from dbt.cli.main import cli

    data_dir = os.environ.get(DATA_DIR_ENV)
    if data_dir and not _OFFLINE.intersection(sys.argv[1:2]):
        _run_in_data_directory(data_dir)
    on_spark = os.environ.get(DBT_TARGET_ENV) == DBT_TARGETS[SPARK]
    if on_spark and not _OFFLINE.intersection(sys.argv[1:2]):
        # Imported here, not at the top: it brings pyarrow and duckdb, a fifth
        # of a second that `--version`, asked before every build, need not pay.
        from orchestration.warehouse import spark

        remote = os.environ.get(spark.REMOTE_ENV)
        if not remote:
            sys.exit(f"tousu-dbt: the Spark target needs a Spark Connect server in {spark.REMOTE_ENV}")
        spark.register_session_functions(spark.connect(remote))
    cli()


if __name__ == "__main__":
    main()
