"""The ledger as auditors read it: every landed file, quarantine by reason, purges.

The warehouse is locked while a build writes it, and an auditor must not have to
wait for one. So each ingestion and each purge also writes the ledger to
`ledger.json` beside the warehouse (aside, then renamed): `tousu audit` reads the
warehouse when it can and that snapshot while a build holds it, and the landing
sensor and the nothing-new check read the files' size and mtime from it without
opening the warehouse at all.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from orchestration.paths import write_text_atomically

FILE_COLUMNS = (
    "source_file",
    "sha256",
    "kind",
    "status",
    "duplicate_of",
    "n_lines",
    "n_loaded",
    "n_quarantined",
    "n_blank",
    "ingested_at",
    "size_bytes",
    "mtime_ns",
)


def read(con: duckdb.DuckDBPyConnection) -> dict:
    """The ledger from the warehouse, as one JSON-ready object."""
    cursor = con.execute(f"SELECT {', '.join(FILE_COLUMNS)} FROM audit.ingested_files ORDER BY source_file")
    files = [dict(zip(FILE_COLUMNS, row, strict=True)) for row in cursor.fetchall()]
    for row in files:
        row["ingested_at"] = row["ingested_at"].isoformat()
    reasons = dict(
        con.execute(
            "SELECT reason, count(*) FROM audit.quarantine GROUP BY reason ORDER BY count(*) DESC, reason"
        ).fetchall()
    )
    purges = [
        {"purged_at": purged_at.isoformat(), "complaints": complaints, "lines": lines}
        for purged_at, complaints, lines in con.execute(
            "SELECT purged_at, count(DISTINCT complaint_key), count(*) FROM audit.purged_lines"
            " GROUP BY purged_at ORDER BY purged_at"
        ).fetchall()
    ]
    return {
        "as_of": dt.datetime.now(dt.UTC).isoformat(),
        "files": files,
        "quarantine_reasons": reasons,
        "purges": purges,
    }


def write(path: Path, ledger: dict) -> None:
    write_text_atomically(path, json.dumps(ledger, ensure_ascii=False, sort_keys=True))


def load(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def signatures(ledger: dict | None) -> dict[str, str]:
    """`size:mtime_ns` of every file in the ledger (the landing sensor's form)."""
    return {
        row["source_file"]: f"{row['size_bytes']}:{row['mtime_ns']}"
        for row in (ledger or {}).get("files", [])
        if row.get("size_bytes") is not None
    }


def current(warehouse: Path, snapshot: Path) -> dict | None:
    """The ledger: the snapshot the last ingestion or purge wrote (never
    blocking, never blocked by, a build), else — for a warehouse built before
    snapshots existed — read from the warehouse itself."""
    found = load(snapshot)
    if found is not None or not warehouse.exists():
        return found
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return read(con)
    except duckdb.Error:
        return None
