"""Where a long build is, shown while it runs.

A build's Dagster and dbt output goes to its log file (orchestration/runner.py).
On its way there it passes through `ProgressTee`, which reads the few lines that
say how far the build is — ingestion's "ingested N of M files, L lines", dbt's
"K of T OK|PASS|…" per node, the step each line comes from — and shows them:
a live status line (rich) on a terminal, a plain line per step and per tenth of
the dbt nodes otherwise, nothing with `-q`.
"""

from __future__ import annotations

import io
import re
import time
from typing import TextIO

from rich.console import Console
from rich.status import Status

STEPS = {
    "landing_ingestion": "ingesting landing files",
    "tousu_dbt_models": "dbt build (models and tests)",
    "tousu_publication": "publishing ratings",
    "serving__marts": "writing the serving release",
}
_STEP = re.compile(r" - (" + "|".join(STEPS) + r") - ")
_INGESTED = re.compile(r"ingested (\d+) of (\d+) files, ([\d,]+) lines")
_DBT_NODE = re.compile(r"\b(\d+) of (\d+) (?:OK|PASS|ERROR|FAIL|WARN|SKIP)\b")


class BuildProgress:
    """The state of one run, and its display: 'terminal', 'plain' or 'quiet'."""

    def __init__(self, mode: str, out: TextIO):
        self.mode, self.out = mode, out
        self.started = time.monotonic()
        self.step: str | None = None
        self.ingested = ""
        self.nodes: tuple[int, int] | None = None
        self._reported_tenth = -1
        self._status: Status | None = None
        if mode == "terminal":
            self._status = Console(file=out, force_terminal=True).status(self.describe())
            self._status.start()

    def elapsed(self) -> str:
        seconds = int(time.monotonic() - self.started)
        return f"{seconds // 60:02d}:{seconds % 60:02d}"

    def describe(self) -> str:
        parts = [STEPS.get(self.step or "", "starting")]
        if self.step == "landing_ingestion" and self.ingested:
            parts.append(self.ingested)
        if self.step == "tousu_dbt_models" and self.nodes:
            parts.append(f"{self.nodes[0]} of {self.nodes[1]} nodes")
        return f"[{self.elapsed()}] " + ": ".join(parts)

    def line(self, text: str) -> None:
        """One line of the build's output."""
        changed = False
        if step := _STEP.search(text):
            changed = step.group(1) != self.step
            self.step = step.group(1)
        if ingested := _INGESTED.search(text):
            self.ingested = f"{ingested.group(1)} of {ingested.group(2)} files, {ingested.group(3)} lines"
            changed = True
        node = _DBT_NODE.search(text)
        if node and (self.nodes is None or int(node.group(2)) == self.nodes[1]):  # not a hook's "1 of 1"
            done, total = int(node.group(1)), int(node.group(2))
            self.nodes = (max(done, self.nodes[0] if self.nodes else 0), total)
            tenth = self.nodes[0] * 10 // total
            changed = changed or tenth != self._reported_tenth
            self._reported_tenth = tenth
        if self._status is not None:
            self._status.update(self.describe())
        elif self.mode == "plain" and changed:
            print(self.describe(), file=self.out, flush=True)

    def close(self) -> None:
        if self._status is not None:
            self._status.stop()


class ProgressTee(io.TextIOBase):
    """A text stream that writes to `log` and shows progress from whole lines."""

    def __init__(self, log: TextIO, progress: BuildProgress):
        self.log, self.progress = log, progress
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.log.write(text)
        self._pending += text
        *lines, self._pending = self._pending.split("\n")
        for line in lines:
            self.progress.line(line)
        return len(text)

    def flush(self) -> None:
        self.log.flush()
