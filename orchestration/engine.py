"""Which engine a data directory's warehouse runs on: DuckDB or Spark.

The first build chooses (`tousu build --engine spark`, or TOUSU_ENGINE; DuckDB
by default) and records the choice in the data directory (`engine.json`).
Every later command on it uses the recorded engine, and one that asks for the
other engine stops with a message that says so: a warehouse is never half on
one engine and half on the other.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from orchestration.paths import DataDir, write_text_atomically

DUCKDB, SPARK = "duckdb", "spark"
ENGINES = (DUCKDB, SPARK)
ENGINE_ENV = "TOUSU_ENGINE"
RECORD = "engine.json"
# The dbt profile's target for each engine (dbt_project/profiles.yml).
DBT_TARGETS = {DUCKDB: "warehouse", SPARK: "spark"}
DBT_TARGET_ENV = "TOUSU_DBT_TARGET"
# The DuckDB target's path as `tousu-dbt` gives it to dbt, which it runs in the
# data directory (TOUSU_DATA_DIR): relative. dbt keeps its partial-parse state
# only while the rendered profile stays the same, so an absolute path made the
# first build of every data directory parse the whole project (3–5 s); this
# way it starts from the state `make manifest` leaves in target/.
DBT_DUCKDB_PATH_ENV = "TOUSU_DBT_DUCKDB_PATH"
DBT_DUCKDB_PATH = "warehouse.duckdb"


class EngineError(ValueError):
    """An engine that is not one of ENGINES, or not the data directory's."""


def recorded(data_dir: DataDir) -> str | None:
    """The engine the data directory was created with; DuckDB for one built
    before engines were recorded; None when nothing was built yet."""
    try:
        return json.loads((data_dir.root / RECORD).read_text(encoding="utf-8"))["engine"]
    except (OSError, ValueError, KeyError):
        return DUCKDB if data_dir.warehouse.exists() else None


def requested(flag: str | None = None) -> str | None:
    """The engine a command asks for: its --engine flag, else TOUSU_ENGINE."""
    wanted = flag or os.environ.get(ENGINE_ENV) or None
    if wanted is not None and wanted not in ENGINES:
        raise EngineError(f"{ENGINE_ENV}={wanted!r} is no engine; use one of: {', '.join(ENGINES)}")
    return wanted


def resolve(data_dir: DataDir, flag: str | None = None) -> str:
    """The engine to run on: the recorded one; for a new data directory, the
    requested one (DuckDB by default)."""
    wanted = requested(flag)
    existing = recorded(data_dir)
    if existing is not None and wanted is not None and wanted != existing:
        raise EngineError(
            f"{data_dir.root} holds a {existing} warehouse; it cannot run on {wanted}. "
            f"Drop --engine (or {ENGINE_ENV}) to use {existing}, or point TOUSU_DATA_DIR at "
            f"another directory for a {wanted} warehouse"
        )
    return existing or wanted or DUCKDB


def record(data_dir: DataDir, engine: str) -> None:
    """Record the engine of a data directory (its first build)."""
    if recorded(data_dir) is None:
        write_text_atomically(data_dir.root / RECORD, json.dumps({"engine": engine}))


def ratings_file(data_dir: DataDir) -> Path:
    """Where to read the ratings and their publications: the DuckDB warehouse,
    or, on Spark, the serving release that each build and publication ends
    with (the same marts, readable without the Spark server). Its existence
    says a build finished."""
    if recorded(data_dir) == SPARK:
        return data_dir.serving / "warehouse.duckdb"
    return data_dir.warehouse
