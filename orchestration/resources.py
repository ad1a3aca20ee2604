"""Dagster resources: where the data lives, and the dbt CLI."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource
from pydantic import PrivateAttr

from orchestration.engine import DBT_TARGET_ENV, DBT_TARGETS, DUCKDB, SPARK, resolve
from orchestration.paths import DATA_DIR_ENV, DataDir
from orchestration.project import tousu_dbt_project
from orchestration.warehouse.writer import hold_writer


class TousuDataDirResource(dg.ConfigurableResource):
    """The data directory (`TOUSU_DATA_DIR`): landing/, warehouse.duckdb, serving/."""

    # None: read TOUSU_DATA_DIR when a run starts, not when definitions load.
    data_dir: str | None = None

    def paths(self) -> DataDir:
        root = self.data_dir or os.environ.get(DATA_DIR_ENV) or "data"  # empty means unset
        return DataDir(Path(root).resolve()).create()

    def dbt_environment(self, engine: str) -> dict[str, str]:
        """What dbt's profile reads from its environment: TOUSU_DATA_DIR, absolute
        so that it does not depend on the working directory dbt runs in, and the
        engine's target."""
        return {DATA_DIR_ENV: str(self.paths().root), DBT_TARGET_ENV: DBT_TARGETS[engine]}


class WarehouseEngineResource(dg.ConfigurableResource):
    """The data directory's engine for a whole run (orchestration/engine.py).
    On Spark it holds the Spark Connect session from the run's first step to
    its last, so the local server starts once per run, and the dbt process
    (`tousu-dbt`) finds it through SPARK_REMOTE."""

    data_dir: TousuDataDirResource
    _spark: Any = PrivateAttr(default=None)

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseEngineResource]:
        paths = self.data_dir.paths()
        if resolve(paths) != SPARK:
            yield self
            return
        from orchestration.warehouse import spark

        with spark.session(paths.spark) as session:
            self._spark = session
            try:
                yield self
            finally:
                self._spark = None

    @property
    def name(self) -> str:
        return SPARK if self._spark is not None else DUCKDB

    @property
    def spark(self):
        """The run's Spark session (None on DuckDB)."""
        return self._spark


class WarehouseWriterResource(dg.ConfigurableResource):
    """Holds the data directory's writer lock for the whole run (see
    orchestration/warehouse/writer.py). Every asset that writes the warehouse
    takes it as a parameter, only so that the run holds the lock: a run fails
    at its start, before any step, while another process writes."""

    data_dir: TousuDataDirResource

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseWriterResource]:
        with hold_writer(self.data_dir.paths().root):
            yield self


def build_resources() -> dict[str, dg.ConfigurableResource]:
    data_dir = TousuDataDirResource()
    return {
        "data_dir": data_dir,
        "warehouse_writer": WarehouseWriterResource(data_dir=data_dir),
        "engine": WarehouseEngineResource(data_dir=data_dir),
        # dbt on the data directory's engine (orchestration/warehouse/dbt_entry.py),
        # installed beside this interpreter, so an unactivated venv works too.
        "dbt": DbtCliResource(
            project_dir=tousu_dbt_project, dbt_executable=str(Path(sys.executable).parent / "tousu-dbt")
        ),
    }
