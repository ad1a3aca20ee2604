"""The in-process runner: the CLI's build, refresh, publish and purge run their
Dagster job here, holding the writer lock, with the run's output in a log file."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import signal
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import dagster as dg

from orchestration.assets.keys import DBT_ASSET_NAME
from orchestration.jobs import BUILD_JOB_NAME
from orchestration.paths import DATA_DIR_ENV, DataDir
from orchestration.progress import BuildProgress, ProgressTee
from orchestration.warehouse.writer import hold_writer


@dataclass
class BuildOutcome:
    success: bool
    log_file: Path | None = None
    failed_step: str | None = None
    errors: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    warned_checks: list[str] = field(default_factory=list)
    n_checks_passed: int = 0
    materialized: dict[str, dict] = field(default_factory=dict)


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def _root_message(error) -> str:
    """The innermost cause's message, without colours or stack: the user's
    problem, not Dagster's wrapper."""
    if error is None:
        return "step failed"
    while error.cause is not None:
        error = error.cause
    message = _ANSI.sub("", error.message).split("Stack Trace:")[0]
    return "\n".join(line for line in message.strip().splitlines() if line.strip())


def _interrupted(error) -> bool:
    while error is not None:
        if error.cls_name in ("DagsterExecutionInterruptedError", "KeyboardInterrupt"):
            return True
        error = error.cause
    return False


def _instance(data_dir: DataDir) -> dg.DagsterInstance:
    """The Dagster instance CLI runs are recorded in: $DAGSTER_HOME if set, else
    the data directory's own (`make dagster` sets it up in dagster/), so that
    `tousu build` runs show in the UI beside the sensor's; else none kept."""
    if os.environ.get("DAGSTER_HOME"):
        return dg.DagsterInstance.get()
    if (data_dir.dagster_home / "dagster.yaml").exists():
        return dg.DagsterInstance.from_config(str(data_dir.dagster_home))
    return dg.DagsterInstance.ephemeral()


def run_build(
    data_dir: DataDir, verbose: bool = False, full_refresh: bool = False, progress: str = "quiet"
) -> BuildOutcome:
    """Ingest, dbt build, serving: one writer at a time per data directory (a
    second build raises WarehouseBusy at once, before touching anything).
    `full_refresh` rebuilds the incremental models from every raw line."""
    run_config = {"ops": {DBT_ASSET_NAME: {"config": {"full_refresh": full_refresh}}}}
    return run_writer_job(data_dir, BUILD_JOB_NAME, run_config, verbose=verbose, log_name="build", progress=progress)


def run_writer_job(
    data_dir: DataDir,
    job_name: str,
    run_config: dict | None = None,
    *,
    partition_key: str | None = None,
    verbose: bool = False,
    log_name: str = "run",
    progress: str = "quiet",
) -> BuildOutcome:
    """Run a job that writes the warehouse, in process, holding the writer lock.
    Unless verbose, dbt's log (which dagster-dbt echoes to stdout) goes to a
    file in logs/ instead of the terminal, and `progress` ('terminal', 'plain'
    or 'quiet') says how to show on stderr how far the run is."""
    data_dir.create()
    with hold_writer(data_dir.root):
        os.environ[DATA_DIR_ENV] = str(data_dir.root)
        if verbose:
            return _run_job(data_dir, job_name, run_config or {}, partition_key, "INFO")
        stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S")
        log_file = data_dir.logs / f"{log_name}-{stamp}-{os.getpid()}.log"
        # dagster-dbt echoes dbt to stdout and Dagster's console logger writes to
        # stderr: both go to the run's log file, so the terminal stays quiet.
        with log_file.open("w", encoding="utf-8") as log, children_write_to(log) as terminal:
            shown = BuildProgress(progress, terminal)
            try:
                tee = ProgressTee(log, shown)
                with contextlib.redirect_stdout(tee), contextlib.redirect_stderr(tee):
                    outcome = _run_job(data_dir, job_name, run_config or {}, partition_key, "INFO")
            finally:
                shown.close()
        outcome.log_file = log_file
        return outcome


@contextlib.contextmanager
def children_write_to(log: TextIO) -> Iterator[TextIO]:
    """Point file descriptor 2 at the run's log while the run lasts, so that
    what child processes write there (dbt's, and the `dbt --version` dagster-dbt
    runs, which prints a traceback when Ctrl-C reaches it) lands in the log, not
    on the terminal. Yields the stream the progress display writes to: the
    terminal's stderr, or sys.stderr itself when that is not file descriptor 2
    (a test capturing it)."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        real_stderr = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):
        real_stderr = False
    terminal = (
        open(os.dup(saved), "w", encoding=sys.stderr.encoding or "utf-8", errors="replace", buffering=1)
        if real_stderr
        else sys.stderr
    )
    os.dup2(log.fileno(), 2)
    try:
        yield terminal
    finally:
        # The terminal first, whatever happens to the log: on a full disk its
        # flush fails, and the message saying so must reach the user.
        os.dup2(saved, 2)
        os.close(saved)
        if terminal is not sys.stderr:
            terminal.close()


# What a process stops on: a Ctrl-C, and the SIGTERM of `kill` or of a scheduler.
TERMINATION_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def termination_signals_kept() -> Iterator[None]:
    """Put SIGINT's and SIGTERM's handlers back as they were once the run ends.

    Whenever Dagster swaps SIGINT's handler for a run, it gives SIGTERM the
    same one, and it restores SIGINT only: SIGTERM keeps SIGINT's original
    handler after the run. In a process started in the background SIGINT is
    ignored, so SIGTERM then is too, and so in every child started later
    (ignored signals are inherited): the local Spark server then ignores the
    SIGTERM that stops it, and each stop waits out its 60-s grace before a
    SIGKILL, the metastore left unclosed. In a foreground process, SIGTERM
    raised KeyboardInterrupt instead of ending it. Handlers can only be set
    from the main thread; a run elsewhere leaves them alone."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    saved = {number: signal.getsignal(number) for number in TERMINATION_SIGNALS}
    try:
        yield
    finally:
        for number, handler in saved.items():
            if handler is not None:  # None: set outside Python, which cannot be restored
                signal.signal(number, handler)


def _run_job(
    data_dir: DataDir, job_name: str, run_config: dict, partition_key: str | None, log_level: str
) -> BuildOutcome:
    from orchestration.manifest import ensure_manifest

    ensure_manifest()
    from orchestration.definitions import defs  # the dbt assets read the manifest when imported

    job = defs.resolve_job_def(job_name)
    with _instance(data_dir) as instance, termination_signals_kept():
        result = job.execute_in_process(
            instance=instance,
            raise_on_error=False,
            partition_key=partition_key,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}, **run_config},
        )
        outcome = BuildOutcome(success=result.success)
        for event in result.all_events:
            if event.is_step_failure and _interrupted(event.step_failure_data.error):
                # Ctrl-C: Dagster turned it into a step failure; it is the user's stop.
                raise KeyboardInterrupt
            if event.is_step_failure and outcome.failed_step is None:
                outcome.failed_step = event.step_key
                outcome.errors.append(_root_message(event.step_failure_data.error))
        for evaluation in result.get_asset_check_evaluations():
            name = f"{evaluation.asset_key.to_user_string()}: {evaluation.check_name}"
            if evaluation.passed:
                outcome.n_checks_passed += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                outcome.warned_checks.append(name)
            else:
                outcome.failed_checks.append(name)
        for materialization in result.get_asset_materialization_events():
            mat = materialization.event_specific_data.materialization
            outcome.materialized[mat.asset_key.to_user_string()] = {
                key: value.value for key, value in mat.metadata.items()
            }
    return outcome
