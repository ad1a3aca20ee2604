"""Put generated files into their folder without overwriting what is there.

The generator writes into a private folder beside the target first; only when
none of its file names exists in the target (or `force` allows it) are they
moved in, each with one rename. A file the warehouse of this data directory
has ingested (by its ledger snapshot, so a running build is no obstacle) is
never overwritten, `force` or not: landed files never change, and the next
build would refuse it under its old name.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from orchestration import ledger
from orchestration.paths import DataDir

SHOWN_NAMES = 10


class WouldOverwrite(Exception):
    """Files of the target would be overwritten: nothing was written."""


@contextmanager
def staging_folder(out_dir: Path) -> Iterator[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=".tousu-generate-", dir=out_dir))
    try:
        yield staged
    finally:
        shutil.rmtree(staged, ignore_errors=True)


def ingested_names(out_dir: Path, data_dir: DataDir) -> set[str]:
    """Names the warehouse has ingested, when `out_dir` is its landing zone."""
    if out_dir.resolve() != data_dir.landing.resolve():
        return set()
    found = ledger.current(data_dir.warehouse, data_dir.ledger_snapshot)
    if found is None and data_dir.warehouse.exists():
        raise WouldOverwrite(f"cannot read the ledger of {data_dir.warehouse}; nothing was written")
    return {row["source_file"] for row in (found or {}).get("files", [])}


def place(staged: Path, names: list[str], out_dir: Path, force: bool, ingested: Callable[[], set[str]]) -> None:
    existing = sorted(name for name in names if (out_dir / name).exists())
    refused = sorted(set(existing) & ingested()) if existing else []
    blocked = refused if force else existing
    if blocked:
        why = (
            "ingested by the warehouse; landed files never change"
            if force or refused == existing
            else "already there (--force overwrites files the warehouse has not ingested)"
        )
        shown = [f"  {out_dir / name}" for name in blocked[:SHOWN_NAMES]]
        more = [f"  … and {len(blocked) - SHOWN_NAMES} more"] if len(blocked) > SHOWN_NAMES else []
        raise WouldOverwrite("\n".join([f"{len(blocked)} file(s) {why}; nothing was written:", *shown, *more]))
    for name in names:
        os.replace(staged / name, out_dir / name)
