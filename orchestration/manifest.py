"""Prepare dbt's manifest before Dagster loads it (build/test time, not import time)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestration.project import DBT_PROFILES_DIR, REPO_ROOT, tousu_dbt_project

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
    manifest = Path(tousu_dbt_project.manifest_path)
    return manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime()


def ensure_manifest() -> Path:
    """Run `dbt parse` when the manifest is missing or older than the dbt sources."""
    if not is_fresh():
        dbt = Path(sys.executable).parent / "dbt"
        subprocess.run(
            [str(dbt), "parse", "--quiet", "--project-dir", str(REPO_ROOT), "--profiles-dir", str(DBT_PROFILES_DIR)],
            check=True,
            cwd=REPO_ROOT,
        )
    return Path(tousu_dbt_project.manifest_path)


if __name__ == "__main__":
    print(ensure_manifest())
