"""Errors a user can cause end in one readable message and their own exit code,
never a Python traceback."""

import errno
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from orchestration.cli import (
    EXIT_BAD_CONFIG,
    EXIT_DATA_DIR_UNUSABLE,
    EXIT_INTERRUPTED,
    EXIT_NOT_BUILT,
    EXIT_USAGE,
)
from orchestration.paths import DATA_DIR_ENV


def tousu(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("args", "env", "code", "says"),
    [
        (("build",), {"TOUSU_DUCKDB_MEMORY_LIMIT": "lots"}, EXIT_BAD_CONFIG, "TOUSU_DUCKDB_MEMORY_LIMIT='lots'"),
        (("build",), {"TOUSU_DUCKDB_THREADS": "-3"}, EXIT_BAD_CONFIG, "TOUSU_DUCKDB_THREADS"),
        (("build",), {DATA_DIR_ENV: "{file}/data"}, EXIT_DATA_DIR_UNUSABLE, "cannot be used: Not a directory"),
        (("build",), {DATA_DIR_ENV: "{file}"}, EXIT_DATA_DIR_UNUSABLE, "cannot be used: it is not a directory"),
        (("board",), {DATA_DIR_ENV: "{file}"}, EXIT_DATA_DIR_UNUSABLE, "cannot be used: it is not a directory"),
        (("board",), {DATA_DIR_ENV: "{tmp}/never-built"}, EXIT_NOT_BUILT, "run `tousu build` first"),
        (
            ("trace", "--platform", "x", "--period", "2024"),
            {DATA_DIR_ENV: "{tmp}/never-built"},
            EXIT_NOT_BUILT,
            "first",
        ),
        (("board", "--kind", "nonsense"), {}, EXIT_USAGE, "invalid choice"),
        (("generate", "--out", "{tmp}/g", "--complaints", "5"), {}, EXIT_USAGE, "--complaints must be at least"),
    ],
)
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
        raise manifest.DbtProjectInvalid(
            "dbt cannot parse the project: dbt var 'rate_second_half' must be true or false"
        )

    monkeypatch.setattr(manifest, "ensure_manifest", refuse)
    monkeypatch.setattr(cli, "_build", lambda *args, **kwargs: manifest.ensure_manifest())
    assert cli.main(["build"]) == EXIT_BAD_CONFIG
    assert "rate_second_half" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args", [("board",), ("report", "--year", "2024"), ("trace", "--platform", "x", "--period", "2024")]
)
def test_read_only_commands_never_create_the_data_directory(tmp_path, args):
    result = tousu(*args, env={DATA_DIR_ENV: str(tmp_path / "nowhere")})
    assert result.returncode == EXIT_NOT_BUILT and "run `tousu build` first" in result.stderr
    assert not (tmp_path / "nowhere").exists()


def test_an_empty_data_dir_variable_means_the_default(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "board"],
        cwd=tmp_path,
        env={**os.environ, DATA_DIR_ENV: ""},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == EXIT_NOT_BUILT and f"nothing built yet in {tmp_path / 'data'}" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_is_a_message_naming_the_path_not_a_traceback(monkeypatch, capsys):
    from orchestration import cli

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "/data/logs/build.log")

    monkeypatch.setattr(cli, "_build", full)
    assert cli.main(["build"]) == EXIT_DATA_DIR_UNUSABLE
    err = capsys.readouterr().err
    assert "cannot write /data/logs/build.log: No space left on device" in err and "as the last finished step" in err


def test_ctrl_c_says_interrupted_exits_130_and_the_next_build_completes(tmp_path):
    data_dir = tmp_path / "data"
    (data_dir / "landing").mkdir(parents=True)
    (data_dir / "landing" / "complaints-2024-03-01.jsonl").write_text(
        json.dumps(
            {
                "complaint_id": "C1",
                "updated_at": "2024-03-01 10:00:00",
                "submitted_at": "2024-03-01 09:00:00",
                "platform": "分期乐",
                "domain": "金融科技",
                "status": "未审核",
            },
            ensure_ascii=False,
        )
        + "\n"
    )
    build = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "build"],
        start_new_session=True,
        env={**os.environ, DATA_DIR_ENV: str(data_dir)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    dbt_logs = data_dir / "logs" / "dbt"
    # dbt itself has started once its log exists in the invocation's folder
    while not list(dbt_logs.glob("*/dbt.log")) and build.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(3)  # interrupt once dbt runs models: the middle of the build
    os.killpg(build.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    out, err = build.communicate(timeout=120)
    assert build.returncode == EXIT_INTERRUPTED, err
    assert "tousu: interrupted" in err and "Traceback" not in err + out
    again = tousu("build", env={DATA_DIR_ENV: str(data_dir)})
    assert again.returncode == 0, again.stderr


def test_a_really_full_disk_fails_with_the_path_and_loads_nothing_half(tmp_path):
    """A build on a 2 MiB file system of its own (a private mount namespace, so
    nothing outside the test sees it): whatever write fails first, the message
    names it, there is no traceback, and no file is half-ingested."""
    mount = tmp_path / "small"
    mount.mkdir()
    lines = [
        json.dumps(
            {
                "complaint_id": f"C{n}",
                "updated_at": "2024-03-01 10:00:00",
                "submitted_at": "2024-03-01 09:00:00",
                "platform": "分期乐",
                "domain": "金融科技",
                "status": "未审核",
                "content": "投诉" * 400,
            },
            ensure_ascii=False,
        )
        for n in range(400)
    ]
    landing_source = tmp_path / "landing"
    landing_source.mkdir()
    (landing_source / "complaints-2024-03-01.jsonl").write_text("\n".join(lines) + "\n")
    script = f"""
        mount -t tmpfs -o size=2m tmpfs {mount} || exit 77
        mkdir {mount}/data && cp -r {landing_source} {mount}/data/landing
        TOUSU_DATA_DIR={mount}/data {sys.executable} -m orchestration.cli build
        code=$?
        {sys.executable} -c "import duckdb; c = duckdb.connect('{mount}/data/warehouse.duckdb', read_only=True); \\
            print('ledger', c.execute('SELECT count(*) FROM audit.ingested_files').fetchall()[0][0], \\
                  c.execute('SELECT count(*) FROM raw.complaints').fetchall()[0][0])" 2>/dev/null
        exit $code
    """
    result = subprocess.run(
        ["unshare", "--mount", "--propagation", "private", "bash", "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=os.getcwd(),
    )
    if result.returncode == 77 or "unshare failed" in result.stderr:
        pytest.skip(f"no private tmpfs here: {result.stderr.strip()}")
    assert result.returncode not in (0, 1), result.stdout + result.stderr
    assert "No space left on device" in result.stderr and "Traceback" not in result.stderr + result.stdout
    assert f"{mount}/data" in result.stderr  # the path it could not write
    # the ledger and raw agree: the file is all in or all out
    assert "ledger 0 0" in result.stdout or "ledger 1 400" in result.stdout, result.stdout
