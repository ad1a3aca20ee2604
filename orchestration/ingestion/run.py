"""Ingest every new landing file.

Atomicity is per file: a file is either wholly ingested (its raw rows, its
quarantined lines and its audit row) or not at all. Small complaint files are
ingested in batches — one transaction and one SQL pass for many files, since
planning the validation query costs more than running it on a small file — and
a large file streams through in chunks inside its own transaction. A file that
fails as a whole (unreadable, truncated gzip, unparseable registry) is read
before any SQL runs, so it is simply left out: reported, not recorded, retried
on the next build once fixed, while the other files load.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.failpoints import failpoint
from orchestration.ingestion import complaints, registry
from orchestration.ingestion.landing import FileKind, LandingFile, scan
from orchestration.ingestion.reader import LineChunk, read_chunks
from orchestration.ingestion.schema import DDL

# Text (uncompressed, estimated) that one batch of complaint files may hold.
BATCH_BYTES = 128 << 20
GZIP_RATIO_ESTIMATE = 8


@dataclass
class FileOutcome:
    source_file: str
    kind: str
    status: str  # loaded | duplicate | failed
    sha256: str | None = None
    n_lines: int = 0
    n_loaded: int = 0
    n_quarantined: int = 0
    n_blank: int = 0
    reasons: Counter = field(default_factory=Counter)
    duplicate_of: str | None = None
    size_bytes: int | None = None
    mtime_ns: int | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class IngestionReport:
    files: list[FileOutcome]
    ignored: list[str]

    @property
    def failed(self) -> list[FileOutcome]:
        return self.of("failed")

    def of(self, status: str) -> list[FileOutcome]:
        return [f for f in self.files if f.status == status]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def ingest_landing(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, now: dt.datetime | None = None
) -> IngestionReport:
    ensure_schema(con)
    ingested_at = _ingestion_time(con, now or dt.datetime.now(dt.timezone.utc))
    landing = scan(landing_dir)
    outcomes: list[FileOutcome] = []
    pending: list[tuple[LandingFile, FileOutcome]] = []
    loading_by_sha: dict[str, str] = {}  # files of this run, so two new copies load once
    for landing_file in landing.files:
        outcome = _triage(con, landing_file)
        if outcome is None:
            continue  # ingested before
        if outcome.status == "loaded" and outcome.sha256 in loading_by_sha:
            outcome.status, outcome.duplicate_of = "duplicate", loading_by_sha[outcome.sha256]
        elif outcome.status == "loaded":
            loading_by_sha[outcome.sha256] = outcome.source_file
        outcomes.append(outcome)
        if outcome.status == "loaded":
            pending.append((landing_file, outcome))
        elif outcome.status == "duplicate":
            _record(con, [outcome], ingested_at)  # one INSERT: atomic by itself

    for landing_file, outcome in pending:
        if landing_file.kind is FileKind.PLATFORMS:
            _load_registry(con, landing_file, ingested_at, outcome)
    complaint_files = [(f, o) for f, o in pending if f.kind is FileKind.COMPLAINTS]
    batches = list(_batches(complaint_files))
    for batch in batches[:-1]:
        _load_complaint_batch(con, batch, ingested_at)
    if batches:
        with settling_row_group_merges(con):
            _load_complaint_batch(con, batches[-1], ingested_at)
    return IngestionReport(outcomes, landing.ignored)


# Row-group merges the settling checkpoint may do: far more than a 10M load
# leaves behind (~150); DuckDB's default per checkpoint is 100.
SETTLING_VACUUM_TASKS = 100_000


@contextmanager
def settling_row_group_merges(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Around ingestion's last write: end it with one checkpoint that merges
    every part-filled row group the load left.

    Each batch's INSERT ends in a part-filled row group of raw.complaints. A
    checkpoint merges neighbouring part-filled groups, but at most
    `max_vacuum_tasks` merges each time, so after a large load the leftover
    merges would run in the checkpoints of the next build or two — dbt's
    included, 20–30 s each at 10M complaints (docs/benchmarks.md). Ingestion
    pays for its own merges instead, once. The checkpoint must follow a write:
    with nothing written since the last one, DuckDB skips it, merges and all.
    (Raising the limit for the whole load instead cost the same at 10M and
    still left some merges to the next build.)"""
    (limit,), = con.execute("SELECT current_setting('max_vacuum_tasks')").fetchall()
    con.execute(f"SET max_vacuum_tasks = {SETTLING_VACUUM_TASKS}")
    try:
        yield
        con.execute("CHECKPOINT")
    finally:
        con.execute(f"SET max_vacuum_tasks = {int(limit)}")


def _ingestion_time(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> dt.datetime:
    """`now`, or just after the latest earlier ingestion if the clock says
    otherwise: the incremental models read the lines ingested after the newest
    they hold, so ingestion times must increase from run to run."""
    (latest,), = con.execute("SELECT max(ingested_at) FROM audit.ingested_files").fetchall()
    if latest is None or now > latest:
        return now
    return latest + dt.timedelta(microseconds=1)


def _triage(con: duckdb.DuckDBPyConnection, landing_file: LandingFile) -> FileOutcome | None:
    """New, duplicate (same content as a file loaded before), seen, or refused.

    A file seen before under its name with the same size and mtime is not read
    again; any other file is hashed."""
    outcome = FileOutcome(landing_file.name, landing_file.kind.value, "loaded")
    try:
        stat = landing_file.path.stat()
        outcome.size_bytes, outcome.mtime_ns = stat.st_size, stat.st_mtime_ns
        unchanged = con.execute(
            "SELECT count(*) FROM audit.ingested_files"
            " WHERE source_file = $name AND size_bytes = $size AND mtime_ns = $mtime",
            {"name": landing_file.name, "size": stat.st_size, "mtime": stat.st_mtime_ns},
        ).fetchall()[0][0]
        if unchanged:
            return None
        outcome.sha256 = landing_file.sha256()
    except OSError as error:
        return _failed(outcome, f"cannot read: {error}")
    seen = con.execute(
        "SELECT source_file, sha256 FROM audit.ingested_files"
        " WHERE source_file = $name OR (sha256 = $sha AND status = 'loaded')"
        " ORDER BY source_file <> $name, ingested_at LIMIT 1",
        {"name": landing_file.name, "sha": outcome.sha256},
    ).fetchall()
    if not seen:
        return outcome
    seen_name, seen_sha = seen[0]
    if seen_name == landing_file.name:
        if seen_sha == outcome.sha256:
            # Unchanged after all (touched, or ledgered before sizes were kept):
            # remember how it looks now, so the next scan need not read it.
            con.execute(
                "UPDATE audit.ingested_files SET size_bytes = $size, mtime_ns = $mtime WHERE source_file = $name",
                {"name": landing_file.name, "size": outcome.size_bytes, "mtime": outcome.mtime_ns},
            )
            return None
        return _failed(
            outcome,
            "a file of this name was ingested before with other content; landed files "
            "must never change, so land the new content under a new name",
        )
    outcome.status, outcome.duplicate_of = "duplicate", seen_name
    return outcome


def _failed(outcome: FileOutcome, message: str) -> FileOutcome:
    outcome.status, outcome.error = "failed", message
    outcome.n_lines = outcome.n_loaded = outcome.n_quarantined = outcome.n_blank = 0
    outcome.reasons.clear()
    return outcome


def _in_transaction(con: duckdb.DuckDBPyConnection, work) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        work()
        failpoint("ingest:before_commit")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    failpoint("ingest:after_commit")


# ----------------------------------------------------------------------------- registries


def _load_registry(con, landing_file: LandingFile, ingested_at, outcome: FileOutcome) -> None:
    try:
        registry_rows, ignored, n_columns = registry.read_rows(landing_file.path)
    except (registry.RegistryFileError, OSError) as error:
        _failed(outcome, f"not a readable registry: {error}")
        return
    if ignored:
        outcome.notes.append(f"ignored unknown column(s): {', '.join(ignored)}")

    def work() -> None:
        con.register("registry_rows", registry_rows)
        con.execute(registry.CLASSIFY_SQL, {"n_columns": n_columns, "source_file": landing_file.name})
        con.unregister("registry_rows")
        # A registry's n_lines counts its records, not its header line.
        _move_classified(con, registry.INSERT_LOADED_SQL, "raw_line", ingested_at, {outcome.source_file: outcome})
        _record(con, [outcome], ingested_at)

    _in_transaction(con, work)


# ----------------------------------------------------------------------------- complaint dumps


def _text_size(landing_file: LandingFile) -> int:
    size = landing_file.path.stat().st_size
    return size * GZIP_RATIO_ESTIMATE if landing_file.name.endswith(".gz") else size


def _batches(files: list[tuple[LandingFile, FileOutcome]]) -> Iterator[list[tuple[LandingFile, FileOutcome]]]:
    batch: list[tuple[LandingFile, FileOutcome]] = []
    size = 0
    for item in files:
        item_size = _text_size(item[0])
        if batch and size + item_size > BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def _read_whole(landing_file: LandingFile) -> pa.Table:
    tables = [chunk.to_arrow(landing_file.name) for chunk in read_chunks(landing_file.path)]
    return pa.concat_tables(tables) if tables else _empty_lines(landing_file.name)


def _empty_lines(source_file: str) -> pa.Table:
    return LineChunk.empty().to_arrow(source_file)


def _is_large(batch: list[tuple[LandingFile, FileOutcome]]) -> bool:
    return len(batch) == 1 and _text_size(batch[0][0]) > BATCH_BYTES


def _read_batch(batch: list[tuple[LandingFile, FileOutcome]]) -> tuple[pa.Table | None, dict[str, FileOutcome]]:
    """The lines of a batch's readable files; a file that cannot be read is
    marked failed and left out."""
    tables, loaded = [], {}
    for landing_file, outcome in batch:
        try:
            tables.append(_read_whole(landing_file))
            loaded[outcome.source_file] = outcome
        except (OSError, EOFError) as error:
            _failed(outcome, f"cannot read: {error}")
    return (pa.concat_tables(tables) if tables else None), loaded


def _load_complaint_batch(con, batch: list[tuple[LandingFile, FileOutcome]], ingested_at) -> None:
    if _is_large(batch):
        _stream_large_file(con, *batch[0], ingested_at)
        return
    lines, loaded = _read_batch(batch)
    if not loaded:
        return

    def work() -> None:
        _classify_complaint_lines(con, lines, ingested_at, loaded)
        _record(con, list(loaded.values()), ingested_at)

    _in_transaction(con, work)


def _stream_large_file(con, landing_file: LandingFile, outcome: FileOutcome, ingested_at) -> None:
    def work() -> None:
        for chunk in read_chunks(landing_file.path):
            _classify_complaint_lines(con, chunk.to_arrow(landing_file.name), ingested_at,
                                      {outcome.source_file: outcome})
        _record(con, [outcome], ingested_at)

    try:
        _in_transaction(con, work)
    except (OSError, EOFError) as error:
        _failed(outcome, f"cannot read: {error}")


def _classify_complaint_lines(con, lines: pa.Table, ingested_at, outcomes: dict[str, FileOutcome]) -> None:
    con.register("landing_lines", lines)
    con.execute(complaints.CLASSIFY_SQL)
    con.unregister("landing_lines")
    _move_classified(con, complaints.INSERT_LOADED_SQL, "line", ingested_at, outcomes)


# ----------------------------------------------------------------------------- shared


_COUNT_SQL = """
SELECT source_file,
       count(*),
       count(*) FILTER (reason IS NULL AND NOT is_blank),
       count(*) FILTER (reason IS NOT NULL),
       count(*) FILTER (reason IS NULL AND is_blank)
FROM classified GROUP BY source_file
"""
_REASONS_SQL = """
SELECT source_file, reason, count(*) FROM classified WHERE reason IS NOT NULL GROUP BY ALL
"""


def _move_classified(con, insert_loaded_sql: str, raw_line_column: str, ingested_at,
                     outcomes: dict[str, FileOutcome]) -> None:
    """Move temp table `classified` into raw and quarantine; count per file."""
    params = {"ingested_at": ingested_at}
    con.execute(insert_loaded_sql, params)
    con.execute(
        "INSERT INTO audit.quarantine"
        f" SELECT source_file, line_no, reason, {raw_line_column}, $ingested_at"
        " FROM classified WHERE reason IS NOT NULL",
        params,
    )
    for source_file, n_lines, n_loaded, n_quarantined, n_blank in con.execute(_COUNT_SQL).fetchall():
        outcome = outcomes[source_file]
        outcome.n_lines += n_lines
        outcome.n_loaded += n_loaded
        outcome.n_quarantined += n_quarantined
        outcome.n_blank += n_blank
    for source_file, reason, count in con.execute(_REASONS_SQL).fetchall():
        outcomes[source_file].reasons[reason] += count


def _record(con, outcomes: list[FileOutcome], ingested_at: dt.datetime) -> None:
    rows = [
        [o.source_file, o.sha256, o.kind, o.status, o.duplicate_of,
         *((None,) * 4 if o.status == "duplicate" else (o.n_lines, o.n_loaded, o.n_quarantined, o.n_blank)),
         ingested_at, o.size_bytes, o.mtime_ns]
        for o in outcomes
    ]
    con.executemany(
        "INSERT INTO audit.ingested_files (source_file, sha256, kind, status, duplicate_of, n_lines,"
        " n_loaded, n_quarantined, n_blank, ingested_at, size_bytes, mtime_ns)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
