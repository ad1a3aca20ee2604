"""Where a failed dbt data test points in the landing zone.

A failing test names a model and a rule, which tells an operator little; the
rows it found came from landed lines, which tell them what to look at. After a
failed build the CLI runs each failing test's compiled query (from the newest
dbt invocation's run_results.json) again, and lists the source file and line of
the first offending rows when the tested model carries them (every staging view
and fact does: `source_file` with `line_no` or `source_line_no`). A test that
returns the offending rows shows them directly; one that returns only values
(unique, relationships: the tested column first) is joined back to its model
on the tested column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb

from orchestration.paths import DataDir
from orchestration.warehouse.connection import connect

LINE_COLUMNS = ("source_line_no", "line_no")
SHOWN_ROWS = 5


@dataclass
class FailedTest:
    name: str  # the dbt test's name
    n_failures: int | None
    lines: list[str]  # "file:line" of the first offending rows, when known


def failed_tests(data_dir: DataDir) -> list[FailedTest]:
    try:
        newest = data_dir.newest_dbt_run()
        results = json.loads((newest / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError):
        return []
    failed = [r for r in results if r.get("status") in ("fail", "error") and r.get("unique_id", "").startswith("test.")]
    if not failed:
        return []
    nodes = _manifest_nodes(newest)
    tests = []
    try:
        con = connect(data_dir.warehouse, read_only=True)
    except duckdb.Error:
        con = None
    try:
        for result in failed:
            test_node = nodes.get(result["unique_id"], {})
            model = nodes.get(test_node.get("attached_node") or "", {})
            lines = (
                _offending_lines(
                    con, result.get("compiled_code"), model.get("relation_name"), test_node.get("column_name")
                )
                if con
                else []
            )
            # unique_id: test.<package>.<test name>.<hash>
            tests.append(FailedTest(result["unique_id"].split(".")[2], result.get("failures"), lines))
    finally:
        if con is not None:
            con.close()
    return tests


def _manifest_nodes(run_folder) -> dict:
    try:
        return json.loads((run_folder / "manifest.json").read_text())["nodes"]
    except (OSError, ValueError, KeyError):
        return {}


def _offending_lines(
    con: duckdb.DuckDBPyConnection, compiled: str | None, relation: str | None, column: str | None
) -> list[str]:
    if not compiled:
        return []
    try:
        failing = f"({compiled})"
        columns = _columns(con, failing)
        if "source_file" not in columns and relation and column:
            # values only: the model's rows holding them
            failing = f"(SELECT * FROM {relation} WHERE {column} IN (SELECT {columns[0]} FROM {failing}))"
            columns = _columns(con, failing)
        line_column = next((c for c in LINE_COLUMNS if c in columns), None)
        if "source_file" not in columns or line_column is None:
            return []
        rows = con.execute(
            f"SELECT DISTINCT source_file, {line_column} FROM {failing} ORDER BY 1, 2 LIMIT {SHOWN_ROWS + 1}"
        ).fetchall()
    except duckdb.Error:
        return []  # a query that needs what only dbt's connection has: no lines shown
    shown = [f"{file}:{line}" for file, line in rows[:SHOWN_ROWS]]
    return shown + (["…"] if len(rows) > SHOWN_ROWS else [])


def _columns(con: duckdb.DuckDBPyConnection, query: str) -> list[str]:
    return [d[0] for d in con.execute(f"SELECT * FROM {query} LIMIT 0").description]
