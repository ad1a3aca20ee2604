"""CFPB ingestion at scale: a large export made from the real sample, loaded by
tousu's ingestion alone (no dbt), with its time and peak memory.

    .venv/bin/python -m benchmarks.cfpb_ingest --records 1000000 --dir build/bench-cfpb

The export repeats the 6,623 records of tests/fixtures/cfpb/complaints_sample.csv
(narratives with line breaks, the two lines of archive-tool output on top),
each copy with new Complaint IDs, written by DuckDB's CSV writer."""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import resource
import shutil
import time
from pathlib import Path

import duckdb

from orchestration.ingestion.run import ingest_landing
from orchestration.warehouse.connection import connect

SAMPLE = Path(__file__).parents[1] / "tests" / "fixtures" / "cfpb" / "complaints_sample.csv"
SAMPLE_RECORDS = 6623


def write_export(path: Path, n_records: int) -> None:
    copies = -(-n_records // SAMPLE_RECORDS)
    with duckdb.connect() as con:
        con.execute(
            f"""
            COPY (
                SELECT * EXCLUDE (copy)
                    REPLACE (CAST(CAST("Complaint ID" AS BIGINT) + copy * 10000000 AS VARCHAR) AS "Complaint ID")
                FROM read_csv('{SAMPLE}', skip = 2, header = true, all_varchar = true, quote = '"', escape = '"',
                              delim = ',', strict_mode = true)
                CROSS JOIN range({copies}) AS copies (copy)
                LIMIT {n_records}
            ) TO '{path}.body' (HEADER, DELIMITER ',', QUOTE '"', FORCE_QUOTE *)
            """
        )
    with path.open("wb") as out, SAMPLE.open("rb") as sample, open(f"{path}.body", "rb") as body:
        out.write(sample.readline() + sample.readline())  # the archive tool's lines
        shutil.copyfileobj(body, out, 1 << 20)
    Path(f"{path}.body").unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("build/bench-cfpb"))
    args = parser.parse_args()
    landing = args.dir / "landing"
    export = landing / f"cfpb-{args.records}.csv"
    if not export.exists():
        landing.mkdir(parents=True, exist_ok=True)
        # in a process of its own, so that the peak memory below is ingestion's
        writer = multiprocessing.Process(target=write_export, args=(export, args.records))
        writer.start()
        writer.join()
    warehouse = args.dir / "warehouse.duckdb"
    warehouse.unlink(missing_ok=True)
    with connect(warehouse) as con:  # the build's settings (memory limit 2.5 GB)
        started = time.perf_counter()
        report = ingest_landing(con, landing, now=dt.datetime.now(dt.UTC))
        elapsed = time.perf_counter() - started
    (outcome,) = report.files
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mib = export.stat().st_size / (1 << 20)
    print(
        f"{outcome.n_loaded:,} records loaded, {outcome.n_quarantined:,} quarantined, from {size_mib:,.0f} MiB"
        f" in {elapsed:.1f} s ({size_mib / elapsed:.1f} MiB/s); peak RSS {peak_mib:,.0f} MiB"
    )


if __name__ == "__main__":
    main()
