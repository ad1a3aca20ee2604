"""Where each dbt invocation keeps its artifacts: `logs/dbt/<step>-<run>/` in
the data directory, beside the build logs, the newest DBT_RUNS_KEPT kept.

dagster-dbt's default is a new folder under the project's target/ per run,
which only grows and mixes every data directory's runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

DBT_RUNS_KEPT = 20
PARTIAL_PARSE_FILE = "partial_parse.msgpack"


def invocation_dir(runs: Path, step: str, run_id: str) -> Path:
    """The artifacts folder of one step's dbt invocation in one run."""
    return runs / f"{step}-{run_id[:8]}"


def keep_newest(folder: Path, keep: int) -> None:
    """Delete all but the `keep` most recently modified entries of `folder`."""
    entries = sorted(folder.iterdir(), key=lambda path: path.stat().st_mtime)
    for stale in entries[: max(0, len(entries) - keep)]:
        shutil.rmtree(stale, ignore_errors=True)


def seed_partial_parse(runs: Path, step: str, target: Path, project_state: Path) -> None:
    """Start `target` with the partial-parse state of this step's newest earlier
    invocation in the same data directory, if it is newer than the project's
    own (`project_state`, the one `make manifest` leaves in target/).

    dbt's state records the vars and the profile. The project's has a DuckDB
    build's (orchestration/manifest.py: the DuckDB profile, no vars), which
    dagster-dbt copies for a step that has no state of its own; a step's own
    state also fits its other vars (a publication's period) and Spark's
    profile. dbt still checks the seeded state (versions, files, vars,
    profile) and parses again whatever changed — but not always all of it:
    when a macro file changes whose macros call each other, dbt 1.11 drops the
    file's other macros from its state before it looks for the models that
    call them, and those models keep their old configuration (a hook added in
    an adapter's implementation of `facts_config` was missing from one model
    of five). So a state older than the project's, made by earlier code,
    is not used: the project's, parsed whole, is."""
    earlier = [path / PARTIAL_PARSE_FILE for path in runs.glob(f"{step}-*") if (path / PARTIAL_PARSE_FILE).exists()]
    newest = max(earlier, key=lambda path: path.stat().st_mtime, default=None)
    if newest is None or newest.stat().st_mtime < _mtime(project_state):
        return  # dagster-dbt seeds from the project's target/ instead
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(newest, target / PARTIAL_PARSE_FILE)


def _mtime(path: Path) -> float:
    """0 for a missing file: no project state to prefer to a data directory's."""
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def prepare_invocation(runs: Path, step: str, run_id: str, project_state: Path) -> Path:
    """Make room for one more invocation (older ones pruned), start it from the
    step's last parse state (seed_partial_parse), and return its folder for
    dbt's --target-path."""
    runs.mkdir(parents=True, exist_ok=True)
    keep_newest(runs, DBT_RUNS_KEPT - 1)
    target = invocation_dir(runs, step, run_id)
    seed_partial_parse(runs, step, target, project_state)
    return target
