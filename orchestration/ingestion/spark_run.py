"""Ingestion on the Spark engine: the same validator, inside Spark tasks.

Each new landing file is read in a Spark task (small files share one). The
task reads it with tousu's reader (orchestration/ingestion/reader.py) and
classifies its lines with the very SQL the DuckDB engine runs (complaints.CLASSIFY_SQL, registry.CLASSIFY_SQL)
on an in-memory DuckDB inside the task, so the rules exist once and every
verdict is the same on both engines. A large uncompressed file is cut into byte
ranges read by tasks of their own (plan_pieces). The tasks' rows land in a staging table; the driver then decides, from
the files' hashes and the ledger, which files load (duplicates and refusals as
on DuckDB), and moves their rows into raw and quarantine.

Parquet tables have no transactions. A run's rows are one partition of each
table (their ingestion time), and the run's ledger rows are written last: the
ledger is the commit. A run that stops before it leaves partitions no ledger
row names, and the next run drops them before it starts, so a file is in the
warehouse wholly or not at all.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from orchestration.failpoints import failpoint
from orchestration.ingestion import cfpb, complaints, registry
from orchestration.ingestion.landing import FileKind, scan
from orchestration.ingestion.run import (
    BATCH_BYTES,
    COUNT_SQL,
    REASONS_SQL,
    FileOutcome,
    IngestionReport,
    _failed,
    _reset_counts,
    ledger_row,
    quarantined_sql,
    text_size,
    triage,
    undecodable_names,
)
from orchestration.ingestion.schema import SPARK_TABLES, arrow_schema, spark_ddl, spark_instant
from orchestration.ledger import FILE_COLUMNS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# Where the tasks' rows wait for the driver's decision (dropped after the run).
STAGED = "audit.ingestion_staged"

# What a task yields: rows of raw.complaints, raw.platforms and quarantine,
# one summary row per piece of a file (record 'piece') and the hash of a cut
# file (record 'hash'), in one schema.
_RAW_COLUMNS = [name for name, _ in SPARK_TABLES["raw.complaints"][0][2:-1]]
_REGISTRY_COLUMNS = [name for name, _ in SPARK_TABLES["raw.platforms"][0][2:-1]]
_CFPB_COLUMNS = [name for name, _ in SPARK_TABLES["raw.cfpb_complaints"][0][2:-1]]
_TEXT_COLUMNS = list(dict.fromkeys([*_RAW_COLUMNS, *_REGISTRY_COLUMNS, *_CFPB_COLUMNS, "reason", "raw_line"]))
_SUMMARY_COLUMNS = {
    "outcome": pa.string(),  # read | failed | postponed
    "error": pa.string(),
    "sha256": pa.string(),
    "n_lines": pa.int64(),
    "n_loaded": pa.int64(),
    "n_quarantined": pa.int64(),
    "n_blank": pa.int64(),
    "reasons": pa.string(),  # JSON: reason -> lines
    "notes": pa.string(),
}
TASK_SCHEMA = pa.schema(
    [
        ("record", pa.string()),  # complaint | platform | cfpb | quarantine | piece | hash
        ("source_file", pa.string()),
        ("piece", pa.int64()),  # which piece of the file (line numbers count from its start)
        ("line_no", pa.int64()),
        *((name, pa.string()) for name in _TEXT_COLUMNS),
        *_SUMMARY_COLUMNS.items(),
    ]
)
_SPARK_TASK_SCHEMA = ", ".join(
    f"`{field.name}` {'BIGINT' if field.type == pa.int64() else 'STRING'}" for field in TASK_SCHEMA
)


def ingest_landing_spark(
    spark: SparkSession,
    landing_dir: Path,
    now: dt.datetime | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> IngestionReport:
    for statement in spark_ddl():
        spark.sql(statement)
    known = _ledger(spark)
    _drop_uncommitted_partitions(spark, {row["ingested_at"] for row in known.values()})
    ingested_at = _ingestion_time(known, now or dt.datetime.now(dt.UTC))
    landing = scan(landing_dir)
    outcomes = undecodable_names(landing)
    pending = []
    for landing_file in landing.files:
        entry = known.get(landing_file.name)
        outcome, _touched = triage(
            landing_file, (entry["sha256"], entry["size_bytes"], entry["mtime_ns"]) if entry else None
        )
        if outcome is None:
            continue  # ingested before (a touched file's new mtime is not kept: Parquet rows are not updated)
        outcomes.append(outcome)
        if outcome.status == "loaded":
            pending.append((landing_file, outcome))
    if pending:
        _classify_in_tasks(spark, pending, ingested_at)
        loaded = _decide(spark, pending, known)
        if loaded:
            _move_staged(spark, loaded, ingested_at)
        failpoint("ingest:before_commit")
        _record(spark, [o for _, o in pending if o.status in ("loaded", "duplicate")], ingested_at)
        failpoint("ingest:after_commit")
        spark.sql(f"DROP TABLE IF EXISTS {STAGED}")
        if progress:
            progress(len(pending), len(pending), sum(o.n_lines for _, o in pending))
    return IngestionReport(sorted(outcomes, key=lambda o: o.source_file), landing.ignored)


def _ledger(spark: SparkSession) -> dict[str, dict]:
    """The ledger's row per file name (the first, if a name was ever recorded twice)."""
    rows = spark.sql("SELECT * FROM audit.ingested_files ORDER BY ingested_at").toArrow().to_pylist()
    known: dict[str, dict] = {}
    for row in rows:
        known.setdefault(row["source_file"], row)
    return known


def _drop_uncommitted_partitions(spark: SparkSession, committed: set[dt.datetime]) -> None:
    """Drop the partitions of a run that stopped before its ledger rows."""
    for table, (_, partition) in SPARK_TABLES.items():
        if partition is None or table == "audit.ingested_files":
            continue
        present = spark.sql(f"SELECT DISTINCT `{partition}` AS t FROM {table}").toArrow().column("t").to_pylist()
        for stray in set(present) - committed:
            spark.sql(f"ALTER TABLE {table} DROP IF EXISTS PARTITION (`{partition}` = {spark_instant(stray)})")


def _ingestion_time(known: dict[str, dict], now: dt.datetime) -> dt.datetime:
    """`now`, or just after the latest earlier ingestion (they must increase)."""
    latest = max((row["ingested_at"] for row in known.values()), default=None)
    if latest is None or now > latest:
        return now
    return latest + dt.timedelta(microseconds=1)


# Files are grouped into tasks of about 1/TARGET_TASKS of the run's text (at
# least MIN_TASK_BYTES, at most BATCH_BYTES), so that many small daily dumps do
# not cost a task each, and a run still spreads over every core, or over a
# cluster's executors as the data grows. An uncompressed dump larger than that
# is cut into byte ranges of about that size, each a task of its own (its lines
# are those that start in the range), and one more task hashes it whole. A
# gzip stream cannot be cut: a `.gz` file streams through one task.
TARGET_TASKS = 16
MIN_TASK_BYTES = 1 << 20
# Overrides that size: the most text one ingestion task reads (docs/operations.md).
TASK_BYTES_ENV = "TOUSU_SPARK_TASK_BYTES"
WHOLE_FILE = -1  # the piece number of the task that only hashes a cut file


@dataclass(frozen=True)
class Piece:
    """What one task item reads: a whole file, a byte range of one, or (piece
    WHOLE_FILE, record 'hash') a cut file's bytes for its sha256."""

    task: int
    path: str
    source_file: str
    kind: str
    piece: int
    start: int
    end: int
    size: int
    mtime_ns: int


def task_bytes(run_text: int) -> int:
    """The most text one task reads in a run of `run_text` bytes."""
    configured = os.environ.get(TASK_BYTES_ENV)
    if configured:
        if not configured.isdigit() or int(configured) < 1:
            raise ValueError(f"{TASK_BYTES_ENV}={configured!r} is not a positive number of bytes")
        return int(configured)
    return min(BATCH_BYTES, max(MIN_TASK_BYTES, run_text // TARGET_TASKS))


def plan_pieces(pending, limit: int | None = None) -> list[Piece]:
    """The pieces of the pending files, with the task each belongs to."""
    if limit is None:
        limit = task_bytes(sum(text_size(item) for item in pending))
    pieces: list[Piece] = []
    task, filled = 0, 0
    for landing_file, outcome in pending:
        common = {
            "path": str(landing_file.path.resolve()),
            "source_file": landing_file.name,
            "kind": landing_file.kind.value,
            "size": outcome.size_bytes,
            "mtime_ns": outcome.mtime_ns,
        }
        size = outcome.size_bytes
        # only a dump's lines stand alone: a CFPB record may span lines
        cuttable = landing_file.kind is FileKind.COMPLAINTS and not landing_file.name.endswith(".gz")
        if cuttable and size > limit:
            if filled:
                task, filled = task + 1, 0
            n_pieces = -(-size // limit)
            for number in range(n_pieces):
                end = size if number == n_pieces - 1 else (number + 1) * limit
                pieces.append(Piece(task, piece=number, start=number * limit, end=end, **common))
                task += 1
            pieces.append(Piece(task, piece=WHOLE_FILE, start=0, end=size, **common))
            task += 1
            continue
        file_text = text_size((landing_file, outcome))
        if filled and filled + file_text > limit:
            task, filled = task + 1, 0
        pieces.append(Piece(task, piece=0, start=0, end=size, **common))
        filled += file_text
    return pieces


def _classify_in_tasks(spark: SparkSession, pending, ingested_at: dt.datetime) -> None:
    pieces = plan_pieces(pending)
    tasks = pa.Table.from_pylist([asdict(piece) for piece in pieces])
    plausible = complaints.plausible_range_params(ingested_at)

    def classify(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for row in batch.to_pylist():
                yield from classify_piece(Piece(**row), plausible)

    files = spark.createDataFrame(tasks).repartitionByRange(pieces[-1].task + 1, "task")
    files.mapInArrow(classify, _SPARK_TASK_SCHEMA).write.mode("overwrite").saveAsTable(STAGED)


def classify_piece(piece: Piece, plausible: dict) -> Iterator[pa.RecordBatch]:
    """Inside a Spark task: the piece's loaded and quarantined lines, then its
    summary row (record 'piece') — what the DuckDB engine's ingestion computes
    for a file, for this piece of it. A cut file's WHOLE_FILE piece yields only
    its hash (record 'hash')."""
    import duckdb

    from orchestration.ingestion.reader import ByteTally, FileChanged, file_sha256, read_bytes, read_chunks, read_range
    from orchestration.warehouse import sql_functions

    path, signature = Path(piece.path), (piece.size, piece.mtime_ns)
    whole = piece.piece == 0 and piece.start == 0 and piece.end == piece.size  # the file in one piece
    tally, counts, reasons, notes = ByteTally(), Counter(), Counter(), []
    summary = {"outcome": "read", "error": None, "sha256": None}
    with duckdb.connect() as con:
        sql_functions.register(con)
        try:
            if piece.piece == WHOLE_FILE:
                summary["sha256"] = file_sha256(path, signature)
            elif piece.kind == FileKind.PLATFORMS.value:
                data = read_bytes(path, tally)
                rows, ignored, n_columns = registry.read_rows(data)
                if ignored:
                    notes.append(f"ignored unknown column(s): {', '.join(ignored)}")
                con.register("registry_rows", rows)
                con.execute(registry.CLASSIFY_SQL, {"n_columns": n_columns, "source_file": piece.source_file})
                yield from _classified(con, piece, "platform", registry.LOADED_SQL, "raw_line", counts, reasons)
            elif piece.kind == FileKind.CFPB.value:
                for _ in cfpb.classify_file(con, read_chunks(path, tally=tally), piece.source_file, plausible, notes):
                    yield from _classified(con, piece, "cfpb", cfpb.LOADED_SQL, "record", counts, reasons)
            else:
                chunks = (
                    read_chunks(path, tally=tally) if whole else read_range(path, piece.start, piece.end, signature)
                )
                for chunk in chunks:
                    con.register("landing_lines", chunk.to_arrow(piece.source_file))
                    con.execute(complaints.CLASSIFY_SQL, plausible)
                    yield from _classified(con, piece, "complaint", complaints.LOADED_SQL, "line", counts, reasons)
            if whole:
                summary["sha256"] = tally.sha256
        except FileChanged as error:
            summary |= {"outcome": "postponed", "error": str(error)}
        except registry.RegistryFileError as error:
            summary |= {"outcome": "failed", "error": f"not a readable registry: {error}"}
        except cfpb.CfpbFileError as error:
            summary |= {"outcome": "failed", "error": f"not a readable CFPB export: {error}"}
        except (OSError, EOFError) as error:
            summary |= {"outcome": "failed", "error": f"cannot read: {error}"}
    summary |= {
        **{f"n_{key}": counts[key] for key in ("lines", "loaded", "quarantined", "blank")},
        "reasons": json.dumps(dict(reasons)),
        "notes": json.dumps(notes),
    }
    record = "hash" if piece.piece == WHOLE_FILE else "piece"
    yield _batch(record, piece, pa.table({"source_file": [piece.source_file], **{k: [v] for k, v in summary.items()}}))


def _classified(con, piece: Piece, record: str, loaded_sql: str, raw_line_column: str, counts: Counter, reasons):
    """The rows of temp table `classified` (loaded, then quarantined), counted
    with the DuckDB engine's queries. The driver stamps the run's time."""
    stamp = {"ingested_at": dt.datetime(1970, 1, 1, tzinfo=dt.UTC)}
    yield _batch(record, piece, con.sql(loaded_sql, params=stamp).to_arrow_table())
    yield _batch("quarantine", piece, con.sql(quarantined_sql(raw_line_column), params=stamp).to_arrow_table())
    for _, n_lines, n_loaded, n_quarantined, n_blank in con.execute(COUNT_SQL).fetchall():
        counts.update(lines=n_lines, loaded=n_loaded, quarantined=n_quarantined, blank=n_blank)
    for _, reason, count in con.execute(REASONS_SQL).fetchall():
        reasons[reason] += count


def _batch(record: str, piece: Piece, rows: pa.Table) -> pa.RecordBatch:
    """`rows` as TASK_SCHEMA's batch of record kind `record` (other columns null)."""
    n = rows.num_rows
    rows = rows.append_column("record", pa.array([record] * n, pa.string()))
    rows = rows.append_column("piece", pa.array([piece.piece] * n, pa.int64()))
    return pa.RecordBatch.from_arrays(
        [
            rows.column(field.name).cast(field.type).combine_chunks()
            if field.name in rows.column_names
            else pa.nulls(n, field.type)
            for field in TASK_SCHEMA
        ],
        schema=TASK_SCHEMA,
    )


def merge_pieces(rows: list[dict]) -> dict[str, dict]:
    """Each file's piece summaries (and hash) as one summary: counts and
    reasons summed, notes in piece order, the outcome and error of a failed
    piece, else of a postponed one, and the sha256 of the whole file."""
    pieces_of: dict[str, list[dict]] = {}
    for row in sorted(rows, key=lambda row: (row["source_file"], row["piece"])):
        pieces_of.setdefault(row["source_file"], []).append(row)
    merged = {}
    for name, pieces in pieces_of.items():
        worst = next((p for outcome in ("failed", "postponed") for p in pieces if p["outcome"] == outcome), None)
        reasons: Counter = Counter()
        notes: list[str] = []
        for piece in pieces:
            reasons.update(json.loads(piece["reasons"]))
            notes.extend(note for note in json.loads(piece["notes"]) if note not in notes)
        merged[name] = {
            "outcome": worst["outcome"] if worst else "read",
            "error": worst["error"] if worst else None,
            "sha256": next((p["sha256"] for p in pieces if p["sha256"]), None),
            **{key: sum(p[key] for p in pieces) for key in ("n_lines", "n_loaded", "n_quarantined", "n_blank")},
            "reasons": reasons,
            "notes": notes,
        }
    return merged


def _decide(spark: SparkSession, pending, known: dict[str, dict]) -> list[FileOutcome]:
    """Each pending file's outcome from its tasks' summaries: loaded, failed,
    postponed, or a duplicate of content loaded before or earlier in this run
    (registries first, then dumps by name: the DuckDB engine's order)."""
    summaries = merge_pieces(
        spark.sql(f"SELECT * FROM {STAGED} WHERE record IN ('piece', 'hash')").toArrow().to_pylist()
    )
    first_with = {(row["kind"], row["sha256"]): name for name, row in known.items() if row["status"] == "loaded"}
    loaded = []
    order = sorted(pending, key=lambda item: (item[0].kind is not FileKind.PLATFORMS, item[0].name))
    for landing_file, outcome in order:
        summary = summaries[landing_file.name]
        if summary["outcome"] == "postponed":
            outcome.status, outcome.error = "postponed", f"{summary['error']}; the next build reads it again"
            _reset_counts(outcome)
            continue
        if summary["outcome"] == "failed":
            _failed(outcome, summary["error"])
            continue
        outcome.sha256 = summary["sha256"]
        original = first_with.get((outcome.kind, outcome.sha256))
        if original is not None:
            _reset_counts(outcome)
            outcome.status, outcome.duplicate_of = "duplicate", original
            continue
        first_with[(outcome.kind, outcome.sha256)] = outcome.source_file
        for key in ("lines", "loaded", "quarantined", "blank"):
            setattr(outcome, f"n_{key}", summary[f"n_{key}"])
        outcome.reasons = summary["reasons"]
        outcome.notes.extend(summary["notes"])
        loaded.append(outcome)
    return loaded


def _move_staged(spark: SparkSession, loaded: list[FileOutcome], ingested_at: dt.datetime) -> None:
    """The staged rows of the loaded files into raw and quarantine: one new
    partition per table, stamped with the run's ingestion time. A piece
    numbered its lines from 1: each line gets the lines of the file's earlier
    pieces added, so it has its number in the file."""
    spark.createDataFrame(pa.table({"source_file": [o.source_file for o in loaded]})).createOrReplaceTempView(
        "loaded_files"
    )
    spark.sql(f"""
        SELECT source_file, piece, coalesce(sum(n_lines) OVER (
            PARTITION BY source_file ORDER BY piece ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS line_offset
        FROM {STAGED} WHERE record = 'piece'""").createOrReplaceTempView("piece_offsets")
    stamp = spark_instant(ingested_at)
    for table, record in (
        ("raw.complaints", "complaint"),
        ("raw.platforms", "platform"),
        ("raw.cfpb_complaints", "cfpb"),
        ("audit.quarantine", "quarantine"),
    ):
        columns = [name for name, _ in SPARK_TABLES[table][0][:-1]]
        selected = ", ".join("s.line_no + o.line_offset" if c == "line_no" else f"s.`{c}`" for c in columns)
        spark.sql(
            f"INSERT INTO {table} SELECT {selected}, {stamp}"
            f" FROM {STAGED} AS s JOIN piece_offsets AS o ON s.source_file = o.source_file AND s.piece = o.piece"
            f" WHERE s.record = '{record}' AND s.source_file IN (SELECT source_file FROM loaded_files)"
        )


def _record(spark: SparkSession, outcomes: list[FileOutcome], ingested_at: dt.datetime) -> None:
    """The run's ledger rows, in one INSERT: the commit of the run."""
    if not outcomes:
        return
    rows = [dict(zip(FILE_COLUMNS, ledger_row(o, ingested_at), strict=True)) for o in outcomes]
    spark.createDataFrame(pa.Table.from_pylist(rows, arrow_schema("audit.ingested_files"))).createOrReplaceTempView(
        "ledger_rows"
    )
    spark.sql("INSERT INTO audit.ingested_files SELECT * FROM ledger_rows")
