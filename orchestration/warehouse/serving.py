"""Publish the marts for BI: `serving/warehouse.duckdb` and `serving/parquet/`.

Each build writes a complete release aside (`serving/releases/<id>/`), then
swaps one symlink, `serving/current`, with rename(2), which is atomic;
`serving/warehouse.duckdb` and `serving/parquet` are fixed links through it, so
both change in the same instant. A reader opening
`serving/warehouse.duckdb` or `serving/parquet/<table>.parquet` sees one whole
release, never a half-written table, and never blocks the build (it only ever
opens finished files read-only). One DuckDB connection sees one release; a
reader of several Parquet files resolves `serving/parquet` once
(os.path.realpath) and reads them all from that release's folder. Each release
names itself: meta.release in the DuckDB file, the Parquet key `tousu_release`,
release.json.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.failpoints import failpoint

SERVED_SCHEMA = "marts"
META_SCHEMA = "meta"
RELEASE_KEY = "tousu_release"
RELEASES = "releases"
CURRENT = "current"
SERVED_LINKS = ("warehouse.duckdb", "parquet")
# Releases kept besides the current one, so a reader that resolved the previous
# links a moment ago can still finish reading.
KEEP_PREVIOUS = 1


@dataclass(frozen=True)
class ServingRelease:
    release_id: str
    path: Path
    tables: dict[str, int]


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_string(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def publish(warehouse: Path, serving_dir: Path) -> ServingRelease:
    release_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    release_dir = serving_dir / RELEASES / release_id
    (release_dir / "parquet").mkdir(parents=True)
    tables: dict[str, int] = {}
    with duckdb.connect() as con:
        con.execute(f"ATTACH {_sql_string(warehouse)} AS warehouse (READ_ONLY)")
        con.execute(f"ATTACH {_sql_string(release_dir / 'warehouse.duckdb')} AS serving")
        names = [
            row[0]
            for row in con.execute(
                "SELECT table_name FROM duckdb_tables()"
                " WHERE database_name = 'warehouse' AND schema_name = ? ORDER BY table_name",
                [SERVED_SCHEMA],
            ).fetchall()
        ]
        con.execute(f"CREATE SCHEMA serving.{SERVED_SCHEMA}")
        for name in names:
            source = f"warehouse.{SERVED_SCHEMA}.{_quote(name)}"
            con.execute(f"CREATE TABLE serving.{SERVED_SCHEMA}.{_quote(name)} AS SELECT * FROM {source}")
            con.execute(
                f"COPY {source} TO {_sql_string(release_dir / 'parquet' / f'{name}.parquet')}"
                f" (FORMAT parquet, KV_METADATA {{{RELEASE_KEY}: {_sql_string(release_id)}}})"
            )
            tables[name] = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]
        # Which build a reader is looking at: meta.release in the DuckDB file, the
        # key tousu_release in every Parquet file's metadata, release.json.
        con.execute(f"CREATE SCHEMA serving.{META_SCHEMA}")
        con.execute(
            f"CREATE TABLE serving.{META_SCHEMA}.release AS SELECT ? AS release_id, now() AS built_at", [release_id]
        )
        con.execute("DETACH serving")
        con.execute("DETACH warehouse")
    (release_dir / "release.json").write_text(
        json.dumps({"release_id": release_id, "tables": tables}, indent=2), encoding="utf-8"
    )
    failpoint("serving:before_swap")
    _swap_link(serving_dir / CURRENT, Path(RELEASES) / release_id)
    for link in SERVED_LINKS:
        if not (serving_dir / link).is_symlink() or os.readlink(serving_dir / link) != f"{CURRENT}/{link}":
            _swap_link(serving_dir / link, Path(CURRENT) / link)
    _prune(serving_dir / RELEASES, keep={release_id})
    return ServingRelease(release_id, release_dir, tables)


def _swap_link(link: Path, target: Path) -> None:
    staged = link.with_name(f".{link.name}.{uuid.uuid4().hex[:8]}")
    os.symlink(target, staged)
    os.replace(staged, link)


def current_release(serving_dir: Path) -> str | None:
    link = serving_dir / CURRENT
    if not link.is_symlink():
        return None
    return Path(os.readlink(link)).name


def _prune(releases: Path, keep: set[str], keep_previous: int = KEEP_PREVIOUS) -> None:
    older = sorted(p for p in releases.iterdir() if p.name not in keep)
    for stale in older[: max(0, len(older) - keep_previous)]:
        shutil.rmtree(stale, ignore_errors=True)


def drop_previous_releases(serving_dir: Path) -> None:
    """Delete every release but the current one (after a purge, older releases
    still hold what was purged)."""
    current = current_release(serving_dir)
    if current is not None:
        _prune(serving_dir / RELEASES, keep={current}, keep_previous=0)
