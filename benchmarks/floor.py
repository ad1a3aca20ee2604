"""Run the floor query (floor.sql) over a landing directory.

    python -m benchmarks.floor LANDING_DIR OUT.parquet

DuckDB runs with its defaults (every core, 80% of memory): the floor is what
the machine can do at best. The registry is a few hundred bytes of CSV, possibly
GBK, which DuckDB cannot decode without an extension: Python reads it.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration import reference
from orchestration.warehouse import sql_functions

FLOOR_SQL = Path(__file__).with_name("floor.sql")


def _registry_rows(landing: Path) -> pa.Table:
    raw = sorted(landing.glob("platforms-*.csv"))[-1].read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("gbk")
    return pa.Table.from_pylist(list(csv.DictReader(io.StringIO(text))))


def monthly_ratings(landing: Path, out: Path) -> None:
    con = duckdb.connect()
    sql_functions.register(con)  # for tousu_nfkc: DuckDB has no NFKC
    con.execute("SET TimeZone = 'Asia/Shanghai'")
    con.execute(
        "CREATE MACRO contract_ts(s) AS CASE WHEN s SIMILAR TO '\\d{4}-\\d{2}-\\d{2}[T ].*'"
        " THEN try_cast(s AS TIMESTAMPTZ) END"
    )
    con.register("registry_rows", _registry_rows(landing))
    con.execute("""
        CREATE TABLE registry AS SELECT
            tousu_nfkc(trim(platform)) AS platform,
            try_cast(nullif(trim(onboarded_at), '') AS DATE) AS onboarded_at,
            try_cast(nullif(trim(offboarded_at), '') AS DATE) AS offboarded_at,
            trim(after_sales_contact) AS after_sales_contact
        FROM registry_rows""")
    query = FLOOR_SQL.read_text(encoding="utf-8")
    con.execute(
        f"COPY ({query}) TO '{out}' (FORMAT parquet)",
        {
            "complaint_files": str(landing / "complaints-*.jsonl*"),
            # the contract's enumerations, from the seeds that define them
            "statuses": list(reference.statuses()),
            "rated_statuses": list(reference.rated_statuses()),
            "domains": list(reference.domains()),
            "reply_authors": list(reference.reply_authors()),
        },
    )


if __name__ == "__main__":
    monthly_ratings(Path(sys.argv[1]), Path(sys.argv[2]))
