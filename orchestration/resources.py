"""Dagster resources: where the data lives, and the dbt CLI."""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtCliResource
from packaging import version

from orchestration.paths import DATA_DIR_ENV, DataDir
from orchestration.project import tousu_dbt_project
from orchestration.warehouse.writer import hold_writer

# dbt artifacts of this many invocations are kept in logs/dbt/.
DBT_RUNS_KEPT = 20
PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def keep_newest(folder: Path, keep: int) -> None:
    """Delete all but the `keep` most recently modified entries of `folder`."""
    entries = sorted(folder.iterdir(), key=lambda path: path.stat().st_mtime)
    for stale in entries[: max(0, len(entries) - keep)]:
        shutil.rmtree(stale, ignore_errors=True)


def seed_partial_parse(runs: Path, step: str, target: Path) -> None:
    """Start `target` with the partial-parse state of this step's newest earlier
    invocation in the same data directory.

    dbt's state records the profile, whose path follows TOUSU_DATA_DIR, so the
    state `make manifest` leaves in the project's target/ is stale for every data
    directory but the default one, and dbt would parse the whole project again on
    every build. dbt still checks the seeded state (versions, files, vars,
    profile) and parses again whatever changed."""
    earlier = [path / PARTIAL_PARSE_FILE for path in runs.glob(f"{step}-*") if (path / PARTIAL_PARSE_FILE).exists()]
    if not earlier:
        return  # dagster-dbt seeds from the project's target/ instead
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(max(earlier, key=lambda path: path.stat().st_mtime), target / PARTIAL_PARSE_FILE)


class TousuDataDirResource(dg.ConfigurableResource):
    """The data directory (`TOUSU_DATA_DIR`): landing/, warehouse.duckdb, serving/."""

    # None: read TOUSU_DATA_DIR when a run starts, not when definitions load.
    data_dir: str | None = None

    def paths(self) -> DataDir:
        root = self.data_dir or os.environ.get(DATA_DIR_ENV) or "data"  # empty means unset
        return DataDir(Path(root).resolve()).create()

    def dbt_target(self, context: dg.AssetExecutionContext) -> Path:
        """Where one dbt invocation writes its artifacts (run_results.json, the
        compiled SQL): `logs/dbt/<step>-<run>/` in the data directory, beside the
        build logs, the newest DBT_RUNS_KEPT kept. (dagster-dbt's default is a
        new folder under the project's target/ per run, which only grows.)"""
        runs = self.paths().dbt_runs
        runs.mkdir(exist_ok=True)
        keep_newest(runs, DBT_RUNS_KEPT - 1)
        step = context.op_execution_context.op.name
        target = runs / f"{step}-{context.run.run_id[:8]}"
        seed_partial_parse(runs, step, target)
        return target

    def export_for_dbt(self) -> None:
        # dbt's profile reads TOUSU_DATA_DIR; an absolute path makes it independent
        # of the working directory dbt runs in.
        os.environ[DATA_DIR_ENV] = str(self.paths().root)


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


class TousuDbtCliResource(DbtCliResource):
    """dagster-dbt's resource, minus one start of dbt per invocation: it learns
    dbt's version by running `dbt --version` (seconds of imports, every build).
    The executable is the locked dbt-core's own, so its package metadata says it."""

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(importlib.metadata.version("dbt-core"))


def build_resources() -> dict[str, dg.ConfigurableResource]:
    data_dir = TousuDataDirResource()
    return {
        "data_dir": data_dir,
        "warehouse_writer": WarehouseWriterResource(data_dir=data_dir),
        # The dbt installed beside this interpreter, so an unactivated venv works too.
        "dbt": TousuDbtCliResource(
            project_dir=tousu_dbt_project, dbt_executable=str(Path(sys.executable).parent / "dbt")
        ),
    }
