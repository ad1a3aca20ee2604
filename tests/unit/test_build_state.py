"""When a build has nothing to do (orchestration/build_state.py), without Dagster or dbt."""

import os
import shutil

from orchestration import build_state, ledger
from orchestration.paths import REPO_ROOT


def built(data_dir):
    """A data directory as a successful build leaves it: one landed file in the
    ledger snapshot, a warehouse file, the success record."""
    path = data_dir.landing / "complaints-2024-01-01.jsonl"
    path.write_text("{}\n")
    stat = path.stat()
    ledger.write(
        data_dir.ledger_snapshot,
        {"files": [{"source_file": path.name, "size_bytes": stat.st_size, "mtime_ns": stat.st_mtime_ns}]},
    )
    data_dir.warehouse.write_bytes(b"warehouse")
    build_state.record_success(data_dir, "R1")
    return path


def test_nothing_new_only_while_landing_code_and_warehouse_are_as_the_last_build_left_them(data_dir):
    landed = built(data_dir)
    assert build_state.nothing_new(data_dir) == "R1"
    (data_dir.landing / "notes.txt").write_text("ignored names do not count")
    assert build_state.nothing_new(data_dir) == "R1"

    (data_dir.landing / "complaints-2024-01-02.jsonl").write_text("{}\n")  # a new dump
    assert build_state.nothing_new(data_dir) is None
    (data_dir.landing / "complaints-2024-01-02.jsonl").unlink()

    os.utime(landed, ns=(1, 1))  # touched or rewritten
    assert build_state.nothing_new(data_dir) is None
    built(data_dir)

    data_dir.warehouse.write_bytes(b"warehouse changed by a purge")
    assert build_state.nothing_new(data_dir) is None
    built(data_dir)

    build_state.forget_success(data_dir)  # a build started and did not finish
    assert build_state.nothing_new(data_dir) is None


def test_other_code_or_dbt_vars_mean_a_build_has_work(data_dir, monkeypatch):
    built(data_dir)
    monkeypatch.setattr(build_state, "code_fingerprint", lambda root=REPO_ROOT: "other code")
    assert build_state.nothing_new(data_dir) is None


def test_the_fingerprint_follows_models_vars_and_python_code(tmp_path):
    for name in build_state.CODE_PATHS:
        source = REPO_ROOT / name
        (shutil.copy if source.is_file() else shutil.copytree)(source, tmp_path / name)
    first = build_state.code_fingerprint(tmp_path)
    assert build_state.code_fingerprint(tmp_path) == first
    for edited in ("dbt_project.yml", "models/marts/ratings/platform_ratings.sql", "orchestration/cli.py"):
        path = tmp_path / edited
        original = path.read_text()
        path.write_text(original + "\n-- edited\n" if edited.endswith(".sql") else original + "\n# edited\n")
        assert build_state.code_fingerprint(tmp_path) != first, edited
        path.write_text(original)
    assert build_state.code_fingerprint(tmp_path) == first
