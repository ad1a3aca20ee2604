"""When a build lets DuckDB merge part-filled row groups (the schedule), and
that dbt's connections follow it as ingestion does."""

import datetime as dt

import duckdb

from orchestration.warehouse import row_group_merges
from orchestration.warehouse.dbt_plugin import Plugin


def test_every_period_th_run_and_every_large_load_merges():
    period = row_group_merges.MERGE_PERIOD
    assert [run for run in range(3 * period + 1) if row_group_merges.merges_due(run)] == [
        period,
        2 * period,
        3 * period,
    ]
    assert row_group_merges.merges_due(1, load_bytes=row_group_merges.LARGE_LOAD_BYTES)
    assert not row_group_merges.merges_due(1, load_bytes=row_group_merges.LARGE_LOAD_BYTES - 1)
    assert row_group_merges.vacuum_tasks(True) == str(row_group_merges.ALL_MERGES)
    assert row_group_merges.vacuum_tasks(False) == "0"


def _ledger(con: duckdb.DuckDBPyConnection, runs: int) -> None:
    """A ledger of `runs` ingestion runs, two files each."""
    con.execute("CREATE SCHEMA audit; CREATE TABLE audit.ingested_files (source_file VARCHAR, ingested_at TIMESTAMPTZ)")
    start = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    con.executemany(
        "INSERT INTO audit.ingested_files VALUES (?, ?)",
        [(f"file-{run}-{n}", start + dt.timedelta(days=run)) for run in range(runs) for n in range(2)],
    )


def test_runs_are_counted_from_the_ledger():
    con = duckdb.connect()
    assert row_group_merges.ingestion_runs(con) == 0  # no ledger yet
    _ledger(con, 3)
    assert row_group_merges.ingestion_runs(con) == 3
    assert row_group_merges.ingestion_runs(con, before=dt.datetime(2024, 1, 3, tzinfo=dt.UTC)) == 2


def _vacuum_tasks_of_dbts_connection(runs: int) -> int:
    con = duckdb.connect()
    _ledger(con, runs)
    Plugin("tousu_functions", {}).configure_connection(con)
    return int(con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall()[0][0])


def test_dbts_connection_merges_on_the_same_schedule():
    period = row_group_merges.MERGE_PERIOD
    assert _vacuum_tasks_of_dbts_connection(period) == row_group_merges.ALL_MERGES
    assert _vacuum_tasks_of_dbts_connection(period + 1) == row_group_merges.NO_MERGES
