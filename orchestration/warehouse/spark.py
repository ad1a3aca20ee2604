"""The Spark engine: a Spark Connect server per data directory, or a cluster's.

Every tousu process that reads or writes a Spark warehouse — the build's
ingestion and serving steps, the dbt process (`tousu-dbt`), purge, trace —
talks to one Spark Connect server, so the JVM, its metastore and its Python
workers start once, not once per process. Locally tousu starts that server
itself (`LocalServer`), with the metastore (Derby) and the warehouse folder in
the data directory's `spark/` folder: a data directory is then a whole Spark
warehouse, as `warehouse.duckdb` is a whole DuckDB one. With
TOUSU_SPARK_REMOTE set (`sc://host:15002`), tousu uses that server instead: a
cluster's, with its own metastore and storage (docs/operations.md, "Spark").
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock

from orchestration.process_env import environment
from orchestration.warehouse.sql_functions import SPARK_FUNCTIONS, nfkc

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import SparkSession

# A cluster's Spark Connect server; unset: a local server per data directory.
CLUSTER_ENV = "TOUSU_SPARK_REMOTE"
# The server tousu's processes use, set for the dbt process; pyspark reads it
# too (SparkSession.builder.getOrCreate() then connects to it).
REMOTE_ENV = "SPARK_REMOTE"
MASTER_ENV = "TOUSU_SPARK_MASTER"
DRIVER_MEMORY_ENV = "TOUSU_SPARK_DRIVER_MEMORY"
SHUFFLE_PARTITIONS_ENV = "TOUSU_SPARK_SHUFFLE_PARTITIONS"
# More options for the local server's JVM (a collector, a flight recording, JIT thresholds).
JAVA_OPTIONS_ENV = "TOUSU_SPARK_JAVA_OPTIONS"

# The persistent SQL functions live in this database: Spark looks an
# unqualified function up in the current database, which dbt never changes.
FUNCTIONS_DATABASE = "default"
SERVER_START_TIMEOUT_S = 180


class SparkServerError(RuntimeError):
    """The local Spark Connect server did not start (the message says why)."""


def scratch_dir(spark_dir: Path) -> Path:
    """The local server's temporary folder: its own, inside `spark_dir`."""
    return spark_dir / "tmp"


def settings(spark_dir: Path) -> dict[str, str]:
    """The local server's Spark configuration for a data directory's `spark/`."""
    return {
        "spark.master": os.environ.get(MASTER_ENV) or "local[*]",
        "spark.driver.memory": os.environ.get(DRIVER_MEMORY_ENV) or "4g",
        "spark.app.name": "tousu",
        "spark.ui.enabled": "false",
        "spark.log.level": "WARN",
        "spark.sql.warehouse.dir": str(spark_dir / "warehouse"),
        "spark.sql.catalogImplementation": "hive",
        "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={spark_dir / 'metastore'};create=true",
        # derby.log beside the metastore, not in the working directory; the
        # JVM's temporary folder (Spark's shuffle blocks and session folders,
        # Hive's) in the data directory, emptied at each start: in /tmp, Hive
        # left a folder of every server's session behind for good.
        "spark.driver.extraJavaOptions": (
            f"-Dderby.system.home={spark_dir} -Djava.io.tmpdir={scratch_dir(spark_dir)}"
            f" {os.environ.get(JAVA_OPTIONS_ENV, '')}"
        ).strip(),
        # Local wall-clock times (Asia/Shanghai, as SPEC states them) are
        # TIMESTAMP_NTZ, so no value shifts with a session's time zone; the
        # ingestion times are instants (TIMESTAMP_LTZ), shown in UTC.
        "spark.sql.timestampType": "TIMESTAMP_NTZ",
        "spark.sql.session.timeZone": "UTC",
        # tousu's tables are small per partition; Spark's 200 would make most
        # tasks empty (adaptive execution coalesces the rest).
        "spark.sql.shuffle.partitions": os.environ.get(SHUFFLE_PARTITIONS_ENV) or "8",
        # `insert overwrite` on a partitioned table replaces only the
        # partitions its rows fall in (the incremental facts).
        "spark.sql.sources.partitionOverwriteMode": "dynamic",
    }


def connect(url: str) -> SparkSession:
    """A new Spark Connect session on the server at `url` (sc://host:port):
    its own, so that stopping it never stops another block's session. The
    first of a process is also its default, which dbt-spark's getOrCreate()
    finds."""
    from pyspark.sql import SparkSession

    return SparkSession.builder.remote(url).create()


def register_functions(spark: SparkSession) -> None:
    """tousu's SQL functions, as persistent SQL functions of the metastore:
    every session of the server sees them (dbt's too)."""
    for name, (params, returns, body) in SPARK_FUNCTIONS.items():
        spark.sql(f"CREATE OR REPLACE FUNCTION {FUNCTIONS_DATABASE}.{name}({params}) RETURNS {returns} RETURN {body}")


def register_session_functions(spark: SparkSession) -> None:
    """What a metastore cannot hold, on one session: NFKC, which Spark SQL
    lacks, as a Python UDF — the very Arrow function DuckDB calls."""
    from pyspark.sql.functions import arrow_udf

    spark.udf.register("tousu_nfkc", arrow_udf(_nfkc_text, "string"))


def _nfkc_text(values):
    """`nfkc` on what Spark sends: a literal NULL arrives typed as null."""
    import pyarrow as pa

    return nfkc(values.cast(pa.string()))


class LocalServer:
    """The Spark Connect server of one data directory, on this machine.

    `spark/connect.json` says where a running one listens and which process
    owns it. A process that finds none starts one (under a file lock, so two
    never race for the metastore), owns it, and stops it when it is done. A
    process that finds one uses it and leaves it to its owner — unless the
    owner is gone (a crash, a kill): then it adopts the server and stops it
    when it is done, so a crashed build leaves no JVM behind for longer than
    until the next command on the directory."""

    def __init__(self, spark_dir: Path):
        self.spark_dir = spark_dir
        self.state_file = spark_dir / "connect.json"
        self.log_file = spark_dir / "connect-server.log"

    def _running(self) -> dict | None:
        try:
            state = json.loads(self.state_file.read_text())
        except (OSError, ValueError):
            return None
        return state if _pid_alive(state["pid"]) and _port_open(state["port"]) else None

    @contextlib.contextmanager
    def session(self) -> Iterator[SparkSession]:
        """A session on the running server, or on one started for this block."""
        self.spark_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.spark_dir / "connect.lock")):
            state = self._running()
            started = state is None
            if started:
                state = self._start()
            # a block nested in its owner's (the same process) only uses it
            owns = started or not _pid_alive(state["owner"])
            if owns and not started:
                state["owner"] = os.getpid()
                self.state_file.write_text(json.dumps(state))
        try:
            # the metastore keeps the SQL functions; once per server is enough
            with _session_at(f"sc://127.0.0.1:{state['port']}", register_persistent=owns) as spark:
                yield spark
        finally:
            if owns:
                self._stop(state["pid"])

    def _start(self) -> dict:
        import pyspark

        spark_home = Path(pyspark.__file__).parent
        port = _free_port()
        config = settings(self.spark_dir.resolve())
        # No server runs here (the caller holds the lock): what is in its
        # temporary folder is a stopped or killed one's.
        scratch = scratch_dir(self.spark_dir)
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(exist_ok=True)
        args = [
            str(spark_home / "bin" / "spark-submit"),
            "--master",
            config.pop("spark.master"),
            "--driver-memory",
            config.pop("spark.driver.memory"),
            "--class",
            "org.apache.spark.sql.connect.service.SparkConnectServer",
        ]
        config |= {"spark.connect.grpc.binding.address": "127.0.0.1", "spark.connect.grpc.binding.port": str(port)}
        for key, value in config.items():
            args += ["--conf", f"{key}={value}"]
        args.append("spark-internal")
        # Python workers run tousu's code (UDFs, ingestion's tasks): on this
        # interpreter, the venv's, not on whichever python3 is on PATH.
        env = dict(os.environ, SPARK_HOME=str(spark_home), PYSPARK_PYTHON=sys.executable)
        env.pop(REMOTE_ENV, None)
        with self.log_file.open("w") as log:
            process = subprocess.Popen(
                args, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while not _port_open(port):
            if process.poll() is not None or time.monotonic() > deadline:
                self._stop(process.pid)
                tail = self.log_file.read_text(errors="replace")[-2000:]
                raise SparkServerError(f"the local Spark server did not start (log: {self.log_file}):\n{tail}")
            time.sleep(0.2)
        state = {"pid": process.pid, "port": port, "owner": os.getpid()}
        self.state_file.write_text(json.dumps(state))
        return state

    def _stop(self, pid: int) -> None:
        """Stop the server (its whole process group: spark-submit's JVM)."""
        self.state_file.unlink(missing_ok=True)
        for signal_number, wait_s in ((signal.SIGTERM, 60), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal_number)
            deadline = time.monotonic() + wait_s
            while _pid_alive(pid) and time.monotonic() < deadline:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, os.WNOHANG)  # reap it when it is our child
                time.sleep(0.1)
            if not _pid_alive(pid):
                return


@contextlib.contextmanager
def session(spark_dir: Path) -> Iterator[SparkSession]:
    """A session for one command: the cluster's (TOUSU_SPARK_REMOTE) or the
    data directory's local server."""
    cluster = os.environ.get(CLUSTER_ENV)
    if not cluster:
        with LocalServer(spark_dir).session() as spark:
            yield spark
        return
    with _session_at(cluster, register_persistent=True) as spark:
        yield spark


@contextlib.contextmanager
def _session_at(url: str, register_persistent: bool) -> Iterator[SparkSession]:
    """A session on the server at `url` with tousu's functions, which
    SPARK_REMOTE names while it lasts (`tousu-dbt` finds the server there).
    The session stops before anything else: a session left open retries a
    stopped server for minutes when the interpreter exits."""
    with environment({REMOTE_ENV: url}):
        spark = connect(url)
        try:
            if register_persistent:
                register_functions(spark)
            register_session_functions(spark)
            yield spark
        finally:
            spark.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Queries:
    """DuckDB's `con.execute(sql).fetchall()` on a Spark session, for the read
    queries both engines share (the ledger, the freshness checks). Rows come
    through Arrow, so an instant is a datetime with its time zone, as DuckDB's."""

    def __init__(self, spark: SparkSession):
        self._spark, self._table = spark, None

    def execute(self, sql: str, params: dict | list | None = None) -> Queries:
        self._table = self._spark.sql(sql, args=params).toArrow()
        return self

    def sql(self, sql: str, params: dict | list | None = None) -> Queries:
        """DuckDB's `con.sql(sql, params=...)`, for `to_arrow_table()`."""
        return self.execute(sql, params)

    def fetchall(self) -> list[tuple]:
        return [tuple(row.values()) for row in self._table.to_pylist()]

    def to_arrow_table(self) -> pa.Table:
        return self._table
