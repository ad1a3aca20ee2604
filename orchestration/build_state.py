"""Is there anything for a build to do? Answered without Dagster, dbt or the warehouse.

A build ingests new landing files and brings every model up to date with them
and with the code. When no landing file is new or changed since the last
ingestion, and the last build succeeded with the same code and dbt vars, a
build would change nothing: `tousu build` says so in well under a second
instead of running dbt (a schedule tick on a quiet day).

The last successful build leaves `last-build.json` in the data directory: the
fingerprint of the code it ran and the size and mtime of the warehouse file it
left. Every build removes the file when it starts, so a failed or interrupted
build always leads to a real build next time, and so does any later write to
the warehouse (a purge, a publication, a change by hand).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from orchestration import ledger
from orchestration.ingestion.landing import scan
from orchestration.paths import REPO_ROOT, DataDir, file_signature, write_text_atomically

# What a build's result depends on besides the landed lines: the dbt project
# (models, seeds, macros, tests, snapshots, vars in dbt_project.yml) and the
# Python package (ingestion rules, serving, the dbt plugin's SQL functions).
CODE_PATHS = ("dbt_project.yml", "models", "seeds", "dbt_project", "orchestration")
CODE_SUFFIXES = {".yml", ".yaml", ".sql", ".csv", ".md", ".py", ".j2"}


def code_fingerprint(root: Path = REPO_ROOT) -> str:
    digest = hashlib.sha256()
    for name in CODE_PATHS:
        path = root / name
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in CODE_SUFFIXES)
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _signature(path: Path) -> str | None:
    """size:mtime of a file, None when absent: any write to the warehouse (a
    purge, a publication, a hand-made change) shows here."""
    try:
        return file_signature(path.stat())
    except FileNotFoundError:
        return None


def _warehouse_signature(data_dir: DataDir) -> list:
    wal = data_dir.warehouse.with_name(data_dir.warehouse.name + ".wal")
    return [_signature(data_dir.warehouse), _signature(wal)]


def record_success(data_dir: DataDir, release_id: str) -> None:
    state = {"code": code_fingerprint(), "release": release_id, "warehouse": _warehouse_signature(data_dir)}
    write_text_atomically(data_dir.last_build, json.dumps(state))


def forget_success(data_dir: DataDir) -> None:
    data_dir.last_build.unlink(missing_ok=True)


def _last_success(data_dir: DataDir) -> dict | None:
    """What the last successful build recorded, if the warehouse is still as it
    left it and the code the same; else None."""
    try:
        state = json.loads(data_dir.last_build.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("warehouse") != _warehouse_signature(data_dir) or state.get("code") != code_fingerprint():
        return None
    return state


def as_last_built(data_dir: DataDir) -> bool:
    """True when the last build succeeded with this code and nothing has written
    the warehouse since: every model and test is then up to date with the rows
    it holds (what orchestration/build_scope.py relies on). Asked before a build
    writes anything."""
    return _last_success(data_dir) is not None


def nothing_new(data_dir: DataDir) -> str | None:
    """The release of the last build when a build now would change nothing, else None."""
    state = _last_success(data_dir)
    if state is None:
        return None
    ingested = ledger.signatures(ledger.load(data_dir.ledger_snapshot))
    landing = scan(data_dir.landing)
    if landing.undecodable:
        return None
    for landing_file in landing.files:
        if ingested.get(landing_file.name) != file_signature(landing_file.path.stat()):
            return None
    return state.get("release")
