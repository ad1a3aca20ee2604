"""Ingest every new landing file: one transaction per file.

A file is either wholly ingested (raw rows + quarantine + its audit row) or not
at all; a file that fails as a whole is reported and left unrecorded, so it is
retried once fixed, and the other files still load.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from orchestration.ingestion import complaints, registry
from orchestration.ingestion.landing import FileKind, LandingFile, scan
from orchestration.ingestion.reader import read_chunks
from orchestration.ingestion.schema import DDL


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
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def add(self, n_lines: int, n_loaded: int, n_quarantined: int, n_blank: int) -> None:
        self.n_lines += n_lines
        self.n_loaded += n_loaded
        self.n_quarantined += n_quarantined
        self.n_blank += n_blank


@dataclass
class IngestionReport:
    files: list[FileOutcome]
    ignored: list[str]

    @property
    def failed(self) -> list[FileOutcome]:
        return [f for f in self.files if f.status == "failed"]

    def of(self, status: str) -> list[FileOutcome]:
        return [f for f in self.files if f.status == status]


class FileRejected(Exception):
    """A whole-file problem: the file is reported and not recorded."""


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DDL)


def ingest_landing(
    con: duckdb.DuckDBPyConnection, landing_dir: Path, now: dt.datetime | None = None
) -> IngestionReport:
    ensure_schema(con)
    ingested_at = now or dt.datetime.now(dt.timezone.utc)
    landing = scan(landing_dir)
    outcomes = []
    for landing_file in landing.files:
        outcome = _ingest_file(con, landing_file, ingested_at)
        if outcome is not None:
            outcomes.append(outcome)
    return IngestionReport(outcomes, landing.ignored)


def _ingest_file(
    con: duckdb.DuckDBPyConnection, landing_file: LandingFile, ingested_at: dt.datetime
) -> FileOutcome | None:
    outcome = FileOutcome(landing_file.name, landing_file.kind.value, "loaded")
    try:
        outcome.sha256 = landing_file.sha256()
    except OSError as error:
        return _failed(outcome, f"cannot read: {error}")
    seen = con.execute(
        "SELECT source_file, sha256 FROM audit.ingested_files"
        " WHERE source_file = $name OR (sha256 = $sha AND status = 'loaded')"
        " ORDER BY source_file <> $name, ingested_at LIMIT 1",
        {"name": landing_file.name, "sha": outcome.sha256},
    ).fetchall()
    if seen:
        seen_name, seen_sha = seen[0]
        if seen_name == landing_file.name and seen_sha == outcome.sha256:
            return None  # ingested before: nothing new
        if seen_name == landing_file.name:
            return _failed(
                outcome,
                "a file of this name was ingested before with other content; landed "
                "files must never change, so land the new content under a new name",
            )
        outcome.status, outcome.duplicate_of = "duplicate", seen_name

    con.execute("BEGIN TRANSACTION")
    try:
        if outcome.status == "loaded":
            if landing_file.kind is FileKind.COMPLAINTS:
                _load_complaints(con, landing_file, ingested_at, outcome)
            else:
                _load_registry(con, landing_file, ingested_at, outcome)
        _record(con, outcome, ingested_at)
        con.execute("COMMIT")
    except (FileRejected, OSError, EOFError, ValueError) as error:
        con.execute("ROLLBACK")
        return _failed(outcome, str(error) or type(error).__name__)
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return outcome


def _failed(outcome: FileOutcome, message: str) -> FileOutcome:
    fresh = FileOutcome(outcome.source_file, outcome.kind, "failed", outcome.sha256)
    fresh.error = message
    return fresh


_COUNT_SQL = """
SELECT count(*),
       count(*) FILTER (reason IS NULL AND NOT is_blank),
       count(*) FILTER (reason IS NOT NULL),
       count(*) FILTER (reason IS NULL AND is_blank)
FROM classified
"""
_REASONS_SQL = "SELECT reason, count(*) FROM classified WHERE reason IS NOT NULL GROUP BY reason"


def _split_classified(con, outcome: FileOutcome, insert_loaded_sql: str, raw_line_column: str,
                      params: dict) -> None:
    """Move the rows of temp table `classified` to raw and quarantine; count them."""
    con.execute(insert_loaded_sql, params)
    con.execute(
        "INSERT INTO audit.quarantine"
        f" SELECT $source_file, line_no, reason, {raw_line_column}, $ingested_at"
        " FROM classified WHERE reason IS NOT NULL",
        params,
    )
    outcome.add(*con.execute(_COUNT_SQL).fetchall()[0])
    outcome.reasons.update(dict(con.execute(_REASONS_SQL).fetchall()))


def _load_complaints(con, landing_file: LandingFile, ingested_at, outcome: FileOutcome) -> None:
    params = {"source_file": landing_file.name, "ingested_at": ingested_at}
    for chunk in read_chunks(landing_file.path):
        con.register("landing_lines", chunk.to_arrow())
        con.execute(complaints.CLASSIFY_SQL)
        con.unregister("landing_lines")
        _split_classified(con, outcome, complaints.INSERT_LOADED_SQL, "line", params)


def _load_registry(con, landing_file: LandingFile, ingested_at, outcome: FileOutcome) -> None:
    try:
        registry_rows, ignored, n_columns = registry.read_rows(landing_file.path)
    except registry.RegistryFileError as error:
        raise FileRejected(f"not a readable registry: {error}") from None
    if ignored:
        outcome.notes.append(f"ignored unknown column(s): {', '.join(ignored)}")
    con.register("registry_rows", registry_rows)
    con.execute(registry.CLASSIFY_SQL, {"n_columns": n_columns})
    con.unregister("registry_rows")
    params = {"source_file": landing_file.name, "ingested_at": ingested_at}
    # A registry's n_lines counts its records, not its header line.
    _split_classified(con, outcome, registry.INSERT_LOADED_SQL, "raw_line", params)


def _record(con, outcome: FileOutcome, ingested_at: dt.datetime) -> None:
    counts = (
        (None, None, None, None)
        if outcome.status == "duplicate"
        else (outcome.n_lines, outcome.n_loaded, outcome.n_quarantined, outcome.n_blank)
    )
    con.execute(
        "INSERT INTO audit.ingested_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [outcome.source_file, outcome.sha256, outcome.kind, outcome.status,
         outcome.duplicate_of, *counts, ingested_at],
    )
