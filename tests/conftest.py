"""Shared fixtures: temporary data directories, one built warehouse per
session, and warehouse queries."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from filelock import FileLock

sys.path.insert(0, str(Path(__file__).parent))  # spec_oracle, foreign_landing

from cfpb_landing import write_cfpb_landing  # noqa: E402
from foreign_landing import write_foreign_landing  # noqa: E402

from orchestration.cli import main as tousu  # noqa: E402
from orchestration.paths import DATA_DIR_ENV, DataDir  # noqa: E402


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> DataDir:
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "data"))
    return DataDir(tmp_path / "data").create()


def run_tousu(data_dir: DataDir, *args: str) -> int:
    """Run the CLI in process against `data_dir`."""
    import os

    os.environ[DATA_DIR_ENV] = str(data_dir.root)
    return tousu(list(args))


def query(database: Path | None, sql: str, params=None) -> list[tuple]:
    """Read-only query of a database file (None: an in-memory database)."""
    with duckdb.connect(str(database), read_only=True) if database else duckdb.connect() as con:
        return con.execute(sql, params or []).fetchall()


def derived_tables(warehouse: Path) -> dict[str, list[str]]:
    """Every table dbt builds from the landed lines (schemas intermediate, core
    and marts), with its columns in order."""
    rows = query(
        warehouse,
        """
        SELECT t.schema_name || '.' || t.table_name, list(c.column_name ORDER BY c.column_index)
        FROM duckdb_tables() AS t JOIN duckdb_columns() AS c USING (schema_name, table_name)
        WHERE t.schema_name IN ('intermediate', 'core', 'marts')
        GROUP BY ALL ORDER BY 1""",
    )
    return dict(rows)


def rows_but_ingestion_times(warehouse: Path, table: str, columns: list[str]) -> list[tuple]:
    """A table's rows, sorted, without source_ingested_at: two warehouses built
    from the same lines may differ in that column and in nothing else."""
    kept = ", ".join(f'"{column}"' for column in columns if column != "source_ingested_at")
    return query(warehouse, f"SELECT {kept} FROM {table} ORDER BY ALL")


def _shared_build(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, write_landing: Callable[[Path], object]
) -> DataDir:
    """A landing zone after one `tousu build`, made once per test session: the
    xdist workers share it under a file lock. Tests only read it; a test that
    changes a warehouse changes a copy (`copy_data_dir`), which costs far less
    than a build."""
    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the directory every worker's basetemp is in
    root, complete = shared / name, shared / f"{name}.complete"
    with FileLock(str(shared / f"{name}.lock")):
        if not complete.exists():
            shutil.rmtree(root, ignore_errors=True)
            data_dir = DataDir(root).create()
            write_landing(data_dir.landing)
            assert run_tousu(data_dir, "build") == 0
            complete.touch()
    return DataDir(root)


@pytest.fixture(scope="session")
def foreign_warehouse(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> DataDir:
    """The foreign landing zone (tests/foreign_landing.py, every batch at once), built."""
    return _shared_build(tmp_path_factory, worker_id, "foreign-warehouse", write_foreign_landing)


@pytest.fixture(scope="session")
def cfpb_warehouse(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> DataDir:
    """The real CFPB extracts (tests/cfpb_landing.py), built on the DuckDB engine."""
    return _shared_build(tmp_path_factory, worker_id, "cfpb-warehouse", write_cfpb_landing)


def copy_data_dir(source: DataDir, destination: Path) -> DataDir:
    """A copy of a whole data directory (landing files keep their mtimes, and
    serving's relative links stay inside the copy)."""
    shutil.copytree(source.root, destination, symlinks=True)
    return DataDir(destination)


# The slowest modules first, so that the two xdist workers (--dist loadfile
# hands out whole modules, in collection order) end together instead of one
# running a long module while the other waits. The first two do not both wait
# for the shared warehouse: test_demo builds its own.
LONGEST_FIRST = (
    "e2e/test_spark_engine.py",
    "e2e/test_foreign_landing.py",
    "e2e/test_demo.py",
    "e2e/test_crash_safety.py",
    "e2e/test_clear_failures.py",
    "e2e/test_benchmark_equivalence.py",
    "e2e/test_data_tests_on_changes.py",
    "e2e/test_concurrent_builds.py",
    "e2e/test_dbt_vars.py",
    "e2e/test_purge.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.path.as_posix()
        return next((n for n, module in enumerate(LONGEST_FIRST) if path.endswith(module)), len(LONGEST_FIRST))

    items.sort(key=rank)  # stable: each module keeps its own order
