"""Start a build when new files appear in landing/.

The sensor never opens the warehouse (a build may be writing it): it compares
what landing/ holds now with what it saw last time, kept in its cursor as one
signature (size and mtime) per file name. Its first cursor is the signatures of
the files already ingested, from the ledger snapshot each ingestion writes
(`ledger.json`), so a sensor switched on over a built data directory starts no
build. A file counts once it has not changed
for `LANDING_SETTLE_SECONDS`, so a dump still being copied in is not picked up
half-written; the build itself skips files it already ingested (by sha256).
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import dagster as dg

from orchestration import ledger
from orchestration.assets.keys import LANDING_FILES
from orchestration.ingestion.landing import scan
from orchestration.jobs import build_job
from orchestration.paths import file_signature
from orchestration.resources import TousuDataDirResource

SETTLE_SECONDS_ENV = "TOUSU_LANDING_SETTLE_SECONDS"
DEFAULT_SETTLE_SECONDS = 60


def settle_seconds() -> float:
    return float(os.environ.get(SETTLE_SECONDS_ENV, DEFAULT_SETTLE_SECONDS))


def settled_files(landing: Path, now: float, settle: float) -> dict[str, str]:
    """Landing files (by SPEC's name patterns) unchanged for `settle` seconds,
    each with a signature that changes when the file does."""
    signatures = {}
    for landing_file in scan(landing).files:
        stat = landing_file.path.stat()
        if now - stat.st_mtime >= settle:
            signatures[landing_file.name] = file_signature(stat)
    return signatures


def new_files(previous: dict[str, str], current: dict[str, str]) -> list[str]:
    """Names that are new, or whose signature changed, since `previous`."""
    return sorted(name for name, signature in current.items() if previous.get(name) != signature)


@dg.sensor(
    job=build_job,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts build_warehouse when new complaint dumps or registry files land.",
)
def landing_files_sensor(context: dg.SensorEvaluationContext, data_dir: TousuDataDirResource) -> dg.SensorResult:
    paths = data_dir.paths()
    previous = json.loads(context.cursor) if context.cursor else ledger.signatures(ledger.load(paths.ledger_snapshot))
    current = settled_files(paths.landing, time.time(), settle_seconds())
    arrived = new_files(previous, current)
    # Files still settling are left out of the cursor, so they count next time.
    cursor = json.dumps({**previous, **current}, sort_keys=True)
    if not arrived:
        return dg.SensorResult(skip_reason="no new files in landing/", cursor=cursor)
    run_key = hashlib.sha256("\n".join(f"{n}={current[n]}" for n in arrived).encode()).hexdigest()[:16]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=run_key, tags={"tousu/new_files": str(len(arrived))})],
        asset_events=[
            dg.AssetObservation(
                asset_key=LANDING_FILES,
                metadata={"new_files": dg.MetadataValue.json(arrived), "files_in_landing": len(current)},
            )
        ],
        cursor=cursor,
    )
