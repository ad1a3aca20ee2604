"""`tousu purge --complaint-id ID` / `--cfpb-complaint-id ID`: erase complaints
from every layer.

Raw lines and quarantined lines of the complaint are deleted (their file, line
and layer recorded in audit.purged_lines, without content, so the ledger still
reconciles); then every dbt node runs, incremental, without ingestion: the
tables keyed by complaint drop the rows whose state line was purged (DuckDB
deletes them, Spark rewrites their months) and everything else is rebuilt
from them, as on a day. Serving gets a new release and every older release is
deleted. Landing files are never modified by tousu: the purge lists those that
still hold the complaint, for the operator to remove or redact. Published ratings
hold only counts and indices, no personal data, and stay as published.

A complaint of the dumps and a record of the CFPB exports are two sources with
ids of their own: each is purged from its own raw table, and from the quarantined
lines of its own kind of file only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestration import ledger
from orchestration.build_state import forget_success
from orchestration.ingestion.landing import FileKind
from orchestration.jobs import REFRESH_JOB_NAME
from orchestration.paths import DataDir
from orchestration.runner import BuildOutcome, run_writer_job
from orchestration.warehouse import serving
from orchestration.warehouse.connection import connect
from orchestration.warehouse.writer import hold_writer


@dataclass(frozen=True)
class Source:
    """Where one source's complaints are: the raw table keyed by complaint_id
    (RAW_NAMES), the kind of landing file its lines come from, and what a
    quarantined line of such a file that names the complaint looks like (RE2
    and Java read the pattern alike)."""

    label: str  # how the purge's output names the source's ids
    raw_table: str
    file_kind: FileKind
    quarantine_template: str  # {id}: the escaped id

    def quarantine_pattern(self, complaint_id: str) -> str:
        return self.quarantine_template.replace("{id}", re.escape(complaint_id))

    def names_quarantined(self, match: str) -> str:
        """The condition on audit.quarantine naming the complaint: `match`, the
        engine's regular-expression test of raw_line against the pattern (a
        parameter), on lines of the source's own kind of file only."""
        kind = f"SELECT source_file FROM audit.ingested_files WHERE kind = '{self.file_kind}'"
        return f"{match} AND source_file IN ({kind})"


# A dump's line names the complaint in its JSON, parseable or not:
# `"complaint_id": "<id>"`. A CFPB record names it as a field that is the id
# alone, quoted or not (the Complaint ID column: the export's other fields are
# dates, five-digit ZIP codes and text).
DUMPS = Source("", "raw.complaints", FileKind.COMPLAINTS, r'"complaint_id"\s*:\s*"\s*{id}\s*"')
CFPB = Source("CFPB ", "raw.cfpb_complaints", FileKind.CFPB, r'(^|,)\s*"?\s*{id}\s*"?\s*(,|\r?$)')

# The condition on a raw table naming the complaint, its id a parameter: ids
# are trimmed in staging, so here too.
RAW_NAMES = "tousu_trim(complaint_id) = ?"
# Each engine's regular-expression test of raw_line against a parameter.
DUCKDB_MATCH = "regexp_matches(raw_line, ?)"
SPARK_MATCH = "raw_line rlike ?"


class NamesNothing(ValueError):
    """An id no line of its source names: nothing was purged or rebuilt."""


@dataclass
class PurgeResult:
    complaints: list[tuple[Source, str]]
    n_raw_lines: int = 0
    n_quarantined_lines: int = 0
    landing_files: list[str] = field(default_factory=list)
    outcome: BuildOutcome | None = None

    def names(self) -> str:
        """The purged ids as the output names them: `A, CFPB 1234567`."""
        return ", ".join(source.label + complaint_id for source, complaint_id in self.complaints)


def complaint_key(complaint_id: str) -> str:
    return hashlib.sha256(complaint_id.encode("utf-8")).hexdigest()


def _delete_lines(con, source: Source, complaint_id: str, now: dt.datetime) -> tuple[list[tuple], list[tuple]]:
    """Delete the complaint's lines and leave a tombstone (file, line, layer) for each."""
    raw = con.execute(
        f"DELETE FROM {source.raw_table} WHERE {RAW_NAMES} RETURNING source_file, line_no", [complaint_id]
    ).fetchall()
    quarantined = con.execute(
        f"DELETE FROM audit.quarantine WHERE {source.names_quarantined(DUCKDB_MATCH)} RETURNING source_file, line_no",
        [source.quarantine_pattern(complaint_id)],
    ).fetchall()
    tombstones = [(f, n, "raw") for f, n in raw] + [(f, n, "quarantine") for f, n in quarantined]
    if tombstones:
        con.executemany(
            "INSERT INTO audit.purged_lines VALUES (?, ?, ?, ?, ?)",
            [(f, n, layer, complaint_key(complaint_id), now) for f, n, layer in tombstones],
        )
    return raw, quarantined


def _check_named(ids: list[tuple[Source, str]], count: Callable[[str, list], int], match: str) -> None:
    """Stop before anything changes when an id names nothing: a mistyped id
    would otherwise cost a full rebuild and a new serving release. A complaint
    purged before is named still by its tombstones (running a purge whose
    rebuild did not end finishes it)."""
    unnamed = [
        source.label + complaint_id
        for source, complaint_id in ids
        if not count(
            f"SELECT (SELECT count(*) FROM {source.raw_table} WHERE {RAW_NAMES})"
            f" + (SELECT count(*) FROM audit.quarantine WHERE {source.names_quarantined(match)})"
            " + (SELECT count(*) FROM audit.purged_lines WHERE complaint_key = ?)",
            [complaint_id, source.quarantine_pattern(complaint_id), complaint_key(complaint_id)],
        )
    ]
    if unnamed:
        raise NamesNothing(
            f"no loaded or quarantined line names {', '.join(unnamed)} (--complaint-id: a dump's complaint,"
            " --cfpb-complaint-id: a CFPB record's Complaint ID); nothing was purged"
        )


def purge_complaints(
    data_dir: DataDir, complaint_ids: list[str], cfpb_complaint_ids: list[str] = (), verbose: bool = False
) -> PurgeResult:
    """Delete, rebuild, re-serve; all under the writer lock."""
    from orchestration import engine

    ids = [(DUMPS, i.strip()) for i in complaint_ids] + [(CFPB, i.strip()) for i in cfpb_complaint_ids]
    if not all(complaint_id for _, complaint_id in ids):
        # a blank id's patterns would match every quarantined line with a blank field
        raise NamesNothing("a blank complaint id names no complaint; nothing was purged")
    result = PurgeResult(ids)
    now = dt.datetime.now(dt.UTC)
    # On either engine: every id checked before anything changes; then the
    # last build's success is forgotten, so that until this purge's run ends
    # (and records its own) the next build runs every dbt node
    # (orchestration/build_scope.py): the purged rows go in that build if not
    # in this one, and a Spark warehouse's tables are not in the file whose
    # signature the last build recorded.
    with hold_writer(data_dir.root):
        if engine.recorded(data_dir) == engine.SPARK:
            from orchestration.warehouse.spark import Queries, session

            # the rebuild below runs in this process: it uses this session's server
            with session(data_dir.spark) as spark:
                _check_named(ids, lambda sql, params: Queries(spark).execute(sql, params).fetchall()[0][0], SPARK_MATCH)
                forget_success(data_dir)
                files = _delete_lines_spark(spark, ids, now, result)
                ledger.write(data_dir.ledger_snapshot, ledger.read(Queries(spark)))
                _rebuild(data_dir, result, verbose)
        else:
            with connect(data_dir.warehouse, read_only=True) as con:
                _check_named(ids, lambda sql, params: con.execute(sql, params).fetchone()[0], DUCKDB_MATCH)
            forget_success(data_dir)
            files = _delete_lines_duckdb(data_dir, ids, now, result)
            _rebuild(data_dir, result, verbose)
    result.landing_files = sorted(name for name in files if (data_dir.landing / name).exists())
    return result


def _rebuild(data_dir: DataDir, result: PurgeResult, verbose: bool) -> None:
    """Every dbt node, incremental, then a serving release: the tables keyed by
    complaint drop the purged complaints' rows themselves (the dbt macros
    drop_purged_complaints and spark__rows_to_write); the others are rebuilt
    from them, as on every build."""
    result.outcome = run_writer_job(data_dir, REFRESH_JOB_NAME, verbose=verbose, log_name="purge")
    if result.outcome.success:
        serving.drop_previous_releases(data_dir.serving)


def _tombstoned_files(ids: list[tuple[Source, str]]) -> tuple[str, list[str]]:
    """The files that held a line of these complaints, by their tombstones: those
    of this purge and of any earlier one, so that running a purge again (to
    finish one whose run did not end) still names every landing file to redact."""
    keys = [complaint_key(complaint_id) for _, complaint_id in ids]
    placeholders = ", ".join("?" for _ in keys)
    return f"SELECT DISTINCT source_file FROM audit.purged_lines WHERE complaint_key IN ({placeholders})", keys


def _delete_lines_duckdb(
    data_dir: DataDir, ids: list[tuple[Source, str]], now: dt.datetime, result: PurgeResult
) -> set[str]:
    """One transaction: either every line of every id goes, or none does."""
    from orchestration.ingestion.run import discard_interrupted_files, ensure_schema

    with connect(data_dir.warehouse) as con:
        ensure_schema(con)
        # A file a killed build left half-loaded is not the warehouse's: its rows
        # go first (the next build loads it again), or the rebuild's
        # reconciliation would fail on them.
        discard_interrupted_files(con)
        con.begin()
        for source, complaint_id in ids:
            raw, quarantined = _delete_lines(con, source, complaint_id, now)
            result.n_raw_lines += len(raw)
            result.n_quarantined_lines += len(quarantined)
        con.commit()
        con.execute("CHECKPOINT")
        ledger.write(data_dir.ledger_snapshot, ledger.read(con))
        return {name for (name,) in con.execute(*_tombstoned_files(ids)).fetchall()}


# On Spark (Parquet: no DELETE, no transaction) the tombstones are written
# first, then every partition holding a tombstoned line is rewritten without
# it (dynamic partition overwrite) or, left empty, dropped. An interrupted
# purge leaves tombstones whose lines remain (the reconciliation test of the
# next build fails and says so); running the purge again finishes it.
SPARK_LAYERS = (
    ("raw", "raw.complaints", "ingested_at"),
    ("raw", "raw.cfpb_complaints", "ingested_at"),
    ("quarantine", "audit.quarantine", "quarantined_at"),
)


def _delete_lines_spark(spark, ids: list[tuple[Source, str]], now: dt.datetime, result: PurgeResult) -> set[str]:
    from orchestration.ingestion.schema import SPARK_TABLES, spark_ddl, spark_instant

    for statement in spark_ddl():
        spark.sql(statement)
    for source, complaint_id in ids:
        # the complaint's lines, fetched once (a handful): counted, then tombstoned
        matched = spark.sql(
            f"SELECT source_file, line_no, 'raw' AS layer FROM {source.raw_table} WHERE {RAW_NAMES}"
            " UNION ALL SELECT source_file, line_no, 'quarantine' AS layer FROM audit.quarantine"
            f" WHERE {source.names_quarantined(SPARK_MATCH)}",
            args=[complaint_id, source.quarantine_pattern(complaint_id)],
        ).toArrow()
        lines = matched.to_pylist()
        result.n_raw_lines += sum(line["layer"] == "raw" for line in lines)
        result.n_quarantined_lines += sum(line["layer"] == "quarantine" for line in lines)
        if not lines:
            continue
        spark.createDataFrame(matched).createOrReplaceTempView("purge_matched")
        # a line tombstoned by an interrupted purge keeps its one tombstone
        spark.sql(
            "INSERT INTO audit.purged_lines"
            " SELECT source_file, line_no, layer, ?, ? FROM purge_matched"
            " LEFT ANTI JOIN audit.purged_lines USING (source_file, line_no, layer)",
            args=[complaint_key(complaint_id), now],
        )
    for layer, table, partition in SPARK_LAYERS:
        columns = ", ".join(f"t.`{name}`" for name, _ in SPARK_TABLES[table][0])
        tombstoned = f"SELECT source_file, line_no FROM audit.purged_lines WHERE layer = '{layer}'"
        touched = (
            spark.sql(
                f"SELECT t.`{partition}` AS at, count_if(p.source_file IS NULL) AS kept FROM {table} AS t"
                f" LEFT JOIN ({tombstoned}) AS p ON t.source_file = p.source_file AND t.line_no = p.line_no"
                f" GROUP BY t.`{partition}` HAVING count_if(p.source_file IS NOT NULL) > 0"
            )
            .toArrow()
            .to_pylist()
        )
        rewritten = [spark_instant(row["at"]) for row in touched if row["kept"]]
        if rewritten:
            spark.sql(
                f"INSERT OVERWRITE TABLE {table} PARTITION (`{partition}`)"
                f" SELECT {columns} FROM {table} AS t"
                f" LEFT ANTI JOIN ({tombstoned}) AS p ON t.source_file = p.source_file AND t.line_no = p.line_no"
                f" WHERE t.`{partition}` IN ({', '.join(rewritten)})"
            )
        for row in touched:
            if not row["kept"]:
                spark.sql(f"ALTER TABLE {table} DROP IF EXISTS PARTITION (`{partition}` = {spark_instant(row['at'])})")
    sql, keys = _tombstoned_files(ids)
    return {row["source_file"] for row in spark.sql(sql, args=keys).toArrow().to_pylist()}
