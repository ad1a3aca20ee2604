"""Progress of a build, read from the lines it logs (orchestration/progress.py)."""

import io

from orchestration.progress import BuildProgress, ProgressTee

LOG = (
    """\
2026-12-04 16:25:24 +0000 - dagster - INFO - build_warehouse - 3dfa - landing_ingestion - ingested 2 of 676 files, 87 lines
2026-12-04 16:25:25 +0000 - dagster - INFO - build_warehouse - 3dfa - landing_ingestion - ingested 676 of 676 files, 59,412 lines
2026-12-04 16:25:26 +0000 - dagster - INFO - build_warehouse - 3dfa - tousu_dbt_models - Running dbt command
"""
    + "".join(f"{n} of 20 START test t{n} [RUN]\n{n} of 20 PASS t{n} [PASS in 0.1s]\n" for n in range(1, 21))
    + """\
1 of 1 START hook: tousu.on-run-end.0 [RUN]
1 of 1 OK hook: tousu.on-run-end.0 [OK in 0.1s]
2026-12-04 16:25:46 +0000 - dagster - INFO - build_warehouse - 3dfa - serving__marts - serving release 1
"""
)


def shown(mode: str) -> tuple[str, str]:
    out, log = io.StringIO(), io.StringIO()
    progress = BuildProgress(mode, out)
    tee = ProgressTee(log, progress)
    for start in range(0, len(LOG), 37):  # written in pieces that split lines
        tee.write(LOG[start : start + 37])
    progress.close()
    return out.getvalue(), log.getvalue()


def test_plain_progress_is_a_line_per_step_and_per_tenth_of_the_dbt_nodes_and_the_log_is_whole():
    out, log = shown("plain")
    assert log == LOG
    lines = [line.split("] ", 1)[1] for line in out.splitlines()]
    assert lines[:2] == [
        "ingesting landing files: 2 of 676 files, 87 lines",
        "ingesting landing files: 676 of 676 files, 59,412 lines",
    ]
    assert "dbt build (models and tests): 20 of 20 nodes" in lines
    assert len([line for line in lines if "nodes" in line]) == 11  # the first node, then each tenth: not one per node
    assert not any("of 1 nodes" in line for line in lines)  # the hook's own count is not the build's
    assert lines[-1] == "writing the serving release"


def test_quiet_shows_nothing_and_a_terminal_gets_a_live_line():
    assert shown("quiet")[0] == ""
    terminal, _ = shown("terminal")
    assert "\x1b[" in terminal and "writing the serving release" in terminal
