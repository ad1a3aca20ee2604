"""Plain dbt on a built warehouse: the unit tests pass, dbt vars change what they
say, a malformed one stops the build clearly, the erasure check can fail, and
the docs site builds."""

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import copy_data_dir, query

from orchestration.project import DBT_PROFILES_DIR, REPO_ROOT

DBT = str(Path(sys.executable).parent / "dbt")


@pytest.fixture(scope="module")
def warehouse_dir(tmp_path_factory, foreign_warehouse) -> Path:
    """A built warehouse of its own: plain dbt writes to it."""
    return copy_data_dir(foreign_warehouse, tmp_path_factory.mktemp("vars") / "data").root


def dbt(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        # its own target folder: the repository's target/ belongs to the builds
        [
            DBT,
            *args,
            "--project-dir",
            str(REPO_ROOT),
            "--profiles-dir",
            str(DBT_PROFILES_DIR),
            *([] if "--target-path" in args else ["--target-path", str(root / "target")]),
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "TOUSU_DATA_DIR": str(root)},
    )


def test_every_unit_test_passes(warehouse_dir):
    """Builds leave the unit tests out (they test the SQL, not the data); CI runs them here."""
    target = warehouse_dir / "unit-tests"
    result = dbt(warehouse_dir, "test", "--select", "test_type:unit", "--target-path", str(target))
    assert result.returncode == 0, result.stdout[-3000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    unit_tests = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit_tests) >= 8 and {r["status"] for r in unit_tests} == {"pass"}
    # the hook that records scoped data tests ran too, and nothing else
    assert {r["unique_id"].split(".")[0] for r in results} <= {"unit_test", "operation"}


def test_second_half_is_rated_only_when_switched_on(warehouse_dir):
    # as `tousu build` built it, with the default vars
    sql = "SELECT count(*) FROM marts.platform_ratings WHERE period_type = 'half' AND period_key LIKE '%-H2'"
    assert query(warehouse_dir / "warehouse.duckdb", sql) == [(0,)]
    # plain dbt, run by hand with the var switched on
    result = dbt(warehouse_dir, "build", "--exclude", "resource_type:unit_test", "--vars", "{rate_second_half: true}")
    assert result.returncode == 0, result.stdout[-2000:]
    assert query(warehouse_dir / "warehouse.duckdb", sql)[0][0] > 0
    # an H2 row counts exactly the complaints of its six months
    mismatches = query(
        warehouse_dir / "warehouse.duckdb",
        """
        SELECT h.platform FROM marts.platform_ratings h
        JOIN marts.platform_ratings m ON m.platform = h.platform AND m.period_type = 'month'
             AND m.period_start BETWEEN h.period_start AND h.period_end
        WHERE h.period_key LIKE '%-H2' GROUP BY h.platform, h.n_complaints
        HAVING h.n_complaints <> sum(m.n_complaints)""",
    )
    assert mismatches == []


def test_the_erasure_check_fails_on_a_held_row_of_a_purged_line(warehouse_dir):
    """`assert_no_purged_complaint_is_held` can fail: a tombstone for the state
    line of a complaint still held, as a purge whose rows were never dropped
    would leave, fails it once per row of that complaint in each table."""
    database = warehouse_dir / "warehouse.duckdb"
    ((source_file, line_no, complaint_id),) = query(
        database, "SELECT source_file, source_line_no, complaint_id FROM core.fct_replies ORDER BY ALL LIMIT 1"
    )
    held = query(
        database,
        "SELECT (SELECT count(*) FROM core.fct_replies WHERE complaint_id = $id)"
        " + (SELECT count(*) FROM intermediate.int_complaint_replies WHERE complaint_id = $id)"
        " + (SELECT count(*) FROM core.fct_evaluations WHERE complaint_id = $id)",
        {"id": complaint_id},
    )[0][0]
    tombstone = [source_file, line_no]
    with duckdb.connect(str(database)) as con:
        con.execute("INSERT INTO audit.purged_lines VALUES (?, ?, 'raw', 'by the test', now())", tombstone)
    try:
        result = dbt(warehouse_dir, "test", "--select", "assert_no_purged_complaint_is_held")
    finally:
        with duckdb.connect(str(database)) as con:
            con.execute("DELETE FROM audit.purged_lines WHERE source_file = ? AND line_no = ?", tombstone)
    assert result.returncode == 1, result.stdout[-2000:]
    results = json.loads((warehouse_dir / "target" / "run_results.json").read_text())["results"]
    (check,) = [r for r in results if r["unique_id"] == "test.tousu.assert_no_purged_complaint_is_held"]
    # the current state and fct_complaints, and each reply and evaluation row
    assert check["status"] == "fail" and check["failures"] == 2 + held


def test_a_malformed_var_names_itself(warehouse_dir):
    result = dbt(warehouse_dir, "run", "--select", "dim_periods", "--vars", "{rate_second_half: sometimes}")
    assert result.returncode != 0
    assert "rate_second_half' must be true or false, got: sometimes" in result.stdout


def test_a_malformed_publication_var_stops_before_reaching_sql(warehouse_dir):
    result = dbt(
        warehouse_dir, "run", "--select", "published_ratings", "--vars", '{publish_period_key: "2024\' or true --"}'
    )
    assert result.returncode != 0
    assert "dbt var 'publish_period_key' is malformed" in result.stdout


def test_docs_site_is_one_static_file_with_models_and_exposures(warehouse_dir, tmp_path):
    target = tmp_path / "docs-target"
    result = dbt(warehouse_dir, "docs", "generate", "--static", "--target-path", str(target))
    assert result.returncode == 0, result.stdout[-2000:]
    site = (target / "static_index.html").read_text(encoding="utf-8")
    for name in (
        "bi_serving",
        "annual_report",
        "platform_ratings",
        "typical_cases",
        "fct_complaints",
        "stg_tousu__complaints",
        "composite_index = reply_rate",
        "published_ratings",
        "int_complaints__current_state",
        "Incremental facts",
    ):
        assert name in site, name
