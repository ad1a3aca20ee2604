"""`make bench` / `make bench-large`: tousu against the floor and a pandas script.

    python -m benchmarks.run --complaints 1000000 [--work build/bench]

On the same landing files, each step in a process of its own, measured for wall
time and peak memory (RSS of the whole process tree):

1. generate the dumps (reused when already complete for the same arguments) and
   the day after them (1% new complaints, 1% late replies and evaluations);
2. `tousu build` from an empty data directory (ingest, dbt build with every
   test, serving);
3. the next day lands, `tousu build` again (incremental);
4. the floor — one hand-written DuckDB query (benchmarks/floor.sql) over all the
   files — and a plain pandas script (benchmarks/pandas_ratings.py), each
   computing the monthly rating rows (kept and reused for the same files: they
   do not depend on tousu's code; --rerun-baselines measures them again);
5. steps 2 and 3 again on the Spark engine, once per Spark master
   (--spark-masters, default local[1] and local[2]: how the Spark path scales
   with cores is what a cluster buys).

The monthly results must be equal, or the run fails: all of them do the same
work. The table, the targets and the machine go to stdout and `<work>/<N>/results.md`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
import psutil

from benchmarks import cli_latency
from benchmarks.measure import Measurement, measure
from orchestration.generate.synthetic import DEFAULT_SEED
from orchestration.paths import DataDir

GIB = 1 << 30
KEY = ["platform", "period_key"]
COUNTS = ["n_complaints", "n_replied", "n_scored", "rating"]
RATIOS = ["reply_rate", "timeliness", "satisfaction", "composite_index"]
TOLERANCE = 1e-9


def _tousu(*args: str) -> list[str]:
    return [str(Path(sys.executable).with_name("tousu")), *args]


def _python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def _generated(folder: Path, command: list[str], env: dict[str, str], logs: Path) -> Measurement | None:
    """Run a generator unless `folder` holds a complete run of the same command."""
    marker = folder / ".complete"
    if marker.exists() and marker.read_text() == " ".join(command[1:]):
        return None
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    measured = measure(command, env, logs / f"{folder.name}.log")
    marker.write_text(" ".join(command[1:]))
    return measured


# Issue 19's targets: those of `make bench-large` at 10M complaints, and the
# two it sets for `make bench` at 1M (and any other size).
LARGE = 10_000_000


def issue_targets(complaints: int, full, incremental, floor, pandas, peak_bytes: int) -> list[tuple[str, bool, str]]:
    """(target, met, measured) for each of issue 19's targets at this size."""
    large = complaints >= LARGE
    full_factor, day_share = (2, 0.03) if large else (3, 0.10)
    targets = [
        (
            f"full build within {full_factor}x the floor",
            full.seconds <= full_factor * floor.seconds,
            f"{full.seconds / floor.seconds:.2f}x",
        ),
        (
            f"incremental day within {day_share:.0%} of the full build",
            incremental.seconds <= day_share * full.seconds,
            f"{incremental.seconds / full.seconds:.1%}",
        ),
    ]
    if large:
        targets.append(
            (
                "incremental day at least 20x faster than the pandas script",
                pandas.seconds >= 20 * incremental.seconds,
                f"{pandas.seconds / incremental.seconds:.1f}x",
            )
        )
    targets.append(("peak memory under 4 GiB", peak_bytes < 4 * GIB, f"{peak_bytes / GIB:.2f} GiB"))
    return targets


def _link_all(source: Path, target: Path) -> None:
    """Hard links (the landing scan never follows symlinks): no copy of 20 GB."""
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()):
        if path.is_file() and not path.name.startswith(".") and not (target / path.name).exists():
            try:
                os.link(path, target / path.name)
            except OSError:  # another file system
                shutil.copy2(path, target / path.name)


def _dbt_seconds(data: Path) -> float:
    """dbt's own elapsed time in the newest build of `data`."""
    return DataDir(data).newest_dbt_run_results()["elapsed_time"]


def drop_page_cache() -> bool:
    """Start a step with a cold page cache where the machine allows it (root on
    Linux): 17 GB of dumps do not fit beside a build in 24 GB, so what a step
    finds cached would depend on the step before it. False where not allowed."""
    os.sync()
    try:
        Path("/proc/sys/vm/drop_caches").write_text("1\n")
        return True
    except OSError:
        return False


def _cold(command: list[str], env: dict[str, str], log: Path) -> Measurement:
    drop_page_cache()
    return measure(command, env, log)


def _files_key(folder: Path) -> list[list]:
    return [[p.name, p.stat().st_size] for p in sorted(folder.iterdir())]


def _baselines(
    files: Path, work: Path, env: dict[str, str], logs: Path, rerun: bool
) -> tuple[Measurement, Measurement, bool]:
    """The floor's and the pandas script's measurements. Neither depends on
    tousu's code, so each is kept (baselines.json, beside its result) and reused
    for the same files unless `rerun`; pandas takes minutes at 10M."""
    cache = work / "baselines.json"
    saved = json.loads(cache.read_text()) if cache.exists() and not rerun else {}
    if saved.get("files") != _files_key(files):
        saved = {"files": _files_key(files)}
    commands = {
        "floor": _python_module("benchmarks.floor", str(files), str(work / "floor.parquet")),
        "pandas": _python_module("benchmarks.pandas_ratings", str(files), str(work / "pandas.parquet")),
    }
    reused = True
    for name, command in commands.items():
        if name not in saved or not (work / f"{name}.parquet").exists():
            saved[name] = asdict(_cold(command, env, logs / f"{name}.log"))
            reused = False
        cache.write_text(json.dumps(saved))
    return Measurement(**saved["floor"]), Measurement(**saved["pandas"]), reused


def compare(build_parquet: Path, other_parquet: Path, name: str, other_where: str = "") -> int:
    """Monthly rows of the build vs another result; raises on any difference."""
    con = duckdb.connect()
    columns = ", ".join(KEY + COUNTS + RATIOS)
    con.execute(f"CREATE TABLE built AS SELECT {columns} FROM '{build_parquet}' WHERE period_type = 'month'")
    con.execute(f"CREATE TABLE other AS SELECT {columns} FROM '{other_parquet}' {other_where}")
    differing = con.execute(f"""
        SELECT coalesce(b.platform, o.platform), coalesce(b.period_key, o.period_key)
        FROM built b FULL JOIN other o USING ({", ".join(KEY)})
        WHERE b.platform IS NULL OR o.platform IS NULL
           OR {" OR ".join(f"b.{c} IS DISTINCT FROM o.{c}" for c in COUNTS)}
           OR {" OR ".join(f"abs(b.{c} - o.{c}) > {TOLERANCE}" for c in RATIOS)}
        LIMIT 5""").fetchall()
    if differing:
        raise SystemExit(f"{name} differs from the build's monthly ratings, e.g. {differing}")
    ((rows,),) = con.execute("SELECT count(*) FROM built").fetchall()
    return rows


@dataclass(frozen=True)
class SparkRun:
    master: str
    full: Measurement
    incremental: Measurement
    full_dbt: float
    incremental_dbt: float


def full_and_incremental(
    work: Path, data: Path, env: dict[str, str], logs: Path, log_prefix: str = "", *build_args: str
) -> tuple[Measurement, float, Measurement, float]:
    """Steps 2 and 3 in `data`: a build from the dumps, then one with the next
    day landed; each with dbt's own seconds."""
    env = {**env, "TOUSU_DATA_DIR": str(data)}
    _link_all(work / "source", data / "landing")
    full = _cold(_tousu("build", *build_args), env, logs / f"{log_prefix}full-build.log")
    full_dbt = _dbt_seconds(data)
    _link_all(work / "next-day", data / "landing")
    incremental = _cold(_tousu("build"), env, logs / f"{log_prefix}incremental-build.log")
    return full, full_dbt, incremental, _dbt_seconds(data)


def spark_builds(work: Path, master: str, env: dict[str, str], logs: Path) -> tuple[SparkRun, Path]:
    """Steps 2 and 3 on the Spark engine with `master`, in a data directory of their own."""
    name = "spark-" + "".join(c if c.isalnum() else "-" for c in master).strip("-")
    data = work / name
    shutil.rmtree(data, ignore_errors=True)
    spark_env = {**env, "TOUSU_SPARK_MASTER": master}
    full, full_dbt, incremental, incremental_dbt = full_and_incremental(
        work, data, spark_env, logs, f"{name}-", "--engine", "spark"
    )
    return SparkRun(master, full, incremental, full_dbt, incremental_dbt), data


def spark_table(duckdb_full: Measurement, duckdb_incremental: Measurement, runs: list[SparkRun]) -> list[str]:
    """Wall time per step and engine, each Spark master against the first
    (the speed-up more cores give) and against DuckDB."""
    if not runs:
        return []
    first = runs[0]
    header = ["step", "DuckDB", *(f"Spark {run.master}" for run in runs)]
    header += [f"{first.master} ÷ {run.master}" for run in runs[1:]]
    header += [f"Spark {run.master} ÷ DuckDB" for run in runs]
    rows = []
    for step, on_duckdb, of in (
        ("full build", duckdb_full, lambda run: run.full),
        ("incremental day", duckdb_incremental, lambda run: run.incremental),
    ):
        cells = [step, f"{on_duckdb.seconds:,.1f} s"]
        cells += [f"{of(run).seconds:,.1f} s ({of(run).peak_rss_bytes / GIB:.2f} GiB)" for run in runs]
        cells += [f"{of(first).seconds / of(run).seconds:.2f}x" for run in runs[1:]]
        cells += [f"{of(run).seconds / on_duckdb.seconds:.1f}x" for run in runs]
        rows.append(cells)
    dbt = [
        "dbt's share (full / incremental)",
        "",
        *(f"{run.full_dbt:,.0f} s / {run.incremental_dbt:,.0f} s" for run in runs),
    ]
    rows.append(dbt + [""] * (len(header) - len(dbt)))
    return [
        "",
        "Spark engine (`tousu build --engine spark`, a local Spark Connect server with "
        "TOUSU_SPARK_MASTER as given; wall time with peak RSS of the whole process tree, the JVM included):",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(cells) + " |" for cells in rows),
    ]


def machine() -> str:
    memory = psutil.virtual_memory().total / GIB
    cpu = platform.processor() or platform.machine()
    model = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            cpu,
        )
        if Path("/proc/cpuinfo").exists()
        else cpu
    )
    return (
        f"{os.cpu_count()} cores ({model}), {memory:.0f} GiB RAM, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, DuckDB {duckdb.__version__}"
    )


def _row(step: str, m: Measurement | None, floor: Measurement, note: str = "") -> str:
    if m is None:
        return f"| {step} | reused | | | {note} |"
    return (
        f"| {step} | {m.seconds:,.1f} s | {m.peak_rss_bytes / GIB:.2f} GiB | "
        f"{m.seconds / floor.seconds:.2f}x | {note} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--complaints", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--work", default="build/bench", help="where data and results go (reused sources)")
    parser.add_argument(
        "--rerun-baselines",
        action="store_true",
        help="measure the floor and pandas again even when measured on the same files before",
    )
    parser.add_argument(
        "--spark-masters",
        default="local[1],local[2]",
        help="Spark masters to build with too, comma-separated ('' for none)",
    )
    args = parser.parse_args(argv)
    masters = [master for master in args.spark_masters.split(",") if master]

    work = Path(args.work).resolve() / str(args.complaints)
    logs = work / "logs"
    data, all_files = work / "data", work / "all-files"
    for folder in (data, all_files, logs):
        shutil.rmtree(folder, ignore_errors=True)
    logs.mkdir(parents=True)
    env = {**os.environ, "TOUSU_DATA_DIR": str(data)}
    size = ["--complaints", str(args.complaints), "--seed", str(args.seed)]

    generated = _generated(work / "source", _tousu("generate", "--out", str(work / "source"), *size), env, logs)
    next_day = _generated(
        work / "next-day", _tousu("generate", "--next-day", "--out", str(work / "next-day"), *size), env, logs
    )
    full, full_dbt, incremental, incremental_dbt = full_and_incremental(work, data, env, logs)

    _link_all(data / "landing", all_files)  # the floor and pandas read exactly the build's files
    floor, pandas, reused = _baselines(all_files, work, env, logs, args.rerun_baselines)

    built = data / "serving" / "parquet" / "platform_ratings.parquet"
    n_rows = compare(built, work / "floor.parquet", "the floor query")
    compare(built, work / "pandas.parquet", "the pandas script")

    # what a person waits for on the built warehouse, after the day's build
    latency = cli_latency.measure(data)

    spark_runs = []
    for master in masters:
        run, spark_data = spark_builds(work, master, env, logs)
        compare(
            built,
            spark_data / "serving" / "parquet" / "platform_ratings.parquet",
            f"the Spark build ({master})",
            "WHERE period_type = 'month'",
        )
        spark_runs.append(run)

    tousu_peak = max(full.peak_rss_bytes, incremental.peak_rss_bytes)
    targets = issue_targets(args.complaints, full, incremental, floor, pandas, tousu_peak)
    lines = [
        f"## {args.complaints:,} complaints",
        "",
        f"Machine: {machine()}. Page cache dropped before each step: "
        f"{'yes' if drop_page_cache() else 'no (not permitted here)'}.",
        f"Command: `python -m benchmarks.run --complaints {args.complaints}`; "
        f"{n_rows:,} monthly rating rows, equal in all {3 + len(spark_runs)} results.",
        "",
        "| step | wall | peak RSS | vs floor | note |",
        "|---|---|---|---|---|",
        _row("generate", generated, floor, "`tousu generate`; not compared"),
        _row("generate the next day", next_day, floor, "1% new complaints, 1% updates"),
        _row("tousu: full build", full, floor, f"empty data dir; dbt {full_dbt:.1f} s"),
        _row("tousu: incremental day", incremental, floor, f"dbt {incremental_dbt:.1f} s"),
        _row(
            "floor: one DuckDB query",
            floor,
            floor,
            "monthly ratings only" + ("; measured by an earlier run on these files" if reused else ""),
        ),
        _row(
            "pandas script",
            pandas,
            floor,
            "monthly ratings only" + ("; measured by an earlier run on these files" if reused else ""),
        ),
        "",
        "| target | met | measured |",
        "|---|---|---|",
        *(f"| {name} | {'yes' if met else 'no'} | {value} |" for name, met, value in targets),
        "",
        "Answers on the built warehouse (`python -m benchmarks.cli_latency DATA_DIR`; a new process each):",
        "",
        cli_latency.table(latency),
        *spark_table(full, incremental, spark_runs),
    ]
    report = "\n".join(lines) + "\n"
    (work / "results.md").write_text(report)
    (work / "results.json").write_text(
        json.dumps(
            {
                "complaints": args.complaints,
                "machine": machine(),
                "steps": {
                    name: asdict(m) if m else None
                    for name, m in [
                        ("generate", generated),
                        ("generate_next_day", next_day),
                        ("full_build", full),
                        ("incremental_build", incremental),
                        ("floor", floor),
                        ("pandas", pandas),
                    ]
                },
                "dbt_seconds": {"full_build": full_dbt, "incremental_build": incremental_dbt},
                "spark": [asdict(run) for run in spark_runs],
                "targets": {name: met for name, met, _ in targets},
                "cli_seconds": {name: seconds for name, seconds, _ in latency},
            },
            indent=2,
        )
    )
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
