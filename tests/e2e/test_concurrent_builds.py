"""Two `tousu build` processes started together: one builds, the other fails at
once with exit 7, and the warehouse is exactly what one build makes."""

import os
import subprocess
import sys

from conftest import query, run_tousu
from foreign_landing import write_foreign_landing

from orchestration.cli import EXIT_WAREHOUSE_BUSY
from orchestration.ingestion.landing import scan
from orchestration.paths import DATA_DIR_ENV, DataDir


def start_build(data_dir: DataDir) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "build"],
        env={**os.environ, DATA_DIR_ENV: str(data_dir.root)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_builds_started_together_one_builds_one_fails_cleanly(tmp_path):
    data_dir = DataDir(tmp_path / "data").create()
    write_foreign_landing(data_dir.landing, n_complaints=120)  # every batch at once
    first, second = start_build(data_dir), start_build(data_dir)
    outcomes = sorted((process.wait(timeout=600), process.stderr.read()) for process in (first, second))
    for process in (first, second):
        process.stdout.close()
        process.stderr.close()

    (ok, _), (busy, message) = outcomes
    assert (ok, busy) == (0, EXIT_WAREHOUSE_BUSY)
    assert "another build or publication is writing" in message

    # The warehouse is whole: the ledger has every file once, and building
    # again finds nothing new and passes every test.
    files = query(data_dir.warehouse, "SELECT count(*), count(DISTINCT source_file) FROM audit.ingested_files")
    assert files[0][0] == files[0][1] == len(scan(data_dir.landing).files)
    before = query(data_dir.warehouse, "SELECT * FROM marts.platform_ratings ORDER BY ALL")
    assert run_tousu(data_dir, "build") == 0
    assert query(data_dir.warehouse, "SELECT * FROM marts.platform_ratings ORDER BY ALL") == before
