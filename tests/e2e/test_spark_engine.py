"""The Spark engine (issue 17): the foreign landing zone and the real CFPB
extracts, arriving in two batches and built on Spark, give the serving
tables, quarantine and ledger of the DuckDB engine's build of the same files,
and both agree with the oracle.

The first batch is every file but three; the second is a day's change: the
complaint later purged, a late reply to a complaint of July 2024 and a registry
that changes one platform and drops another. Its incremental build rewrites
only the months of the complaints it changed, and the registry snapshot keeps
the history on Parquet.

Before each batch's build, a build is killed at one of
test_crash_safety's crash points — mid-ingestion, between dbt models: where
Spark's Parquet tables, which have no transactions, could be left half
written — so the batches' builds also show that a re-run ends where an
uninterrupted build ends, and that a killed build leaves serving as it was.
(A build killed before the serving swap is test_crash_safety's: the swap is
the same on both engines, and a killed Spark build costs a whole build.)

One local Spark Connect server serves the whole module: each `tousu build`
finds it running and uses it, as a build finds a cluster's. The DuckDB
engine's build of the same files, all at once, is the module's own: a build
on DuckDB costs a fifth of one on Spark."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import shutil
import signal
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from cfpb_landing import LANDED as CFPB_FILES
from cfpb_landing import record_to_purge, write_cfpb_landing
from conftest import query, run_tousu
from e2e.test_crash_safety import CRASH_POINTS, build_killed_at, land
from foreign_landing import (
    PERSONAL_FILE,
    PERSONAL_ID,
    PERSONAL_NAME,
    REGISTRY_HEADER,
    REGISTRY_ROWS,
    TIE_STATE,
    late_reply_line,
    write_foreign_landing,
)
from spec_oracle import classify, file_lines, parse_ts, ratings, read_landing
from unit.test_purge_lines import QUARANTINED, TARGET
from unit.test_sql_functions import AMOUNT_CASES, BLANK_TEXTS, REGISTRY_DATE_CASES, TIMESTAMP_CASES

from orchestration import engine
from orchestration.ingestion.landing import scan
from orchestration.ingestion.run import triage
from orchestration.ingestion.spark_run import TASK_BYTES_ENV, WHOLE_FILE, plan_pieces
from orchestration.paths import DataDir
from orchestration.purge import CFPB, DUMPS
from orchestration.warehouse.serving import current_release
from orchestration.warehouse.spark import (
    CLUSTER_ENV,
    JAVA_OPTIONS_ENV,
    REMOTE_ENV,
    SHUFFLE_PARTITIONS_ENV,
    LocalServer,
    Queries,
    connect,
    scratch_dir,
)
from orchestration.warehouse.spark import session as engine_session
from orchestration.warehouse.sql_functions import register


@dataclass
class SparkBuilt:
    source: Path  # the landing files
    data_dir: DataDir  # built on Spark, batch by batch
    reference: DataDir  # the same files built at once on DuckDB
    exits: list[int]  # the build after each batch
    crashes: dict[str, tuple[int, str | None, str | None]]  # point: exit, release before and after
    published: tuple[int, list[tuple]]  # publishing PUBLISHED_PERIOD after the first batch: exit, live rows then
    partitions: tuple[dict, dict]  # the incremental tables' files per partition before and after the second batch
    spark: object  # a session on the module's server


# Published after the first batch; the second batch's complaint of November
# 2024 changes its live ratings.
PUBLISHED_PERIOD = "2024-Q4"
RATING_COLUMNS = "platform, domain, period_key, n_complaints, n_replied, reply_rate, composite_index, rating"
RATINGS_OF_PUBLISHED_PERIOD = (
    f"SELECT {RATING_COLUMNS} FROM marts.platform_ratings WHERE period_key = '{PUBLISHED_PERIOD}' ORDER BY ALL"
)

TASK_BYTES = 8 << 10

# Each of a test's statements runs once, on a few hundred rows: the JVM's
# optimising compiler (C2) spent a quarter of the server's CPU compiling code
# Spark generates anew for every statement. Ten times its thresholds leave it
# the code that runs hot; the parallel collector and a shuffle partition per
# core cost less CPU than G1 and eight (docs/benchmarks.md, eighth session).
TEST_JAVA_OPTIONS = (
    "-XX:Tier4InvocationThreshold=50000 -XX:Tier4MinInvocationThreshold=6000"
    " -XX:Tier4CompileThreshold=60000 -XX:Tier4BackEdgeThreshold=400000 -XX:+UseParallelGC"
)
TEST_SHUFFLE_PARTITIONS = 2
# Spark's interpreted evaluation instead of the code it generates and compiles
# (Janino, then the JIT) for every statement, which costs more than running a
# statement once on a few hundred rows: the module's CPU 384 s → 363 s on
# average (docs/benchmarks.md, ninth session). Spark tests both paths itself; `make bench`
# runs the product's defaults, generated code, and checks Spark's ratings equal
# the floor's. Read by the local server from spark-defaults.conf in
# SPARK_CONF_DIR, Spark's own file for any setting tousu does not set.
# The file's shuffle partitions lose to tousu's own setting (the test below).
TEST_SPARK_DEFAULTS = {
    "spark.sql.codegen.wholeStage": "false",
    "spark.sql.codegen.factoryMode": "NO_CODEGEN",
    "spark.sql.shuffle.partitions": "7",
}

# A folder planted in the server's temporary folder before it starts.
LEFT_BY_A_KILLED_SERVER = "blockmgr-of-a-killed-server"

# The crash point before each batch's build (test_crash_safety's, in its order), if any.
BATCH_CRASHES = ["ingest:before_commit", "dbt:after:intermediate__int_complaints__current_state"]

# The models Spark keeps partitioned by submitted_month (macro facts_config).
INCREMENTAL_TABLES = (
    "intermediate.int_complaints__current_state",
    "intermediate.int_complaint_replies",
    "core.fct_complaints",
    "core.fct_replies",
    "core.fct_evaluations",
)

# The second batch, beside the complaint later purged (PERSONAL_FILE): a late
# reply, and a complaint alone in its month, later purged too (the month its
# purge empties must go from every table keyed by complaint).
LATE_REPLY_FILE = "complaints-2024-08-late.jsonl"
LATER_REGISTRY_FILE = "platforms-2024-08.csv"
CHANGED_PLATFORM, DROPPED_PLATFORM = "德尔塔", "半年平台"
LATER_REGISTRY = [
    "德尔塔,金融科技,支付,2019-01-01,,是" if row.startswith(CHANGED_PLATFORM) else row
    for row in REGISTRY_ROWS
    if not row.startswith(DROPPED_PLATFORM)
]
SECOND_BATCH = [PERSONAL_FILE, LATE_REPLY_FILE, LATER_REGISTRY_FILE]
LONE_COMPLAINT = {
    "complaint_id": "L00001",
    "updated_at": "2023-06-20 10:00:00",
    "submitted_at": "2023-06-15 10:00:00",
    "platform": CHANGED_PLATFORM,
    "domain": "金融科技",
    "status": "未审核",
    "replies": [{"replied_at": "2023-06-16 09:00:00", "author": "mediator", "content": "已转交平台"}],
}
LONE_MONTH = "2023-06-01"
# Alone in its month in the first batch; the second batch corrects its
# submission date to July 2024, a month with other complaints: the month it
# leaves gets no row to write, and must go from every table it was in.
MOVED_FILE = "complaints-2023-05-moved.jsonl"
MOVED_FIRST_STATE = {
    "complaint_id": "M00001",
    "updated_at": "2023-05-20 10:00:00",
    "submitted_at": "2023-05-15 10:00:00",
    "platform": CHANGED_PLATFORM,
    "domain": "金融科技",
    "status": "已受理",
    "transferred_at": "2023-05-15 12:00:00",
    "replies": [{"replied_at": "2023-05-16 09:00:00", "author": "platform", "content": "已处理"}],
}
MOVED_STATE = dict(
    MOVED_FIRST_STATE,
    submitted_at="2024-07-15 10:00:00",
    updated_at="2024-07-25 10:00:00",
    transferred_at="2024-07-15 12:00:00",
    replies=[{"replied_at": "2024-07-16 09:00:00", "author": "platform", "content": "已处理"}],
)
MOVED_FROM_MONTH = "submitted_month=2023-05-01"


def write_spark_landing(source: Path) -> list[list[str]]:
    """Every file of the foreign landing and the CFPB extracts, a late reply
    beside a complaint alone in its month and a corrected submission date,
    and a later registry; returned as the two batches they arrive in."""
    write_foreign_landing(source)
    write_cfpb_landing(source)
    lone, moved_first, moved = (
        json.dumps(state, ensure_ascii=False).encode() + b"\n"
        for state in (LONE_COMPLAINT, MOVED_FIRST_STATE, MOVED_STATE)
    )
    (source / MOVED_FILE).write_bytes(moved_first)
    (source / LATE_REPLY_FILE).write_bytes(late_reply_line() + lone + moved)
    (source / LATER_REGISTRY_FILE).write_text("\n".join([REGISTRY_HEADER, *LATER_REGISTRY]) + "\n")
    first = sorted(path.name for path in source.iterdir() if path.name not in SECOND_BATCH)
    assert set(CFPB_FILES) <= set(first)
    return [first, SECOND_BATCH]


def partition_files(data_dir: DataDir, table: str) -> dict[str, set[str]]:
    """The Parquet files of each partition of a Spark table."""
    schema, name = table.split(".")
    folder = data_dir.spark / "warehouse" / f"{schema}.db" / name
    return {part.name: {f.name for f in part.glob("*.parquet")} for part in folder.glob("submitted_month=*")}


def _partitions(data_dir: DataDir) -> dict[str, dict[str, set[str]]]:
    return {table: partition_files(data_dir, table) for table in INCREMENTAL_TABLES}


def _spark_conf_dir(folder: Path, defaults: dict[str, str]) -> Path:
    """A SPARK_CONF_DIR whose spark-defaults.conf holds `defaults`."""
    folder.mkdir()
    (folder / "spark-defaults.conf").write_text("".join(f"{key} {value}\n" for key, value in defaults.items()))
    return folder


@pytest.fixture(scope="module")
def spark_built(tmp_path_factory) -> SparkBuilt:
    work = tmp_path_factory.mktemp("spark")
    source = work / "files"
    batches = write_spark_landing(source)
    reference = DataDir(work / "reference").create()
    land(source, reference)
    assert run_tousu(reference, "build") == 0
    data_dir = DataDir(work / "data").create()
    assert set(BATCH_CRASHES) - {None} <= set(CRASH_POINTS)
    # Small task pieces: every uncompressed dump is cut into byte ranges, as a
    # dump of many gigabytes is, so the parity below covers cut files.
    with pytest.MonkeyPatch.context() as env:
        env.setenv(JAVA_OPTIONS_ENV, TEST_JAVA_OPTIONS)
        env.setenv(SHUFFLE_PARTITIONS_ENV, str(TEST_SHUFFLE_PARTITIONS))
        env.setenv(TASK_BYTES_ENV, str(TASK_BYTES))
        env.setenv("SPARK_CONF_DIR", str(_spark_conf_dir(work / "spark-conf", TEST_SPARK_DEFAULTS)))
        (scratch_dir(data_dir.spark) / LEFT_BY_A_KILLED_SERVER).mkdir(parents=True)
        with LocalServer(data_dir.spark).session() as spark:
            exits, crashes = [], {}
            for number, (batch, point) in enumerate(zip(batches, BATCH_CRASHES, strict=True)):
                for name in batch:
                    shutil.copy2(source / name, data_dir.landing / name)
                if number == 0:
                    engine.record(data_dir, engine.SPARK)  # as `--engine spark` would, for the killed build
                else:
                    before = _partitions(data_dir)
                if point is not None:
                    release = current_release(data_dir.serving)
                    crashed = build_killed_at(data_dir, point)
                    crashes[point] = (crashed.returncode, release, current_release(data_dir.serving))
                exits.append(run_tousu(data_dir, "build", *(["--engine", "spark"] if number == 0 else [])))
                if number == 0:
                    live = query(data_dir.serving / "warehouse.duckdb", RATINGS_OF_PUBLISHED_PERIOD)
                    published = (run_tousu(data_dir, "publish", "--period", PUBLISHED_PERIOD), live)
            partitions = (before, _partitions(data_dir))
            yield SparkBuilt(source, data_dir, reference, exits, crashes, published, partitions, spark)


def spark_rows(built: SparkBuilt, sql: str) -> list[tuple]:
    """Rows read in a session of their own, as a new command would read them: a
    long-lived session keeps the file lists of the tables it has read, and
    the builds since rewrote partitions."""
    spark = connect(os.environ[REMOTE_ENV])
    try:
        return Queries(spark).execute(sql).fetchall()
    finally:
        spark.stop()


def test_every_batch_builds_after_a_killed_build_which_left_serving_as_it_was(spark_built):
    assert spark_built.exits == [0, 0]
    for point, (code, before, after) in spark_built.crashes.items():
        assert code == -signal.SIGKILL, point
        assert after == before, point  # a killed build never swaps serving
    # a release stood when the second build was killed, and stayed
    assert spark_built.crashes["dbt:after:intermediate__int_complaints__current_state"][1] is not None


def test_the_local_server_reads_spark_defaults_and_tousus_settings_win(spark_built):
    """SPARK_CONF_DIR's spark-defaults.conf reaches the local server
    (docs/operations.md); a setting tousu makes itself is tousu's."""
    conf = spark_built.spark.conf
    assert conf.get("spark.sql.codegen.wholeStage") == "false"
    assert conf.get("spark.sql.codegen.factoryMode") == "NO_CODEGEN"
    assert conf.get("spark.sql.shuffle.partitions") == str(TEST_SHUFFLE_PARTITIONS)


def test_the_local_servers_temporary_folders_are_in_the_data_directory(spark_built):
    """Spark's and Hive's scratch folders, which Hive left in /tmp for good,
    are in spark/tmp, emptied when a server starts."""
    scratch = scratch_dir(spark_built.data_dir.spark)
    assert list(scratch.glob("*_resources")) and list(scratch.glob("blockmgr-*"))  # Hive's session, Spark's blocks
    assert not (scratch / LEFT_BY_A_KILLED_SERVER).exists()


def test_a_clusters_server_is_used_as_it_is_and_the_environment_put_back(spark_built, monkeypatch, tmp_path):
    """TOUSU_SPARK_REMOTE names a server (here the module's own, standing in for
    a cluster's): no local server starts, the session gets tousu's functions,
    and SPARK_REMOTE is as it was afterwards."""
    url = os.environ[REMOTE_ENV]
    monkeypatch.setenv(CLUSTER_ENV, url)
    monkeypatch.setenv(REMOTE_ENV, "sc://elsewhere:15002")
    with engine_session(tmp_path / "spark") as spark:
        assert os.environ[REMOTE_ENV] == url
        assert spark.sql("SELECT tousu_nfkc('ＡＢ１')").first()[0] == "AB1"
    assert os.environ[REMOTE_ENV] == "sc://elsewhere:15002"
    assert not (tmp_path / "spark").exists()


def test_the_dumps_were_cut_into_pieces(spark_built, monkeypatch):
    """What the fixture's builds read: every dump larger than a piece, but the
    gzip one, in byte ranges (the parity tests below hold for them)."""
    monkeypatch.setenv(TASK_BYTES_ENV, str(TASK_BYTES))
    pending = [(f, triage(f, None)[0]) for f in scan(spark_built.source).files]
    pieces = plan_pieces(pending)
    cut = {p.source_file for p in pieces if p.piece == WHOLE_FILE}
    dumps = {
        f.name
        for f, _ in pending
        if f.name.startswith("complaints") and not f.name.endswith(".gz") and f.path.stat().st_size > TASK_BYTES
    }
    assert cut == dumps and len(dumps) >= 4 and len(pieces) > 3 * len(dumps)


def test_the_engine_is_recorded_and_kept(spark_built):
    assert json.loads((spark_built.data_dir.root / "engine.json").read_text()) == {"engine": "spark"}
    # asking for the other engine on this data directory stops before anything runs
    assert run_tousu(spark_built.data_dir, "build", "--engine", "duckdb") == 2


def test_a_publication_on_spark_stays_frozen_while_later_batches_change_the_ratings(spark_built):
    code, live_then = spark_built.published
    assert code == 0 and live_then
    served = spark_built.data_dir.serving / "warehouse.duckdb"
    published = query(
        served,
        f"SELECT {RATING_COLUMNS} FROM marts.published_ratings WHERE revision = 1 ORDER BY ALL",
    )
    assert published == live_then
    assert query(served, RATINGS_OF_PUBLISHED_PERIOD) != live_then  # the live ratings moved on
    assert query(served, "SELECT count(DISTINCT published_at), max(revision) FROM marts.published_ratings") == [(1, 1)]


def _served(warehouse: Path) -> dict[str, tuple[list, list]]:
    """Every served table: its columns with types, and its rows, sorted."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        names = [
            n for (n,) in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'marts'").fetchall()
        ]
        return {
            name: (
                con.execute(f"DESCRIBE marts.{name}").fetchall(),
                sorted(con.execute(f"SELECT * FROM marts.{name}").fetchall(), key=repr),
            )
            for name in names
        }


def _same_row(left: tuple, right: tuple) -> bool:
    """Counts and texts exactly, ratios within 1e-9."""
    return len(left) == len(right) and all(
        abs(a - b) <= 1e-9 if isinstance(a, float) and isinstance(b, float) else a == b
        for a, b in zip(left, right, strict=True)
    )


def test_serving_equals_the_duckdb_engines(spark_built):
    on_spark = _served(spark_built.data_dir.serving / "warehouse.duckdb")
    on_spark.pop("published_ratings")  # this build published; the other did not (its own test above)
    on_duckdb = _served(spark_built.reference.serving / "warehouse.duckdb")
    on_duckdb.pop("published_ratings", None)
    assert sorted(on_spark) == sorted(on_duckdb) and len(on_duckdb) >= 9
    for name, (columns, rows) in on_duckdb.items():
        spark_columns, spark_rows_ = on_spark[name]
        assert spark_columns == columns, name
        assert len(spark_rows_) == len(rows) and rows, name
        assert all(_same_row(a, b) for a, b in zip(spark_rows_, rows, strict=True)), name


def test_every_verdict_and_the_ledger_equal_the_duckdb_engines_and_the_oracle(spark_built):
    verdicts = "SELECT source_file, line_no, reason, raw_line FROM audit.quarantine"
    loaded = (
        "SELECT source_file, line_no FROM raw.complaints UNION ALL SELECT source_file, line_no FROM raw.platforms"
        " UNION ALL SELECT source_file, line_no FROM raw.cfpb_complaints"
    )
    ledger = (
        "SELECT source_file, sha256, kind, status, duplicate_of, n_lines, n_loaded, n_quarantined, n_blank"
        " FROM audit.ingested_files"
    )
    for sql in (verdicts, loaded, ledger):
        on_duckdb = query(spark_built.reference.warehouse, sql)
        assert sorted(spark_rows(spark_built, sql)) == sorted(on_duckdb), sql
    oracle = read_landing(spark_built.source)  # the dumps' and registries' rules (CFPB: tests/e2e/test_cfpb.py)
    got = {(f, n): r for f, n, r, _ in spark_rows(spark_built, verdicts) if f not in CFPB_FILES}
    got.update({(f, n): "loaded" for f, n in spark_rows(spark_built, loaded) if f not in CFPB_FILES})
    assert got == {key: reason for key, reason in oracle.verdicts.items() if reason != "blank"}


def test_ratings_agree_with_the_rules(spark_built):
    expected = ratings(read_landing(spark_built.source))
    rows = query(
        spark_built.data_dir.serving / "warehouse.duckdb",
        "SELECT platform, period_key, n_complaints, n_scored, reply_rate, timeliness, satisfaction,"
        " composite_index, eligible, rating FROM marts.platform_ratings",
    )
    got = {(row[0], row[1]): row for row in rows}
    assert set(got) == set(expected)
    for key, want in expected.items():
        row = got[key]
        assert (row[2], row[3], row[8], row[9]) == (
            want["n_complaints"],
            want["n_scored"],
            want["eligible"],
            want["rating"],
        ), key
        for index, column in enumerate(("reply_rate", "timeliness", "satisfaction", "composite_index"), start=4):
            assert abs(row[index] - want[column]) <= 1e-9, (key, column)


# Beyond the unit cases: where Java's regular expressions and Spark's parser
# could differ from DuckDB's (a vertical tab, a trailing newline, offsets past
# ±18:00, nanoseconds, an overflowing exponent).
EDGE_TEXTS = [
    "¥\x0b12",
    "12\n",
    "1e400",
    "-0",
    ".5",
    "5.",
    "1,2,3",
    "2024-03-01 10:00:00\n",
    "2024-03-01 10:00:00+08",
    "2024-03-01 10:00:00.123456789",
    "2024-03-01 10:00:00.1234567+08:00",
    "2024-03-01 10:00:00+19:30",
    "1986-06-01 12:00:00Z",
    "\u3000 分期乐 \t",
    "ＳＨＥＩＮ①",
    "分期\u200b乐",
    " 2024-02-29 ",
]


def test_sql_functions_agree_with_duckdbs(spark_built):
    texts = sorted(
        {text for text, _ in TIMESTAMP_CASES + AMOUNT_CASES + REGISTRY_DATE_CASES} | set(BLANK_TEXTS) | set(EDGE_TEXTS)
    )
    functions = ("tousu_local_ts", "tousu_amount", "tousu_date", "tousu_is_blank", "tousu_trim", "tousu_nfkc")
    select = ", ".join(f"{name}(text)" for name in functions)
    spark_built.spark.createDataFrame([(text,) for text in texts], "text string").createOrReplaceTempView("texts")
    rows = Queries(spark_built.spark).execute(f"SELECT text, {select} FROM texts").fetchall()
    on_spark = {row[0]: row[1:] for row in rows}
    with register(duckdb.connect()) as con:
        on_duckdb = {
            text: con.execute(f"SELECT {select} FROM (SELECT ? AS text)", [text]).fetchall()[0] for text in texts
        }
    assert on_spark == on_duckdb
    assert on_spark["2024-03-01 10:00:00+19:30"][0] == dt.datetime(2024, 2, 29, 22, 30)


def test_the_purges_patterns_match_the_same_lines_in_java_as_in_re2(spark_built):
    lines = [line for _, _, line, _ in QUARANTINED]
    patterns = [source.quarantine_pattern(TARGET) for source in (DUMPS, CFPB)]
    spark_built.spark.createDataFrame([(line,) for line in lines], "line string").createOrReplaceTempView("lines")
    select = ", ".join("line rlike ?" for _ in patterns)
    on_spark = sorted(Queries(spark_built.spark).execute(f"SELECT line, {select} FROM lines", patterns).fetchall())
    with duckdb.connect() as con:
        on_duckdb = sorted(
            (line, *(con.execute("SELECT regexp_matches(?, ?)", [line, p]).fetchone()[0] for p in patterns))
            for line in lines
        )
    # (which lines DuckDB's reading matches: tests/unit/test_purge_lines.py)
    assert on_spark == on_duckdb and all(any(row[i] for row in on_spark) for i in (1, 2))


def _trace_csv(data_dir: DataDir, name: str, period: str, subject: str = "--platform") -> tuple[int, str]:
    """`tousu trace SUBJECT NAME --period PERIOD --csv`: its exit code and output."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = run_tousu(data_dir, "trace", subject, name, "--period", period, "--csv")
    return code, out.getvalue()


def _audit(data_dir: DataDir) -> dict:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert run_tousu(data_dir, "audit", "--json") == 0
    found = json.loads(out.getvalue())
    for row in found["files"]:
        row.pop("ingested_at")  # each engine's own runs
    return {key: found[key] for key in ("files", "quarantine_reasons", "ignored_files", "purges")}


def test_audit_on_spark_prints_what_it_prints_on_duckdb(spark_built):
    on_spark = _audit(spark_built.data_dir)
    on_duckdb = _audit(spark_built.reference)
    assert on_spark["files"] == on_duckdb["files"] and len(on_spark["files"]) >= 12
    assert on_spark == on_duckdb


def test_trace_on_spark_prints_what_it_prints_on_duckdb(spark_built):
    ((platform, period),) = query(
        spark_built.reference.warehouse,
        "SELECT platform, period_key FROM marts.platform_ratings ORDER BY n_complaints DESC, platform, period_key LIMIT 1",
    )
    on_spark = _trace_csv(spark_built.data_dir, platform, period)
    assert on_spark == _trace_csv(spark_built.reference, platform, period)
    assert on_spark[0] == 0 and len(on_spark[1].splitlines()) > 5


def test_a_cfpb_trace_on_spark_prints_what_it_prints_on_duckdb(spark_built):
    company = "EQUIFAX, INC."
    on_spark = _trace_csv(spark_built.data_dir, company, "2019", subject="--company")
    assert on_spark == _trace_csv(spark_built.reference, company, "2019", subject="--company")
    assert on_spark[0] == 0 and len(on_spark[1].splitlines()) > 5


def test_facts_equal_the_duckdb_engines(spark_built):
    """Built incrementally over two batches (and two killed builds), the
    facts hold the rows of the DuckDB engine's, none lost, none twice."""
    reference = spark_built.reference
    for table in INCREMENTAL_TABLES:
        columns = ", ".join(
            name
            for name, *_ in query(reference.warehouse, f"DESCRIBE {table}")
            if name != "source_ingested_at"  # the time of each engine's own run
        )
        on_duckdb = sorted(query(reference.warehouse, f"SELECT {columns} FROM {table}"), key=repr)
        on_spark = sorted(spark_rows(spark_built, f"SELECT {columns} FROM {table}"), key=repr)
        assert len(on_spark) == len(on_duckdb) and on_duckdb, table
        assert all(_same_row(a, b) for a, b in zip(on_spark, on_duckdb, strict=True)), table


SNAPSHOT_COLUMNS = "platform, domain, industry, onboarded_at, offboarded_at, has_after_sales_contact"


def _second_batch_months(source: Path) -> dict[str, set[str]]:
    """The partitions each incremental table must rewrite for the second
    batch: the months of the complaints its valid dump lines change (the
    oracle's reading, not tousu's), and for evaluations only those of
    complaints that have one."""
    states = [
        record
        for name in SECOND_BATCH
        if name.startswith("complaints")
        for reason, record in map(classify, file_lines(source / name))
        if reason is None
    ]

    def partitions(of: list[dict]) -> set[str]:
        return {f"submitted_month={parse_ts(state['submitted_at']):%Y-%m}-01" for state in of}

    months = partitions(states)
    # the late reply's and the moved complaint's July, the new complaint's
    # November, the lone complaint's month
    assert len(months) == 3 and f"submitted_month={LONE_MONTH}" in months
    evaluated = partitions([state for state in states if state.get("evaluation")])
    return {table: evaluated if table == "core.fct_evaluations" else months for table in INCREMENTAL_TABLES}


def test_the_second_batch_rewrites_only_the_months_of_its_complaints(spark_built):
    """Every month its complaints are in is rewritten, and the month the moved
    complaint left, which no row is written for, is gone."""
    before, after = spark_built.partitions
    expected = _second_batch_months(spark_built.source)
    for table in INCREMENTAL_TABLES:
        left = {MOVED_FROM_MONTH} if table != "core.fct_evaluations" else set()
        assert left <= set(before[table]) and len(before[table]) >= 12, table
        assert set(after[table]) == (set(before[table]) - left) | expected[table], table
        rewritten = {part for part, files in after[table].items() if files != before[table].get(part)}
        assert rewritten == expected[table], table
    # the late reply is the second reply of its complaint
    replies = spark_rows(
        spark_built, f"SELECT content FROM core.fct_replies WHERE complaint_id = '{TIE_STATE['complaint_id']}'"
    )
    assert sorted(replies) == [("好",), ("已退款",)]


def test_the_registry_snapshot_keeps_its_history_on_parquet(spark_built):
    """The first batch's current registry named every platform; the second's
    changed one platform and dropped another."""
    versions = spark_rows(
        spark_built,
        f"SELECT {SNAPSHOT_COLUMNS}, dbt_valid_from, dbt_valid_to FROM snapshots.platform_registry_snapshot",
    )
    on_duckdb = query(
        spark_built.reference.warehouse, f"SELECT {SNAPSHOT_COLUMNS} FROM snapshots.platform_registry_snapshot"
    )
    closed = {row[0]: row for row in versions if row[-1] is not None}
    current = {row[0]: row for row in versions if row[-1] is None}
    assert len(current) + len(closed) == len(versions)  # one open version per platform, one closed change
    assert set(closed) == {CHANGED_PLATFORM, DROPPED_PLATFORM}
    assert closed[CHANGED_PLATFORM][5] is False and current[CHANGED_PLATFORM][5] is True
    assert closed[CHANGED_PLATFORM][-1] == current[CHANGED_PLATFORM][-2]  # closed when the new version began
    # the platforms as they are now: the DuckDB engine's build of the same registries
    assert sorted(row[:6] for row in current.values()) == sorted(on_duckdb)
    # every other version began with the first batch's build, before the change
    first_build = {row[-2] for name, row in current.items() if name != CHANGED_PLATFORM}
    assert first_build == {closed[CHANGED_PLATFORM][-2], closed[DROPPED_PLATFORM][-2]}
    assert len(first_build) == 1 and min(first_build) < current[CHANGED_PLATFORM][-2]


def test_purge_on_spark_erases_the_complaint_from_every_layer(spark_built):
    """Last in this module: it changes the warehouse the tests above read."""
    data_dir = spark_built.data_dir
    reference = spark_built.reference.warehouse
    # Besides the complainant, the complaint alone in its month: the purge's
    # incremental run writes no row for that month, which it must drop.
    lone_month = f"SELECT complaint_id FROM core.fct_complaints WHERE submitted_month = DATE'{LONE_MONTH}'"
    assert query(reference, lone_month) == [(LONE_COMPLAINT["complaint_id"],)]
    without_evaluations = [table for table in INCREMENTAL_TABLES if table != "core.fct_evaluations"]
    assert all(f"submitted_month={LONE_MONTH}" in partition_files(data_dir, t) for t in without_evaluations)
    ids = [PERSONAL_ID, LONE_COMPLAINT["complaint_id"]]
    # the lines the DuckDB engine's purge deletes (test_purge), counted on its warehouse
    with register(duckdb.connect()) as con:
        con.execute(f"ATTACH '{reference}' AS built (READ_ONLY)")
        ((n_raw, n_quarantined),) = con.execute(
            "SELECT (SELECT count(*) FROM built.raw.complaints WHERE list_contains($ids, tousu_trim(complaint_id))),"
            " (SELECT count(*) FROM built.audit.quarantine"
            "  WHERE list_bool_or(list_transform($patterns, lambda p: regexp_matches(raw_line, p))))",
            {"ids": ids, "patterns": [DUMPS.quarantine_pattern(complaint_id) for complaint_id in ids]},
        ).fetchall()
    assert n_raw >= 3 and n_quarantined == 1
    # and a CFPB record, in the three copies of the sample: one run for all
    cfpb_id = record_to_purge()["Complaint ID"]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        options = [option for complaint_id in ids for option in ("--complaint-id", complaint_id)]
        assert run_tousu(data_dir, "purge", *options, "--cfpb-complaint-id", cfpb_id) == 0
    assert (
        f"purged {', '.join(ids)}, CFPB {cfpb_id}: {n_raw + 3} raw line(s), {n_quarantined} quarantined line(s)"
        in out.getvalue()
    )
    # incremental, as on DuckDB: the month the purge emptied is gone from every table keyed by complaint
    run = data_dir.newest_dbt_run_results()
    assert not run["args"].get("full_refresh", False)
    for table in INCREMENTAL_TABLES:
        assert spark_rows(spark_built, f"SELECT count(*) FROM {table} WHERE submitted_month = DATE'{LONE_MONTH}'") == [
            (0,)
        ], table
        assert f"submitted_month={LONE_MONTH}" not in partition_files(data_dir, table), table
    (held,) = [r for r in run["results"] if r["unique_id"].endswith(".assert_no_purged_complaint_is_held")]
    assert held["status"] == "pass"
    assert str(data_dir.landing / PERSONAL_FILE) in out.getvalue()
    assert spark_rows(spark_built, "SELECT layer, count(*) FROM audit.purged_lines GROUP BY layer ORDER BY layer") == [
        ("quarantine", n_quarantined),
        ("raw", n_raw + 3),
    ]
    for table, column, needle in (
        *(
            (table, column, needle)
            for table, column in (
                ("raw.complaints", "complaint_id"),
                ("raw.complaints", "user"),
                ("audit.quarantine", "raw_line"),
                ("core.fct_complaints", "complaint_id"),
                ("intermediate.int_complaints__current_state", "complaint_id"),
            )
            for needle in (PERSONAL_ID, PERSONAL_NAME)
        ),
        ("raw.cfpb_complaints", "complaint_id", cfpb_id),
        ("core.fct_cfpb_complaints", "complaint_id", cfpb_id),
    ):
        assert spark_rows(spark_built, f"SELECT count(*) FROM {table} WHERE contains(`{column}`, '{needle}')") == [
            (0,)
        ], (table, column, needle)
    # every other line stays: the loaded lines are the DuckDB engine's but for the purged ones
    loaded = "SELECT count(*) FROM raw.complaints"
    assert spark_rows(spark_built, loaded)[0][0] == query(spark_built.reference.warehouse, loaded)[0][0] - n_raw
    loaded = "SELECT count(*) FROM raw.cfpb_complaints"
    assert spark_rows(spark_built, loaded)[0][0] == query(spark_built.reference.warehouse, loaded)[0][0] - 3
    # the purge's run ran every dbt test, the reconciliation of every landed line among them
    (reconciliation,) = [
        result
        for result in data_dir.newest_dbt_run_results()["results"]
        if ".assert_every_landed_line_accounted_for" in result["unique_id"]
    ]
    assert reconciliation["status"] == "pass"
    assert len(list((data_dir.serving / "releases").iterdir())) == 1
    assert query(
        data_dir.serving / "warehouse.duckdb",
        "SELECT count(*) FROM marts.typical_cases WHERE complaint_id = ?",
        [PERSONAL_ID],
    ) == [(0,)]
