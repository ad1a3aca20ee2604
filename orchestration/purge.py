"""`tousu purge --complaint-id ID`: erase one complainant's complaint from every layer.

Raw lines and quarantined lines of the complaint are deleted (their file, line
and layer recorded in audit.purged_lines, without content, so the ledger still
reconciles); every model is then rebuilt from the raw tables as they are now (a
full refresh, no ingestion), serving gets a new release and every older release
is deleted. Landing files are never modified by tousu: the purge lists those that
still hold the complaint, for the operator to remove or redact. Published ratings
hold only counts and indices, no personal data, and stay as published.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from orchestration import ledger
from orchestration.assets.keys import DBT_ASSET_NAME
from orchestration.jobs import REFRESH_JOB_NAME
from orchestration.paths import DataDir
from orchestration.runner import BuildOutcome, run_writer_job
from orchestration.warehouse import serving
from orchestration.warehouse.connection import connect
from orchestration.warehouse.writer import hold_writer

# The complaint's raw lines (ids are trimmed in staging, so here too) and the
# quarantined lines naming it, parseable or not: `"complaint_id": "<id>"`.
DELETE_RAW_SQL = """
DELETE FROM raw.complaints WHERE tousu_trim(complaint_id) = $complaint_id RETURNING source_file, line_no
"""
DELETE_QUARANTINED_SQL = """
DELETE FROM audit.quarantine WHERE regexp_matches(raw_line, $pattern) RETURNING source_file, line_no
"""


@dataclass
class PurgeResult:
    complaint_ids: list[str]
    n_raw_lines: int = 0
    n_quarantined_lines: int = 0
    landing_files: list[str] = field(default_factory=list)
    outcome: BuildOutcome | None = None


def complaint_key(complaint_id: str) -> str:
    return hashlib.sha256(complaint_id.encode("utf-8")).hexdigest()


def _delete_lines(con, complaint_id: str, now: dt.datetime) -> tuple[list[tuple], list[tuple]]:
    """Delete the complaint's lines and leave a tombstone (file, line, layer) for each."""
    pattern = r'"complaint_id"\s*:\s*"\s*' + re.escape(complaint_id) + r'\s*"'
    raw = con.execute(DELETE_RAW_SQL, {"complaint_id": complaint_id}).fetchall()
    quarantined = con.execute(DELETE_QUARANTINED_SQL, {"pattern": pattern}).fetchall()
    tombstones = [(f, n, "raw") for f, n in raw] + [(f, n, "quarantine") for f, n in quarantined]
    if tombstones:
        con.executemany(
            "INSERT INTO audit.purged_lines VALUES (?, ?, ?, ?, ?)",
            [(f, n, layer, complaint_key(complaint_id), now) for f, n, layer in tombstones],
        )
    return raw, quarantined


def purge_complaints(data_dir: DataDir, complaint_ids: list[str], verbose: bool = False) -> PurgeResult:
    """Delete, rebuild, re-serve; all under the writer lock. The deletion is one
    transaction: either every line of every id goes, or none does."""
    from orchestration.ingestion.run import ensure_schema

    ids = [complaint_id.strip() for complaint_id in complaint_ids]
    result = PurgeResult(ids)
    now = dt.datetime.now(dt.UTC)
    with hold_writer(data_dir.root):
        with connect(data_dir.warehouse) as con:
            ensure_schema(con)
            con.begin()
            files: set[str] = set()
            for complaint_id in ids:
                raw, quarantined = _delete_lines(con, complaint_id, now)
                result.n_raw_lines += len(raw)
                result.n_quarantined_lines += len(quarantined)
                files.update(f for f, _ in raw + quarantined)
            con.commit()
            con.execute("CHECKPOINT")
            ledger.write(data_dir.ledger_snapshot, ledger.read(con))
        result.landing_files = sorted(name for name in files if (data_dir.landing / name).exists())
        run_config = {"ops": {DBT_ASSET_NAME: {"config": {"full_refresh": True}}}}
        result.outcome = run_writer_job(data_dir, REFRESH_JOB_NAME, run_config, verbose=verbose, log_name="purge")
        if result.outcome.success:
            serving.drop_previous_releases(data_dir.serving)
    return result
