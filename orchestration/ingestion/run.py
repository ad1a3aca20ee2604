"""Ingest every new landing file.

Atomicity is per file: a file is either wholly ingested (its raw rows, its
quarantined lines and its audit row) or not at all. Small complaint files are
read and validated in batches — one SQL pass for many files, since planning
the validation query costs more than running it on a small file — while the
next batch is read, and a few batches share a transaction. A large dump
streams through in chunks, a few to a commit, and every CFPB export in chunks
committed one by one, so that memory stays bounded whatever the file's size;
for those the file's ledger row is its commit (`_stream_file`). A file that
fails as a whole (unreadable, truncated gzip, unparseable registry) is left
out: reported, not recorded, retried on the next build once fixed, while the
other files load.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from functools import partial
from itertools import chain, islice
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.failpoints import failpoint
from orchestration.ingestion import cfpb, complaints, registry
from orchestration.ingestion.landing import FileKind, IgnoredFile, LandingFile, LandingScan, printable_name, scan
from orchestration.ingestion.reader import (
    CHUNK_BYTES,
    ByteTally,
    FileChanged,
    LineChunk,
    read_ahead,
    read_bytes,
    read_chunks,
)
from orchestration.ingestion.schema import DDL
from orchestration.ledger import FILE_COLUMNS
from orchestration.warehouse import row_group_merges, sql_functions
from orchestration.warehouse.connection import duckdb_settings

# Text (uncompressed, estimated) that one batch of complaint files may hold:
# a batch is read whole, then validated in one SQL pass.
BATCH_BYTES = 128 << 20
# Text that one transaction of batches may hold. Each batch is validated as
# soon as it is read, and its verdicts wait in temp table `classified`; they
# move into raw once per transaction. DuckDB writes a table's row groups
# (122,880 rows) in parallel only when an insert holds several, and a batch is
# about two: ingestion of the 1M dumps took 31.5 s in transactions of one batch,
# 28.7 s in transactions of two (docs/benchmarks.md). Only DuckDB's memory
# grows with it, within its limit.
TRANSACTION_BYTES = 256 << 20
GZIP_RATIO_ESTIMATE = 8
# A streamed dump's chunks per transaction: TRANSACTION_BYTES of them.
_CHUNKS_PER_TRANSACTION = max(1, TRANSACTION_BYTES // CHUNK_BYTES)


@dataclass
class FileOutcome:
    source_file: str
    kind: str
    # loaded | duplicate | failed (unreadable or refused: reported, not recorded,
    # retried) | postponed (changed while read: not recorded, read next build)
    status: str
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
    ignored: list[IgnoredFile]

    @property
    def failed(self) -> list[FileOutcome]:
        return self.of("failed")

    def of(self, status: str) -> list[FileOutcome]:
        return [f for f in self.files if f.status == status]


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def ingest_landing(
    con: duckdb.DuckDBPyConnection,
    landing_dir: Path,
    now: dt.datetime | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> IngestionReport:
    """`progress(files_read, files_to_read, lines_read)` is called after each
    registry and each batch of complaint files."""
    ensure_schema(con)
    discard_interrupted_files(con)
    ingested_at = _ingestion_time(con, now or dt.datetime.now(dt.UTC))
    landing = scan(landing_dir)
    outcomes = undecodable_names(landing)
    pending: list[tuple[LandingFile, FileOutcome]] = []
    ledgered = _ledgered_files(con)
    for landing_file in landing.files:
        outcome = _triage(con, landing_file, ledgered.get(landing_file.name))
        if outcome is None:
            continue  # ingested before
        outcomes.append(outcome)
        if outcome.status == "loaded":
            pending.append((landing_file, outcome))

    with row_group_merges_of_the_run(con, ingested_at, pending):
        _load_pending(con, pending, ingested_at, progress)
    return IngestionReport(sorted(outcomes, key=lambda o: o.source_file), landing.ignored)


def _load_pending(
    con: duckdb.DuckDBPyConnection,
    pending: list[tuple[LandingFile, FileOutcome]],
    ingested_at: dt.datetime,
    progress: Callable[[int, int, int], None] | None,
) -> None:
    """Registries first, then CFPB exports, then complaint dumps."""
    contents = _ContentSeen(con, ingested_at)
    done = 0

    def step_done(n_files: int) -> None:
        nonlocal done
        done += n_files
        if progress:
            progress(done, len(pending), sum(o.n_lines for _, o in pending))

    for landing_file, outcome in pending:
        if landing_file.kind is FileKind.PLATFORMS:
            _load_registry(con, landing_file, ingested_at, outcome, contents)
            step_done(1)
    for landing_file, outcome in pending:
        if landing_file.kind is FileKind.CFPB:
            _stream_file(con, landing_file, outcome, ingested_at, contents, _cfpb_writer(con, ingested_at))
            step_done(1)
    complaint_files = [(f, o) for f, o in pending if f.kind is FileKind.COMPLAINTS]
    batches = list(_batches(complaint_files))
    groups = list(_transaction_groups(batches))
    batches_read = read_ahead((batch, _read_files(batch)) for batch in batches)
    with closing(batches_read) as reads:
        for group in groups:
            _load_complaint_group(con, group, reads, ingested_at, contents)
            step_done(sum(len(batch) for batch in group))
    contents.record_deferred()


@contextmanager
def row_group_merges_of_the_run(
    con: duckdb.DuckDBPyConnection, ingested_at: dt.datetime, pending: list[tuple[LandingFile, FileOutcome]]
) -> Iterator[None]:
    """The run's loads with DuckDB's row-group merges on or off
    (orchestration/warehouse/row_group_merges.py), ended by a checkpoint that
    pays for the merges due here rather than in dbt's. Every checkpoint of the
    run, its commits' included, merges alike. The checkpoint must follow a
    write: with nothing written since the last one, DuckDB skips it, merges and
    all."""
    run_number = row_group_merges.ingestion_runs(con, before=ingested_at) + 1
    load_bytes = sum(text_size(item) for item in pending)
    merge = row_group_merges.merges_due(run_number, load_bytes)
    with temporary_setting(con, "max_vacuum_tasks", row_group_merges.vacuum_tasks(merge)):
        yield
        con.execute("CHECKPOINT")


def undecodable_names(landing: LandingScan) -> list[FileOutcome]:
    """A failed outcome for each landed file whose name is not UTF-8."""
    return [
        _failed(
            FileOutcome(printable_name(f.name), f.kind.value, "loaded"),
            "the file name is not valid UTF-8; rename it (names are recorded as text)",
        )
        for f in landing.undecodable
    ]


class _ContentSeen:
    """Duplicates: a file whose bytes equal a file of the same kind loaded
    before, or earlier in this run. Kinds apart, so an empty registry is never
    a "duplicate" of an empty dump. The sha256 is the one of the bytes read
    for loading, known only once a file has been read. A duplicate of a file
    of this run is recorded only once that file's own transaction committed
    (`record_deferred`), so a crash between the two never leaves a duplicate
    pointing at content that was not loaded."""

    def __init__(self, con: duckdb.DuckDBPyConnection, ingested_at: dt.datetime):
        self._con, self._ingested_at = con, ingested_at
        self._this_run: dict[tuple[str, str], FileOutcome] = {}
        self._deferred: list[tuple[FileOutcome, FileOutcome]] = []
        # The ledger's loaded contents, read once (a query per file cost a
        # millisecond each): (kind, sha256) -> the file that first loaded them.
        self._loaded_before: dict[tuple[str, str], str] = {
            (kind, sha): source_file
            for kind, sha, source_file in con.execute(
                "SELECT kind, sha256, arg_min(source_file, ingested_at) FROM audit.ingested_files"
                " WHERE status = 'loaded' GROUP BY ALL"
            ).fetchall()
        }

    def is_duplicate(self, outcome: FileOutcome) -> bool:
        """True (and the duplicate recorded, or its record deferred) when the
        content was loaded before; else the content is claimed by this file."""
        content = (outcome.kind, outcome.sha256)
        first = self._this_run.get(content)
        original = first.source_file if first is not None else self._loaded_before.get(content)
        if original is None:
            self._this_run[content] = outcome
            return False
        _reset_counts(outcome)
        outcome.status, outcome.duplicate_of = "duplicate", original
        if first is not None:
            self._deferred.append((outcome, first))
        else:
            _record(self._con, [outcome], self._ingested_at)  # one INSERT: atomic by itself
        return True

    def record_deferred(self) -> None:
        """Record the duplicates of this run's files, now that those loaded;
        one whose original did not load is loaded by the next build instead."""
        for outcome, first in self._deferred:
            if first.status == "loaded":
                _record(self._con, [outcome], self._ingested_at)
            else:
                outcome.status, outcome.duplicate_of = "postponed", None
                outcome.error = f"same content as {first.source_file}, which did not load; read again next build"


@contextmanager
def temporary_setting(con: duckdb.DuckDBPyConnection, name: str, value: str) -> Iterator[None]:
    """DuckDB setting `name` at `value` within the block, and as it was after it."""
    ((before,),) = con.execute("SELECT current_setting($name)", {"name": name}).fetchall()
    con.execute(f"SET {name} = '{value}'")
    try:
        yield
    finally:
        con.execute(f"SET {name} = '{before}'")


def _ingestion_time(con: duckdb.DuckDBPyConnection, now: dt.datetime) -> dt.datetime:
    """`now`, or just after the latest earlier ingestion if the clock says
    otherwise: the incremental models read the lines ingested after the newest
    they hold, so ingestion times must increase from run to run."""
    ((latest,),) = con.execute("SELECT max(ingested_at) FROM audit.ingested_files").fetchall()
    if latest is None or now > latest:
        return now
    return latest + dt.timedelta(microseconds=1)


def _ledgered_files(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, int | None, int | None]]:
    """(sha256, size, mtime) of each file name's first ledger row, in one query
    instead of one per landed file (a millisecond each: most of an incremental
    day's triage of the benchmark's 754 files)."""
    rows = con.execute(
        "SELECT source_file, arg_min({'sha256': sha256, 'size': size_bytes, 'mtime': mtime_ns}, ingested_at)"
        " FROM audit.ingested_files GROUP BY source_file"
    ).fetchall()
    return {name: (first["sha256"], first["size"], first["mtime"]) for name, first in rows}


def _triage(
    con: duckdb.DuckDBPyConnection, landing_file: LandingFile, known: tuple[str, int | None, int | None] | None
) -> FileOutcome | None:
    outcome, touched = triage(landing_file, known)
    if touched is not None:
        # Unchanged after all (touched, or ledgered before sizes were kept):
        # remember how it looks now, so the next scan need not read it.
        con.execute(
            "UPDATE audit.ingested_files SET size_bytes = $size, mtime_ns = $mtime WHERE source_file = $name",
            {"name": landing_file.name, "size": touched.size_bytes, "mtime": touched.mtime_ns},
        )
    return outcome


def triage(
    landing_file: LandingFile, known: tuple[str, int | None, int | None] | None
) -> tuple[FileOutcome | None, FileOutcome | None]:
    """A file to load, one seen before (None), or one refused; `known` is the
    ledger's (sha256, size, mtime) of the name, if it was ingested before.

    A file seen before under its name with the same size and mtime is not read
    again. A name seen before with another size or mtime is hashed: the same
    bytes (touched) are skipped, and returned second so the ledger can
    remember how they look now; other bytes are refused. A new name is hashed
    while it is loaded (one read), which is also when a duplicate of earlier
    content is found."""
    outcome = FileOutcome(landing_file.name, landing_file.kind.value, "loaded")
    try:
        stat = landing_file.path.stat()
        outcome.size_bytes, outcome.mtime_ns = stat.st_size, stat.st_mtime_ns
        if known is None:
            return outcome, None
        known_sha, known_size, known_mtime = known
        if (known_size, known_mtime) == (stat.st_size, stat.st_mtime_ns):
            return None, None
        outcome.sha256 = landing_file.sha256()
    except OSError as error:
        return _failed(outcome, f"cannot read: {error}"), None
    if outcome.sha256 == known_sha:
        return None, outcome
    return _failed(
        outcome,
        "a file of this name was ingested before with other content; landed files "
        "must never change, so land the new content under a new name",
    ), None


def _reset_counts(outcome: FileOutcome) -> FileOutcome:
    outcome.n_lines = outcome.n_loaded = outcome.n_quarantined = outcome.n_blank = 0
    outcome.reasons.clear()
    return outcome


def _failed(outcome: FileOutcome, message: str) -> FileOutcome:
    outcome.status, outcome.error = "failed", message
    return _reset_counts(outcome)


def _postponed(outcome: FileOutcome, error: FileChanged) -> FileOutcome:
    outcome.status, outcome.error = "postponed", f"{error}; the next build reads it again"
    return _reset_counts(outcome)


def _in_transaction(con: duckdb.DuckDBPyConnection, work, crash_point: str = "ingest") -> None:
    """`work` in one transaction; `crash_point` names its failpoints."""
    con.execute("BEGIN TRANSACTION")
    try:
        work()
        failpoint(f"{crash_point}:before_commit")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    failpoint(f"{crash_point}:after_commit")


# ----------------------------------------------------------------------------- registries


def _load_registry(con, landing_file: LandingFile, ingested_at, outcome: FileOutcome, contents: _ContentSeen) -> None:
    tally = ByteTally()
    try:
        data = read_bytes(landing_file.path, tally)
        outcome.sha256 = tally.sha256
        if contents.is_duplicate(outcome):
            return
        registry_rows, ignored, n_columns = registry.read_rows(data)
    except FileChanged as error:
        _postponed(outcome, error)
        return
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


def text_size(item: tuple[LandingFile, FileOutcome]) -> int:
    """The text a pending file holds (a gzip's estimated), by the size triage
    saw: the file is not stat'ed again for each decision, and one gone since
    fails when it is read, as any unreadable file does."""
    landing_file, outcome = item
    size = outcome.size_bytes or 0
    return size * GZIP_RATIO_ESTIMATE if landing_file.name.endswith(".gz") else size


def _batches(files: list[tuple[LandingFile, FileOutcome]]) -> Iterator[list[tuple[LandingFile, FileOutcome]]]:
    batch: list[tuple[LandingFile, FileOutcome]] = []
    size = 0
    for item in files:
        item_size = text_size(item)
        if batch and size + item_size > BATCH_BYTES:
            yield batch
            batch, size = [], 0
        batch.append(item)
        size += item_size
    if batch:
        yield batch


def _transaction_groups(batches: list[list[tuple[LandingFile, FileOutcome]]]) -> Iterator[list]:
    """Consecutive batches holding up to TRANSACTION_BYTES of text, one
    transaction each; a large file, which streams, is a group of its own."""
    group: list = []
    size = 0
    for batch in batches:
        batch_size = sum(text_size(item) for item in batch)
        if group and (_is_large(batch) or size + batch_size > TRANSACTION_BYTES):
            yield group
            group, size = [], 0
        group.append(batch)
        size += batch_size
        if _is_large(batch):
            yield group
            group, size = [], 0
    if group:
        yield group


def _read_whole(landing_file: LandingFile, tally: ByteTally) -> pa.Table:
    tables = [chunk.to_arrow(landing_file.name) for chunk in read_chunks(landing_file.path, tally=tally)]
    return pa.concat_tables(tables) if tables else _empty_lines(landing_file.name)


def _empty_lines(source_file: str) -> pa.Table:
    return LineChunk.empty().to_arrow(source_file)


def _is_large(batch: list[tuple[LandingFile, FileOutcome]]) -> bool:
    return len(batch) == 1 and text_size(batch[0]) > BATCH_BYTES


# A landed file's lines read into memory, with the sha256 of the bytes read,
# or why it could not be read.
_FileRead = tuple[pa.Table | None, str | None, OSError | EOFError | None]


def _read_file(landing_file: LandingFile) -> _FileRead:
    tally = ByteTally()
    try:
        table = _read_whole(landing_file, tally)
    except (OSError, EOFError) as error:  # FileChanged is an OSError
        return None, None, error
    return table, tally.sha256, None


def _read_files(batch: list[tuple[LandingFile, FileOutcome]]) -> list[_FileRead] | None:
    """Each file's lines; None for a large file, which is streamed instead."""
    return None if _is_large(batch) else [_read_file(landing_file) for landing_file, _ in batch]


def _read_batch(
    batch: list[tuple[LandingFile, FileOutcome]], reads: list[_FileRead], contents: _ContentSeen
) -> tuple[pa.Table | None, dict[str, FileOutcome]]:
    """The lines of a batch's new files; a file that cannot be read is marked
    failed, one that changed while read postponed, a duplicate recorded as
    such, and all three left out."""
    tables, loaded = [], {}
    for (_, outcome), (table, sha256, error) in zip(batch, reads, strict=True):
        if isinstance(error, FileChanged):
            _postponed(outcome, error)
            continue
        if error is not None:
            _failed(outcome, f"cannot read: {error}")
            continue
        outcome.sha256 = sha256
        if not contents.is_duplicate(outcome):
            tables.append(table)
            loaded[outcome.source_file] = outcome
    return (pa.concat_tables(tables) if tables else None), loaded


def _load_complaint_group(
    con,
    group: list[list[tuple[LandingFile, FileOutcome]]],
    reads: Iterator[tuple[list, list[_FileRead] | None]],
    ingested_at,
    contents: _ContentSeen,
) -> None:
    """A transaction group's batches, taken from `reads` as they are read:
    each validated into temp table `classified`, then all moved at once."""
    if _is_large(group[0]):
        next(reads)  # nothing read ahead: the file streams
        _stream_large_file(con, *group[0][0], ingested_at, contents)
        return
    loaded: dict[str, FileOutcome] = {}

    def work() -> None:
        for _ in group:
            batch, batch_reads = next(reads)
            lines, batch_loaded = _read_batch(batch, batch_reads, contents)
            if batch_loaded:
                _classify_complaint_lines(con, lines, ingested_at, append=bool(loaded))
                loaded.update(batch_loaded)
        if loaded:
            _move_classified(con, complaints.INSERT_LOADED_SQL, "line", ingested_at, loaded)
            _record(con, list(loaded.values()), ingested_at)

    _in_transaction(con, work)


def _stream_large_file(
    con, landing_file: LandingFile, outcome: FileOutcome, ingested_at, contents: _ContentSeen
) -> None:
    def write(landing_file: LandingFile, outcome: FileOutcome, tally: ByteTally) -> None:
        chunks = read_ahead(read_chunks(landing_file.path, tally=tally))
        # Chunks share a transaction as batches do (TRANSACTION_BYTES), each
        # validated as it is read: one insert per transaction.
        for first in chunks:
            group = chain([first], islice(chunks, _CHUNKS_PER_TRANSACTION - 1))

            def move_chunks(group: Iterator[LineChunk] = group) -> None:
                for index, chunk in enumerate(group):
                    _classify_complaint_lines(con, chunk.to_arrow(landing_file.name), ingested_at, append=index > 0)
                _move_classified(con, complaints.INSERT_LOADED_SQL, "line", ingested_at, {outcome.source_file: outcome})

            _in_transaction(con, move_chunks, crash_point="ingest:chunk")

    _stream_file(con, landing_file, outcome, ingested_at, contents, write)


# Writes one landed file's rows and quarantine, reading it through a tally:
# each chunk in a transaction of its own (crash point "ingest:chunk").
FileWriter = Callable[[LandingFile, FileOutcome, ByteTally], None]

# The tables a streamed file's chunks write to, with the column that carries
# the run's ingestion time.
_STREAMED_TABLES = {
    "raw.complaints": "ingested_at",
    "raw.cfpb_complaints": "ingested_at",
    "audit.quarantine": "quarantined_at",
}


def _stream_file(
    con, landing_file: LandingFile, outcome: FileOutcome, ingested_at, contents: _ContentSeen, write: FileWriter
) -> None:
    """A file streamed through `write`, whose chunks commit one by one.

    Until its ledger row is written the file is named in
    audit.files_in_progress, and its ledger row and the removal of that name
    are one transaction: the file's commit. A file that fails or turns out to
    be a duplicate (its hash is known only at its end) has its rows deleted
    again; if the process dies first, the next ingestion deletes them
    (`discard_interrupted_files`)."""
    tally = ByteTally()
    name = {"name": outcome.source_file, "ingested_at": ingested_at}
    con.execute("INSERT INTO audit.files_in_progress VALUES ($name, $ingested_at)", name)

    def commit() -> None:
        outcome.sha256 = tally.sha256
        if contents.is_duplicate(outcome):
            _discard(con, outcome.source_file, ingested_at)
        else:
            _record(con, [outcome], ingested_at)
            _unmark(con, outcome.source_file)

    try:
        with temporary_setting(con, "checkpoint_threshold", STREAMING_CHECKPOINT_THRESHOLD):
            write(landing_file, outcome, tally)
            _in_transaction(con, commit)
        return
    except FileChanged as error:
        _postponed(outcome, error)
    except cfpb.CfpbFileError as error:
        _failed(outcome, f"not a readable CFPB export: {error}")
    except (OSError, EOFError) as error:
        _failed(outcome, f"cannot read: {error}")
    _in_transaction(con, lambda: _discard(con, outcome.source_file, ingested_at))


# The WAL size at which a commit checkpoints while a file streams. DuckDB's
# default (16 MB) checkpoints after nearly every 32 MiB chunk: 1M CFPB records
# took 37 s instead of 31 s. Never checkpointing lets memory grow with the file
# again (1.7 GB at 1M records instead of 1.4 GB).
STREAMING_CHECKPOINT_THRESHOLD = "256MB"


def discard_interrupted_files(con: duckdb.DuckDBPyConnection) -> None:
    """Delete the rows of every file an interrupted run left in progress."""
    for source_file, ingested_at in con.execute("SELECT * FROM audit.files_in_progress").fetchall():
        _in_transaction(con, partial(_discard, con, source_file, ingested_at))


def _discard(con, source_file: str, ingested_at: dt.datetime) -> None:
    _delete_rows(con, source_file, ingested_at)
    _unmark(con, source_file)


def _unmark(con, source_file: str) -> None:
    con.execute("DELETE FROM audit.files_in_progress WHERE source_file = $name", {"name": source_file})


def _delete_rows(con, source_file: str, ingested_at: dt.datetime) -> None:
    """The rows a streamed file's chunks wrote in the run of `ingested_at`."""
    for table, stamp in _STREAMED_TABLES.items():
        con.execute(
            f"DELETE FROM {table} WHERE source_file = $name AND {stamp} = $ingested_at",
            {"name": source_file, "ingested_at": ingested_at},
        )


def _cfpb_writer(con, ingested_at) -> FileWriter:
    """Streams a CFPB export's records (orchestration/ingestion/cfpb.py).

    An export is one file of up to millions of records; each chunk's records
    commit on their own, so memory stays bounded (docs/benchmarks.md, "CFPB
    exports"). They are classified on a scratch in-memory DuckDB, whose
    tables are replaced chunk after chunk without growing the warehouse's
    transaction."""

    def write(landing_file: LandingFile, outcome: FileOutcome, tally: ByteTally) -> None:
        chunks = read_ahead(read_chunks(landing_file.path, tally=tally))
        plausible = complaints.plausible_range_params(ingested_at)
        params = {"ingested_at": ingested_at}

        def move_chunk(scratch: duckdb.DuckDBPyConnection) -> None:
            for table, select in (
                ("raw.cfpb_complaints", cfpb.LOADED_SQL),
                ("audit.quarantine", quarantined_sql("record")),
            ):
                con.register("moved_rows", scratch.sql(select, params=params).to_arrow_table())
                con.execute(f"INSERT INTO {table} SELECT * FROM moved_rows")
                con.unregister("moved_rows")

        with duckdb.connect(config=duckdb_settings()) as scratch:
            sql_functions.register(scratch)
            for _ in cfpb.classify_file(scratch, chunks, landing_file.name, plausible, outcome.notes):
                _in_transaction(con, partial(move_chunk, scratch), crash_point="ingest:chunk")
                _count_classified(scratch, {outcome.source_file: outcome})

    return write


def _classify_complaint_lines(con, lines: pa.Table, ingested_at, append: bool = False) -> None:
    """Validate `lines` into temp table `classified`, replacing what it holds
    or adding to it."""
    con.register("landing_lines", lines)
    sql = complaints.APPEND_CLASSIFIED_SQL if append else complaints.CLASSIFY_SQL
    con.execute(sql, complaints.plausible_range_params(ingested_at))
    con.unregister("landing_lines")


# ----------------------------------------------------------------------------- shared


# Over temp table `classified` (both engines count with these).
COUNT_SQL = """
SELECT source_file,
       count(*),
       count(*) FILTER (reason IS NULL AND NOT is_blank),
       count(*) FILTER (reason IS NOT NULL),
       count(*) FILTER (reason IS NULL AND is_blank)
FROM classified GROUP BY source_file
"""
REASONS_SQL = """
SELECT source_file, reason, count(*) FROM classified WHERE reason IS NOT NULL GROUP BY ALL
"""


def quarantined_sql(raw_line_column: str) -> str:
    """The quarantined lines of `classified`, as audit.quarantine's rows."""
    return (
        f"SELECT source_file, line_no, reason, {raw_line_column} AS raw_line, $ingested_at AS quarantined_at"
        " FROM classified WHERE reason IS NOT NULL"
    )


def _move_classified(
    con, insert_loaded_sql: str, raw_line_column: str, ingested_at, outcomes: dict[str, FileOutcome]
) -> None:
    """Move temp table `classified` into raw and quarantine; count per file."""
    params = {"ingested_at": ingested_at}
    con.execute(insert_loaded_sql, params)
    con.execute(f"INSERT INTO audit.quarantine {quarantined_sql(raw_line_column)}", params)
    _count_classified(con, outcomes)


def _count_classified(con, outcomes: dict[str, FileOutcome]) -> None:
    """Add temp table `classified`'s lines to their files' counts."""
    for source_file, n_lines, n_loaded, n_quarantined, n_blank in con.execute(COUNT_SQL).fetchall():
        outcome = outcomes[source_file]
        outcome.n_lines += n_lines
        outcome.n_loaded += n_loaded
        outcome.n_quarantined += n_quarantined
        outcome.n_blank += n_blank
    for source_file, reason, count in con.execute(REASONS_SQL).fetchall():
        outcomes[source_file].reasons[reason] += count


def ledger_row(outcome: FileOutcome, ingested_at: dt.datetime) -> tuple:
    """A file's row of audit.ingested_files, in ledger.FILE_COLUMNS' order
    (both engines write it): a duplicate has no line counts of its own."""
    o = outcome
    counts = (None,) * 4 if o.status == "duplicate" else (o.n_lines, o.n_loaded, o.n_quarantined, o.n_blank)
    return (o.source_file, o.sha256, o.kind, o.status, o.duplicate_of, *counts, ingested_at, o.size_bytes, o.mtime_ns)


def _record(con, outcomes: list[FileOutcome], ingested_at: dt.datetime) -> None:
    con.executemany(
        f"INSERT INTO audit.ingested_files ({', '.join(FILE_COLUMNS)}) VALUES ({', '.join('?' * len(FILE_COLUMNS))})",
        [ledger_row(o, ingested_at) for o in outcomes],
    )
