"""Run a command and measure it: wall time and the peak of the summed resident
memory of its whole process tree (a build runs dbt in a child process, so the
child's memory counts while it lives beside its parent)."""

from __future__ import annotations

import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

SAMPLE_SECONDS = 0.05


@dataclass(frozen=True)
class Measurement:
    seconds: float
    peak_rss_bytes: int


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:  # ended between listing and reading
            pass
    return total


def measure(command: list[str], env: dict[str, str], log: Path) -> Measurement:
    """Run `command` to its end (output to `log`); raise if it fails."""
    with log.open("wb") as output:
        started = time.perf_counter()
        child = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
        watched = psutil.Process(child.pid)
        peak = 0
        while child.poll() is None:
            try:
                peak = max(peak, _tree_rss(watched))
            except psutil.NoSuchProcess:
                break
            time.sleep(SAMPLE_SECONDS)
        returncode = child.wait()
        seconds = time.perf_counter() - started
    if returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed with exit {returncode}; see {log}")
    return Measurement(seconds, peak)
