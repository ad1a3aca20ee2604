"""Which builds let DuckDB merge part-filled row groups.

Every write that is not a whole number of row groups (122,880 rows) ends in a
part-filled one: each transaction of an ingestion, each incremental model's
insert. At a checkpoint DuckDB merges neighbouring part-filled groups by
rewriting them (its vacuum, at most `max_vacuum_tasks` merges). Left on, every
build rewrites each growing table's tail again: on the 10M benchmark's day,
1.3 s of ingestion's checkpoint and 0.8 s of dbt's, to save one row group of
each table (docs/benchmarks.md). Left off for good, the part-filled groups of
every day would pile up.

So merges are batched: a build merges everything outstanding when the number of
ingestion runs recorded is a multiple of MERGE_PERIOD; every other build merges
nothing. Ingestion and dbt's connections read the same count, so both halves of
a build decide alike. Ingestion also merges after a load large enough to leave
that many part-filled groups of its own (a first load of every dump, a
backfill).
"""

from __future__ import annotations

import datetime as dt

import duckdb

# Ingestion runs between merges: a week of daily builds.
MERGE_PERIOD = 7
# A load of this much text merges at once: ingestion's transactions (a batch or
# two of 128 MiB each) leave about as many part-filled groups as a period of
# days does. The 1M benchmark's first load (1.7 GB) is one; its day (20 MB) and
# the 10M benchmark's (196 MB) are not.
LARGE_LOAD_BYTES = MERGE_PERIOD * (128 << 20)
# Far more merges than a 10M load leaves (~150); DuckDB's default is 100.
ALL_MERGES = 100_000
NO_MERGES = 0


def ingestion_runs(con: duckdb.DuckDBPyConnection, before: dt.datetime | None = None) -> int:
    """The ingestion runs the ledger records, those before `before` only if
    given (ingestion times increase from run to run); 0 without a ledger."""
    try:
        ((runs,),) = con.execute(
            "SELECT count(DISTINCT ingested_at) FROM audit.ingested_files"
            " WHERE $before IS NULL OR ingested_at < $before",
            {"before": before},
        ).fetchall()
    except duckdb.CatalogException:
        return 0
    return runs


def merges_due(runs: int, load_bytes: int = 0) -> bool:
    """Whether a build merges: the `runs`-th ingestion run, loading
    `load_bytes` of text."""
    return load_bytes >= LARGE_LOAD_BYTES or (runs > 0 and runs % MERGE_PERIOD == 0)


def vacuum_tasks(merge: bool) -> str:
    """DuckDB's `max_vacuum_tasks` for a build that merges or does not."""
    return str(ALL_MERGES if merge else NO_MERGES)
