"""Where tousu keeps its data: `TOUSU_DATA_DIR` (default `./data`), SPEC section 2."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

DATA_DIR_ENV = "TOUSU_DATA_DIR"

# The repository root is the dbt project's root; the rest of it is in dbt_project/.
REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROFILES_DIR = REPO_ROOT / "dbt_project"


def write_text_atomically(path: Path, text: str) -> None:
    """Write aside, then rename: a reader sees the old file or the new one, never half."""
    # a name of this process's own: two processes writing the same file at
    # once (two builds started together) never rename each other's
    staged = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    staged.write_text(text, encoding="utf-8")
    staged.replace(path)


def file_signature(stat: os.stat_result) -> str:
    """`size:mtime_ns`: how the ledger snapshot, the landing sensor and the
    nothing-new check tell a file unchanged without reading it."""
    return f"{stat.st_size}:{stat.st_mtime_ns}"


@dataclass(frozen=True)
class DataDir:
    root: Path

    @classmethod
    def from_env(cls) -> DataDir:
        # An empty value (TOUSU_DATA_DIR=) means unset, not the current directory.
        return cls(Path(os.environ.get(DATA_DIR_ENV) or "data").resolve())

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def spark(self) -> Path:
        """The Spark engine's metastore and warehouse folder (orchestration/warehouse/spark.py)."""
        return self.root / "spark"

    @property
    def serving(self) -> Path:
        return self.root / "serving"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def ledger_snapshot(self) -> Path:
        """The ledger as of the last ingestion or purge (orchestration/ledger.py):
        read by `tousu audit` while a build holds the warehouse, and by the
        landing sensor, which never opens it."""
        return self.root / "ledger.json"

    @property
    def last_build(self) -> Path:
        """What the last successful build ran (orchestration/build_state.py)."""
        return self.root / "last-build.json"

    @property
    def dagster_home(self) -> Path:
        """The Dagster instance of `make dagster` (DAGSTER_HOME), when set up."""
        return self.root / "dagster"

    @property
    def logs(self) -> Path:
        return self.root / "logs"

    @property
    def dbt_runs(self) -> Path:
        """dbt's artifacts, a folder per invocation (orchestration/resources.py)."""
        return self.logs / "dbt"

    def newest_dbt_run(self) -> Path:
        """The artifacts folder of the newest dbt invocation."""
        return max(self.dbt_runs.iterdir(), key=lambda path: path.stat().st_mtime)

    def newest_dbt_run_results(self) -> dict:
        """run_results.json of the newest dbt invocation: timings, statuses, failures."""
        return json.loads((self.newest_dbt_run() / "run_results.json").read_text())

    def create(self) -> DataDir:
        for folder in (self.root, self.landing, self.serving, self.reports, self.logs):
            folder.mkdir(parents=True, exist_ok=True)
        return self
