"""Pure functions of operations: freshness from the dbt manifest, publication vars, code version."""

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest

from orchestration.assets.dbt import publication_partitions, publication_vars
from orchestration.assets.ingestion_checks import FreshnessPolicy, declared_freshness, judge_freshness
from orchestration.cli import ingestion_summary
from orchestration.dbt_runs import PARTIAL_PARSE_FILE, keep_newest, seed_partial_parse
from orchestration.manifest import project_hash
from orchestration.process_env import environment
from orchestration.version import code_version

NOW = dt.datetime(2025, 3, 10, 12, 0, tzinfo=dt.UTC)
POLICY = FreshnessPolicy(
    dg.AssetKey(["raw", "complaints"]),
    "raw.complaints",
    "ingested_at",
    warn_after=dt.timedelta(days=2),
    error_after=dt.timedelta(days=7),
)


def test_freshness_is_read_from_the_dbt_sources():
    manifest = {
        "sources": {
            "source.tousu.tousu.complaints": {
                "schema": "raw",
                "name": "complaints",
                "loaded_at_field": "ingested_at",
                "freshness": {
                    "warn_after": {"count": 2, "period": "day"},
                    "error_after": {"count": 12, "period": "hour"},
                },
            },
            "source.tousu.tousu.platforms": {
                "schema": "raw",
                "name": "platforms",
                "loaded_at_field": "ingested_at",
                "freshness": {
                    "warn_after": {"count": None, "period": None},
                    "error_after": {"count": None, "period": None},
                },
            },
            "source.tousu.audit.quarantine": {
                "schema": "audit",
                "name": "quarantine",
                "loaded_at_field": "x",
                "freshness": None,
            },
        }
    }
    (policy,) = declared_freshness(manifest)
    assert policy.asset_key == dg.AssetKey(["raw", "complaints"])
    assert (policy.warn_after, policy.error_after) == (dt.timedelta(days=2), dt.timedelta(hours=12))


def test_the_project_declares_freshness_of_the_complaint_sources():
    from orchestration.assets.ingestion_checks import freshness_policies

    assert [p.table for p in freshness_policies()] == ["raw.cfpb_complaints", "raw.complaints"]


def test_fresh_stale_and_outage():
    fresh = judge_freshness(POLICY, NOW - dt.timedelta(hours=30), NOW)
    assert fresh.passed
    stale = judge_freshness(POLICY, NOW - dt.timedelta(days=3), NOW)
    assert not stale.passed and stale.severity == dg.AssetCheckSeverity.WARN
    assert stale.metadata["age_hours"].value == 72.0
    outage = judge_freshness(POLICY, NOW - dt.timedelta(days=8), NOW)
    assert not outage.passed and outage.severity == dg.AssetCheckSeverity.ERROR
    empty = judge_freshness(POLICY, None, NOW)
    assert not empty.passed and empty.severity == dg.AssetCheckSeverity.ERROR
    # a warehouse of CFPB exports only: the dumps' source is not in use
    unused = judge_freshness(POLICY, None, NOW, source_in_use=False)
    assert unused.passed and "not in use" in unused.metadata["newest_row"].value


def test_a_month_partition_publishes_periods_ending_in_that_month():
    window = publication_partitions.time_window_for_partition_key("2024-12")
    dbt_vars = publication_vars(window, None)
    assert (dbt_vars["publish_period_end_from"], dbt_vars["publish_period_end_before"]) == ("2024-12-01", "2025-01-01")
    assert "publish_period_key" not in dbt_vars
    one_period = publication_vars(window, "2024-Q4")
    assert one_period["publish_period_key"] == "2024-Q4" and "publish_period_end_from" not in one_period


def test_a_backfill_range_publishes_every_month_in_it():
    start = publication_partitions.time_window_for_partition_key("2024-01")
    end = publication_partitions.time_window_for_partition_key("2024-06")
    dbt_vars = publication_vars(dg.TimeWindow(start.start, end.end), None)
    assert (dbt_vars["publish_period_end_from"], dbt_vars["publish_period_end_before"]) == ("2024-01-01", "2024-07-01")


def test_code_version_names_the_package_and_commit():
    assert code_version().startswith("0.1.0+g")


def test_only_the_newest_dbt_artifacts_are_kept(tmp_path):
    for number in range(25):
        (tmp_path / f"run-{number:02d}").mkdir()
        os.utime(tmp_path / f"run-{number:02d}", (1_000_000 + number, 1_000_000 + number))
    keep_newest(tmp_path, 19)
    assert sorted(path.name for path in tmp_path.iterdir()) == [f"run-{n:02d}" for n in range(6, 25)]


def _parse_state(path: Path, text: str, mtime: int) -> Path:
    """A partial-parse file at `path` (its folder made), modified at `mtime`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.utime(path, (mtime, mtime))
    return path


def test_a_dbt_invocation_starts_from_its_steps_newest_parse_state(tmp_path):
    runs = tmp_path / "runs"
    project_state = _parse_state(tmp_path / "target" / PARTIAL_PARSE_FILE, "the project's", 1_000_000)
    for number, step in enumerate(["tousu_dbt_models", "tousu_dbt_models", "tousu_publication"]):
        _parse_state(runs / f"{step}-{number:08d}" / PARTIAL_PARSE_FILE, f"state {number}", 1_000_000 + number)
    (runs / "tousu_dbt_models-99999999").mkdir()  # an invocation that never parsed

    seed_partial_parse(runs, "tousu_dbt_models", runs / "tousu_dbt_models-new", project_state)
    assert (runs / "tousu_dbt_models-new" / PARTIAL_PARSE_FILE).read_text() == "state 1"

    seed_partial_parse(runs, "other_step", runs / "other_step-new", project_state)
    assert not (runs / "other_step-new").exists()

    # without a project state (target/ parsed elsewhere), the step's own is used
    project_state.unlink()
    seed_partial_parse(runs, "tousu_dbt_models", runs / "tousu_dbt_models-newer", project_state)
    assert (runs / "tousu_dbt_models-newer" / PARTIAL_PARSE_FILE).read_text() == "state 1"


def test_a_parse_state_older_than_the_projects_is_not_used(tmp_path):
    """After new code's `make manifest`, a data directory's states are earlier
    code's: dbt's partial parsing of them can keep old configuration, so the
    next invocation starts from the project's state (dagster-dbt's copy)."""
    runs = tmp_path / "runs"
    _parse_state(runs / "tousu_dbt_models-00000001" / PARTIAL_PARSE_FILE, "earlier code's", 1_000_000)
    project_state = _parse_state(tmp_path / "target" / PARTIAL_PARSE_FILE, "this code's", 1_000_001)

    seed_partial_parse(runs, "tousu_dbt_models", runs / "tousu_dbt_models-new", project_state)
    assert not (runs / "tousu_dbt_models-new").exists()


def test_a_build_environment_lasts_its_block_and_puts_back_what_was_there(monkeypatch):
    """A build's project hash must not reach a later publication's dbt."""
    monkeypatch.setenv("TOUSU_TEST_KEPT", "before")
    monkeypatch.delenv("TOUSU_TEST_NEW", raising=False)
    with pytest.raises(RuntimeError), environment({"TOUSU_TEST_KEPT": "during", "TOUSU_TEST_NEW": "during"}):
        assert (os.environ["TOUSU_TEST_KEPT"], os.environ["TOUSU_TEST_NEW"]) == ("during", "during")
        raise RuntimeError("the invocation failed to start")
    assert os.environ["TOUSU_TEST_KEPT"] == "before"
    assert "TOUSU_TEST_NEW" not in os.environ


def test_the_project_hash_changes_with_any_node_or_macro_and_only_then(tmp_path):
    """What scoped data tests' records are valid for (data_tests_on_changes)."""
    manifest = {
        "nodes": {"model.tousu.fct": {"checksum": {"name": "sha256", "checksum": "a1"}}},
        "macros": {"macro.tousu.changed_complaints": {"macro_sql": "select 1"}},
        "sources": {"source.tousu.raw.complaints": {"freshness": {}}},
    }

    def hashed(changes: dict) -> str:
        path = tmp_path / "manifest.json"
        path.write_text(json.dumps({**manifest, **changes}))
        return project_hash(path)

    same = hashed({})
    assert hashed({}) == same
    assert hashed({"sources": {}}) == same  # declarations change no row
    assert hashed({"nodes": {"model.tousu.fct": {"checksum": {"name": "sha256", "checksum": "b2"}}}}) != same
    assert hashed({"macros": {"macro.tousu.changed_complaints": {"macro_sql": "select 2"}}}) != same


@pytest.mark.parametrize(
    "args",
    [
        ["trace", "--platform", "x", "--period", "2024"],
        ["board"],
        ["report", "--year", "2024"],
        ["audit", "--json"],
    ],
)
def test_read_commands_start_without_dagster(tmp_path, args):
    """Read commands answer in well under a second because they never import
    Dagster (a second and more); an import slipped into one made `trace` 3x slower."""
    script = (
        "import sys\nfrom orchestration import cli\n"
        f"try:\n    cli.main({args!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted({name.split('.')[0] for name in sys.modules} & {'dagster', 'dagster_dbt', 'dbt'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "TOUSU_DATA_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr[-2000:]


def test_tousu_dbt_version_answers_without_dbt_as_dagster_dbt_reads_it():
    """dagster-dbt runs `<dbt executable> --version` before each invocation and
    takes the first x.y.z as dbt-core's version."""
    import re
    import subprocess
    import sys
    from importlib import metadata
    from pathlib import Path

    run = subprocess.run(
        [str(Path(sys.executable).parent / "tousu-dbt"), "--version"], capture_output=True, text=True, check=True
    )
    assert re.search(r"(\d+\.\d+\.\d+)", run.stdout).group(1) == metadata.version("dbt-core")
    assert f"duckdb: {metadata.version('dbt-duckdb')}" in run.stdout
    # and without importing dbt, pyarrow or duckdb: a twentieth of a second, not a quarter
    script = (
        "import sys\nfrom orchestration.warehouse import dbt_entry\nsys.argv = ['tousu-dbt', '--version']\n"
        "dbt_entry.main()\nprint(sorted({name.split('.')[0] for name in sys.modules} & {'dbt', 'pyarrow', 'duckdb'}))"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "[]", done.stderr[-2000:]


# A process started in the background (`cmd &`, a CI runner's job) ignores
# SIGINT; SIGTERM must still end it and the children it starts afterwards.
DAGSTER_RUN_IN_THE_BACKGROUND = """
import signal, subprocess
signal.signal(signal.SIGINT, signal.SIG_IGN)
signal.signal(signal.SIGTERM, signal.SIG_DFL)  # whatever the test's own process was left with
import dagster as dg
from orchestration.runner import termination_signals_kept

@dg.op
def nothing():
    pass

@dg.job
def job():
    nothing()

with termination_signals_kept():
    assert job.execute_in_process().success
print(signal.getsignal(signal.SIGTERM) == signal.SIG_DFL)
status = subprocess.run(["cat", "/proc/self/status"], capture_output=True, text=True, check=True).stdout
print(status.split("SigIgn:")[1].split()[0])
"""


def test_a_dagster_run_leaves_sigterm_to_end_the_process_and_its_later_children():
    """Dagster gives SIGTERM SIGINT's handler for a run and leaves it so (here:
    ignored); a local Spark server started afterwards then ignored the SIGTERM
    that stops it (orchestration/runner.py, termination_signals_kept)."""
    import signal

    done = subprocess.run([sys.executable, "-c", DAGSTER_RUN_IN_THE_BACKGROUND], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    restored, child_ignores = done.stdout.split()[-2:]
    assert restored == "True"
    assert not int(child_ignores, 16) & (1 << (signal.SIGTERM - 1))
    assert int(child_ignores, 16) & (1 << (signal.SIGINT - 1))  # what the caller ignored stays so


@pytest.mark.parametrize(
    ("counts", "printed"),
    [
        ({"lines_loaded": 8850, "lines_quarantined": 17}, ["  lines: 8,850 loaded, 17 quarantined, 0 blank"]),
        (
            {"lines_loaded": 0, "cfpb_records_loaded": 6623, "cfpb_records_quarantined": 2},
            ["  CFPB records: 6,623 loaded, 2 quarantined, 0 blank"],
        ),
        (
            {"lines_loaded": 5, "cfpb_records_loaded": 9},
            ["  lines: 5 loaded, 0 quarantined, 0 blank", "  CFPB records: 9 loaded, 0 quarantined, 0 blank"],
        ),
        ({"new_files": 0, "lines_loaded": 0}, ["  lines: 0 loaded, 0 quarantined, 0 blank"]),
    ],
)
def test_the_build_summary_counts_cfpb_records_apart_from_lines(counts, printed):
    assert ingestion_summary(counts) == printed


def test_the_local_spark_servers_jvm_takes_more_options_from_the_environment(monkeypatch, tmp_path):
    from orchestration.warehouse.spark import JAVA_OPTIONS_ENV, settings

    own_options = f"-Dderby.system.home={tmp_path} -Djava.io.tmpdir={tmp_path / 'tmp'}"
    monkeypatch.delenv(JAVA_OPTIONS_ENV, raising=False)
    assert settings(tmp_path)["spark.driver.extraJavaOptions"] == own_options
    monkeypatch.setenv(JAVA_OPTIONS_ENV, "-XX:+UseParallelGC -XX:StartFlightRecording=filename=spark.jfr")
    assert settings(tmp_path)["spark.driver.extraJavaOptions"] == (
        f"{own_options} -XX:+UseParallelGC -XX:StartFlightRecording=filename=spark.jfr"
    )
