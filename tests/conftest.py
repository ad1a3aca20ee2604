"""Shared fixtures: temporary data directories and warehouse queries."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # spec_oracle, foreign_landing

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
