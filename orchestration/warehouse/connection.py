"""Connections to the warehouse file, with tousu's SQL functions and settings."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import duckdb

from orchestration.warehouse import sql_functions

# DuckDB settings a deployment may override through the environment (documented
# in docs/operations.md). Ingestion and every dbt connection use them.
SETTING_ENV = {
    "threads": "TOUSU_DUCKDB_THREADS",
    "memory_limit": "TOUSU_DUCKDB_MEMORY_LIMIT",
    "temp_directory": "TOUSU_DUCKDB_TEMP_DIRECTORY",
}
# Unset, DuckDB takes 80% of the machine's memory before it spills. tousu keeps
# a build's peak well under 4 GiB instead: beyond this, DuckDB spills to its
# temp directory (default: warehouse.duckdb.tmp beside the warehouse). No table
# relies on insertion order, and keeping it makes DuckDB buffer results it could
# stream (an out-of-memory error at 10M complaints with two models at once).
DEFAULT_SETTINGS = {"memory_limit": "2560MB", "preserve_insertion_order": "false"}


class ConfigError(ValueError):
    """A TOUSU_DUCKDB_* variable DuckDB does not accept."""


def duckdb_settings(defaults: dict[str, str] = DEFAULT_SETTINGS) -> dict[str, str]:
    """`defaults` (tousu's unless a caller has its own) overridden by the
    environment, each variable checked once per value."""
    overrides = {key: os.environ[env] for key, env in SETTING_ENV.items() if os.environ.get(env)}
    for key, value in overrides.items():
        _check_setting(key, value)
    return {**defaults, **overrides}


@functools.cache
def _check_setting(key: str, value: str) -> None:
    """Try a setting on a scratch in-memory database, so that a bad value is
    reported by its variable's name rather than by DuckDB mid-build."""
    try:
        duckdb.connect(":memory:", config={key: value}).close()
    except duckdb.Error as error:
        raise ConfigError(f"{SETTING_ENV[key]}={value!r} is not a valid DuckDB {key}: {error}") from None


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    config = duckdb_settings()
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    return sql_functions.register(con)
