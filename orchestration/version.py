"""The code version stamped on published ratings: package version + git commit."""

from __future__ import annotations

import functools
import importlib.metadata
import subprocess

from orchestration.project import REPO_ROOT


def _git(*args: str) -> str | None:
    try:
        result = subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


@functools.cache
def code_version() -> str:
    """`0.1.0+g86cfc15`, with `.dirty` when tracked files differ from that commit;
    just the package version outside a git checkout."""
    version = importlib.metadata.version("tousu")
    commit = _git("rev-parse", "--short=12", "HEAD")
    if commit is None:
        return version
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return f"{version}+g{commit}{'.dirty' if dirty else ''}"
