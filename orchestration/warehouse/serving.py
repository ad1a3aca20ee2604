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
from collections.abc import Callable
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


# Makes the marts readable on a DuckDB connection: {table name: what to select from}.
MartSource = Callable[[duckdb.DuckDBPyConnection], dict[str, str]]


def duckdb_marts(warehouse: Path) -> MartSource:
    """The marts of a DuckDB warehouse file, attached read-only."""

    def attach(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        con.execute(f"ATTACH {_sql_string(warehouse)} AS warehouse (READ_ONLY)")
        names = con.execute(
            "SELECT table_name FROM duckdb_tables()"
            " WHERE database_name = 'warehouse' AND schema_name = ? ORDER BY table_name",
            [SERVED_SCHEMA],
        ).fetchall()
        return {name: f"warehouse.{SERVED_SCHEMA}.{_quote(name)}" for (name,) in names}

    return attach


def spark_marts(spark) -> MartSource:
    """The marts of a Spark warehouse, fetched as Arrow (they are aggregates:
    small), so the release is the same DuckDB file and Parquet files."""

    def attach(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        listed = spark.sql(f"SHOW TABLES IN {SERVED_SCHEMA}").toArrow().to_pylist()
        names = sorted(row["tableName"] for row in listed if not row["isTemporary"])
        for name in names:
            con.register(f"spark_{name}", spark.table(f"{SERVED_SCHEMA}.{name}").toArrow())
        return {name: _quote(f"spark_{name}") for name in names}

    return attach


def publish(marts: MartSource, serving_dir: Path) -> ServingRelease:
    release_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    release_dir = serving_dir / RELEASES / release_id
    (release_dir / "parquet").mkdir(parents=True)
    tables: dict[str, int] = {}
    with duckdb.connect() as con:
        sources = marts(con)
        con.execute(f"ATTACH {_sql_string(release_dir / 'warehouse.duckdb')} AS serving")
        con.execute(f"CREATE SCHEMA serving.{SERVED_SCHEMA}")
        for name, source in sources.items():
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
