"""Data tests on the big tables check only rows changed since they last passed
(dbt_project/macros/data_tests_on_changes.sql): they still catch a defect in a
changed row, skip rows they passed on, and test everything again for other code."""

import duckdb
from conftest import copy_data_dir, query, run_tousu

from orchestration.cli import EXIT_DBT_FAILED
from orchestration.paths import DataDir

RECORDS = "audit.data_tests_passed_through"
SCOPED_TESTS = 9  # the tests with meta changes_since_last_pass
KEY_TEST = "unique_fct_evaluations_complaint_id"


def _plant_duplicate_evaluation(warehouse, which: str, ingested_at_sql: str) -> None:
    """A second row for one evaluated complaint (the first or last by id): what
    a broken incremental strategy would leave. Written by hand, as no input can
    produce it."""
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"""
            INSERT INTO core.fct_evaluations BY NAME
            SELECT * REPLACE ({ingested_at_sql} AS source_ingested_at)
            FROM core.fct_evaluations ORDER BY complaint_id {which} LIMIT 1""")


def _failures_of_newest_build(data_dir: DataDir, test_name: str) -> int:
    results = data_dir.newest_dbt_run_results()["results"]
    (result,) = [r for r in results if f".{test_name}." in r["unique_id"]]
    return result["failures"]


def test_scoped_tests_catch_changed_rows_skip_passed_ones_and_retest_all_for_other_code(
    tmp_path, capsys, foreign_warehouse
):
    data_dir = copy_data_dir(foreign_warehouse, tmp_path / "data")  # built by `tousu build`, tests passed
    warehouse = data_dir.warehouse

    ((newest,),) = query(warehouse, "SELECT max(ingested_at) FROM raw.complaints")
    assert query(warehouse, f"SELECT count(*) FROM {RECORDS}") == [(SCOPED_TESTS,)]
    assert query(warehouse, f"SELECT DISTINCT passed_through FROM {RECORDS}") == [(newest,)]

    # Two duplicates: one among rows newer than the record (found, the build
    # fails), one among rows the test passed on (out of its scope).
    _plant_duplicate_evaluation(warehouse, "DESC", "now()")
    _plant_duplicate_evaluation(warehouse, "ASC", "source_ingested_at")
    capsys.readouterr()
    assert run_tousu(data_dir, "build") == EXIT_DBT_FAILED
    assert _failures_of_newest_build(data_dir, KEY_TEST) == 1
    # the message names the landed lines behind the offending rows (issue 14.1)
    ((planted_file, planted_line),) = query(
        warehouse,
        """
        SELECT source_file, source_line_no FROM core.fct_evaluations
        ORDER BY complaint_id DESC LIMIT 1""",
    )
    assert f"{KEY_TEST}: 1 row(s), from landed lines {planted_file}:{planted_line}" in capsys.readouterr().err

    # Records made by other code (another project hash) do not count: every row
    # is tested again, and the old duplicate is found too.
    with duckdb.connect(str(warehouse)) as con:
        con.execute(f"UPDATE {RECORDS} SET project_hash = 'other code'")
    assert run_tousu(data_dir, "build") == EXIT_DBT_FAILED
    assert _failures_of_newest_build(data_dir, KEY_TEST) == 2
