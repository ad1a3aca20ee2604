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


def duckdb_settings() -> dict[str, str]:
    return {key: os.environ[env] for key, env in SETTING_ENV.items() if os.environ.get(env)}


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    config = duckdb_settings()
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    return sql_functions.register(con)
