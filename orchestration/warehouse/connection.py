"""Connections to the warehouse file, with tousu's SQL functions and settings."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from orchestration.warehouse import sql_functions

# DuckDB settings a deployment may override through the environment (documented
# in docs/operations.md); unset means DuckDB's own default.
SETTING_ENV = {
    "threads": "TOUSU_DUCKDB_THREADS",
    "memory_limit": "TOUSU_DUCKDB_MEMORY_LIMIT",
    "temp_directory": "TOUSU_DUCKDB_TEMP_DIRECTORY",
}


class ConfigError(ValueError):
    """A TOUSU_DUCKDB_* variable DuckDB does not accept."""


def duckdb_settings() -> dict[str, str]:
    """The settings from the environment, each tried on a scratch in-memory
    database first so that a bad value is reported by its variable's name."""
    settings = {key: os.environ[env] for key, env in SETTING_ENV.items() if os.environ.get(env)}
    for key, value in settings.items():
        try:
            duckdb.connect(":memory:", config={key: value}).close()
        except duckdb.Error as error:
            raise ConfigError(f"{SETTING_ENV[key]}={value!r} is not a valid DuckDB {key}: {error}") from None
    return settings


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    config = duckdb_settings()
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    return sql_functions.register(con)
