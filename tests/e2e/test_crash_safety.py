"""Builds killed with SIGKILL at many points — mid-ingestion, between dbt models,
before the serving swap — one after another on one data directory, each run
starting from what the crash before it left; then a normal build ends exactly
where an uninterrupted build ends: same ledger, same raw and quarantined lines
(none twice, none half-ingested), same tables, same serving. A purge killed
between models is finished by running it again."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import copy_data_dir, derived_tables, query, rows_but_ingestion_times, run_tousu
from foreign_landing import PERSONAL_FILE, PERSONAL_ID

from orchestration.failpoints import FAILPOINT_ENV
from orchestration.paths import DATA_DIR_ENV, DataDir

# Where to crash, in this order: each crash leaves the next run further along.
# dbt outputs are named <schema>__<model>.
CRASH_POINTS = [
    "ingest:before_commit",  # lines inserted, transaction not committed
    "ingest:after_commit",  # the first batch in, the rest not
    "dbt:after:intermediate__int_complaints__current_state",  # current state new, facts and marts old
    "serving:before_swap",  # a release written, not yet current
]


def snapshot(data_dir: DataDir) -> dict[str, list[tuple]]:
    """What must not depend on a crash: ledger, raw, quarantine, every dbt table
    (ingestion times and serving release ids aside), and what serving holds."""
    warehouse = data_dir.warehouse
    tables = {
        "ledger": "SELECT * EXCLUDE (ingested_at, mtime_ns) FROM audit.ingested_files ORDER BY ALL",
        "raw": "SELECT * EXCLUDE (ingested_at) FROM raw.complaints ORDER BY ALL",
        "registry": "SELECT * EXCLUDE (ingested_at) FROM raw.platforms ORDER BY ALL",
        "quarantine": "SELECT * EXCLUDE (quarantined_at) FROM audit.quarantine ORDER BY ALL",
    }
    result = {name: query(warehouse, sql) for name, sql in tables.items()}
    for table, columns in derived_tables(warehouse).items():
        result[table] = rows_but_ingestion_times(warehouse, table, columns)
    served = data_dir.serving / "warehouse.duckdb"
    for (table,) in query(served, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'"):
        result[f"serving.{table}"] = query(served, f"SELECT * FROM marts.{table} ORDER BY ALL")
    return result


def land(source, data_dir: DataDir) -> None:
    for path in source.iterdir():
        shutil.copy2(path, data_dir.landing / path.name)


def build_killed_at(
    data_dir: DataDir, point: str, command: tuple[str, ...] = ("build",)
) -> subprocess.CompletedProcess:
    """`tousu build` (or another `command`) killed with its dbt child at `point`."""
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", *command],
        env={**os.environ, DATA_DIR_ENV: str(data_dir.root), FAILPOINT_ENV: point},
        start_new_session=True,  # its own process group: the failpoint kills build and dbt
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    stdout, stderr = process.communicate(timeout=600)
    wait_until_group_gone(process.pid)  # its own session: the group is its pid
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def wait_until_group_gone(group: int, timeout_s: float = 60) -> None:
    """SIGKILL ends every process of the group, but the build's dbt child may
    still be closing its files — DuckDB's lock among them — when the build
    itself has been reaped; on a loaded machine a query right after can find
    the warehouse locked. Wait until no thread of them runs (a process whose threads are all
    zombies holds no files)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        running = False
        # every thread, not only each process's first: a killed process's main
        # thread is a zombie while its other threads still hold its open files
        for stat in Path("/proc").glob("[0-9]*/task/[0-9]*/stat"):
            try:
                state, _parent, process_group = stat.read_text().rsplit(")", 1)[1].split()[:3]
            except (OSError, ValueError):
                continue
            if int(process_group) == group and state != "Z":
                running = True
                break
        if not running:
            return
        time.sleep(0.05)


def test_builds_killed_one_after_another_then_rerun_equal_an_uninterrupted_build(foreign_warehouse, tmp_path):
    expected = snapshot(foreign_warehouse)  # the same landing, built once without a crash
    data_dir = DataDir(tmp_path / "data").create()
    land(foreign_warehouse.landing, data_dir)
    for point in CRASH_POINTS:
        crashed = build_killed_at(data_dir, point)
        assert crashed.returncode == -signal.SIGKILL, (point, crashed.stderr[-2000:])
        # no line twice, whatever the crash interrupted: the raw table's key is unique
        assert query(
            data_dir.warehouse, "SELECT count(*) = count(DISTINCT (source_file, line_no)) FROM raw.complaints"
        ) == [(True,)], point

    assert run_tousu(data_dir, "build") == 0
    got = snapshot(data_dir)
    assert sorted(got) == sorted(expected)
    for name in expected:
        assert got[name] == expected[name], name


def test_a_purge_killed_between_models_is_finished_by_running_it_again(foreign_warehouse, tmp_path, capsys):
    """A purge's run killed after the current state dropped the complaint, the
    facts not yet: running the purge again (as its failure message says) runs
    every node, so the facts drop it too and the erasure and reconciliation
    tests pass; and it still names the landing files to redact, from the
    tombstones, though it deletes no line itself."""
    data_dir = copy_data_dir(foreign_warehouse, tmp_path / "data")
    tables = ("intermediate.int_complaints__current_state", "core.fct_complaints", "core.fct_replies")

    def held() -> dict[str, int]:
        sql = "SELECT count(*) FROM {} WHERE complaint_id = ?"
        return {table: query(data_dir.warehouse, sql.format(table), [PERSONAL_ID])[0][0] for table in tables}

    assert all(held().values())
    point = "dbt:after:intermediate__int_complaints__current_state"
    crashed = build_killed_at(data_dir, point, ("purge", "--complaint-id", PERSONAL_ID))
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    left = held()
    assert left.pop("intermediate.int_complaints__current_state") == 0 and all(left.values())

    capsys.readouterr()
    assert run_tousu(data_dir, "purge", "--complaint-id", PERSONAL_ID) == 0
    output = capsys.readouterr().out
    assert f"purged {PERSONAL_ID}: 0 raw line(s), 0 quarantined line(s)" in output
    assert str(data_dir.landing / PERSONAL_FILE) in output
    assert set(held().values()) == {0}
    checks = {r["unique_id"].split(".")[-1]: r["status"] for r in data_dir.newest_dbt_run_results()["results"]}
    assert checks["assert_no_purged_complaint_is_held"] == checks["assert_every_landed_line_accounted_for"] == "pass"


def test_an_export_killed_after_its_first_chunk_committed_is_loaded_again_whole(cfpb_warehouse, tmp_path):
    """A CFPB export commits chunk by chunk, its ledger row last: a build killed
    after a chunk leaves rows no ledger row owns, which the next build deletes
    before it loads the export again."""
    data_dir = DataDir(tmp_path / "data").create()
    land(cfpb_warehouse.landing, data_dir)
    crashed = build_killed_at(data_dir, "ingest:chunk:after_commit")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr[-2000:]
    left = "SELECT (SELECT count(*) FROM raw.cfpb_complaints), (SELECT count(*) FROM audit.files_in_progress)"
    ((n_rows, n_in_progress),) = query(data_dir.warehouse, left)
    assert n_rows > 0 and n_in_progress == 1
    assert query(data_dir.warehouse, "SELECT count(*) FROM audit.ingested_files") == [(0,)]

    # the next build, killed once its ingestion is done (dbt's part is the same as ever)
    rerun = build_killed_at(data_dir, "dbt:after:staging__stg_cfpb__complaints")
    assert rerun.returncode == -signal.SIGKILL, rerun.stderr[-2000:]
    tables = {
        "ledger": "SELECT * EXCLUDE (ingested_at, mtime_ns) FROM audit.ingested_files ORDER BY ALL",
        "raw": "SELECT * EXCLUDE (ingested_at) FROM raw.cfpb_complaints ORDER BY ALL",
        "quarantine": "SELECT * EXCLUDE (quarantined_at) FROM audit.quarantine ORDER BY ALL",
        "in progress": "SELECT * FROM audit.files_in_progress",
    }
    for name, sql in tables.items():
        assert query(data_dir.warehouse, sql) == query(cfpb_warehouse.warehouse, sql), name
