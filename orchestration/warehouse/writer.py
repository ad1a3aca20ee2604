"""One writer at a time per data directory.

Everything that writes the warehouse (ingestion, dbt, serving, publication) runs
inside a Dagster run that holds this lock for the whole run, through the
`warehouse_writer` resource; the CLI takes it before it starts a run, so a
second `tousu build` fails at once, before anything is touched. In the Dagster
UI, runs of the `warehouse` pool queue behind each other instead (dagster.yaml:
pool granularity `run`, limit 1); the lock is what still stops a UI run and a
CLI build from overlapping. Readers never take it: BI reads `serving/`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = ".writer.lock"


class WarehouseBusy(RuntimeError):
    """Another process is writing this data directory's warehouse."""


def _lock(root: Path) -> FileLock:
    # One lock object per path and process (is_singleton), reentrant across
    # threads: the CLI holds it around the whole run and the run's resource
    # takes it again without locking itself out.
    return FileLock(str(root / LOCK_FILE), timeout=0, is_singleton=True, thread_local=False)


@contextlib.contextmanager
def hold_writer(root: Path) -> Iterator[None]:
    """Hold the writer lock of the data directory `root`, or raise WarehouseBusy at once."""
    lock = _lock(root)
    try:
        lock.acquire()
    except Timeout:
        raise WarehouseBusy(
            f"another build or publication is writing {root}; nothing was changed — try again when it ends"
        ) from None
    try:
        yield
    finally:
        lock.release()
