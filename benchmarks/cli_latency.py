"""How long a person waits for each answer on a built data directory.

Each command runs as a new process (what a user or a script pays: interpreter
start, imports, the query), once to warm Python's bytecode cache and then three
times; the median is reported. `trace` lists the rating row with the most
complaints (every one of them printed), the heaviest answer there is. `build` here
is a build with nothing new (a schedule tick on a quiet day).

    python -m benchmarks.cli_latency DATA_DIR
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb

RUNS = 3
TARGET_SECONDS = {"build (nothing new)": 3.0}
READ_TARGET_SECONDS = 1.5


def commands(data_dir: Path) -> list[tuple[str, list[str]]]:
    with duckdb.connect(str(data_dir / "serving" / "warehouse.duckdb"), read_only=True) as con:
        ((platform, period),) = con.execute("""
            SELECT platform, period_key FROM marts.platform_ratings WHERE period_type = 'year'
            ORDER BY n_complaints DESC LIMIT 1""").fetchall()
        ((domain,),) = con.execute(
            "SELECT domain FROM marts.platform_ratings WHERE platform = $p LIMIT 1", {"p": platform}
        ).fetchall()
    return [
        ("tousu --help", ["--help"]),
        ("board", ["board", "--domain", domain, "--period", period]),
        ("trace", ["trace", "--platform", platform, "--period", period]),
        ("report", ["report", "--period", period, "--domain", domain]),
        ("audit --json", ["audit", "--json"]),
        ("build (nothing new)", ["build"]),
    ]


def measure(data_dir: Path) -> list[tuple[str, float, float]]:
    """(command, median seconds, target seconds) per command."""
    # Python's default: compiled modules cached, as on a user's machine (this
    # workplace sets PYTHONDONTWRITEBYTECODE, which makes every start compile).
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["TOUSU_DATA_DIR"] = str(data_dir)
    rows = []
    with tempfile.TemporaryFile() as sink:
        for name, args in commands(data_dir):
            times = []
            for run in range(RUNS + 1):  # the first run writes the bytecode caches: not counted
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "orchestration.cli", *args], env=env, stdout=sink, stderr=sink, check=True
                )
                if run:
                    times.append(time.perf_counter() - started)
            rows.append((name, statistics.median(times), TARGET_SECONDS.get(name, READ_TARGET_SECONDS)))
    return rows


def table(rows: list[tuple[str, float, float]]) -> str:
    lines = ["| command | median of 3 | target | met |", "|---|---|---|---|"]
    lines += [
        f"| `{name}` | {seconds:.2f} s | {target:.1f} s | {'yes' if seconds <= target else 'no'} |"
        for name, seconds, target in rows
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m benchmarks.cli_latency DATA_DIR")
    print(table(measure(Path(sys.argv[1]).resolve())))
