"""Errors a user can cause end in one readable message and their own exit code,
never a Python traceback."""

import os
import subprocess
import sys

import pytest

from orchestration.cli import EXIT_BAD_CONFIG, EXIT_DATA_DIR_UNUSABLE, EXIT_NOT_BUILT, EXIT_USAGE
from orchestration.paths import DATA_DIR_ENV


def tousu(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "orchestration.cli", *args],
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(("args", "env", "code", "says"), [
    (("build",), {"TOUSU_DUCKDB_MEMORY_LIMIT": "lots"}, EXIT_BAD_CONFIG, "TOUSU_DUCKDB_MEMORY_LIMIT='lots'"),
    (("build",), {"TOUSU_DUCKDB_THREADS": "-3"}, EXIT_BAD_CONFIG, "TOUSU_DUCKDB_THREADS"),
    (("build",), {DATA_DIR_ENV: "{file}/data"}, EXIT_DATA_DIR_UNUSABLE, "cannot be used: Not a directory"),
    (("board",), {DATA_DIR_ENV: "{tmp}/never-built"}, EXIT_NOT_BUILT, "run `tousu build` first"),
    (("trace", "--platform", "x", "--period", "2024"), {DATA_DIR_ENV: "{tmp}/never-built"}, EXIT_NOT_BUILT, "first"),
    (("board", "--kind", "nonsense"), {}, EXIT_USAGE, "invalid choice"),
    (("generate", "--out", "{tmp}/g", "--complaints", "5"), {}, EXIT_USAGE, "--complaints must be at least"),
])
def test_one_message_its_own_exit_code_no_traceback(tmp_path, args, env, code, says):
    (tmp_path / "a-file").write_text("")
    fill = {"file": str(tmp_path / "a-file"), "tmp": str(tmp_path)}
    result = tousu(*(arg.format(**fill) for arg in args), env={k: v.format(**fill) for k, v in env.items()})
    assert result.returncode == code, result.stderr
    assert says in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_a_project_dbt_cannot_parse_is_a_configuration_error(monkeypatch, capsys):
    """A malformed var in dbt_project.yml stops `dbt parse` (its message is
    tested in test_dbt_vars); the CLI reports it with exit 8."""
    from orchestration import cli, manifest

    def refuse():
        raise manifest.DbtProjectInvalid("dbt cannot parse the project: dbt var 'rate_second_half' must be true or false")

    monkeypatch.setattr(manifest, "ensure_manifest", refuse)
    monkeypatch.setattr(cli, "_build", lambda *args, **kwargs: manifest.ensure_manifest())
    assert cli.main(["build"]) == EXIT_BAD_CONFIG
    assert "rate_second_half" in capsys.readouterr().err
