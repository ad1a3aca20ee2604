"""Prepare dbt's manifest before Dagster loads it (build/test time, not import time)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

from orchestration.engine import DBT_DUCKDB_PATH, DBT_DUCKDB_PATH_ENV, DBT_TARGET_ENV, DBT_TARGETS, DUCKDB
from orchestration.paths import DBT_PROFILES_DIR, REPO_ROOT

# dagster-dbt is imported only where the manifest is needed: the CLI imports this
# module for DbtProjectInvalid, and its read commands must start fast.

# What the manifest is made from: editing any of these makes it stale.
SOURCES = ("dbt_project.yml", "models", "seeds", "dbt_project")


def _newest_source_mtime() -> float:
    newest = 0.0
    for name in SOURCES:
        path = REPO_ROOT / name
        candidates = [path] if path.is_file() else path.rglob("*")
        for candidate in candidates:
            if candidate.is_file():
                newest = max(newest, candidate.stat().st_mtime)
    return newest


def is_fresh() -> bool:
    from orchestration.project import tousu_dbt_project

    manifest = Path(tousu_dbt_project.manifest_path)
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime()


class DbtProjectInvalid(RuntimeError):
    """`dbt parse` refused the project (a malformed var, a broken model): the
    message is dbt's own."""


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than the dbt sources.

    It parses as a DuckDB build invokes dbt (its profile, no vars), so that the
    partial-parse state left in target/ serves the first build of every data
    directory (orchestration/engine.py, DBT_DUCKDB_PATH). The build's project
    hash, which only this parse's manifest tells, reaches dbt in an environment
    variable, not as a var: dbt parses the whole project again whenever its vars
    differ from the parse state's, so a var would take a second full parse here."""
    from orchestration.project import tousu_dbt_project

    manifest = Path(tousu_dbt_project.manifest_path)
    if not is_fresh():
        _parse()
    return manifest


# The environment variable that carries the project hash to a build's dbt
# (macro `project_hash`, dbt_project/macros/data_tests_on_changes.sql).
PROJECT_HASH_ENV = "TOUSU_PROJECT_HASH"


def build_environment(manifest_path: Path) -> dict[str, str]:
    """What every `dbt build` tousu runs gets in its environment besides the
    data directory's (orchestration/assets/dbt.py)."""
    return {PROJECT_HASH_ENV: project_hash(manifest_path)}


def _parse() -> None:
    dbt = Path(sys.executable).parent / "dbt"
    # Whole, not from the last parse's state: dbt 1.11's partial parsing can
    # keep a model's old configuration after an edit of a macro file
    # (orchestration/dbt_runs.py, seed_partial_parse), and every build's parse
    # starts from the state this one leaves.
    result = subprocess.run(
        [str(dbt), "parse", "--quiet", "--no-partial-parse"]
        + ["--project-dir", str(REPO_ROOT), "--profiles-dir", str(DBT_PROFILES_DIR)],
        cwd=REPO_ROOT,
        env={**os.environ, DBT_DUCKDB_PATH_ENV: DBT_DUCKDB_PATH, DBT_TARGET_ENV: DBT_TARGETS[DUCKDB]},
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        # dbt's own words, without colours and log timestamps
        text = re.sub(r"\x1b\[[0-9;]*m|^\d{2}:\d{2}:\d{2}\s+", "", result.stdout + result.stderr, flags=re.M)
        message = "\n".join(line for line in text.splitlines() if line.strip())
        raise DbtProjectInvalid(f"dbt cannot parse the project ({REPO_ROOT / 'dbt_project.yml'}):\n{message}")


def project_hash(manifest_path: Path) -> str:
    """`TOUSU_PROJECT_HASH` of a build: what a data test's record of the rows it
    passed on is valid for (dbt_project/macros/data_tests_on_changes.sql). A hash of every node's and macro's checksum in the manifest: any change
    to a model, a test, a seed or a macro (dbt's own included) gives another,
    and the data tests that check only changed rows check every row again."""
    manifest = json.loads(Path(manifest_path).read_text())
    code = {unique_id: node["checksum"]["checksum"] for unique_id, node in manifest["nodes"].items()}
    code |= {unique_id: macro["macro_sql"] for unique_id, macro in manifest["macros"].items()}
    return hashlib.sha256(json.dumps(code, sort_keys=True).encode()).hexdigest()[:16]


if __name__ == "__main__":
    try:
        print(ensure_manifest())
    except DbtProjectInvalid as error:
        sys.exit(str(error))
