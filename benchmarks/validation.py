"""Complaint-dump ingestion alone: the validation SQL on its own, then the whole
ingestion (no dbt) into a fresh warehouse, each timed.

    .venv/bin/python -m benchmarks.validation build/bench/1000000/all-files --sample 'complaints-2024-0[1-3]*'

The validation step (`complaints.CLASSIFY_SQL`) runs on an in-memory DuckDB over
the lines of the files matching `--sample`, at each `--threads` count; the
ingestion step runs `ingest_landing` over every file of the folder, as a build
does before dbt. Nothing else should run on the machine meanwhile."""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.ingestion import complaints
from orchestration.ingestion.reader import read_chunks
from orchestration.ingestion.run import ingest_landing
from orchestration.warehouse import sql_functions
from orchestration.warehouse.connection import connect


def sample_lines(folder: Path, pattern: str) -> pa.Table:
    files = sorted(folder.glob(pattern))
    if not files:
        raise SystemExit(f"no file in {folder} matches {pattern!r}")
    return pa.concat_tables([chunk.to_arrow(f.name) for f in files for chunk in read_chunks(f)])


def time_validation(lines: pa.Table, threads: int) -> float:
    with duckdb.connect(config={"threads": threads}) as con:
        sql_functions.register(con)
        con.register("landing", lines)
        con.execute("CREATE TEMP TABLE landing_lines AS SELECT * FROM landing")
        params = complaints.plausible_range_params(dt.datetime.now(dt.UTC))
        start = time.perf_counter()
        con.execute(complaints.CLASSIFY_SQL, params)
        return time.perf_counter() - start


def time_ingestion(folder: Path) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as scratch, connect(Path(scratch) / "warehouse.duckdb") as con:
        start = time.perf_counter()
        report = ingest_landing(con, folder)
        return time.perf_counter() - start, sum(f.n_lines or 0 for f in report.files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path, help="a landing folder of complaint dumps")
    parser.add_argument("--sample", default="*.jsonl", help="the files whose lines the validation step reads")
    parser.add_argument("--threads", default="1,2", help="DuckDB thread counts for the validation step ('' to skip it)")
    parser.add_argument("--no-ingestion", action="store_true", help="time the validation step only")
    args = parser.parse_args()
    thread_counts = [int(n) for n in args.threads.split(",") if n]
    lines = sample_lines(args.folder, args.sample) if thread_counts else None
    for threads in thread_counts:
        seconds = time_validation(lines, threads)
        print(f"validation, {lines.num_rows:,} lines, {threads} thread(s): {seconds:.2f} s", flush=True)
    if not args.no_ingestion:
        seconds, n_lines = time_ingestion(args.folder)
        print(f"ingestion, {n_lines:,} lines: {seconds:.1f} s")


if __name__ == "__main__":
    main()
